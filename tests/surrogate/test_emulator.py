"""The MD-dataset emulator backend (vdwgym/surrogate/emulator.py)."""

import numpy as np
import pytest

from vdwgym.backends.registry import make_backend
from vdwgym.datasets import write_dataset
from vdwgym.errors import ValidationError
from vdwgym.space import PAPER_SPACE

SPACE = PAPER_SPACE.with_bounds(shear_strain=(0.0, 0.0575))
HOT = {"temperature_K": 3000.0, "lattice_strain": 0.015, "shear_strain": 0.015}
COLD = {"temperature_K": 1400.0, "lattice_strain": 0.04, "shear_strain": 0.056}


@pytest.fixture
def dataset(tmp_path):
    # six repeats of a hot recipe (twists 20 and 17 deg), four of a cold one (amorphous)
    recs = [{"idx": i, "key": f"e{i:06d}", "recipe": HOT, "seed": i, "crystalline": True,
             "twist_deg": 20.0 if i % 2 else 17.0} for i in range(6)]
    recs += [{"idx": 6 + i, "key": f"e{6 + i:06d}", "recipe": COLD, "seed": 6 + i}
             for i in range(4)]
    return write_dataset(tmp_path / "toy-v1", {"name": "toy-v1",
                                               "campaign": {"space": SPACE.to_dict()}}, recs)


def test_emulator_reproduces_the_recorded_spread(dataset):
    lab = make_backend("emulator", SPACE, dataset=str(dataset), jitter_deg=0.2)
    outs = lab.evaluate([HOT] * 400, list(range(400)))
    tw = np.array([o.twist_deg for o in outs if o.crystalline])
    assert len(tw) > 300                                  # crystalline near the hot recipe
    near20, near17 = np.mean(np.abs(tw - 20) < 1), np.mean(np.abs(tw - 17) < 1)
    assert near20 + near17 > 0.99 and 0.35 < near20 < 0.65
    cold = lab.evaluate([COLD] * 200, list(range(200)))
    # amorphous where MD was: 4 amorphous records and a Beta(1.2, 0.8) prior -> 1.2 / 6
    assert lab.p_crystalline(lab.space.validate(COLD)) == pytest.approx(0.2, abs=0.01)
    assert 20 < sum(o.crystalline for o in cold) < 60
    assert outs[0].details["emulator"] == "toy-v1"


def test_emulator_answer_is_a_function_of_recipe_and_seed(dataset):
    a = make_backend("emulator", SPACE, dataset=str(dataset))
    b = make_backend("emulator", SPACE, dataset=str(dataset))
    x = [a.evaluate([HOT], [s])[0].twist_deg for s in range(20)]
    assert x == [b.evaluate([HOT], [s])[0].twist_deg for s in range(20)]
    assert len(set(x)) > 5


def test_bad_options_name_the_field(dataset):
    with pytest.raises(ValidationError, match="length_scale"):
        make_backend("emulator", SPACE, dataset=str(dataset), length_scale=0)
    with pytest.raises(ValidationError, match="dataset"):
        make_backend("emulator", SPACE, dataset="nope")
