"""A small in-process controller of the external protocol (version 2) for tests.

:class:`RecordingController` proposes seeded uniform points in each session's space,
answers with ids, records every body it is sent, and can :meth:`forget` its sessions to
play a controller that restarted.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from vdwgym.agents.external import UnknownSession
from vdwgym.protocol import PROTOCOL_VERSION

__all__ = ["RecordingController"]


class RecordingController:
    """Protocol-2 controller: ``calls`` holds ``(call, body)`` in order, ``suggestions``
    every suggestion it answered; ``protocol`` is the
    version it states (set it above 2 to play a controller newer than this vdwgym)."""

    def __init__(self, protocol: int = PROTOCOL_VERSION) -> None:
        self.protocol = protocol
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.suggestions: list[dict[str, Any]] = []
        self.sessions: dict[str, dict[str, Any]] = {}

    def session(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("session", copy.deepcopy(body)))
        self.sessions[body["session"]] = {"rng": np.random.default_rng(body["seed"]), "n": 0}
        return {"protocol": self.protocol}

    def suggest(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("suggest", copy.deepcopy(body)))
        s = self._get(body)
        out = []
        for _ in range(body["n"]):
            recipe = {d["name"]: float(s["rng"].uniform(d["low"], d["high"])) for d in body["space"]["dimensions"]}
            out.append({"id": f"{body['session']}/{s['n']}", "recipe": recipe})
            s["n"] += 1
        self.suggestions += copy.deepcopy(out)
        return {"protocol": self.protocol, "suggestions": out}

    def ingest(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("ingest", copy.deepcopy(body)))
        self._get(body)
        return {}

    def forget(self) -> None:
        """Lose every session, as a controller process that restarted."""
        self.sessions.clear()

    def bodies(self, call: str, session: str | None = None) -> list[dict[str, Any]]:
        return [b for c, b in self.calls if c == call and (session is None or b.get("session") == session)]

    def _get(self, body: dict[str, Any]) -> dict[str, Any]:
        s = self.sessions.get(body.get("session"))
        if s is None:
            raise UnknownSession(f"unknown session {body.get('session')!r}")
        return s
