"""Python clients of the lab service: :class:`ServiceClient` (the HTTP API, one method per
endpoint) and :class:`RemoteLab`, a Gymnasium environment over a served campaign with the
spaces of ``vdwgym/Recrystallization-v0``.

Errors come back in vdwgym's hierarchy: 422 -> :class:`RemoteValidationError` (a
:class:`~vdwgym.errors.ValidationError` naming the server's field), 409 over budget ->
:class:`~vdwgym.errors.BudgetExhausted`, a server that cannot be reached or does not answer
in time -> :class:`ServiceUnreachable` (a :class:`ServiceError` and a
:class:`~vdwgym.errors.TransportError`), anything else -> :class:`ServiceError`.  Every
request states the protocol version the client speaks (header ``Vdwgym-Protocol``); a
server of an older protocol lacks the newer endpoints, and :meth:`ServiceClient.design`
then raises :class:`~vdwgym.errors.ProtocolMismatch` naming the version it needs.

Retries: with ``retry_s > 0`` a request that could not reach the server (connection
refused: the server is restarting) is retried until ``retry_s`` has passed; reads and
submissions carrying a ``request_id`` are also retried when the answer was lost.  A
submission is idempotent per ``request_id``, so a retry never evaluates a recipe twice.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import gymnasium as gym
import httpx
import numpy as np

from vdwgym.envs.recrystallization import EpisodeTracker, action_to_recipe, observation_space
from vdwgym.errors import (
    BudgetExhausted,
    ProtocolMismatch,
    TransportError,
    ValidationError,
    VdwgymError,
)
from vdwgym.outcome import Outcome
from vdwgym.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from vdwgym.service.limits import MAX_SEED
from vdwgym.space import ParameterSpace

__all__ = ["ServiceClient", "RemoteLab", "ServiceError", "ServiceUnreachable", "RemoteValidationError"]

log = logging.getLogger(__name__)


class ServiceError(VdwgymError):
    """The lab service refused a request or could not be reached."""

    def __init__(self, message: str, status: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


class ServiceUnreachable(ServiceError, TransportError):
    """The lab service could not be reached or did not answer in time."""

    def __init__(self, endpoint: str, message: str, url: str) -> None:
        TransportError.__init__(self, endpoint, message, url)
        self.status = None
        self.field = None


class RemoteValidationError(ValidationError):
    """A 422 from the lab service: ``field`` is the server's name of the bad field."""

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        self.bound = detail
        self.value = None
        Exception.__init__(self, detail)


