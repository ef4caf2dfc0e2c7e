"""The surrogate against MD-like observations (vdwgym/surrogate/calibration.py): the
likelihood is a density, and calibration recovers the constants that made the data."""

import dataclasses

import numpy as np
import pytest

from vdwgym.errors import ValidationError
from vdwgym.surrogate import CommensurateSurrogate, SurrogateConfig
from vdwgym.surrogate.calibration import (
    Observations,
    _folded_kernel,
    calibrate,
    coverage,
    log_likelihood,
)

BASE = SurrogateConfig(nx=8, ny=8, n_sites_min=48, n_sites_max=84)


def _synthetic(cfg, n, seed, incommensurate=0.0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(1300, 3200, n), rng.uniform(0, 0.05, n),
                         rng.uniform(0.0, 0.0575, n)])
    res = CommensurateSurrogate(cfg).evaluate(X, rng.integers(0, 2**63, n))
    t = res.twist_deg.copy()
    swap = rng.random(n) < incommensurate
    t[swap & np.isfinite(t)] = rng.uniform(0, 30, int((swap & np.isfinite(t)).sum()))
    return Observations(X, t)


def test_folded_kernel_is_a_density_on_0_30():
    t = np.linspace(0, 30, 30001)
    for theta in (0.0, 1.0, 15.0, 29.5):
        dens = _folded_kernel(t, np.float64(theta), 1.0)
        assert np.trapezoid(dens, t) == pytest.approx(1.0, abs=2e-3)


def test_likelihood_of_an_amorphous_outcome_is_the_kinetic_law():
    model = CommensurateSurrogate(BASE)
    obs = Observations(np.array([[1000.0, 0.01, 0.05]]), np.array([np.nan]))
    assert log_likelihood(model, obs)[0] == pytest.approx(np.log(0.5), abs=1e-9)


def test_twist_law_is_the_law_evaluate_draws_from_overstrained_states_included():
    from vdwgym.surrogate.calibration import twist_law

    hot = CommensurateSurrogate(dataclasses.replace(BASE, selection_temperature_scale=20.0,
                                                    amorphous_probability_floor=0.1))
    x = np.array([[3000.0, 0.045, 0.057]])
    law = twist_law(hot, x)
    over = hot.selection_probabilities(x)
    overstrained = over["probability"][0][over["strain"][0] > BASE.max_crystal_strain].sum()
    assert overstrained > 0.05  # the case the law must count as amorphous
    n = 6000
    r = hot.evaluate(np.repeat(x, n, axis=0), np.arange(n))
    pc = law["p_crystalline"][0]
    assert pc == pytest.approx(0.9 * (1.0 - overstrained), abs=0.01)
    assert abs(r.crystalline.mean() - pc) < 4 * np.sqrt(pc * (1 - pc) / n)
    assert law["probability"][0].sum() == pytest.approx(1.0)
    for state in np.unique(np.round(r.lattice_twist_deg[r.crystalline], 3)):
        p = law["probability"][0][np.abs(law["twist_deg"][0] - state) < 1e-3].sum()
        seen = np.mean(np.abs(r.lattice_twist_deg[r.crystalline] - state) < 1e-3)
        m = int(r.crystalline.sum())
        assert abs(seen - p) < 4 * np.sqrt(p * (1 - p) / m) + 2e-3, state


def test_observed_states_are_covered_by_their_own_model():
    obs = _synthetic(BASE, 200, 1)
    assert coverage(CommensurateSurrogate(BASE), obs) >= 0.9


def test_calibration_recovers_the_selection_temperature():
    truth = dataclasses.replace(BASE, selection_temperature_scale=6.0)
    obs = _synthetic(truth, 400, 2)
    cal = calibrate(obs, BASE, {"selection_temperature_scale": [1.0, 2.5, 6.0, 15.0]}, folds=4)
    assert cal.best["selection_temperature_scale"] == 6.0
    assert cal.heldout_ll > cal.baseline_heldout_ll
    assert cal.config.selection_temperature_scale == 6.0


def test_calibration_finds_incommensurate_grains():
    obs = _synthetic(BASE, 300, 3, incommensurate=0.4)
    cal = calibrate(obs, BASE, {"incommensurate_weight": [0.0, 0.1, 0.4, 0.8]}, folds=3)
    assert cal.best["incommensurate_weight"] == 0.4
    assert cal.heldout_ll > cal.baseline_heldout_ll + 0.1


def test_calibration_finds_the_substrate_melting_and_the_floor():
    truth = dataclasses.replace(BASE, substrate_melt_K=2600.0, amorphous_probability_floor=0.2)
    obs = _synthetic(truth, 300, 5)
    cal = calibrate(obs, BASE, {"substrate_melt_K": [None, 2200.0, 2600.0, 3000.0],
                                "amorphous_probability_floor": [0.0, 0.2, 0.5]}, folds=3)
    assert cal.best == {"substrate_melt_K": 2600.0, "amorphous_probability_floor": 0.2}
    assert cal.config.substrate_melt_K == 2600.0
    assert cal.heldout_ll > cal.baseline_heldout_ll + 1.0


def test_bad_input_names_the_field():
    with pytest.raises(ValidationError, match="twist"):
        Observations(np.zeros((2, 3)), np.array([40.0, 1.0]))
    with pytest.raises(ValidationError, match="incommensurate_weight"):
        log_likelihood(CommensurateSurrogate(BASE), _synthetic(BASE, 3, 4), 1.0, 1.5)
