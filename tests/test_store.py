import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from vdwgym import crashpoints
from vdwgym.errors import StoreError
from vdwgym.outcome import Outcome, Status
from vdwgym.space import Recipe
from vdwgym.store import Store

R = Recipe(temperature_K=2000.0, lattice_strain=0.01, shear_strain=0.056)


def test_lifecycle_and_reopen(tmp_path):
    path = tmp_path / "c.sqlite"
    with Store(path) as st:
        st.add_proposals([(0, "e000000", R, 11, 0, "init"), (1, "e000001", R, 12, 0, "init")],
                         {"agent": "x", "n": 1})
        st.mark_launched(0)
        st.mark_done(0, Outcome(Status.OK, R, 11, twist_deg=8.2, crystalline=True))
        st.mark_told([0], {"agent": "x", "n": 2})
    with Store(path) as st:
        recs = st.evaluations()
        assert [r.status for r in recs] == ["done", "proposed"]
        assert recs[0].outcome.twist_deg == 8.2 and recs[0].told and not recs[1].told
        assert recs[1].seed == 12 and recs[1].recipe == R
        assert st.latest_agent_state() == {"agent": "x", "n": 2}
        assert [k for _, k, _ in st.events()] == ["proposed", "done", "told"]


def test_done_twice_is_refused(tmp_path):
    with Store(tmp_path / "c.sqlite") as st:
        st.add_proposals([(0, "e000000", R, 1, 0, "agent")], None)
        o = Outcome(Status.FAILED, R, 1, error="x")
        st.mark_done(0, o)
        with pytest.raises(StoreError, match="already done"):
            st.mark_done(0, o)


def test_failed_transaction_leaves_nothing(tmp_path):
    with Store(tmp_path / "c.sqlite") as st:
        with pytest.raises(sqlite3.IntegrityError):
            st.add_proposals([(0, "a", R, 1, 0, "agent"), (0, "b", R, 2, 0, "agent")], {"s": 1})
        assert st.n_evaluations() == 0 and st.latest_agent_state() is None


def test_not_a_store(tmp_path):
    bad = tmp_path / "x.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a vdwgym campaign store"):
        Store(bad)


# ---------------------------------------------------------------------- corruption (issue 13, defect 8)
def _campaign(tmp_path, budget=6):
    from vdwgym.campaign import Campaign, CampaignConfig
    from vdwgym.testing.backends import FunctionBackend

    path = tmp_path / "campaign.sqlite"
    camp = Campaign(CampaignConfig(budget=budget, batch=2, n_init=2, stop_at_target=False, seed=7),
                    path, backend=FunctionBackend())
    camp.run()
    camp.store.close()
    return path


def _sql(path, *statements):
    with sqlite3.connect(path) as db:
        for s in statements:
            db.execute(s)
    db.close()


def _resume(path):
    from vdwgym.campaign import Campaign
    from vdwgym.testing.backends import FunctionBackend

    return Campaign.resume(path, backend=FunctionBackend())


@pytest.mark.parametrize(("damage", "message"), [
    ("UPDATE evaluations SET outcome = '{not json' WHERE idx = 2",
     r"table evaluations, row idx=2, field outcome: not valid JSON"),
    ("""UPDATE evaluations SET outcome = '{"status": "ok", "recipe": {}, "seed": 1, "twist_deg": 99, "crystalline": true}' WHERE idx = 1""",
     r"table evaluations, row idx=1, field outcome: not a valid outcome"),
    ("UPDATE evaluations SET recipe = '[1, 2]' WHERE idx = 0",
     r"table evaluations, row idx=0, field recipe: expected a JSON object"),
    ("UPDATE meta SET value = '{\"budget\": ' WHERE key = 'campaign'",
     r"table meta, row key='campaign', field value: not valid JSON"),
    ("UPDATE agent_states SET state = 'null' WHERE id = 1",
     r"table agent_states, row id=1, field state: expected a JSON object"),
    ("DELETE FROM evaluations WHERE idx = 3",
     r"table evaluations: row idx=3 is missing"),
    ("DROP TABLE evaluations", r"table evaluations is missing"),
    ("UPDATE evaluations SET done_order = 0 WHERE idx = 4",
     r"field done_order: expected each of 0..5 once"),
    ("UPDATE meta SET value = '7' WHERE key = 'schema_version'",
     r"row key='schema_version': expected 1, got 7"),
])
def test_a_damaged_store_is_refused_naming_table_row_and_field(tmp_path, damage, message):
    path = _campaign(tmp_path)
    _sql(path, damage)
    with pytest.raises(StoreError, match=message):
        _resume(path)


@pytest.mark.parametrize(("damage", "message"), [
    ("UPDATE evaluations SET seed = seed + 1 WHERE idx = 2",
     r"row idx=2, field seed: expected \d+ \(from the campaign config\)"),
    ("UPDATE evaluations SET key = 'e000009' WHERE idx = 1",
     r"row idx=1, field key: expected 'e000001'"),
    ("""UPDATE agent_states SET state = '{"agent": "random"}' WHERE id = (SELECT MAX(id) FROM agent_states)""",
     r"table agent_states, latest row, field state: not a state of agent 'random' \(KeyError"),
    ("""UPDATE meta SET value = '{"budget": 0}' WHERE key = 'campaign'""",
     r"table meta, row key='campaign': not a valid campaign config"),
])
def test_a_record_that_contradicts_its_config_is_refused(tmp_path, damage, message):
    path = _campaign(tmp_path)
    _sql(path, damage)
    with pytest.raises(StoreError, match=message):
        _resume(path)


