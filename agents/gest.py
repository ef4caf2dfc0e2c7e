"""Any gest-api generator as a vdwgym agent, or as an external-protocol controller.

gest-api (libEnsemble, Xopt, optimas) generators are built from a VOCS and answer
``suggest(n) -> list[dict]``, ``ingest(list[dict])`` (inputs and outputs merged, ``_id``
for a generator that returns ids) and ``finalize()``.

* :class:`GestController` speaks the external protocol (``agents/external.py``) in
  process: one generator per session, built from the session's space as a VOCS
  (:meth:`vdwgym.space.ParameterSpace.to_vocs`) and seed.  Serve it over HTTP with
  ``vdwgym serve-controller --generator module:Class``.
* :class:`GestAgent` (registered as ``gest``) is the :class:`~vdwgym.agents.external.ExternalAgent`
  over an in-process :class:`GestController`: every generator becomes a vdwgym agent::

      vdwgym campaign --agent gest \\
          --agent-option generator=libensemble.gen_classes.sampling:UniformSample \\
          --agent-option seed_option=random_seed

Outputs are :func:`vdwgym.gest.outputs_of`; the shared initial design and points the
generator did not suggest are ingested without ``_id`` (as the standard asks); the campaign
calls ``finalize()`` when it stops.  A resumed
campaign rebuilds the generator and ingests the history again (the generator's own random
state is not saved: its later suggestions may differ from the run that was killed).
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from vdwgym.agents.base import SeedLike
from vdwgym.agents.external import ExternalAgent, UnknownSession
from vdwgym.errors import ConfigError, ValidationError
from vdwgym.gest import outputs_of
from vdwgym.protocol import PROTOCOL_VERSION
from vdwgym.space import ParameterSpace

__all__ = ["GestController", "GestAgent", "load_generator"]


def load_generator(spec: str) -> Any:
    """The generator class (or factory) named ``"module:Class"``."""
    if not isinstance(spec, str) or ":" not in spec:
        raise ValidationError("generator", "'module:Class' of a gest-api generator", spec)
    module, attr = spec.split(":", 1)
    try:
        return getattr(importlib.import_module(module), attr)
    except (ModuleNotFoundError, AttributeError) as exc:
        raise ConfigError(f"generator {spec!r} cannot be imported: {exc}") from exc


def build(factory: Any, vocs: Any, options: dict[str, Any]) -> Any:
    """``factory(vocs=vocs, **options)`` where it takes ``vocs`` by name (Xopt's pydantic
    generators), else ``factory(vocs, **options)`` (the standard's positional VOCS)."""
    try:
        named = "vocs" in inspect.signature(factory).parameters
    except (TypeError, ValueError):
        named = False
    return factory(vocs=vocs, **options) if named else factory(vocs, **options)


class _Session:
    def __init__(self, generator: Any, space: ParameterSpace, target_deg: float) -> None:
        self.generator = generator
        self.space = space
        self.target_deg = target_deg
        self.ids: dict[str, Any] = {}  # suggestion id -> the generator's _id
        self.n_ingested = 0
        self.n_suggested = 0


class GestController:
    """The external protocol over gest-api generators, one per session.

    Parameters
    ----------
    generator:
        ``"module:Class"`` or a callable ``(vocs, **options) -> generator`` (``vocs`` passed
        by name where the callable has a parameter of that name, as Xopt's generators do).
    options:
        Keyword arguments for the generator.
    seed_option:
        Name of the generator's seed argument (``random_seed`` for libEnsemble's samplers),
        given the session's seed; ``None`` passes no seed.
    """

    def __init__(self, generator: Any, options: dict[str, Any] | None = None,
                 seed_option: str | None = None) -> None:
        self.factory = load_generator(generator) if isinstance(generator, str) else generator
        self.options = dict(options or {})
        self.seed_option = seed_option
        self.sessions: dict[str, _Session] = {}

    def session(self, body: dict[str, Any]) -> dict[str, Any]:
        space = ParameterSpace.from_dict(body["space"])
        kwargs = dict(self.options)
        if self.seed_option:
            kwargs[self.seed_option] = int(body["seed"])
        old = self.sessions.pop(body["session"], None)
        if old is not None:
            self._finalize(old)
        self.sessions[body["session"]] = _Session(build(self.factory, space.to_vocs(), kwargs), space,
                                                  float(body["target_deg"]))
        return {"protocol": PROTOCOL_VERSION}

    def suggest(self, body: dict[str, Any]) -> dict[str, Any]:
        s = self._get(body)
        n = int(body["n"])
        points = s.generator.suggest(n)
        if len(points) != n:
            raise ValidationError("generator.suggest", f"exactly {n} points", len(points))
        out = []
        for p in points:
            sid = f"g{s.n_suggested}"
            s.n_suggested += 1
            if "_id" in p:
                s.ids[sid] = p["_id"]
            out.append({"id": sid, "recipe": {n_: float(p[n_]) for n_ in s.space.names}})
        return {"protocol": PROTOCOL_VERSION, "suggestions": out}

    def ingest(self, body: dict[str, Any]) -> dict[str, Any]:
        s = self._get(body)
        items = body["items"]
        skip = max(s.n_ingested - int(body.get("offset", s.n_ingested)), 0)
        fresh = items[skip:]
        results = []
        for it in fresh:
            ok = it["status"] == "ok"
            order = (it.get("outcome") or {}).get("order")
            point = {**it["recipe"], **outputs_of(ok, it.get("regret_deg"), it.get("twist_deg"), order)}
            if it.get("id") in s.ids:
                point["_id"] = s.ids.pop(it["id"])
            results.append(point)
        if results:
            s.generator.ingest(results)
        s.n_ingested += len(fresh)
        return {"ingested": len(fresh), "skipped": skip}

    def close(self) -> None:
        """``finalize()`` every session's generator."""
        for s in self.sessions.values():
            self._finalize(s)
        self.sessions.clear()

    def _get(self, body: dict[str, Any]) -> _Session:
        s = self.sessions.get(body.get("session"))
        if s is None:
            raise UnknownSession(f"unknown session {body.get('session')!r}")
        return s

    @staticmethod
    def _finalize(s: _Session) -> None:
        finalize = getattr(s.generator, "finalize", None)
        if callable(finalize):
            finalize()


class GestAgent(ExternalAgent):
    """A gest-api generator as a vdwgym agent (module docstring).

    Parameters
    ----------
    generator:
        ``"module:Class"`` of the generator (built as ``Class(vocs, **generator_options)``).
    generator_options:
        Its keyword arguments (JSON values: they are stored with the campaign).
    seed_option:
        Name of its seed argument, given a seed drawn from the agent's seed.
    """

    name = "gest"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike, generator: str,
                 generator_options: dict[str, Any] | None = None, seed_option: str | None = None) -> None:
        controller = GestController(generator, generator_options, seed_option)
        super().__init__(space, target_deg, seed, controller=controller)
        self.generator = generator

    def finalize(self) -> None:
        """``finalize()`` the generators (the campaign calls it when it stops); a later ask
        builds the generator again and ingests the history."""
        self.controller.close()

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "generator": self.generator}

