import sqlite3

import pytest

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