def test_a_damaged_page_is_refused_not_a_traceback(tmp_path):
    path = _campaign(tmp_path, budget=60)
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    for start in range(page, len(data), page):  # every b-tree page header but the first
        data[start:start + 8] = b"\x0d\xff\xff\xff\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"damaged file \(PRAGMA quick_check|not a vdwgym campaign store"):
        Store(path, create=False)


def _cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vdwgym.cli", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300, env={**os.environ, **(env or {})})


CAMPAIGN = ("campaign", "--budget", "6", "--batch", "2", "--n-init", "2", "--seed", "1",
            "--no-stop-at-target")


def test_a_killed_campaigns_store_copied_without_its_wal_is_refused(tmp_path):
    """A real SIGKILL late in a campaign, then ``cp campaign.sqlite`` alone: that copy
    lacks committed transactions (shown with plain sqlite3), and vdwgym refuses it (the
    writable and the read-only open, and ``--resume``: exit 2, file untouched) instead of
    resuming from it; copied with its -wal it resumes, and the closed result is complete
    on its own."""
    trace = tmp_path / "trace.txt"
    assert _cli(*CAMPAIGN, "--out", "ref", cwd=tmp_path,
                env={crashpoints.CRASH_TRACE_ENV: str(trace)}).returncode == 0
    names = trace.read_text().split()
    k = [i + 1 for i, n in enumerate(names) if n == "store:after-commit"][-4]
    killed = _cli(*CAMPAIGN, "--out", "run", cwd=tmp_path,
                  env={crashpoints.CRASH_AT_ENV: str(k)})
    assert killed.returncode == -signal.SIGKILL
    run = tmp_path / "run"
    assert (run / "campaign.sqlite-wal").stat().st_size > 0
    alone, both = tmp_path / "alone", tmp_path / "both"
    alone.mkdir()
    both.mkdir()
    shutil.copy(run / "campaign.sqlite", alone / "campaign.sqlite")
    for suffix in ("", "-wal"):
        shutil.copy(run / f"campaign.sqlite{suffix}", both / f"campaign.sqlite{suffix}")

    def n_events(path: Path) -> int:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        finally:
            db.close()

    plain = tmp_path / "plain" / "campaign.sqlite"
    plain.parent.mkdir()
    shutil.copy(run / "campaign.sqlite", plain)
    assert n_events(plain) < n_events(run / "campaign.sqlite")  # what the copy lacks
    original = alone / "campaign.sqlite"
    image = original.read_bytes()
    refused = "marked open .* campaign.sqlite-wal is not beside it"
    with pytest.raises(StoreError, match=refused):
        Store(original, create=False)
    with pytest.raises(StoreError, match=refused):
        Store.read_only(original)
    res = _cli("campaign", "--out", str(alone), "--resume", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "campaign.sqlite-wal is not beside it" in res.stderr and "Traceback" not in res.stderr
    assert original.read_bytes() == image
    assert sorted(p.name for p in alone.iterdir()) == ["campaign.sqlite"]

    assert _cli("campaign", "--out", str(both), "--resume", cwd=tmp_path).returncode == 0
    with Store(tmp_path / "ref" / "campaign.sqlite", create=False) as ref:
        expected = [(r.key, r.seed, r.recipe, r.outcome.twist_deg) for r in ref.evaluations()]
    closed = tmp_path / "closed"
    closed.mkdir()
    assert not (both / "campaign.sqlite-wal").exists() or \
        (both / "campaign.sqlite-wal").stat().st_size == 0
    shutil.copy(both / "campaign.sqlite", closed / "campaign.sqlite")
    for folder in (both, closed):
        with Store(folder / "campaign.sqlite", create=False) as st:
            assert [(r.key, r.seed, r.recipe, r.outcome.twist_deg)
                    for r in st.evaluations()] == expected


def test_an_open_store_copied_alone_is_refused_and_a_closed_one_is_complete(tmp_path):
    """The same without a kill: while a campaign holds its store, the main file alone is
    refused; once closed, it holds everything."""
    from vdwgym.campaign import Campaign, CampaignConfig
    from vdwgym.testing.backends import FunctionBackend

    camp = Campaign(CampaignConfig(budget=6, batch=2, n_init=2, stop_at_target=False),
                    tmp_path / "campaign.sqlite", backend=FunctionBackend())
    camp.run()  # the store stays open
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(tmp_path / "campaign.sqlite", copy / "campaign.sqlite")
    with pytest.raises(StoreError, match="marked open"):
        Store(copy / "campaign.sqlite", create=False)
    state = camp.store.latest_agent_state()
    camp.store.close()
    shutil.copy(tmp_path / "campaign.sqlite", copy / "campaign.sqlite")
    with Store(copy / "campaign.sqlite", create=False) as st:
        assert [r.status for r in st.evaluations()] == ["done"] * 6
        assert st.latest_agent_state() == state


def test_the_open_mark_is_in_the_main_file_while_open_and_gone_once_closed(tmp_path):
    path = tmp_path / "c.sqlite"

    def mark_in_main_file() -> bool:
        copy = tmp_path / "main-only.sqlite"
        shutil.copy(path, copy)
        db = sqlite3.connect(copy)
        try:
            return db.execute("SELECT COUNT(*) FROM meta WHERE key = 'writer'").fetchone()[0] == 1
        finally:
            db.close()
            copy.unlink()

    st = Store(path)
    assert mark_in_main_file()
    assert not st.has_content()
    st.close()
    assert not mark_in_main_file()


def test_close_empties_the_wal(tmp_path):
    _campaign(tmp_path)
    wal = tmp_path / "campaign.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size == 0
