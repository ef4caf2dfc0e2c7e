"""The commensurate surrogate: physics (table, shear crossover, plateaus, reachable
targets), determinism and batch independence, outcome rules."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vdwgym.errors import ValidationError
from vdwgym.space import PAPER_SPACE
from vdwgym.surrogate import CommensurateSurrogate, SurrogateConfig, SurrogateResult

FIELDS = ("twist_deg", "lattice_twist_deg", "order", "crystalline", "n_sites", "matrix",
          "strain", "energy", "elastic_energy", "excess_energy", "lattice_constant_A",
          "runtime_s", "seeds")


@pytest.fixture(scope="module")
def model() -> CommensurateSurrogate:
    return CommensurateSurrogate()


@pytest.fixture(scope="module")
def no_expansion() -> CommensurateSurrogate:
    """No thermal expansion: the box and the layer share one lattice constant."""
    return CommensurateSurrogate(SurrogateConfig(thermal_expansion_per_K=0.0))


@pytest.fixture(scope="module")
def paper_sample(model):
    """20,000 recipes uniform in the paper's space, each with its own seed."""
    rng = np.random.default_rng(20260124)
    X = PAPER_SPACE.from_unit(PAPER_SPACE.sample_unit(20_000, rng))
    seeds = rng.integers(0, 2**63, size=len(X))
    return X, seeds, model.evaluate(X, seeds)


def _same(a: SurrogateResult, b: SurrogateResult, rows_a=slice(None), rows_b=slice(None)) -> None:
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name)[rows_a], getattr(b, name)[rows_b], err_msg=name)


# ---------------------------------------------------------------- physics.md's table
@pytest.mark.parametrize("n_sites, twists", [
    (147, (8.21, 30.0)), (151, (20.63,)), (156, (16.10,)),
])
def test_strain_free_commensurate_states_without_shear(no_expansion, n_sites, twists):
    eps = np.sqrt(n_sites / 144.0) - 1.0
    g = no_expansion.ground_state(np.array([[2000.0, eps, 0.0]]))
    assert g["n_sites"][0] == n_sites
    assert g["strain"][0] < 1e-9
    assert min(abs(g["lattice_twist_deg"][0] - t) for t in twists) < 0.01


def test_aligned_layer_at_zero_strain(no_expansion):
    g = no_expansion.ground_state(np.array([[2000.0, 0.0, 0.0]]))
    assert g["n_sites"][0] == 144 and g["lattice_twist_deg"][0] == pytest.approx(0.0, abs=1e-9)
    assert g["energy"][0] == pytest.approx(0.0, abs=1e-12)


def test_engineering_shear_slips_the_layer_near_4_8_percent(no_expansion):
    shear = np.linspace(0.040, 0.056, 161)
    X = np.column_stack([np.full_like(shear, 2000.0), np.zeros_like(shear), shear])
    twist = no_expansion.ground_state(X)["lattice_twist_deg"]
    aligned = np.abs(twist) < 1e-6
    slipped = np.abs(twist - 2.76) < 0.01
    assert (aligned | slipped).all()
    crossover = shear[np.argmax(slipped)]
    assert aligned[: np.argmax(slipped)].all() and slipped[np.argmax(slipped):].all()
    assert 0.046 <= crossover <= 0.050


def test_shear_opens_the_notes_twisted_states(no_expansion):
    eps = np.linspace(0.0, 0.05, 201)
    X = np.column_stack([np.full_like(eps, 2000.0), eps, np.full_like(eps, 0.056)])
    ground = no_expansion.ground_state(X)["lattice_twist_deg"]
    for t in (2.76, 5.51, 10.91, 13.55):
        assert np.min(np.abs(ground - t)) < 0.05, t


