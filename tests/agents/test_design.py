"""The fixed-design agent (agents/design.py)."""

import json

import numpy as np
import pytest

from vdwgym.agents import make
from vdwgym.errors import ValidationError
from vdwgym.space import PAPER_SPACE

A = {"temperature_K": 2500.0, "lattice_strain": 0.015, "shear_strain": 0.056}
B = {"temperature_K": 2000.0, "lattice_strain": 0.03, "shear_strain": 0.0575}


def _agent(**kw):
    return make("design", space=PAPER_SPACE, target_deg=8.5, seed=1, **kw)


def test_proposes_in_order_with_repeats_then_sobol():
    agent = _agent(recipes=[A, A, B])
    first = agent.ask(2)
    assert [dict(r) for r in first] == [A, A]
    rest = agent.ask(3)
    assert dict(rest[0]) == B
    assert all(PAPER_SPACE.validate(r) for r in rest[1:])
    assert dict(rest[1]) not in (A, B)


def test_resume_continues_where_it_stopped(tmp_path):
    f = tmp_path / "design.json"
    f.write_text(json.dumps({"recipes": [A, B, A]}))
    a = _agent(file=str(f))
    a.ask(2)
    b = _agent(file=str(f))
    b.load_state_dict(json.loads(json.dumps(a.state_dict())))
    assert [dict(r) for r in b.ask(3)] == [dict(r) for r in a.ask(3)]


def test_stop_and_bad_designs_name_the_field():
    agent = _agent(recipes=[A], then="stop")
    agent.ask(1)
    with pytest.raises(ValidationError, match="design"):
        agent.ask(1)
    with pytest.raises(ValidationError, match="temperature_K"):
        _agent(recipes=[{**A, "temperature_K": 9000.0}])
    with pytest.raises(ValidationError, match="design"):
        _agent()
    assert np.all(np.isfinite(_agent(recipes=[B]).design_unit))
