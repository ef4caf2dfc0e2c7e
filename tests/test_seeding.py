import json

import numpy as np
import pytest

from vdwgym.errors import ValidationError
from vdwgym.seeding import MAX_SEED, check_seed, evaluation_seed


@pytest.mark.parametrize("seed", [0, 7, np.int64(12), np.uint64(2**63 - 1), 2**63 - 1])
def test_check_seed_accepts_integers_in_range_as_int(seed):
    out = check_seed(seed)
    assert type(out) is int and out == int(seed)


@pytest.mark.parametrize("seed", [-1, 2**63, True, 3.0, "5", None])
def test_check_seed_refuses_the_rest_naming_field_and_bound(seed):
    with pytest.raises(ValidationError) as exc:
        check_seed(seed, field="params.json:seed")
    assert exc.value.field == "params.json:seed" and "2**63" in exc.value.bound


def test_every_evaluation_seed_passes_the_check():
    seeds = [evaluation_seed(root, i) for root in (0, 1, 2**62) for i in range(200)]
    assert all(check_seed(s) == s for s in seeds) and max(seeds) < MAX_SEED
    assert json.loads(json.dumps(seeds)) == seeds
