"""qei / qlogei specifics: the L-BFGS (BoTorch optimize_acqf) path, qLogNEI, validation."""

import numpy as np
import pytest

from vdwgym.agents import make
from vdwgym.errors import ValidationError
from vdwgym.space import PAPER_SPACE
from vdwgym.testing import TwistLandscape, run_batches

TARGET = 8.5
LIGHT_LBFGS = {"optimizer": "lbfgs", "num_restarts": 1, "raw_samples": 32, "mc_samples": 16, "maxiter": 10}


def unit(recipes):
    return PAPER_SPACE.to_unit(PAPER_SPACE.to_array(recipes))


def warm(name, seed=3, **options):
    a = make(name, space=PAPER_SPACE, target_deg=TARGET, seed=seed, **options)
    run_batches(a, TwistLandscape(PAPER_SPACE), 2, 4)
    return a


@pytest.mark.parametrize("name", ["qei", "qlogei"])
def test_lbfgs_optimizer_reproducible_and_uses_pending(name):
    a, b = warm(name, **LIGHT_LBFGS), warm(name, **LIGHT_LBFGS)
    state = a.state_dict()
    first = a.ask(2)
    np.testing.assert_array_equal(unit(first), unit(b.ask(2)))
    c = make(name, space=PAPER_SPACE, target_deg=TARGET, seed=0, **LIGHT_LBFGS)
    c.load_state_dict(state)
    assert not np.allclose(unit(c.ask(2, pending=first)), unit(first))


@pytest.mark.parametrize("optimizer", ["discrete", "lbfgs"])
def test_noisy_qlogei_runs_with_pending(optimizer):
    opts = {**LIGHT_LBFGS, "optimizer": optimizer}
    a = warm("qlogei", noisy=True, **opts)
    first = a.ask(2)
    U = unit(a.ask(3, pending=first))
    assert U.shape == (3, 3) and np.all((U >= 0) & (U <= 1))


def test_discrete_candidates_include_local_perturbations_of_the_best():
    a = warm("qei", n_sobol=64, n_local=32, local_sd=0.01, n_best=2)
    C = a._candidates(4, seed=0).numpy()
    assert C.shape == (96, 3)
    best = a.obs.X[np.argsort(a.obs.regret(TARGET))[:2]]
    d = np.linalg.norm(C[64:, None, :] - best[None], axis=-1).min(axis=1)
    assert np.all(d < 0.1)


def test_qlogei_discrete_batch_is_diverse():
    """The greedy batch does not stack points: each one must add improvement."""
    U = unit(warm("qlogei").ask(8))
    d = np.linalg.norm(U[:, None] - U[None], axis=-1)[np.triu_indices(8, 1)]
    assert d.min() > 1e-6


def test_bad_optimizer_is_refused():
    with pytest.raises(ValidationError, match="optimizer"):
        make("qei", space=PAPER_SPACE, target_deg=TARGET, seed=0, optimizer="adam")