class ServiceClient:
    """The lab service's HTTP API.

    Parameters
    ----------
    url:
        Base URL, e.g. ``http://127.0.0.1:8000``.
    token:
        Bearer token, when the server requires one.
    timeout_s:
        Per-request timeout.
    retry_s:
        How long to keep retrying a request the server did not answer (module docstring).
    """

    def __init__(self, url: str, token: str | None = None, timeout_s: float = 30.0,
                 retry_s: float = 0.0) -> None:
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                   **({"Authorization": f"Bearer {token}"} if token else {})}
        self.url = url.rstrip("/")
        self.retry_s = float(retry_s)
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout_s)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing
    def _request(self, method: str, path: str, *, body: Any = None, params: Mapping | None = None,
                 replayable: bool | None = None) -> Any:
        replayable = method == "GET" if replayable is None else replayable
        deadline = time.monotonic() + self.retry_s
        pause = 0.05
        while True:
            try:
                resp = self._http.request(method, path, json=body, params=params)
                break
            except httpx.TransportError as exc:
                unsent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
                if not (unsent or replayable) or time.monotonic() + pause > deadline:
                    raise ServiceUnreachable(f"{method} {path}", repr(exc), f"{self.url}{path}") from exc
                log.info("%s %s: %r; retrying", method, path, exc)
                time.sleep(pause)
                pause = min(2 * pause, 1.0)
        if resp.status_code < 400:
            return resp.json()
        try:
            err = resp.json()
            detail, field = str(err.get("detail")), err.get("field")
        except (ValueError, AttributeError):
            detail, field = resp.text[:500], None
        if resp.status_code == 422:
            raise RemoteValidationError(field or "request", detail)
        if resp.status_code == 409 and field == "recipes":
            raise BudgetExhausted(detail)
        raise ServiceError(f"{method} {path}: HTTP {resp.status_code}: {detail}", resp.status_code, field)

    # ------------------------------------------------------------------ endpoints
    def health(self) -> dict:
        return self._request("GET", "/health")

    def space(self) -> ParameterSpace:
        return ParameterSpace.from_dict(self._request("GET", "/space"))

    def campaigns(self) -> list[dict]:
        return self._request("GET", "/campaigns")["campaigns"]

    def create_campaign(self, *, name: str | None = None, backend: str = "surrogate",
                        target_deg: float = 8.5, budget: int = 60, seed: int = 0,
                        tolerance_deg: float = 0.1) -> dict:
        body = {"name": name, "backend": backend, "target_deg": target_deg, "budget": budget,
                "seed": seed, "tolerance_deg": tolerance_deg}
        return self._request("POST", "/campaigns", body=body)

    def campaign(self, name: str) -> dict:
        return self._request("GET", f"/campaigns/{name}")

    def design(self, name: str, n: int) -> list[dict[str, float]]:
        """The campaign's shared initial design: ``n`` recipes, the ones an in-process
        campaign with the same root seed and ``n_init = n`` starts with (protocol 2)."""
        try:
            return self._request("GET", f"/campaigns/{name}/design", params={"n": n})["recipes"]
        except ServiceError as exc:
            if exc.status == 404 and exc.field is None and "protocol" not in self.health():
                raise ProtocolMismatch(f"the server at {self.url} speaks vdwgym protocol 1; design() "
                                       f"needs protocol 2") from exc
            raise

    def submit(self, name: str, recipes: Sequence[Mapping[str, float]],
               request_id: str | None = None) -> dict:
        """Submit recipes; ``{"created", "evaluations", "budget_left", "clipped"}`` (values
        within the bound tolerance past a bound are clipped; ``clipped`` says which)."""
        body = {"recipes": [dict(r) for r in recipes], "request_id": request_id}
        return self._request("POST", f"/campaigns/{name}/evaluations", body=body,
                             replayable=request_id is not None)

    def evaluations(self, name: str, *, since: int = 0, status: str | None = None,
                    limit: int = 100) -> list[dict]:
        params = {"since": since, "limit": limit, **({"status": status} if status else {})}
        return self._request("GET", f"/campaigns/{name}/evaluations", params=params)["evaluations"]

    def evaluation(self, name: str, idx: int) -> dict:
        return self._request("GET", f"/campaigns/{name}/evaluations/{idx}")

    def results(self, name: str, *, since: int = 0, limit: int = 100) -> dict:
        """``{"results", "next_since", "summary"}``: completions from cursor ``since``."""
        return self._request("GET", f"/campaigns/{name}/results", params={"since": since, "limit": limit})

    def cancel(self, name: str) -> dict:
        return self._request("POST", f"/campaigns/{name}/cancel")

    def cancel_evaluation(self, name: str, idx: int) -> dict:
        return self._request("POST", f"/campaigns/{name}/evaluations/{idx}/cancel")

    def wait(self, name: str, idxs: Sequence[int], *, timeout_s: float = 600.0,
             poll_s: float = 0.05) -> list[dict]:
        """Poll until every evaluation in ``idxs`` is done; their views in ``idxs`` order."""
        deadline = time.monotonic() + timeout_s
        views: dict[int, dict] = {}
        pause = poll_s
        while True:
            for i in idxs:
                if i not in views:
                    v = self.evaluation(name, i)
                    if v["status"] == "done":
                        views[i] = v
            if len(views) == len(set(idxs)):
                return [views[i] for i in idxs]
            if time.monotonic() + pause > deadline:
                raise ServiceError(f"campaign {name}: evaluations {sorted(set(idxs) - set(views))} "
                                   f"not done after {timeout_s} s")
            time.sleep(pause)
            pause = min(2 * pause, 1.0)

    def stream(self, name: str, *, since: int = 0, timeout_s: float = 60.0) -> Iterator[tuple[str, dict]]:
        """Server-sent events ``(event, data)`` until ``end``, ``timeout`` or ``busy``."""
        params = {"since": since, "timeout_s": timeout_s}
        with self._http.stream("GET", f"/campaigns/{name}/stream", params=params,
                               timeout=httpx.Timeout(timeout_s + 30.0)) as resp:
            if resp.status_code >= 400:
                resp.read()
                raise ServiceError(f"stream {name}: HTTP {resp.status_code}: {resp.text[:500]}",
                                   resp.status_code)
            event, data = "message", []
            for line in resp.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line == "" and data:
                    yield event, json.loads("\n".join(data))
                    event, data = "message", []


