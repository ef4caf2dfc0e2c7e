import pytest
from hypothesis import given
from hypothesis import strategies as st

from vdwgym.errors import ValidationError
from vdwgym.outcome import Outcome, Status, fold_twist

R = {"temperature_K": 2000.0, "lattice_strain": 0.01, "shear_strain": 0.056}


@given(st.floats(-1e4, 1e4, allow_nan=False))
def test_fold_is_hexagonal(theta):
    f = fold_twist(theta)
    assert 0.0 <= f <= 30.0
    assert fold_twist(-theta) == pytest.approx(f, abs=1e-9)
    assert fold_twist(theta + 60.0) == pytest.approx(f, abs=1e-7)
    assert fold_twist(60.0 - theta) == pytest.approx(f, abs=1e-7)


def test_fold_examples():
    assert fold_twist(8.5) == 8.5
    assert fold_twist(51.5) == pytest.approx(8.5)
    assert fold_twist(-8.5) == pytest.approx(8.5)
    assert fold_twist(90.0) == pytest.approx(30.0)


def test_twist_only_when_crystalline():
    with pytest.raises(ValidationError, match="crystalline"):
        Outcome(Status.OK, R, 1, twist_deg=8.0, crystalline=False)
    with pytest.raises(ValidationError, match="twist_deg"):
        Outcome(Status.OK, R, 1, twist_deg=31.0, crystalline=True)
    amorphous = Outcome(Status.OK, R, 1, order=0.1, crystalline=False)
    assert not amorphous.ok and amorphous.regret(8.5) is None


def test_regret_and_round_trip():
    o = Outcome("ok", R, 7, twist_deg=8.21, order=0.9, crystalline=True, details={"n_sites": 147})
    assert o.regret(8.5) == pytest.approx(0.29)
    assert o.regret(51.5) == pytest.approx(0.29)
    back = Outcome.from_dict(o.to_dict())
    assert back == o and back.status is Status.OK
    failed = Outcome(Status.FAILED, R, 7, error="lost atoms")
    assert failed.regret(8.5) is None and Outcome.from_dict(failed.to_dict()).error == "lost atoms"
