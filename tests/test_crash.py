"""The crash-consistency suite: a campaign killed at every instrumented write point resumes
to a record identical to the uninterrupted run's.

Each case runs the campaign in a forked child (vdwgym imported once, in this process): first
uninterrupted with a trace of its write points (:mod:`vdwgym.crashpoints`; one reference per
case, shared by the tests of this module), then once per point ``k`` killed there (SIGKILL,
or SIGTERM), then resumed in another child; the resumed store must equal the reference field
by field (:func:`record`).  For the worker backend each evaluation must also have been
computed by exactly one worker process (no attempt run twice).

CI kills at every point of every case (surrogate and worker backends, sync and async) with
SIGKILL, and at every point of the surrogate cases with SIGTERM; ``-m slow`` adds SIGTERM at
every point of the worker cases (the controller has no SIGTERM handler, so it dies there as
under SIGKILL).  The worker cases start real worker processes (a small surrogate model,
20 ms polling); the points of a sweep run in two forked lanes at once.  The folders live in
/dev/shm where there is one: these are process kills, not power failures.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import traceback
from pathlib import Path

import pytest

from vdwgym import crashpoints
from vdwgym.campaign import Campaign, CampaignConfig
from vdwgym.store import Store

BASE = dict(agent="random", seed=5, stop_at_target=False, target_deg=8.5)
SURROGATE = dict(BASE, budget=7, batch=2, n_init=3, backend="surrogate")
# A small surrogate model (nx=6 instead of 12) keeps each worker process short.
SMALL_MODEL = {"nx": 6, "ny": 6, "n_sites_min": 30, "n_sites_max": 45}
WORKER = dict(BASE, budget=4, batch=2, n_init=1, backend="worker",
              backend_options={"options": {"model": SMALL_MODEL},
                               "engine_options": {"slots": 2, "poll_s": 0.02}})
CASES = {
    "surrogate-sync": dict(SURROGATE, mode="sync"),
    # more slots than initial-design points: the first fill mixes both (issue 13, item 4)
    "surrogate-async": dict(SURROGATE, mode="async", clock="virtual", batch=5),
    "worker-sync": dict(WORKER, mode="sync"),
    "worker-async": dict(WORKER, mode="async"),
}
SCIENCE = ("status", "twist_deg", "order", "crystalline", "error")
LANES = 2  # kill points swept at once (each in its own folder)


def _memory_folder(tmp_path_factory, name: str):
    """A folder in memory where there is one (/dev/shm): these are process kills, not power
    failures, so fsync buys nothing here and costs most of the time; else pytest's."""
    if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
        return Path(tempfile.mkdtemp(prefix=f"vdwgym-{name}-", dir="/dev/shm"))
    return tmp_path_factory.mktemp(name)


@pytest.fixture
def tmp_path(tmp_path_factory):
    folder = _memory_folder(tmp_path_factory, "crash")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    """``references(case) -> (write point names, record)`` of the uninterrupted run, made
    once per case for the whole module."""
    folder = _memory_folder(tmp_path_factory, "crash-ref")
    made: dict[str, tuple[list[str], dict]] = {}

    def get(case: str) -> tuple[list[str], dict]:
        if case not in made:
            (folder / case).mkdir()
            made[case] = _reference(folder / case, case)
        return made[case]

    yield get
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True, scope="module")
def _warm_imports():
    """Import what a campaign imports lazily once, here, so forked children start warm (an
    in-memory surrogate campaign: no files, no threads left behind)."""
    from vdwgym.provenance import provenance
    from vdwgym.worker import TASKS, check_task_options

    Campaign(CampaignConfig(**dict(SURROGATE, budget=2, n_init=1, mode="sync"))).run()
    provenance()
    check_task_options(TASKS["surrogate"], {"model": SMALL_MODEL})  # pydantic models built


