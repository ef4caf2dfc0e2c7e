"""Peer optimizers as agents (the optional ``peers`` extra): Optuna's TPE and GP samplers, Ax.

``optuna-tpe``
    ``TPESampler(multivariate=True, constant_liar=True)``: the batch is asked trial by trial
    with the earlier ones (and every running recipe) left RUNNING, which the constant liar
    treats as bad outcomes, so a batch spreads out.
``optuna-gp``
    ``GPSampler`` (Optuna's own GP + log EI; runs at full speed with ``greenlet``).
``ax``
    Ax's ``Client`` with its default generation strategy (Sobol initialization, then
    BoTorch's modular model with log noisy EI); the batch comes from one
    ``get_next_trials(n)``, topped up when Ax returns fewer trials than asked (it does at its
    initialization-to-model switch).

All three minimize the regret ``|twist - target|`` (degrees) over the unit cube; failed or
non-crystalline evaluations are FAIL trials.  Told recipes the agent did not ask (the shared
initial design) are added as completed trials, as Optuna's ``add_trial`` intends.

Resumption.  Optuna's samplers keep a random generator that advances with every suggestion
and is not part of the study, so a study rebuilt from storage does not continue the proposals
an uninterrupted one would make.  Here each ``ask`` builds a fresh in-memory study from the
agent's observations (completed / failed trials in telling order), the pending recipes
(enqueued and left RUNNING) and a sampler seeded by one integer drawn from the agent's
generator: the proposals are a function of the agent's state, which the campaign stores, so
a resumed campaign continues exactly (tests/agents/test_peers.py).  Rebuilding costs
``O(n)`` trial insertions per ask, small beside the samplers' own work.  The Ax agent does
the same with a fresh ``Client(random_seed=...)``: design and told recipes attached and
completed (or marked failed), pending ones attached and left RUNNING.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from vdwgym.agents.base import Agent, SeedLike
from vdwgym.errors import ValidationError, VdwgymError
from vdwgym.space import ParameterSpace

__all__ = ["OptunaAgent", "OptunaTPEAgent", "OptunaGPAgent", "AxAgent"]


def _require(module: str, agent: str):
    try:
        return __import__(module)
    except ImportError as exc:
        raise ValidationError("agent", "the 'peers' extra installed (pip install vdwgym[peers])",
                              agent, str(exc)) from None


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
        optuna = _require("optuna", self.name)
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


class AxAgent(Agent):
    """Ax's ``Client`` with its default generation strategy (see the module docstring).

    The objective is ``-regret`` (Ax maximizes), the parameters are the unit-cube
    coordinates ``u0 .. u{d-1}``.  Ax's own initialization (Sobol, center first) counts the
    attached trials, so after a shared design of 5 or more recipes every batch comes from its
    model.

    Parameters (beyond every agent's)
    ----------
    max_rounds:
        How many ``get_next_trials`` calls one ``ask`` may make to fill its batch (Ax returns
        fewer trials than asked where its generation strategy switches nodes).
    """

    name = "ax"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 max_rounds: int = 4) -> None:
        _require("ax", self.name)
        from ax.utils.common.logger import set_stderr_log_level

        super().__init__(space, target_deg, seed)
        if int(max_rounds) != max_rounds or max_rounds < 1:
            raise ValidationError("max_rounds", "an integer >= 1", max_rounds)
        self.max_rounds = int(max_rounds)
        self._names = [f"u{i}" for i in range(space.d)]
        set_stderr_log_level(logging.WARNING)  # Ax logs every client step at INFO to its own handler

    def _client(self, seed: int, pending_unit: np.ndarray):
        from ax import Client, RangeParameterConfig

        client = Client(random_seed=seed)
        client.configure_experiment(parameters=[
            RangeParameterConfig(name=k, parameter_type="float", bounds=(0.0, 1.0)) for k in self._names])
        client.configure_optimization(objective="-regret")
        regret = self.obs.regret(self.target_deg)
        for x, r, ok in zip(self.obs.X, regret, self.obs.ok, strict=True):
            idx = client.attach_trial(self._params(x))
            if ok:
                client.complete_trial(idx, raw_data={"regret": float(r)})
            else:
                client.mark_trial_failed(idx, failed_reason="failed or not crystalline")
        for x in pending_unit:  # attached trials stay RUNNING: Ax treats them as pending points
            client.attach_trial(self._params(x))
        return client

    def _params(self, x: np.ndarray) -> dict[str, float]:
        return {k: float(v) for k, v in zip(self._names, x, strict=True)}

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        seed = int(self.rng.integers(2**31))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Ax / linear_operator numerical and deprecation notes
            client = self._client(seed, pending_unit)
            out: list[list[float]] = []
            for _ in range(self.max_rounds):  # trials already generated stay RUNNING: seen as pending
                trials = client.get_next_trials(max_trials=n - len(out))
                out.extend([p[k] for k in self._names] for p in trials.values())
                if len(out) >= n:
                    break
        if len(out) < n:
            raise VdwgymError(f"ax: {len(out)} of {n} trials after {self.max_rounds} "
                              "get_next_trials calls (raise max_rounds)")
        return np.clip(np.array(out[:n], dtype=np.float64), 0.0, 1.0)


logging.getLogger("optuna").setLevel(logging.WARNING)