class RemoteLab(gym.Env):
    """A served campaign as a Gymnasium environment (spaces as ``Recrystallization-v0``).

    Parameters
    ----------
    url, token, timeout_s, retry_s:
        Passed to :class:`ServiceClient`.
    campaign:
        Name of an existing campaign to attach to (several clients may share one); when
        ``None``, each :meth:`reset` creates a new campaign from the parameters below.
    target_deg, budget, tolerance_deg, backend:
        The campaign created by :meth:`reset` (ignored when attaching).
    failure_penalty_deg:
        Reward of a failed or non-crystalline evaluation is ``-failure_penalty_deg``.
    max_wait_s:
        Longest a step waits for its evaluation.

    A step submits one recipe (idempotent ``request_id``) and waits for its outcome;
    :meth:`step_batch` submits ``q`` at once.  When the campaign's budget is spent by
    another client, :meth:`step` raises :class:`~vdwgym.errors.BudgetExhausted`.
    ``info["evaluation"]`` is the server's index.  ``reset(seed=s)`` creates a campaign
    whose root (lab) seed is ``s``, so evaluation ``i`` gets the seed it gets in a local
    campaign with seed ``s``; without a seed one is drawn.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 1}

    def __init__(self, url: str, *, campaign: str | None = None, target_deg: float = 8.5,
                 budget: int = 50, tolerance_deg: float = 0.1, backend: str = "surrogate",
                 failure_penalty_deg: float = 30.0, token: str | None = None, timeout_s: float = 30.0,
                 retry_s: float = 0.0, max_wait_s: float = 600.0, render_mode: str | None = None) -> None:
        if render_mode not in (None, "ansi"):
            raise ValidationError("render_mode", "None or 'ansi'", render_mode)
        self.client = ServiceClient(url, token=token, timeout_s=timeout_s, retry_s=retry_s)
        self.space = self.client.space()
        self.attach_to = campaign
        self.campaign_options = {"target_deg": float(target_deg), "budget": int(budget),
                                 "tolerance_deg": float(tolerance_deg), "backend": backend}
        self.failure_penalty_deg = float(failure_penalty_deg)
        self.max_wait_s = float(max_wait_s)
        self.render_mode = render_mode
        self.action_space = gym.spaces.Box(-1.0, 1.0, (self.space.d,), dtype=np.float32)
        self.observation_space = observation_space()
        self.campaign: str | None = None
        self._client_id = uuid.uuid4().hex[:12]
        self._steps = 0
        self._summary: dict | None = None
        self._tracker: EpisodeTracker | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if self.attach_to is not None:
            summary = self.client.campaign(self.attach_to)
        else:
            opts = {**self.campaign_options, **(options or {})}
            lab_seed = int(seed) if seed is not None else int(self.np_random.integers(MAX_SEED + 1))
            summary = self.client.create_campaign(seed=lab_seed, **opts)
        self.campaign = summary["name"]
        self._summary = summary
        cfg = summary["config"]
        self.space = ParameterSpace.from_dict(cfg["space"])
        self._tracker = EpisodeTracker(float(cfg["target_deg"]), int(cfg["budget"]))
        info = {"campaign": self.campaign, "target_deg": cfg["target_deg"], "lab_seed": cfg["seed"]}
        return self._observation(), info

    def step(self, action):
        obs, rewards, terminated, truncated, infos = self.step_batch(np.asarray(action)[None, :])
        return obs, float(rewards[0]), terminated, truncated, infos[0]

    def step_batch(self, actions):
        """Submit ``q`` actions (``q x d`` in ``[-1, 1]``) as one batch and wait for all;
        ``(obs, rewards[q], terminated, truncated, infos[q])``, in the batch's order."""
        if self.campaign is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        A = np.asarray(actions, dtype=np.float64)
        if A.ndim != 2 or A.shape[1] != self.space.d or not 1 <= len(A):
            raise ValidationError("actions", f"shape (q, {self.space.d}) with q >= 1", A.shape)
        views = self.submit([self.recipe_of(a) for a in A])
        done = self.client.wait(self.campaign, [v["idx"] for v in views], timeout_s=self.max_wait_s)
        rewards, infos = [], []
        for d in done:
            outcome = Outcome.from_dict(d["outcome"])
            self._tracker.update(outcome)
            regret = d["regret_deg"]
            rewards.append(-float(regret) if regret is not None else -self.failure_penalty_deg)
            infos.append({"recipe": outcome.recipe.to_dict(), "twist_deg": outcome.twist_deg,
                          "crystalline": outcome.crystalline, "order": outcome.order,
                          "status": outcome.status.value, "regret_deg": regret, "evaluation": d["idx"],
                          "seed": outcome.seed})
        self._summary = self.client.campaign(self.campaign)
        terminated = bool(self._summary["target_reached"])
        truncated = bool(not terminated and self._summary["budget_left"] <= 0)
        return self._observation(), np.array(rewards), terminated, truncated, infos

    def design(self, n: int) -> list[dict[str, float]]:
        """The campaign's shared initial design (``n`` recipes); see :meth:`ServiceClient.design`."""
        if self.campaign is None:
            raise gym.error.ResetNeeded("call reset() before design()")
        return self.client.design(self.campaign, n)

    def submit(self, recipes: Sequence[Mapping[str, float]]) -> list[dict]:
        """Submit a batch to the campaign (for asynchronous controllers); evaluation views."""
        if self.campaign is None:
            raise gym.error.ResetNeeded("call reset() before submit()")
        self._steps += 1
        rid = f"{self._client_id}-{self._steps:06d}"
        return self.client.submit(self.campaign, recipes, request_id=rid)["evaluations"]

    def recipe_of(self, action) -> dict[str, float]:
        """The physical recipe for an action in ``[-1, 1]^d`` (refuses NaN and bad shapes)."""
        return action_to_recipe(self.space, action)

    def _observation(self) -> np.ndarray:
        s, t = self._summary, self._tracker
        best = s["best_regret_deg"]
        return np.array([t.target_deg, t.last_twist, t.last_order,
                         30.0 if best is None else min(best, 30.0),
                         s["n_submitted"] / s["config"]["budget"]], dtype=np.float32)

    def render(self) -> str | None:
        if self.render_mode != "ansi" or self._summary is None:
            return None
        s = self._summary
        best = s["best_regret_deg"]
        return (f"campaign {self.campaign}: target {s['config']['target_deg']:.2f} deg, "
                f"{s['n_submitted']}/{s['config']['budget']} evaluations, best regret "
                f"{'-' if best is None else f'{best:.3f}'} deg")

    def close(self) -> None:
        self.client.close()