def _child(out: Path, config: dict | None, crash_at: str | None, trace: Path | None) -> int:
    """Fork: run (``config``) or resume (``None``) the campaign in ``out``; returns how the
    child ended (``os.waitstatus_to_exitcode``: 0 done, -9/-15 killed)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            crashpoints.configure(crash_at, None if trace is None else str(trace))
            store = out / "campaign.sqlite"
            camp = (Campaign(CampaignConfig(**config), store) if config is not None
                    else Campaign.resume(store))
            camp.run()
            camp.store.close()
            camp.backend.close()
        except BaseException:
            (out / "child-error.txt").write_text(traceback.format_exc())
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def record(out: Path, real_clock_async: bool, real_clock: bool) -> dict:
    """What must survive: every evaluation's identity, recipe, seed, cycle, source, status,
    told flag, completion order and science outcome, and the agent's last state.  With
    real-clock worker runs the completion order (and, async, the cycle) depend on process
    timing even without a crash, so they are left out there, and the agent's observations
    are compared as a set (they arrive in completion order)."""
    with Store(out / "campaign.sqlite", create=False) as st:
        rows = []
        for r in st.evaluations():
            row = {"idx": r.idx, "key": r.key, "recipe": r.recipe.to_dict(), "seed": r.seed,
                   "source": r.source, "status": r.status, "told": r.told}
            if not real_clock_async:
                row["cycle"] = r.cycle
            if not real_clock:
                row["done_order"] = r.done_order
            out_d = r.outcome.to_dict() if r.outcome else None
            row["outcome"] = None if out_d is None else {k: out_d[k] for k in SCIENCE}
            rows.append(row)
        state = st.latest_agent_state()
        if real_clock and state is not None:  # observations arrive in completion order
            obs = state.pop("obs")
            state["obs"] = sorted(json.dumps(row) for row in zip(*(
                v for v in obs.values() if isinstance(v, list)), strict=True))
        return {"evaluations": rows, "agent_state": state,
                # the stop's reason (its wall_s / virtual_s are timings, not the record)
                "stopped": [p["reason"] for _, _, p in st.events("stop")][-1:]}


def computing_runs(out: Path) -> dict[str, int]:
    """Per evaluation key, how many worker processes computed it (the worker logs one
    ``rank 0: ... attempt n`` line per run that got past its launch check)."""
    runs = {}
    for key_dir in sorted((out / "runs").iterdir()):
        runs[key_dir.name] = sum((a / "stderr.txt").read_text().count("rank 0:")
                                 for a in key_dir.iterdir() if (a / "stderr.txt").exists())
    return runs


def _reference(tmp_path: Path, case: str) -> tuple[list[str], dict]:
    out = tmp_path / "ref"
    out.mkdir()
    trace = tmp_path / "trace.txt"
    assert _child(out, CASES[case], None, trace) == 0, (out / "child-error.txt").read_text()
    return trace.read_text().split(), _record(out, case)


def _record(out: Path, case: str) -> dict:
    cfg = CASES[case]
    real = cfg.get("clock", "real") == "real" and cfg["backend"] == "worker"
    return record(out, real and cfg["mode"] == "async", real)


def _crash_and_resume(tmp_path: Path, case: str, k: int, sig: str, ref: dict) -> None:
    out = tmp_path / f"k{k}{sig}"
    out.mkdir()
    code = _child(out, CASES[case], f"{k}:{sig}", None)
    expected = -signal.SIGKILL if sig == "KILL" else -signal.SIGTERM
    # A real-clock worker run groups its completions by timing, so it may have fewer write
    # points than the reference: one that ends before point k is checked as it is.
    timed = CASES[case]["backend"] == "worker"
    assert code == expected or (timed and code == 0), f"write point {k}: child ended with {code}"
    if code == 0:
        pass
    elif (out / "campaign.sqlite").exists():
        code = _child(out, None, None, None)
        assert code == 0, f"resume after point {k}: " + (out / "child-error.txt").read_text()
    else:  # killed before the store existed: nothing was recorded, start again
        code = _child(out, CASES[case], None, None)
        assert code == 0, f"restart after point {k}: " + (out / "child-error.txt").read_text()
    got = _record(out, case)
    assert got == ref, f"{case}: killed ({sig}) at write point {k}, the resumed record differs"
    if CASES[case]["backend"] == "worker":
        assert set(computing_runs(out).values()) == {1}, \
            f"{case}: killed at point {k}, an evaluation was computed twice: {computing_runs(out)}"


def _sweep(tmp_path: Path, case: str, ks: list[int], sig: str, ref: dict) -> None:
    """Kill at each point of ``ks`` and resume (:func:`_crash_and_resume`), in ``LANES``
    forked processes sweeping every ``LANES``-th point each; fails with every lane's first
    failure."""
    lanes = {}
    for lane in range(min(LANES, len(ks))):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - a lane
            code = 0
            try:
                for k in ks[lane::LANES]:
                    _crash_and_resume(tmp_path, case, k, sig, ref)
            except BaseException:
                (tmp_path / f"lane{lane}-error.txt").write_text(traceback.format_exc())
                code = 1
            os._exit(code)
        lanes[pid] = lane
    failures = []
    for pid, lane in lanes.items():
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            error = tmp_path / f"lane{lane}-error.txt"
            failures.append(error.read_text() if error.exists()
                            else f"lane {lane} ended with {os.waitstatus_to_exitcode(status)}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", list(CASES))
def test_sigkill_at_every_write_point_resumes_identically(tmp_path, references, case):
    names, ref = references(case)
    assert len(ref["evaluations"]) == CASES[case]["budget"]
    assert {"store:before-commit", "store:after-commit"} <= set(names)
    if CASES[case]["backend"] == "worker":
        assert {"file:before-params.json", "file:before-task.json"} <= set(names)
    if case == "surrogate-async":  # its first fill: initial-design points and proposals
        assert [(r["source"], r["cycle"]) for r in ref["evaluations"][:5]] == \
            [("init", 0)] * 3 + [("agent", 0)] * 2
    _sweep(tmp_path, case, list(range(1, len(names) + 1)), "KILL", ref)


@pytest.mark.parametrize("case", ["surrogate-sync", "surrogate-async"])
def test_sigterm_at_every_write_point_resumes_identically(tmp_path, references, case):
    names, ref = references(case)
    _sweep(tmp_path, case, list(range(1, len(names) + 1)), "TERM", ref)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["worker-sync", "worker-async"])
def test_sigterm_at_every_write_point_of_the_worker_cases(tmp_path, references, case):
    names, ref = references(case)
    _sweep(tmp_path, case, list(range(1, len(names) + 1)), "TERM", ref)


def test_a_failing_lane_fails_the_sweep(tmp_path, references):
    """The sweep reports a point whose resumed record differs (here: compared against a
    doctored reference)."""
    _, ref = references("surrogate-sync")
    doctored = json.loads(json.dumps(ref))
    doctored["evaluations"][-1]["seed"] += 1
    with pytest.raises(AssertionError, match="the resumed record differs"):
        _sweep(tmp_path, "surrogate-sync", [20, 21], "KILL", doctored)


def test_trace_counts_points_and_crash_at_kills(tmp_path, references):
    """The hook itself: a trace lists the points; ``k`` kills at exactly the k-th."""
    names, _ = references("surrogate-sync")
    out = tmp_path / "k3"
    out.mkdir()
    trace = tmp_path / "k3.txt"
    assert _child(out, CASES["surrogate-sync"], "3", trace) == -signal.SIGKILL
    assert trace.read_text().split() == names[:3]