def test_tilt_convention_changes_almost_nothing(no_expansion):
    tilt = CommensurateSurrogate(SurrogateConfig(thermal_expansion_per_K=0.0,
                                                 shear_convention="tilt"))
    eps = np.linspace(0.0, 0.05, 51)
    X0 = np.column_stack([np.full_like(eps, 2000.0), eps, np.zeros_like(eps)])
    X1 = X0.copy()
    X1[:, 2] = 0.056
    unsheared = no_expansion.ground_state(X0)["n_sites"]
    assert np.mean(tilt.ground_state(X1)["n_sites"] == unsheared) > 0.9
    assert np.mean(no_expansion.ground_state(X1)["n_sites"] == unsheared) < 0.5


def test_pruning_keeps_every_ground_state(model):
    wide = CommensurateSurrogate(SurrogateConfig(max_shape_strain=0.3))
    assert wide.n_candidates > 5 * model.n_candidates
    rng = np.random.default_rng(3)
    X = PAPER_SPACE.from_unit(PAPER_SPACE.sample_unit(300, rng))
    a, b = model.ground_state(X), wide.ground_state(X)
    np.testing.assert_allclose(a["energy"], b["energy"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a["lattice_twist_deg"], b["lattice_twist_deg"], atol=1e-9)


# ---------------------------------------------------------------- what the paper reports
@pytest.mark.parametrize("state", [8.21, 13.55, 16.10, 25.29])
def test_targets_reachable_in_the_paper_space(paper_sample, state):
    X, _, r = paper_sample
    hits = r.crystalline & (np.abs(r.twist_deg - state) < 0.1)
    assert hits.any(), state
    assert PAPER_SPACE.validate_array(X[hits]).shape[0] == hits.sum()


def test_same_twist_from_distant_recipes(paper_sample):
    X, _, r = paper_sample
    for state in (2.76, 10.91, 13.55):
        hits = X[r.crystalline & (np.abs(r.lattice_twist_deg - state) < 0.01)]
        assert np.ptp(hits[:, 0]) > 1000.0 and np.ptp(hits[:, 1]) > 0.01, state


def test_plateaus_nearby_recipes_give_identical_twists(model):
    eps = np.linspace(0.0, 0.05, 401)
    for T in (1500.0, 2500.0):
        X = np.column_stack([np.full_like(eps, T), eps, np.full_like(eps, 0.056)])
        r = model.evaluate(X, np.full(len(X), 7))
        same_lattice = (r.matrix[1:] == r.matrix[:-1]).all(axis=(1, 2))
        same_twist = np.abs(r.twist_deg[1:] - r.twist_deg[:-1]) < 1e-9
        np.testing.assert_array_equal(same_twist, same_lattice)
        assert same_lattice.mean() > 0.8
        assert len(np.unique(r.n_sites)) >= 3


def test_ground_state_landscape_is_a_few_plateaus(model):
    land = model.landscape(np.linspace(1300, 3200, 40)[:, None], np.linspace(0, 0.05, 50)[None, :],
                           0.056)
    assert land["lattice_twist_deg"].shape == (40, 50)
    assert 3 <= len(np.unique(np.round(land["lattice_twist_deg"], 3))) <= 12


def test_temperature_raises_diversity(model):
    eps = np.linspace(0.0, 0.05, 21)
    seeds = np.arange(200)
    counts = {}
    for T in (1300.0, 3200.0):
        X = np.repeat(np.column_stack([np.full_like(eps, T), eps, np.full_like(eps, 0.056)]),
                      len(seeds), axis=0)
        r = model.evaluate(X, np.tile(seeds, len(eps)))
        states = np.round(r.lattice_twist_deg, 2).reshape(len(eps), len(seeds))
        counts[T] = np.mean([len(np.unique(row)) for row in states])
    assert counts[3200.0] > 1.5 * counts[1300.0]


# ---------------------------------------------------------------- determinism
def test_same_recipe_and_seed_same_answer(model, paper_sample):
    X, seeds, r = paper_sample
    _same(model.evaluate(X[:500], seeds[:500]), r, rows_b=slice(0, 500))


def test_answer_independent_of_batch(model):
    rng = np.random.default_rng(11)
    X = PAPER_SPACE.from_unit(PAPER_SPACE.sample_unit(257, rng))
    seeds = rng.integers(0, 2**64, size=len(X), dtype=np.uint64)
    full = model.evaluate(X, seeds)
    perm = rng.permutation(len(X))
    _same(model.evaluate(X[perm], seeds[perm]), full, rows_b=perm)
    for i in (0, 100, 256):
        _same(model.evaluate(X[i:i + 1], seeds[i:i + 1]), full, rows_b=slice(i, i + 1))
    small_chunks = CommensurateSurrogate(SurrogateConfig(chunk_elements=1000))
    _same(small_chunks.evaluate(X, seeds), full)


def test_seed_changes_the_draw(model):
    X = np.tile([[2800.0, 0.03, 0.056]], (400, 1))
    r = model.evaluate(X, np.arange(400))
    assert len(np.unique(r.twist_deg[r.crystalline])) > 100
    assert len(np.unique(r.n_sites)) > 1


def test_seeds_are_validated(model):
    X = np.array([[2000.0, 0.01, 0.056]] * 2)
    model.evaluate(X, np.array([0, 2**64 - 1], dtype=np.uint64))
    model.evaluate(X, [0, 2**64 - 1])
    for bad in ([0, -1], [0], [0.5, 1.0], [0, 2**64], np.array([0.0, 1.0]), [True, 1]):
        with pytest.raises(ValidationError):
            model.evaluate(X, bad)
    with pytest.raises(ValidationError):
        model.evaluate(np.ones((2, 2)), [0, 1])


# ---------------------------------------------------------------- outcome rules
def test_outcome_fields(paper_sample, model):
    X, _, r = paper_sample
    assert len(r) == len(X)
    ok = r.crystalline
    assert ((r.twist_deg[ok] >= 0) & (r.twist_deg[ok] <= 30)).all()
    assert np.isnan(r.twist_deg[~ok]).all()
    assert ((r.order >= 0) & (r.order <= 1)).all()
    dets = np.rint(np.abs(np.linalg.det(r.matrix.astype(float)))).astype(int)
    np.testing.assert_array_equal(dets, r.n_sites)
    boxes = model.deformed_boxes(X[:50])
    lattices = np.linalg.solve(r.matrix[:50].astype(float), boxes)
    lengths = np.linalg.norm(lattices, axis=2) / r.lattice_constant_A[:50, None]
    assert (np.abs(lengths - 1.0) < 0.06).all()
    assert (r.runtime_s > 0).all()
    assert np.median(r.runtime_s) == pytest.approx(model.config.runtime_median_s, rel=0.05)
    assert (r.excess_energy >= 0).all()


def test_amorphous_outcomes_are_rare_but_possible(paper_sample, model):
    X, _, r = paper_sample
    assert 0.0 < np.mean(~r.crystalline) < 0.02
    cold = model.evaluate(np.tile([[1300.0, 0.02, 0.056]], (2000, 1)), np.arange(2000))
    hot = model.evaluate(np.tile([[2500.0, 0.02, 0.056]], (2000, 1)), np.arange(2000))
    assert 0.01 < np.mean(~cold.crystalline) < 0.15
    assert hot.crystalline.all()
    amorphous = np.flatnonzero(~cold.crystalline)[0]
    assert cold.row(amorphous)["twist_deg"] is None
    assert np.mean(cold.order[~cold.crystalline]) < 0.5 < np.mean(cold.order[cold.crystalline])


def test_defaults_give_the_kinetic_law_alone(model):
    T = np.linspace(1000.0, 3200.0, 23)
    cfg = model.config
    kinetic = 1.0 / (1.0 + np.exp((T - cfg.kinetic_limit_K) / cfg.kinetic_width_K))
    np.testing.assert_array_equal(model.amorphous_probability(T), kinetic)


def test_substrate_melting_and_floor_are_independent_causes():
    melt = CommensurateSurrogate(SurrogateConfig(substrate_melt_K=2600.0,
                                                 substrate_melt_width_K=50.0))
    p = melt.amorphous_probability(np.array([2000.0, 2600.0, 3100.0]))
    assert p[0] < 1e-4 and p[1] == pytest.approx(0.5, abs=1e-6) and p[2] > 0.9999
    both = CommensurateSurrogate(SurrogateConfig(substrate_melt_K=2600.0,
                                                 substrate_melt_width_K=50.0,
                                                 amorphous_probability_floor=0.2))
    q = both.amorphous_probability(np.array([2000.0, 2600.0]))
    assert q == pytest.approx([0.2, 1.0 - 0.5 * 0.8], abs=1e-4)
    n = 4000
    X = np.tile([[2600.0, 0.02, 0.056]], (n, 1))
    seen = np.mean(~both.evaluate(X, np.arange(n)).crystalline)
    assert abs(seen - 0.6) < 4 * np.sqrt(0.6 * 0.4 / n)
    hot = both.evaluate(np.tile([[3100.0, 0.02, 0.056]], (200, 1)), np.arange(200))
    assert not hot.crystalline.any() and np.isnan(hot.twist_deg).all()


@pytest.mark.parametrize("field, value", [("substrate_melt_K", -5.0),
                                          ("substrate_melt_K", float("nan")),
                                          ("substrate_melt_width_K", 0.0),
                                          ("amorphous_probability_floor", 1.0),
                                          ("amorphous_probability_floor", -0.1)])
def test_crystallinity_constants_are_validated(field, value):
    with pytest.raises(ValidationError, match=field):
        SurrogateConfig(**{field: value})


def test_order_falls_with_strain_energy(paper_sample):
    X, seeds, _ = paper_sample
    quiet = CommensurateSurrogate(SurrogateConfig(order_noise=0.0))
    r = quiet.evaluate(X[:3000], seeds[:3000])
    for n_sites in (144, 149):
        k = r.crystalline & (r.n_sites == n_sites)
        order = r.order[k][np.argsort(r.elastic_energy[k])]
        assert k.sum() > 100 and np.all(np.diff(order) <= 1e-12) and np.ptp(order) > 0.02


def test_row_is_json(paper_sample):
    _, seeds, r = paper_sample
    row = json.loads(json.dumps(r.row(3)))
    assert row["seed"] == int(seeds[3])
    assert row["shear_convention"] == "engineering"
    assert set(row) >= {"twist_deg", "order", "crystalline", "n_sites", "matrix", "strain",
                        "energy_eV", "runtime_s"}


def test_config_is_validated():
    with pytest.raises(ValidationError):
        SurrogateConfig(shear_convention="shear")
    with pytest.raises(ValidationError):
        SurrogateConfig(n_sites_min=150)
    with pytest.raises(ValidationError):
        SurrogateConfig(c12_N_per_m=200.0)
    with pytest.raises(ValidationError):
        SurrogateConfig(selection_temperature_scale=0.0)


def test_config_round_trips_through_json():
    cfg = SurrogateConfig(shear_convention="tilt", site_cost_eV=0.3)
    assert SurrogateConfig(**json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_draws_follow_the_selection_law(model):
    X = np.array([[2800.0, 0.03, 0.056]])
    law = model.selection_probabilities(X)
    assert law["probability"].shape == (1, model.n_candidates)
    assert law["probability"].sum() == pytest.approx(1.0)
    n = 4000
    r = model.evaluate(np.repeat(X, n, axis=0), np.arange(n))
    for state in np.unique(np.round(r.lattice_twist_deg, 3)):
        p = law["probability"][0][np.abs(law["lattice_twist_deg"][0] - state) < 1e-3].sum()
        seen = np.mean(np.abs(r.lattice_twist_deg - state) < 1e-3)
        assert abs(seen - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-3, state


def test_empty_batch(model):
    r = model.evaluate(np.zeros((0, 3)), [])
    assert len(r) == 0 and r.matrix.shape == (0, 2, 2)
