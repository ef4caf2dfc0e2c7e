"""``vdwgym/Recrystallization-v0``: search for a recipe that recrystallizes a target twist.

One episode is one search campaign with a fixed evaluation budget; one step evaluates one
recipe on the lab's backend (the commensurate surrogate by default).

Action space
    ``Box(-1, 1, (d,), float32)``, mapped affinely onto the parameter space (default d = 3:
    temperature 1300-3200 K, lattice strain 0-0.05, shear strain 0.055-0.0575).  The
    physical recipe is in ``info["recipe"]``.
Observation space
    ``Box(float32, (5,))``:

    ====  ===================  ===========  =============================================
    idx   name                 range        meaning
    ====  ===================  ===========  =============================================
    0     target_deg           [0, 30]      requested twist, degrees
    1     last_twist_deg       [-1, 30]     last measured twist; -1 if none (failed or
                                            not crystalline, or no step yet)
    2     last_order           [-1, 10]     last order parameter; -1 if none
    3     best_regret_deg      [0, 30]      best |twist - target| so far (30 if none)
    4     budget_used          [0, 1]       fraction of the evaluation budget spent
    ====  ===================  ===========  =============================================
Reward
    ``-regret`` in degrees for a usable twist; ``-failure_penalty_deg`` (30 by default) for
    a failed or non-crystalline evaluation.
Termination
    ``terminated`` when the best regret is within ``tolerance_deg`` (default 0.1 deg);
    ``truncated`` when the budget is spent.

``target_deg=None`` draws a target uniformly from ``target_range_deg`` at each reset
(goal-conditioned use); ``reset(options={"target_deg": x})`` sets one for an episode.
The underlying :class:`~vdwgym.lab.Lab` is ``env.unwrapped.lab``; its
``submit(recipe) -> Future[Outcome]`` serves controllers that work asynchronously.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from vdwgym.backends.base import Backend
from vdwgym.backends.registry import make_backend
from vdwgym.errors import ValidationError
from vdwgym.lab import Lab
from vdwgym.outcome import Outcome
from vdwgym.space import PAPER_SPACE, ParameterSpace

__all__ = ["RecrystallizationEnv", "EpisodeSettings", "action_to_recipe", "observation_space", "build_backend"]

OBS_LOW = np.array([0.0, -1.0, -1.0, 0.0, 0.0], dtype=np.float32)
OBS_HIGH = np.array([30.0, 30.0, 10.0, 30.0, 1.0], dtype=np.float32)


def observation_space() -> gym.spaces.Box:
    return gym.spaces.Box(OBS_LOW, OBS_HIGH, dtype=np.float32)


def build_backend(backend: str | Backend, space: ParameterSpace | None,
                  backend_options: dict[str, Any] | None) -> Backend:
    if isinstance(backend, Backend):
        return backend
    return make_backend(backend, space or PAPER_SPACE, **(backend_options or {}))


@dataclass(frozen=True)
class EpisodeSettings:
    """What an episode of either view is: target (deg, or None to draw one per episode from
    ``target_range_deg``), budget (evaluations), tolerance (deg), failure penalty (deg)."""

    target_deg: float | None
    budget: int
    tolerance_deg: float
    target_range_deg: tuple[float, float]
    failure_penalty_deg: float

    def __post_init__(self) -> None:
        if self.target_deg is not None and not 0.0 <= float(self.target_deg) <= 30.0:
            raise ValidationError("target_deg", "None or a folded twist in [0, 30] deg", self.target_deg)
        lo, hi = self.target_range_deg
        if not 0.0 <= lo < hi <= 30.0:
            raise ValidationError("target_range_deg", "0 <= low < high <= 30 deg", (lo, hi))
        if int(self.budget) != self.budget or self.budget < 1:
            raise ValidationError("budget", "an integer >= 1", self.budget)

    def draw_target(self, options: dict[str, Any] | None, rng: np.random.Generator) -> float:
        target = (options or {}).get("target_deg", self.target_deg)
        return float(rng.uniform(*self.target_range_deg)) if target is None else float(target)

    def new_lab(self, backend: Backend, target_deg: float, rng: np.random.Generator) -> Lab:
        return Lab(backend, target_deg=target_deg, budget=int(self.budget),
                   seed=int(rng.integers(2**63)), tolerance_deg=float(self.tolerance_deg))


def action_to_recipe(space: ParameterSpace, action) -> dict[str, float]:
    """The physical recipe for an action in ``[-1, 1]^d`` (refuses NaN and bad shapes)."""
    a = np.asarray(action, dtype=np.float64)
    if a.shape != (space.d,):
        raise ValidationError("action", f"shape ({space.d},)", a.shape)
    if not np.all(np.isfinite(a)):
        raise ValidationError("action", "finite values in [-1, 1]", a.tolist())
    return dict(zip(space.names, space.from_action(a).tolist(), strict=True))


class EpisodeTracker:
    """The per-episode numbers behind one observation (shared by Env and VectorEnv)."""

    def __init__(self, target_deg: float, budget: int) -> None:
        self.target_deg = target_deg
        self.budget = budget
        self.last_twist = -1.0
        self.last_order = -1.0

    def update(self, outcome: Outcome) -> None:
        self.last_twist = outcome.twist_deg if outcome.ok else -1.0
        self.last_order = float(np.clip(outcome.order, -1.0, 10.0)) if outcome.order is not None else -1.0

    def observation(self, lab: Lab) -> np.ndarray:
        best = lab.best_regret
        return np.array([self.target_deg, self.last_twist, self.last_order,
                         30.0 if best is None else min(best, 30.0), lab.n_submitted / lab.budget],
                        dtype=np.float32)


def info_of(outcome: Outcome, lab: Lab, idx: int) -> dict[str, Any]:
    regret = outcome.regret(lab.target_deg)
    return {"recipe": outcome.recipe.to_dict(), "twist_deg": outcome.twist_deg,
            "crystalline": outcome.crystalline, "order": outcome.order, "status": outcome.status.value,
            "regret_deg": regret, "evaluation": idx, "seed": outcome.seed}


class RecrystallizationEnv(gym.Env):
    """Gymnasium view of one lab (see module docstring for spaces and units).

    Parameters
    ----------
    backend:
        ``"surrogate"`` (default), ``"lammps"`` or a :class:`~vdwgym.backends.Backend`.
    target_deg:
        Target twist in degrees, or ``None`` to draw one per episode.
    budget:
        Evaluations per episode.
    tolerance_deg:
        Regret at which the episode terminates.
    backend_options, space:
        Passed to the backend when it is built by name.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 1}

    def __init__(self, backend: str | Backend = "surrogate", target_deg: float | None = 8.5,
                 budget: int = 50, tolerance_deg: float = 0.1,
                 target_range_deg: tuple[float, float] = (1.0, 29.0),
                 failure_penalty_deg: float = 30.0, backend_options: dict[str, Any] | None = None,
                 space: ParameterSpace | None = None, render_mode: str | None = None) -> None:
        self.settings = EpisodeSettings(target_deg, budget, tolerance_deg, tuple(target_range_deg),
                                        float(failure_penalty_deg))
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValidationError("render_mode", f"None or one of {self.metadata['render_modes']}",
                                  render_mode)
        self.backend = build_backend(backend, space, backend_options)
        self.space = self.backend.space
        self.budget = int(budget)
        self.render_mode = render_mode
        self.action_space = gym.spaces.Box(-1.0, 1.0, (self.space.d,), dtype=np.float32)
        self.observation_space = observation_space()
        self.lab: Lab | None = None
        self._tracker: EpisodeTracker | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        target = self.settings.draw_target(options, self.np_random)
        self.lab = self.settings.new_lab(self.backend, target, self.np_random)
        self._tracker = EpisodeTracker(target, self.budget)
        return self._tracker.observation(self.lab), {"target_deg": target, "lab_seed": self.lab.seed}

    def step(self, action):
        if self.lab is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        if self.lab.budget_left <= 0 or self.lab.target_reached:
            raise gym.error.ResetNeeded("the episode has ended: call reset()")
        recipe = self.recipe_of(action)
        (outcome,) = self.lab.evaluate([recipe])
        self._tracker.update(outcome)
        regret = outcome.regret(self.lab.target_deg)
        reward = -float(regret) if regret is not None else -self.settings.failure_penalty_deg
        terminated = bool(self.lab.target_reached)
        truncated = bool(not terminated and self.lab.budget_left <= 0)
        return (self._tracker.observation(self.lab), reward, terminated, truncated,
                info_of(outcome, self.lab, self.lab.n_submitted - 1))

    def recipe_of(self, action) -> dict[str, float]:
        """The physical recipe for an action in ``[-1, 1]^d`` (refuses NaN and bad shapes)."""
        return action_to_recipe(self.space, action)

    def render(self) -> str | np.ndarray | None:
        """``"ansi"``: one line of text.  ``"rgb_array"``: ``(H, W, 3)`` uint8 of the top view
        of the last evaluation's final structure when it left a ``final.dump`` (MD), else of
        the episode's regret plot (surrogate)."""
        if self.render_mode is None or self.lab is None:
            return None
        if self.render_mode == "rgb_array":
            return self._render_rgb()
        best = self.lab.best_regret
        return (f"target {self._tracker.target_deg:.2f} deg, {self.lab.n_submitted}/{self.budget} "
                f"evaluations, best regret {'-' if best is None else f'{best:.3f}'} deg")

    def _render_rgb(self) -> np.ndarray:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6.4, 4.8), dpi=100, constrained_layout=True)
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        last = self.lab.completed[-1].outcome if self.lab.completed else None
        dump = Path(last.run_dir) / "final.dump" if last is not None and last.run_dir else None
        if dump is not None and dump.is_file():
            from vdwgym.analysis.readers import read_frames
            from vdwgym.pictures import plot_structure

            frame = read_frames(dump)[-1]
            plot_structure(frame.positions, frame.types, frame.cell, ax=ax,
                           type_names=frame.type_names, elements=frame.symbols)
        else:
            from vdwgym.plotting import draw_regret

            draw_regret(self.lab.evaluations, self.lab.target_deg, ax=ax,
                        tolerance_deg=self.lab.tolerance_deg)
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()

    def close(self) -> None:
        self.backend.close()
