"""The external protocol's version and its message items, shared by the lab service
(``vdwgym serve``) and the ``external`` agent, over HTTP and in process alike.

Version history (``docs/service.md`` has the full description):

* **1** - suggest / ingest with bare recipes; the service without ``/design``.
* **2** - sessions (one id per campaign), suggestion ids, the shared initial design offered
  at session start, a fixed seed per session, ingest items labelled by source and carrying a
  status, bounds with a tolerance (clipped values reported), evaluation status ``running``
  (the summary's ``n_running``), campaign names with ``.``, ``GET /campaigns/{cid}/design``.

A side that needs a newer version than the other speaks gets
:class:`~vdwgym.errors.ProtocolMismatch` naming the version it needs.
"""

from __future__ import annotations

from typing import Any

from vdwgym.errors import ProtocolMismatch
from vdwgym.outcome import Outcome

__all__ = ["PROTOCOL_VERSION", "PROTOCOL_HEADER", "SOURCES", "ingest_item", "check_version",
           "design_ids"]

PROTOCOL_VERSION = 2
"""The version this vdwgym speaks (and every version below it)."""

PROTOCOL_HEADER = "Vdwgym-Protocol"
"""HTTP header in which a client states the protocol version it needs."""

SOURCES = ("controller", "design", "other")
"""Where an ingested point came from: the controller's own suggestion (its ``id`` is the
suggestion id), the shared initial design (``design-K``), anything else (``None`` id)."""


def design_ids(n: int) -> list[str]:
    """Suggestion ids of the shared initial design's ``n`` points: ``design-0``, ..."""
    return [f"design-{k}" for k in range(n)]


def ingest_item(outcome: Outcome, target_deg: float, source: str, sid: str | None) -> dict[str, Any]:
    """One ingested evaluation: ``{"id", "source", "recipe", "status", "twist_deg",
    "regret_deg", "outcome"}``.

    ``status`` says what happened without reading a number: ``ok`` (a twist was measured),
    ``no_twist`` (the run ended but the layer is not crystalline: ``twist_deg`` is null),
    ``failed``, ``timeout``, ``cancelled``.  ``regret_deg`` = |twist - target| (deg) or null.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    status = outcome.status.value
    if status == "ok" and not outcome.ok:
        status = "no_twist"
    return {"id": sid, "source": source, "recipe": outcome.recipe.to_dict(), "status": status,
            "twist_deg": outcome.twist_deg if outcome.ok else None,
            "regret_deg": outcome.regret(target_deg), "outcome": outcome.to_dict()}


def check_version(theirs: Any, who: str) -> int:
    """The other side's stated version (an int >= 1); :class:`ProtocolMismatch` when it
    needs a newer one than :data:`PROTOCOL_VERSION`."""
    if theirs is None:
        return 1
    if isinstance(theirs, bool) or not isinstance(theirs, int) or theirs < 1:
        raise ProtocolMismatch(f"{who} stated protocol {theirs!r}: expected an integer >= 1")
    if theirs > PROTOCOL_VERSION:
        raise ProtocolMismatch(f"{who} needs vdwgym protocol {theirs}; this vdwgym speaks "
                               f"protocol {PROTOCOL_VERSION} (upgrade vdwgym)")
    return theirs
