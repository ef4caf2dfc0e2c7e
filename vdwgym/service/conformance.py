"""The conformance kit for external controllers (``vdwgym check-controller URL``).

:func:`check_controller` drives a controller through the semantics of the external
protocol (``agents/external.py``) that a campaign relies on, each check in its own
session, and returns a :class:`Report` (a pass/fail table).  :func:`benchmark` then runs
the controller through the ``external`` agent beside built-in agents on identical seeds
(same initial design, same lab seeds).

Checks
------
============================  ==============================================================
``handshake``                 ``session`` answers protocol 2 (a protocol-1 controller fails)
``suggest``                   exactly ``n`` suggestions (n = 1, 4), inside the space, unique ids
``pending``                   no suggestion repeats a pending point or reuses a pending id
``interleaved``               suggest / partial ingest / suggest / ingest rest, all answered
``failures``                  ``failed``, ``timeout`` and ``no_twist`` items (twist null) taken
``foreign points``            design points and points it never suggested (``source`` design,
                              other) taken
``duplicates``                no suggestion repeats an earlier one in the session; the same
                              point ingested twice is taken
``replayed batch``            a batch sent again with the same ``offset`` (vdwgym restarted) taken
``unknown session``           a call in a session it does not know (it restarted) answers 409
                              ``{"field": "session"}`` or a valid answer, never a 5xx
``two sessions``              two interleaved sessions with different bounds stay apart
``latency``                   every call answered within the latency budget
============================  ==============================================================
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from vdwgym.agents.external import HttpController, UnknownSession
from vdwgym.campaign import initial_design
from vdwgym.errors import VdwgymError
from vdwgym.outcome import Outcome, Status
from vdwgym.protocol import PROTOCOL_VERSION, design_ids, ingest_item
from vdwgym.space import PAPER_SPACE, ParameterSpace, Recipe

__all__ = ["Check", "Report", "check_controller", "benchmark", "format_benchmark"]

NO_TWIST = "no_twist"
"""An evaluation that ran but gave no crystalline layer (ingested with status no_twist)."""


@dataclass
class Check:
    name: str
    passed: bool
    detail: str
    seconds: float


@dataclass
class Report:
    """Results of :func:`check_controller`; ``latencies_s`` of every call made."""

    url: str
    checks: list[Check] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def table(self) -> str:
        """A plain-text pass/fail table."""
        width = max(len(c.name) for c in self.checks) if self.checks else 5
        lines = [f"controller {self.url}", f"{'check':<{width}}  result  detail"]
        for c in self.checks:
            lines.append(f"{c.name:<{width}}  {'pass' if c.passed else 'FAIL':<6}  {c.detail}")
        n_pass = sum(c.passed for c in self.checks)
        lines.append(f"{n_pass} passed, {len(self.checks) - n_pass} failed")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "passed": self.passed, "checks": [asdict(c) for c in self.checks],
                "latencies_s": self.latencies_s}


class CheckFailed(Exception):
    """One check's failure (its message is the table's detail)."""


class _Probe:
    """Raw protocol calls in one session, timed, with what was suggested."""

    def __init__(self, ctl: Any, report: Report, space: ParameterSpace, target_deg: float, seed: int,
                 latency_s: float) -> None:
        self.ctl, self.report, self.space = ctl, report, space
        self.target_deg, self.seed, self.latency_s = target_deg, seed, latency_s
        self.session = f"check-{uuid.uuid4().hex[:12]}"
        self.suggested: list[tuple[str, Recipe]] = []
        self.n_ingested = 0
        self.k = 0

    def call(self, name: str, body: dict[str, Any]) -> Any:
        t0 = time.monotonic()
        try:
            return getattr(self.ctl, name)(body)
        finally:
            dt = time.monotonic() - t0
            self.report.latencies_s.append(dt)
            if dt > self.latency_s:
                raise CheckFailed(f"{name} took {dt:.2f} s, over the {self.latency_s:g} s budget")

    def open(self, design: Sequence[Recipe] = ()) -> Any:
        return self.call("session", {
            "protocol": PROTOCOL_VERSION, "session": self.session, "space": self.space.to_dict(),
            "target_deg": self.target_deg, "seed": self.seed,
            "design": [{"id": i, "recipe": r.to_dict()} for i, r in zip(design_ids(len(design)), design,
                                                                         strict=True)]})

    def suggest(self, n: int, pending: Sequence[tuple[str, Recipe]] = ()) -> list[tuple[str, Recipe]]:
        answer = self.call("suggest", {
            "protocol": PROTOCOL_VERSION, "session": self.session, "n": n,
            "pending": [{"id": i, "recipe": r.to_dict()} for i, r in pending],
            "space": self.space.to_dict(), "target_deg": self.target_deg, "seed": self.seed,
            "n_observed": self.n_ingested})
        items = answer.get("suggestions") if isinstance(answer, dict) else None
        if not isinstance(items, list) or len(items) != n:
            raise CheckFailed(f"asked {n} suggestions, got {answer!r:.120}")
        out = []
        for j, it in enumerate(items):
            if not isinstance(it, dict) or "recipe" not in it or it.get("id") is None:
                raise CheckFailed(f"suggestions[{j}] is not an object {{id, recipe}}: {it!r:.120}")
            try:
                out.append((str(it["id"]), self.space.validate(it["recipe"])))
            except VdwgymError as exc:
                raise CheckFailed(f"suggestions[{j}].recipe: {exc}") from exc
        ids = [i for i, _ in out]
        if len(set(ids)) != len(ids) or set(ids) & {i for i, _ in self.suggested}:
            raise CheckFailed(f"suggestion ids repeat: {ids}")
        self.suggested += out
        return out

    def ingest(self, points: Sequence[tuple[str | None, Recipe]], source: str = "controller",
               status: Status | str = Status.OK, offset: int | None = None) -> None:
        items = [ingest_item(self.outcome(r, status), self.target_deg, source, sid) for sid, r in points]
        off = self.n_ingested if offset is None else offset
        self.call("ingest", {"protocol": PROTOCOL_VERSION, "session": self.session, "offset": off,
                             "target_deg": self.target_deg, "items": items})
        self.n_ingested = max(self.n_ingested, off + len(items))

    def outcome(self, r: Recipe, status: Status | str) -> Outcome:
        """A made-up outcome: a smooth twist of the recipe (the kit checks semantics, not physics)."""
        self.k += 1
        u = self.space.to_unit(self.space.to_array([r]))[0]
        if status == NO_TWIST:
            return Outcome(Status.OK, r, self.k, order=0.1, crystalline=False)
        if status is not Status.OK:
            return Outcome(status, r, self.k, error=f"{status.value} (conformance check)")
        return Outcome(Status.OK, r, self.k, twist_deg=float(30.0 * u.mean()), order=0.9, crystalline=True)


def check_controller(target: str | Any, *, space: ParameterSpace = PAPER_SPACE, target_deg: float = 8.5,
                     seed: int = 0, latency_budget_s: float = 5.0, timeout_s: float = 30.0,
                     token: str | None = None) -> Report:
    """Run every check (module docstring) against a controller URL or in-process controller."""
    ctl = HttpController(target, timeout_s=timeout_s, token=token) if isinstance(target, str) else target
    report = Report(target if isinstance(target, str) else type(target).__name__)

    def probe(**kw: Any) -> _Probe:
        p = _Probe(ctl, report, kw.get("space", space), target_deg, seed, latency_budget_s)
        p.open(kw.get("design", ()))
        return p

    def run(name: str, fn: Callable[[], str]) -> None:
        t0 = time.monotonic()
        try:
            detail, ok = fn(), True
        except CheckFailed as exc:
            detail, ok = str(exc), False
        except Exception as exc:  # noqa: BLE001 - an in-process controller's own error fails the check
            detail, ok = f"{type(exc).__name__}: {exc}", False
        report.checks.append(Check(name, ok, detail, time.monotonic() - t0))

    def handshake() -> str:
        p = _Probe(ctl, report, space, target_deg, seed, latency_budget_s)
        answer = p.open()
        if answer is None:
            raise CheckFailed("no /session: a protocol-1 controller (it works, but without ids or sessions)")
        version = answer.get("protocol") if isinstance(answer, dict) else None
        if version != PROTOCOL_VERSION:
            raise CheckFailed(f"session answered protocol {version!r}, expected {PROTOCOL_VERSION}")
        return f"protocol {version}"

    def suggest() -> str:
        p = probe()
        p.suggest(1)
        p.suggest(4)
        return "1 and 4 suggestions, inside the space, unique ids"

    def pending() -> str:
        p = probe()
        first = p.suggest(3)
        second = p.suggest(2, pending=first)
        clash = [r for _, r in second if r in {r for _, r in first}]
        if clash:
            raise CheckFailed(f"suggested a pending point again: {clash[0]}")
        return "3 pending, 2 new suggestions, none repeated"

    def interleaved() -> str:
        p = probe()
        a = p.suggest(3)
        p.ingest(a[:1])
        b = p.suggest(1, pending=a[1:])
        p.ingest(a[1:] + b)
        p.suggest(2)
        return "suggest 3, ingest 1, suggest 1, ingest 3, suggest 2"

    def failures() -> str:
        p = probe()
        a = p.suggest(4)
        for point, status in zip(a, (Status.FAILED, Status.TIMEOUT, Status.CANCELLED, NO_TWIST), strict=True):
            p.ingest([point], status=status)
        p.suggest(2)
        return "failed, timeout, cancelled and no_twist items taken"

    def foreign() -> str:
        design = space.to_recipes(initial_design(space, 4, seed))
        p = probe(design=design)
        p.ingest(list(zip(design_ids(4), design, strict=True)), source="design")
        p.ingest([(None, space.to_recipes(space.from_unit([[0.5] * space.d]))[0])], source="other")
        p.suggest(2)
        return "4 design points and 1 other point ingested before any suggestion"

    def duplicates() -> str:
        p = probe()
        for _ in range(3):
            p.ingest(p.suggest(3))
        recipes = [r for _, r in p.suggested]
        if len(set(recipes)) != len(recipes):
            raise CheckFailed(f"{len(recipes) - len(set(recipes))} of {len(recipes)} suggestions repeat "
                              "an earlier one")
        twice = p.suggested[0][1]
        p.ingest([(None, twice), (None, twice)], source="other")
        p.suggest(1)
        return f"{len(recipes)} distinct suggestions; a point ingested twice taken"

    def replayed() -> str:
        p = probe()
        a = p.suggest(3)
        p.ingest(a, offset=0)
        p.ingest(a, offset=0)
        p.suggest(2)
        return "the same batch sent twice with offset 0, then a suggestion"

    def unknown() -> str:
        p = _Probe(ctl, report, space, target_deg, seed, latency_budget_s)
        try:
            p.suggest(1)
        except UnknownSession:
            return "409 {field: session}: the agent reopens and replays"
        return "answered a session it was never told (no state lost to lose)"

    def two_sessions() -> str:
        narrow = space.with_bounds(**{space.names[0]: (space.dimensions[0].low,
                                                        (space.dimensions[0].low + space.dimensions[0].high) / 2)})
        p, q = probe(), probe(space=narrow)
        for _ in range(2):
            a, b = p.suggest(2), q.suggest(2)
            p.ingest(a)
            q.ingest(b)
        return f"session B stayed in {narrow.dimensions[0].bound_text} for {narrow.names[0]}"

    def latency() -> str:
        lat = sorted(report.latencies_s)
        if not lat:
            raise CheckFailed("no call was timed")
        if lat[-1] > latency_budget_s:
            raise CheckFailed(f"slowest call {lat[-1]:.3f} s over the {latency_budget_s:g} s budget")
        return f"{len(lat)} calls, median {statistics.median(lat) * 1e3:.1f} ms, max {lat[-1] * 1e3:.1f} ms"

    try:
        for name, fn in (("handshake", handshake), ("suggest", suggest), ("pending", pending),
                         ("interleaved", interleaved), ("failures", failures), ("foreign points", foreign),
                         ("duplicates", duplicates), ("replayed batch", replayed),
                         ("unknown session", unknown), ("two sessions", two_sessions), ("latency", latency)):
            run(name, fn)
    finally:
        if isinstance(ctl, HttpController):
            ctl.close()
    return report


def benchmark(url: str, *, agents: Sequence[str] = ("random", "ts"), seeds: Sequence[int] = (0, 1),
              target_deg: float = 8.5, budget: int = 20, batch: int = 4, n_init: int = 5,
              timeout_s: float = 30.0) -> list[dict[str, Any]]:
    """The controller (as the ``external`` agent) beside built-in ``agents`` on identical
    seeds; one row per (agent, seed): best regret (deg), evaluations to target, wall s."""
    from vdwgym.campaign import Campaign, CampaignConfig

    rows = []
    for seed in seeds:
        for agent in ("external", *agents):
            options = {"url": url, "timeout_s": timeout_s} if agent == "external" else {}
            cfg = CampaignConfig(target_deg=target_deg, budget=budget, batch=batch, n_init=n_init, seed=seed,
                                 agent=agent, agent_options=options, stop_at_target=False)
            res = Campaign(cfg).run()
            rows.append({"agent": "controller" if agent == "external" else agent, "seed": seed,
                         "best_regret_deg": res.best_regret, "evaluations_to_target": res.evaluations_to_target,
                         "wall_s": res.wall_s, "lab_seeds": [e.seed for e in res.evaluations]})
    return rows


def format_benchmark(rows: Sequence[dict[str, Any]]) -> str:
    """A plain-text table of :func:`benchmark` rows, with the median best regret per agent."""
    lines = [f"{'agent':<12} {'seed':>4} {'best regret (deg)':>18} {'evals to target':>16} {'wall s':>7}"]
    for r in rows:
        best = "-" if r["best_regret_deg"] is None else f"{r['best_regret_deg']:.3f}"
        to = "-" if r["evaluations_to_target"] is None else str(r["evaluations_to_target"])
        lines.append(f"{r['agent']:<12} {r['seed']:>4} {best:>18} {to:>16} {r['wall_s']:>7.2f}")
    for agent in dict.fromkeys(r["agent"] for r in rows):
        vals = [r["best_regret_deg"] for r in rows if r["agent"] == agent and r["best_regret_deg"] is not None]
        if vals:
            lines.append(f"median best regret, {agent}: {statistics.median(vals):.3f} deg")
    return "\n".join(lines)
