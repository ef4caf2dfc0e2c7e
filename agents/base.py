"""The Agent protocol: ``ask(n, pending) -> recipes`` and ``tell(recipes, outcomes)``.

Every agent (random, BO, RL policy, external controller) implements this contract, so the
:class:`~vdwgym.campaign.Campaign`, the Gymnasium views and the benchmark drive them alike.

Rules an agent keeps:

* All randomness comes from the seed it was given (``numpy.random.Generator`` built from a
  ``SeedSequence``); nothing global.
* ``tell`` is deterministic and draws no random numbers, so the same history gives the same
  state.
* Failed or non-crystalline evaluations are told too (``outcome.ok`` is False); an agent must
  handle them, never drop them silently.
* ``state_dict()`` returns JSON-serializable state that ``load_state_dict`` restores exactly:
  the campaign stores it after each ask and tell, and a resumed campaign continues from it.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.outcome import Outcome, fold_twist
from vdwgym.space import ParameterSpace, Recipe

__all__ = ["Agent", "Observations", "make_rng", "rng_state", "set_rng_state"]

SeedLike = int | np.random.SeedSequence | None


def make_rng(seed: SeedLike) -> np.random.Generator:
    """A PCG64 generator from an int or a SeedSequence (``None`` is refused: seeds are explicit)."""
    if seed is None:
        raise ValidationError("seed", "an int or numpy.random.SeedSequence", seed,
                              "vdwgym never seeds from global state")
    return np.random.Generator(np.random.PCG64(seed))


def rng_state(rng: np.random.Generator) -> dict[str, Any]:
    """JSON-serializable state of a PCG64 generator."""
    st = rng.bit_generator.state
    return {"state": {k: int(v) for k, v in st["state"].items()},
            "has_uint32": int(st["has_uint32"]), "uinteger": int(st["uinteger"])}


def set_rng_state(rng: np.random.Generator, state: dict[str, Any]) -> None:
    rng.bit_generator.state = {"bit_generator": "PCG64", **state}


class Observations:
    """What an agent has been told, in unit-cube coordinates.

    Attributes (all numpy arrays, ``n`` = evaluations told so far):
        ``X``: ``n x d`` unit-cube recipes; ``twist``: ``n`` folded twists (NaN where not
        usable); ``ok``: ``n`` booleans (usable twist).
    """

    def __init__(self, d: int) -> None:
        self.d = d
        self.X = np.zeros((0, d))
        self.twist = np.zeros(0)
        self.ok = np.zeros(0, dtype=bool)

    def __len__(self) -> int:
        return len(self.twist)

    def add(self, X_unit: np.ndarray, outcomes: Sequence[Outcome]) -> None:
        tw = np.array([o.twist_deg if o.ok else np.nan for o in outcomes], dtype=np.float64)
        self.X = np.vstack([self.X, np.asarray(X_unit, dtype=np.float64).reshape(-1, self.d)])
        self.twist = np.concatenate([self.twist, tw])
        self.ok = np.concatenate([self.ok, np.isfinite(tw)])

    def regret(self, target_deg: float) -> np.ndarray:
        """``n`` regrets ``|twist - target|`` (NaN where the evaluation gave no twist)."""
        return np.abs(self.twist - fold_twist(target_deg))

    def to_dict(self) -> dict[str, Any]:
        return {"X": self.X.tolist(), "twist": [None if np.isnan(t) else float(t) for t in self.twist]}

    def load(self, data: dict[str, Any]) -> None:
        self.X = np.asarray(data["X"], dtype=np.float64).reshape(-1, self.d)
        self.twist = np.array([np.nan if t is None else t for t in data["twist"]], dtype=np.float64)
        self.ok = np.isfinite(self.twist)


class Agent(abc.ABC):
    """Base class of vdwgym agents.

    Parameters
    ----------
    space:
        The parameter space proposals must lie in.
    target_deg:
        The requested twist in degrees (folded to [0, 30]).
    seed:
        An int or ``numpy.random.SeedSequence``; the only source of randomness.

    Subclasses implement :meth:`propose` (unit-cube proposals) and may extend
    :meth:`state_dict` / :meth:`load_state_dict` for extra state.
    """

    name: ClassVar[str] = "agent"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike) -> None:
        self.space = space
        self.target_deg = fold_twist(float(target_deg))
        self.rng = make_rng(seed)
        self.obs = Observations(space.d)

    # ------------------------------------------------------------------ protocol
    def ask(self, n: int, pending: Sequence[Recipe] | None = None) -> list[Recipe]:
        """Propose ``n`` recipes; ``pending`` are recipes still being evaluated."""
        if int(n) != n or n < 1:
            raise ValidationError("n", "an integer >= 1", n)
        P = self.space.to_unit(self.space.to_array(pending)) if pending else np.zeros((0, self.space.d))
        U = np.asarray(self.propose(int(n), P), dtype=np.float64)
        if U.shape != (n, self.space.d):
            raise ValidationError(f"{self.name}.propose", f"shape ({n}, {self.space.d})", U.shape)
        return self.space.to_recipes(self.space.from_unit(U))

    def tell(self, recipes: Sequence[Recipe], outcomes: Sequence[Outcome]) -> None:
        """Record evaluated recipes and their outcomes (failed ones included)."""
        if len(recipes) != len(outcomes):
            raise ValidationError("outcomes", f"{len(recipes)} outcomes, one per recipe", len(outcomes))
        if not recipes:
            return
        self.obs.add(self.space.to_unit(self.space.to_array(recipes)), outcomes)
        self.observe()

    @abc.abstractmethod
    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        """Return ``n x d`` unit-cube proposals given ``pending_unit`` (``p x d``)."""

    def offer_design(self, recipes: Sequence[Recipe]) -> None:  # noqa: B027 - optional hook
        """Hook called once by the campaign, before any ask or tell, with its shared initial
        design (the recipes it will launch first, identical for every agent); the default
        ignores it.  Design points reach :meth:`tell` like any other evaluation."""

    def finalize(self) -> None:  # noqa: B027 - optional hook
        """Hook called by the campaign when it stops (after the last tell): release what the
        agent holds (the ``gest`` agent calls its generators' ``finalize()``)."""

    def observe(self) -> None:  # noqa: B027 - optional hook
        """Hook called after :meth:`tell` added observations to ``self.obs``; no randomness."""

    # ------------------------------------------------------------------ persistence
    def state_dict(self) -> dict[str, Any]:
        return {"agent": self.name, "target_deg": self.target_deg, "rng": rng_state(self.rng),
                "obs": self.obs.to_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("agent") != self.name:
            raise ValidationError("agent_state.agent", f"'{self.name}'", state.get("agent"))
        set_rng_state(self.rng, state["rng"])
        self.obs.load(state["obs"])
        self.observe()
