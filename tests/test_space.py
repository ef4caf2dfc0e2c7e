import math

import numpy as np
import pytest

from vdwgym.errors import ValidationError
from vdwgym.space import PAPER_SPACE, Dimension, ParameterSpace, Recipe

GOOD = {"temperature_K": 2000.0, "lattice_strain": 0.015, "shear_strain": 0.056}


def test_paper_defaults():
    assert PAPER_SPACE.names == ("temperature_K", "lattice_strain", "shear_strain")
    np.testing.assert_allclose(PAPER_SPACE.bounds, [[1300, 0, 0.055], [3200, 0.05, 0.0575]])


def test_validate_accepts_mapping_sequence_and_recipe():
    r = PAPER_SPACE.validate(GOOD)
    assert isinstance(r, Recipe) and r.temperature_K == 2000.0
    assert PAPER_SPACE.validate([2000, 0.015, 0.056]) == r
    assert PAPER_SPACE.validate(r) == r


@pytest.mark.parametrize("field,value,bound", [
    ("temperature_K", 5000.0, "[1300, 3200] K"),
    ("temperature_K", 1299.99, "[1300, 3200] K"),  # 0.01 K past: beyond the tolerance
    ("lattice_strain", -0.001, "[0, 0.05]"),
    ("shear_strain", 0.06, "[0.055, 0.0575]"),
    ("lattice_strain", math.nan, "finite"),
    ("temperature_K", math.inf, "finite"),
])
def test_out_of_bounds_names_field_bound_value(field, value, bound):
    bad = dict(GOOD, **{field: value})
    with pytest.raises(ValidationError) as info:
        PAPER_SPACE.validate(bad)
    err = info.value
    assert err.field == field
    assert bound in err.bound
    assert field in str(err) and str(value)[:4] in str(err)


def test_wrong_shape_missing_unknown_and_type():
    with pytest.raises(ValidationError, match="shape"):
        PAPER_SPACE.validate([2000, 0.01])
    with pytest.raises(ValidationError, match="shear_strain"):
        PAPER_SPACE.validate({"temperature_K": 2000, "lattice_strain": 0.01})
    with pytest.raises(ValidationError, match="pressure"):
        PAPER_SPACE.validate(dict(GOOD, pressure=1.0))
    with pytest.raises(ValidationError, match="temperature_K"):
        PAPER_SPACE.validate(dict(GOOD, temperature_K="hot"))
    with pytest.raises(ValidationError, match="temperature_K"):
        PAPER_SPACE.validate(dict(GOOD, temperature_K=True))


def test_validate_array_reports_row_and_field():
    X = np.array([[2000, 0.01, 0.056], [2000, 0.09, 0.056]])
    with pytest.raises(ValidationError) as info:
        PAPER_SPACE.validate_array(X)
    assert info.value.field == "recipes[1].lattice_strain"
    with pytest.raises(ValidationError, match="shape"):
        PAPER_SPACE.validate_array(np.zeros((2, 4)))


def test_unit_and_action_maps_round_trip():
    rng = np.random.default_rng(0)
    U = rng.random((50, 3))
    X = PAPER_SPACE.from_unit(U)
    np.testing.assert_allclose(PAPER_SPACE.to_unit(X), U, atol=1e-12)
    np.testing.assert_allclose(PAPER_SPACE.from_action(PAPER_SPACE.to_action(X)), X)
    assert PAPER_SPACE.validate_array(PAPER_SPACE.from_action(np.full((1, 3), 1.0 + 1e-9))).shape == (1, 3)
    np.testing.assert_allclose(PAPER_SPACE.from_action([-1, -1, -1]), PAPER_SPACE.bounds[0])


def test_configurable_and_extra_dimensions():
    space = PAPER_SPACE.with_bounds(temperature_K=(1500, 3000))
    assert space.bounds[0, 0] == 1500 and space.bounds[1, 0] == 3000
    with pytest.raises(ValidationError):
        space.validate(dict(GOOD, temperature_K=1400))
    big = ParameterSpace([*PAPER_SPACE.dimensions, Dimension("pressure_GPa", 0.0, 2.0, "GPa")])
    assert big.d == 4 and ParameterSpace.from_dict(big.to_dict()) == big
    with pytest.raises(ValidationError, match="high"):
        Dimension("x", 1.0, 1.0)


def test_recipe_is_immutable_and_hashable():
    r = Recipe(GOOD)
    with pytest.raises(AttributeError):
        r.temperature_K = 1.0
    assert {r: 1}[Recipe(dict(GOOD))] == 1


def test_values_within_the_bound_tolerance_are_clipped_and_reported():
    from vdwgym.space import BOUND_RTOL

    given = dict(GOOD, temperature_K=3200.0 + 1e-12, shear_strain=0.055 - 1e-12)
    r = PAPER_SPACE.validate(given)
    assert r.temperature_K == 3200.0 and r.shear_strain == 0.055
    assert {c["field"] for c in PAPER_SPACE.clips(given, r)} == {"temperature_K", "shear_strain"}
    assert PAPER_SPACE.clips(GOOD, PAPER_SPACE.validate(GOOD)) == []
    span = 0.0575 - 0.055
    assert PAPER_SPACE.validate(dict(GOOD, shear_strain=0.0575 + 0.9 * BOUND_RTOL * span)).shear_strain == 0.0575
    with pytest.raises(ValidationError, match="clipped"):
        PAPER_SPACE.validate(dict(GOOD, shear_strain=0.0575 + 2 * BOUND_RTOL * span))
    X = PAPER_SPACE.validate_array([[1300 - 1e-9, 0.05 + 1e-14, 0.056]])
    assert X[0, 0] == 1300.0 and X[0, 1] == 0.05


def test_to_vocs_describes_variables_objective_and_observables():
    pytest.importorskip("gest_api")
    from gest_api.vocs import VOCS

    vocs = PAPER_SPACE.to_vocs()
    assert isinstance(vocs, VOCS)
    assert vocs.variable_names == list(PAPER_SPACE.names)
    assert vocs.bounds == PAPER_SPACE.bounds.T.tolist()
    assert vocs.objective_names == ["regret_deg"]
    assert type(vocs.objectives["regret_deg"]).__name__ == "MinimizeObjective"
    assert set(vocs.observable_names) == {"twist_deg", "order", "failed"}
    back = type(PAPER_SPACE).from_vocs(vocs)
    assert back.names == PAPER_SPACE.names and (back.bounds == PAPER_SPACE.bounds).all()
