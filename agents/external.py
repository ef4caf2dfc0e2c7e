"""An outside autonomous-experiment controller as a vdwgym agent (the suggest / ingest protocol).

The controller is an HTTP server; the agent calls two endpoints with JSON bodies
(documented in ``docs/service.md``)::

    POST {url}/suggest  {"n": int, "pending": [recipe, ...], "space": {...},
                         "target_deg": float, "seed": int, "n_observed": int}
                    ->  {"recipes": [recipe, ...]}          exactly n, inside the space
    POST {url}/ingest   {"recipes": [recipe, ...], "outcomes": [outcome, ...],
                         "offset": int, "target_deg": float}
                    ->  any 2xx answer

A recipe is ``{"temperature_K": ..., "lattice_strain": ..., "shear_strain": ...}`` (the
space's names, physical units); an outcome is :meth:`vdwgym.outcome.Outcome.to_dict`.
``seed`` is drawn from the agent's seeded generator, so a controller that seeds itself with
it is reproducible.  ``offset`` is how many outcomes the agent had ingested before this
batch: after a crash a campaign may send a batch again, and ``offset`` lets the controller
skip what it has seen.

Outcomes are sent to the controller *before* the agent records them, and nothing is
recorded when the controller does not answer in time or answers badly: the agent raises
:class:`~vdwgym.errors.ValidationError` naming the field (``suggest.recipes[2].shear_strain``,
``suggest``, ``ingest``), so the campaign store holds no half-made proposal.

Uses only the standard library (``urllib``).
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

import numpy as np

from vdwgym.agents.base import Agent, SeedLike
from vdwgym.errors import ValidationError
from vdwgym.outcome import Outcome
from vdwgym.space import ParameterSpace, Recipe

__all__ = ["ExternalAgent"]

MAX_ANSWER_BYTES = 1 << 20


class ExternalAgent(Agent):
    """Proposals from an outside controller at ``url`` (module docstring).

    Parameters
    ----------
    url:
        The controller's base URL (``http://127.0.0.1:9000/my-controller``).
    timeout_s:
        Longest wait for one answer.
    token:
        Optional bearer token sent to the controller.
    """

    name = "external"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike, url: str,
                 timeout_s: float = 30.0, token: str | None = None) -> None:
        super().__init__(space, target_deg, seed)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValidationError("url", "an http:// or https:// URL", url)
        if not (isinstance(timeout_s, (int, float)) and math.isfinite(timeout_s) and timeout_s > 0):
            raise ValidationError("timeout_s", "a number of seconds > 0", timeout_s)
        self.url = url.rstrip("/")
        self.timeout_s = float(timeout_s)
        self.token = token

    # ------------------------------------------------------------------ protocol
    def ask(self, n: int, pending: Sequence[Recipe] | None = None) -> list[Recipe]:
        if isinstance(n, bool) or int(n) != n or n < 1:
            raise ValidationError("n", "an integer >= 1", n)
        n = int(n)
        body = {"n": n, "pending": [self.space.validate(r).to_dict() for r in pending or []],
                "space": self.space.to_dict(), "target_deg": self.target_deg,
                "seed": int(self.rng.integers(2**63)), "n_observed": len(self.obs)}
        answer = self._post("suggest", body)
        recipes = answer.get("recipes") if isinstance(answer, dict) else None
        if not isinstance(recipes, list) or len(recipes) != n:
            got = len(recipes) if isinstance(recipes, list) else answer
            raise ValidationError("suggest.recipes", f"a list of exactly {n} recipes", got)
        out = []
        for i, r in enumerate(recipes):
            if not isinstance(r, dict):
                raise ValidationError(f"suggest.recipes[{i}]", f"an object with fields {list(self.space.names)}", r)
            try:
                out.append(self.space.validate(r))
            except ValidationError as exc:
                raise ValidationError(f"suggest.recipes[{i}].{exc.field}", exc.bound, exc.value) from exc
        return out

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        pending = self.space.to_recipes(self.space.from_unit(pending_unit)) if len(pending_unit) else None
        return self.space.to_unit(self.space.to_array(self.ask(n, pending)))

    def tell(self, recipes: Sequence[Recipe], outcomes: Sequence[Outcome]) -> None:
        if len(recipes) != len(outcomes):
            raise ValidationError("outcomes", f"{len(recipes)} outcomes, one per recipe", len(outcomes))
        if not recipes:
            return
        self._post("ingest", {"recipes": [self.space.validate(r).to_dict() for r in recipes],
                              "outcomes": [o.to_dict() for o in outcomes],
                              "offset": len(self.obs), "target_deg": self.target_deg})
        super().tell(recipes, outcomes)

    # ------------------------------------------------------------------ transport
    def _post(self, endpoint: str, body: dict[str, Any]) -> Any:
        data = json.dumps(body, allow_nan=False).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(f"{self.url}/{endpoint}", data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                raw = resp.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise ValidationError(endpoint, "a 2xx answer from the controller", f"HTTP {exc.code}",
                                  f"{self.url}/{endpoint}") from exc
        except TimeoutError as exc:
            raise ValidationError(endpoint, f"an answer within {self.timeout_s:g} s", "no answer",
                                  f"{self.url}/{endpoint} timed out") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ValidationError(endpoint, "a reachable controller", str(exc), f"{self.url}/{endpoint}") from exc
        if len(raw) > MAX_ANSWER_BYTES:
            raise ValidationError(endpoint, f"an answer of at most {MAX_ANSWER_BYTES} bytes", len(raw))
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(endpoint, "a JSON answer", raw[:200].decode(errors="replace")) from exc

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "url": self.url}
