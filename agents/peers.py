"""Peer optimizers as agents (the optional ``peers`` extra): Optuna's TPE and GP samplers.

``optuna-tpe``
    ``TPESampler(multivariate=True, constant_liar=True)``: the batch is asked trial by trial
    with the earlier ones (and every running recipe) left RUNNING, which the constant liar
    treats as bad outcomes, so a batch spreads out.
``optuna-gp``
    ``GPSampler`` (Optuna's own GP + log EI; runs at full speed with ``greenlet``).

Both minimize the regret ``|twist - target|`` (degrees) over the unit cube; failed or
non-crystalline evaluations are FAIL trials.  Told recipes the agent did not ask (the shared
initial design) are added as completed trials, as Optuna's ``add_trial`` intends.

Resumption.  Optuna's samplers keep a random generator that advances with every suggestion
and is not part of the study, so a study rebuilt from storage does not continue the proposals
an uninterrupted one would make.  Here each ``ask`` builds a fresh in-memory study from the
agent's observations (completed / failed trials in telling order), the pending recipes
(enqueued and left RUNNING) and a sampler seeded by one integer drawn from the agent's
generator: the proposals are a function of the agent's state, which the campaign stores, so
a resumed campaign continues exactly (tests/agents/test_peers.py).  Rebuilding costs
``O(n)`` trial insertions per ask, small beside the samplers' own work.
"""

from __future__ import annotations

import logging

import numpy as np

from vdwgym.agents.base import Agent, SeedLike
from vdwgym.errors import ValidationError
from vdwgym.space import ParameterSpace

__all__ = ["OptunaAgent", "OptunaTPEAgent", "OptunaGPAgent"]


class OptunaAgent(Agent):
    """An Optuna sampler behind the ask/tell protocol (see the module docstring).

    Parameters (beyond every agent's)
    ----------
    n_startup_trials:
        Trials before the sampler's model is used (Optuna's default 10); the shared initial
        design counts.
    """

    name = "optuna"
    sampler_name = "tpe"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 n_startup_trials: int = 10) -> None:
        try:
            import optuna
        except ImportError as exc:
            raise ValidationError("agent", "the 'peers' extra installed (pip install vdwgym[peers])",
                                  self.name, str(exc)) from None
        super().__init__(space, target_deg, seed)
        if int(n_startup_trials) != n_startup_trials or n_startup_trials < 0:
            raise ValidationError("n_startup_trials", "an integer >= 0", n_startup_trials)
        self.n_startup_trials = int(n_startup_trials)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._dist = {f"u{i}": optuna.distributions.FloatDistribution(0.0, 1.0) for i in range(space.d)}

    def _sampler(self, seed: int):
        import optuna

        if self.sampler_name == "tpe":
            return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True,
                                              n_startup_trials=self.n_startup_trials)
        return optuna.samplers.GPSampler(seed=seed, n_startup_trials=self.n_startup_trials)

    def _study(self, seed: int, pending_unit: np.ndarray):
        import optuna

        study = optuna.create_study(direction="minimize", sampler=self._sampler(seed))
        regret = self.obs.regret(self.target_deg)
        trials = []
        for x, r, ok in zip(self.obs.X, regret, self.obs.ok, strict=True):
            params = {k: float(v) for k, v in zip(self._dist, x, strict=True)}
            state = optuna.trial.TrialState.COMPLETE if ok else optuna.trial.TrialState.FAIL
            trials.append(optuna.trial.create_trial(state=state, value=float(r) if ok else None,
                                                    params=params, distributions=self._dist))
        study.add_trials(trials)
        for x in pending_unit:  # running recipes: RUNNING trials (the constant liar sees them)
            study.enqueue_trial({k: float(v) for k, v in zip(self._dist, x, strict=True)})
            study.ask(self._dist)
        return study

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        seed = int(self.rng.integers(2**31))
        study = self._study(seed, pending_unit)
        out = []
        for _ in range(n):
            trial = study.ask(self._dist)  # stays RUNNING: later trials of the batch see it
            out.append([trial.params[k] for k in self._dist])
        return np.clip(np.array(out, dtype=np.float64), 0.0, 1.0)


class OptunaTPEAgent(OptunaAgent):
    """Optuna TPE, multivariate, constant liar."""

    name = "optuna-tpe"
    sampler_name = "tpe"


class OptunaGPAgent(OptunaAgent):
    """Optuna GPSampler."""

    name = "optuna-gp"
    sampler_name = "gp"


logging.getLogger("optuna").setLevel(logging.WARNING)