def run_agent(client: ServiceClient, name: str, agent, *, batch: int, n_init: int,
              max_wait_s: float = 600.0) -> list[dict]:
    """Run a vdwgym agent (``ask`` / ``tell``) on the served campaign ``name`` in the sync
    batch cycles of :class:`~vdwgym.campaign.Campaign`: the shared initial design first
    (``GET /design``, offered to the agent with ``offer_design``), then the agent's proposals,
    each cycle told in index order, until the budget is spent.  With the same root seed and
    an agent built from ``vdwgym.seeding.stream(seed, "agent")``, the record equals the
    in-process campaign's.  Returns the evaluation views in index order.
    """
    from vdwgym.space import Recipe

    summary = client.campaign(name)
    budget = int(summary["config"]["budget"])
    design = [Recipe(r) for r in client.design(name, min(n_init, budget))] if n_init else []
    agent.offer_design(design)
    views: list[dict] = []
    cycle = 0
    while (left := budget - len(views)) > 0:
        n = min(batch, left)
        used = sum(1 for v in views if v["request_id"] and v["request_id"].startswith("design-"))
        head = design[used:used + n]
        tail = agent.ask(n - len(head)) if n > len(head) else []
        subs = []
        if head:
            subs += client.submit(name, [r.to_dict() for r in head], request_id=f"design-{cycle}")["evaluations"]
        if tail:
            subs += client.submit(name, [r.to_dict() for r in tail], request_id=f"agent-{cycle}")["evaluations"]
        done = client.wait(name, [v["idx"] for v in subs], timeout_s=max_wait_s)
        done.sort(key=lambda v: v["idx"])
        agent.tell([Recipe(v["recipe"]) for v in done], [Outcome.from_dict(v["outcome"]) for v in done])
        views += done
        cycle += 1
    return views
