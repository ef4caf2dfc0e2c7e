"""An outside autonomous-experiment controller as a vdwgym agent: the external protocol,
version 2 (:data:`vdwgym.protocol.PROTOCOL_VERSION`), over HTTP or in process alike.

A controller answers three calls, each a JSON object in and out (``docs/service.md``
has the full description and a sequence diagram)::

    session  {"protocol": 2, "session": id, "space": {...}, "target_deg": float,
              "seed": int, "design": [{"id": "design-0", "recipe": {...}}, ...]}
          -> {"protocol": 2}
    suggest  {"protocol": 2, "session": id, "n": int, "pending": [{"id", "recipe"}, ...],
              "space": {...}, "target_deg": float, "seed": int, "n_observed": int}
          -> {"suggestions": [{"id": str, "recipe": {...}}, ...]}      exactly n
    ingest   {"protocol": 2, "session": id, "offset": int, "target_deg": float,
              "items": [{"id", "source", "recipe", "status", "twist_deg", "regret_deg",
                         "outcome"}, ...]}
          -> any JSON object

Over HTTP each is ``POST {url}/{call}``; in process, a Python object with methods
``session(body)``, ``suggest(body)`` and ``ingest(body)`` returning the same dicts.

* **Sessions.**  One session per campaign (the id is the agent's, kept in its saved state),
  so one controller serves many campaigns at once.  The session opens with the campaign's
  shared initial design, offered as suggestions (ids ``design-K``) the controller may learn
  from; they are ingested later with ``source: "design"``.  Points the controller did not
  suggest are legal and labelled (``source: "other"``, id null).
* **Seed.**  ``seed`` is fixed for the whole session (drawn once from the agent's seed),
  an integer in ``[0, 2**32)`` that every library takes (numpy's RandomState, Optuna).
* **Ids.**  Each suggestion carries the controller's id (or one the agent assigns when it has
  none); its outcome comes back under that id.  Ids must be unique within a session.
* **Failures** are items with ``status`` ``failed``, ``timeout``, ``cancelled`` or
  ``no_twist`` (the layer did not crystallize) and ``twist_deg`` null: never a missing number.
* **Bounds** have the tolerance of :data:`vdwgym.space.BOUND_RTOL`: a suggested value that
  close past a bound is clipped, and the item ingested later carries the clipped recipe.
* **Restarts.**  A controller that lost a session answers HTTP 409 with
  ``{"field": "session"}`` (in process: raises :class:`UnknownSession`); the agent opens
  the session again and re-sends its history (``offset`` 0, items without ``outcome``),
  then repeats the call.  A resumed campaign may send a batch again: ``offset`` (outcomes
  ingested before the batch) lets the controller skip what it has seen.

Version 1 controllers (``session`` answers an HTTP error, or an answer without
``protocol``) keep working: they get the
version-1 bodies (``pending`` as bare recipes, ``recipes`` + ``outcomes`` in ``ingest``, a
fresh ``seed`` per ``suggest``) and may answer ``{"recipes": [...]}``.  A controller that
states a newer protocol than this vdwgym speaks gets :class:`~vdwgym.errors.ProtocolMismatch`.

Errors: a controller that cannot be reached, times out or answers an HTTP error raises
:class:`~vdwgym.errors.TransportError`; an answer with bad content (not JSON, the wrong
count, a value out of bounds, a repeated id) raises :class:`~vdwgym.errors.ValidationError`
naming the field (``suggest.suggestions[2].recipe.shear_strain``).  Nothing is recorded for
a refused answer, and outcomes are sent before the agent records them.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from vdwgym.agents.base import Agent, SeedLike
from vdwgym.errors import Conflict, TransportError, ValidationError
from vdwgym.outcome import Outcome
from vdwgym.protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    check_version,
    design_ids,
    ingest_item,
)
from vdwgym.space import ParameterSpace, Recipe

__all__ = ["ExternalAgent", "Controller", "HttpController", "UnknownSession"]

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 1 << 20


class UnknownSession(Conflict):
    """The controller does not know the session (it restarted): HTTP 409, field ``session``."""


class Controller(Protocol):
    """An external controller in process: the three calls of the protocol."""

    def session(self, body: dict[str, Any]) -> dict[str, Any] | None: ...

    def suggest(self, body: dict[str, Any]) -> dict[str, Any]: ...

    def ingest(self, body: dict[str, Any]) -> dict[str, Any] | None: ...


class HttpController:
    """A controller at ``url``, over HTTP (httpx): ``POST {url}/{call}`` with JSON bodies.

    ``session`` returns ``None`` for a version-1 controller (``/session`` answers an HTTP
    error: it has none).
    """

    def __init__(self, url: str, timeout_s: float = 30.0, token: str | None = None) -> None:
        import httpx

        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValidationError("url", "an http:// or https:// URL", url)
        if not (isinstance(timeout_s, (int, float)) and math.isfinite(timeout_s) and timeout_s > 0):
            raise ValidationError("timeout_s", "a number of seconds > 0", timeout_s)
        self.url = url.rstrip("/")
        self.timeout_s = float(timeout_s)
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._httpx = httpx
        self._http = httpx.Client(timeout=self.timeout_s, headers=headers)

    def session(self, body: dict[str, Any]) -> dict[str, Any] | None:
        return self.call("session", body)

    def suggest(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("suggest", body)

    def ingest(self, body: dict[str, Any]) -> dict[str, Any] | None:
        return self.call("ingest", body)

    def call(self, endpoint: str, body: dict[str, Any]) -> Any:
        httpx = self._httpx
        where = f"{self.url}/{endpoint}"
        try:
            resp = self._http.post(where, content=json.dumps(body, allow_nan=False).encode())
        except httpx.TimeoutException as exc:
            raise TransportError(endpoint, f"no answer within {self.timeout_s:g} s", where) from exc
        except httpx.HTTPError as exc:
            raise TransportError(endpoint, f"controller unreachable: {exc!r}", where) from exc
        if endpoint == "session" and resp.status_code >= 400 and resp.status_code != 409:
            return None
        if resp.status_code == 409 and _field_of(resp) == "session":
            raise UnknownSession(f"{where}: the controller does not know session {body.get('session')!r}")
        if resp.status_code >= 400:
            raise TransportError(endpoint, f"HTTP {resp.status_code}: {resp.text[:200]}", where,
                                 resp.status_code)
        raw = resp.content
        if len(raw) > MAX_ANSWER_BYTES:
            raise ValidationError(endpoint, f"an answer of at most {MAX_ANSWER_BYTES} bytes", len(raw))
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(endpoint, "a JSON answer", raw[:200].decode(errors="replace")) from exc

    def close(self) -> None:
        self._http.close()


def _field_of(resp) -> Any:
    try:
        data = resp.json()
    except ValueError:
        return None
    return data.get("field") if isinstance(data, dict) else None


def _load_controller(spec: Any) -> Any:
    """An in-process controller: an object, or ``"module:factory"`` (called with no arguments)."""
    if not isinstance(spec, str):
        return spec
    module, _, attr = spec.partition(":")
    if not attr:
        raise ValidationError("controller", "'module:factory' or a controller object", spec)
    return getattr(importlib.import_module(module), attr)()


class ExternalAgent(Agent):
    """Proposals from an outside controller (module docstring).

    Parameters
    ----------
    url:
        The controller's base URL (``http://127.0.0.1:9000/my-controller``), or
    controller:
        an in-process controller (an object with ``session``, ``suggest``, ``ingest``, or
        ``"module:factory"``).  Exactly one of ``url`` and ``controller``.
    timeout_s:
        Longest wait for one HTTP answer.
    token:
        Optional bearer token sent to the controller.
    session:
        The session id (default: a fresh random id, kept in the agent's saved state).
    """

    name = "external"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike, url: str | None = None,
                 timeout_s: float = 30.0, token: str | None = None, controller: Any = None,
                 session: str | None = None) -> None:
        super().__init__(space, target_deg, seed)
        if (url is None) == (controller is None):
            raise ValidationError("url", "exactly one of url and controller", url)
        self.url = url.rstrip("/") if isinstance(url, str) else url
        self.controller = HttpController(url, timeout_s, token) if url is not None else _load_controller(controller)
        self.session_id = session or f"s-{uuid.uuid4().hex[:16]}"
        self.session_seed = int(self.rng.integers(2**32))
        self.protocol: int | None = None
        self.offered: list[tuple[str, Recipe]] = []  # the design as offered at session start
        self.design: list[tuple[str, Recipe]] = []  # offered points not ingested yet
        self.outstanding: list[tuple[str, Recipe]] = []
        self.history: list[dict[str, Any]] = []
        self.n_ids = 0
        self.reopened = 0  # sessions opened again after the controller lost them

    # ------------------------------------------------------------------ protocol
    def offer_design(self, recipes: Sequence[Recipe]) -> None:
        """The campaign's shared initial design, offered at session start."""
        self.offered = list(zip(design_ids(len(recipes)), [self.space.validate(r) for r in recipes],
                                strict=True))
        self.design = list(self.offered)

    def ask(self, n: int, pending: Sequence[Recipe] | None = None) -> list[Recipe]:
        if isinstance(n, bool) or int(n) != n or n < 1:
            raise ValidationError("n", "an integer >= 1", n)
        n = int(n)
        pending = [self.space.validate(r) for r in pending or []]
        answer = self._call("suggest", lambda: self._suggest_body(n, pending))
        items = self._suggestions(answer, n)
        taken = {sid for sid, _ in self.outstanding}
        out: list[tuple[str, Recipe]] = []
        for i, (sid, r) in enumerate(items):
            if sid is None:
                sid = f"{self.session_id}-{self.n_ids + i}"
            if sid in taken:
                raise ValidationError(f"suggest.suggestions[{i}].id", "an id unlike those still outstanding", sid)
            taken.add(sid)
            out.append((sid, r))
        self.n_ids += n
        self.outstanding += out
        return [r for _, r in out]

    def _suggest_body(self, n: int, pending: list[Recipe]) -> dict[str, Any]:
        body = {"n": n, "space": self.space.to_dict(), "target_deg": self.target_deg,
                "n_observed": len(self.obs)}
        if self.protocol == 1:
            return {**body, "pending": [r.to_dict() for r in pending], "seed": int(self.rng.integers(2**63))}
        ids = self._ids_of(pending, consume=False)
        return {"protocol": PROTOCOL_VERSION, "session": self.session_id, **body,
                "pending": [{"id": sid, "recipe": r.to_dict()} for (sid, _), r in zip(ids, pending, strict=True)],
                "seed": self.session_seed}

    def _suggestions(self, answer: Any, n: int) -> list[tuple[str | None, Recipe]]:
        if isinstance(answer, dict) and answer.get("protocol") is not None:
            check_version(answer.get("protocol"), "the controller")
        if isinstance(answer, dict) and "suggestions" in answer:
            raw, key = answer["suggestions"], "suggest.suggestions"
        else:
            raw, key = (answer.get("recipes") if isinstance(answer, dict) else None), "suggest.recipes"
        if not isinstance(raw, list) or len(raw) != n:
            got = len(raw) if isinstance(raw, list) else answer
            raise ValidationError(key, f"a list of exactly {n} suggestions", got)
        out = []
        for i, item in enumerate(raw):
            field = f"{key}[{i}]"
            sid, recipe = None, item
            if key == "suggest.suggestions":
                if not isinstance(item, dict) or not isinstance(item.get("recipe"), dict):
                    raise ValidationError(field, "an object {id, recipe}", item)
                sid, recipe, field = item.get("id"), item["recipe"], f"{field}.recipe"
                if sid is not None and not (isinstance(sid, (str, int)) and not isinstance(sid, bool)):
                    raise ValidationError(f"{key}[{i}].id", "a string, an integer or null", sid)
                sid = None if sid is None else str(sid)
            if not isinstance(recipe, dict):
                raise ValidationError(field, f"an object with fields {list(self.space.names)}", recipe)
            try:
                out.append((sid, self.space.validate(recipe)))
            except ValidationError as exc:
                raise ValidationError(f"{field}.{exc.field}", exc.bound, exc.value) from exc
        return out

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        pending = self.space.to_recipes(self.space.from_unit(pending_unit)) if len(pending_unit) else None
        return self.space.to_unit(self.space.to_array(self.ask(n, pending)))

    def tell(self, recipes: Sequence[Recipe], outcomes: Sequence[Outcome]) -> None:
        if len(recipes) != len(outcomes):
            raise ValidationError("outcomes", f"{len(recipes)} outcomes, one per recipe", len(outcomes))
        if not recipes:
            return
        recipes = [self.space.validate(r) for r in recipes]
        if self.protocol is None:
            self._open()
        saved = (list(self.outstanding), list(self.design))
        labels = self._ids_of(recipes, consume=True)
        items = [ingest_item(o, self.target_deg, source, sid)
                 for (sid, source), o in zip(labels, outcomes, strict=True)]
        offset = len(self.obs)
        try:
            self._call("ingest", lambda: self._ingest_body(recipes, outcomes, items, offset))
        except BaseException:
            self.outstanding, self.design = saved
            raise
        self.history += [{k: v for k, v in it.items() if k != "outcome"} for it in items]
        super().tell(recipes, outcomes)

    def _ingest_body(self, recipes, outcomes, items, offset: int) -> dict[str, Any]:
        if self.protocol == 1:
            return {"recipes": [r.to_dict() for r in recipes], "outcomes": [o.to_dict() for o in outcomes],
                    "offset": offset, "target_deg": self.target_deg}
        return {"protocol": PROTOCOL_VERSION, "session": self.session_id, "offset": offset,
                "target_deg": self.target_deg, "items": items}

    def _ids_of(self, recipes: Sequence[Recipe], consume: bool) -> list[tuple[str | None, str]]:
        """(id, source) of each recipe: an outstanding suggestion (first match), a design
        point, or another point (id None)."""
        outstanding, design = list(self.outstanding), list(self.design)
        labels: list[tuple[str | None, str]] = []
        for r in recipes:
            k = next((j for j, (_, s) in enumerate(outstanding) if s == r), None)
            if k is not None:
                labels.append((outstanding.pop(k)[0], "controller"))
                continue
            k = next((j for j, (_, s) in enumerate(design) if s == r), None)
            if k is not None:
                labels.append((design.pop(k)[0], "design"))
            else:
                labels.append((None, "other"))
        if consume:
            self.outstanding, self.design = outstanding, design
        return labels

    # ------------------------------------------------------------------ session
    def _open(self) -> None:
        body = {"protocol": PROTOCOL_VERSION, "session": self.session_id, "space": self.space.to_dict(),
                "target_deg": self.target_deg, "seed": self.session_seed,
                "design": [{"id": sid, "recipe": r.to_dict()} for sid, r in self.offered]}
        answer = self.controller.session(body)
        if answer is None:
            self.protocol = 1
            return
        stated = answer.get("protocol") if isinstance(answer, dict) else None
        self.protocol = check_version(stated, "the controller")

    def _call(self, endpoint: str, make_body) -> Any:
        if self.protocol is None:
            self._open()
        try:
            return getattr(self.controller, endpoint)(make_body())
        except UnknownSession:
            log.warning("controller lost session %s: opening it again and re-sending %d outcomes",
                        self.session_id, len(self.history))
            self.reopened += 1
            self._open()
            if self.history:
                self.controller.ingest({"protocol": PROTOCOL_VERSION, "session": self.session_id, "offset": 0,
                                        "target_deg": self.target_deg, "items": list(self.history),
                                        "replay": True})
            return getattr(self.controller, endpoint)(make_body())

    # ------------------------------------------------------------------ persistence
    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "url": self.url, "session": self.session_id,
                "session_seed": self.session_seed, "protocol": self.protocol, "n_ids": self.n_ids,
                "offered": [[sid, r.to_dict()] for sid, r in self.offered],
                "design": [[sid, r.to_dict()] for sid, r in self.design],
                "outstanding": [[sid, r.to_dict()] for sid, r in self.outstanding],
                "history": list(self.history)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.session_id = state.get("session", self.session_id)
        self.session_seed = int(state.get("session_seed", self.session_seed))
        self.protocol = state.get("protocol")
        self.n_ids = int(state.get("n_ids", 0))
        self.offered = [(sid, Recipe(r)) for sid, r in state.get("offered", [])]
        self.design = [(sid, Recipe(r)) for sid, r in state.get("design", [])]
        self.outstanding = [(sid, Recipe(r)) for sid, r in state.get("outstanding", [])]
        self.history = list(state.get("history", []))

