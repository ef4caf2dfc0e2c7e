import json
import math

import numpy as np

from vdwgym.json_data import plain_json


def test_plain_json_gives_strict_json_of_numpy_nan_tuples_and_objects():
    value = {1: (np.float32(0.5), np.nan, math.inf), "a": np.arange(3), "b": np.bool_(True),
             "c": [None, "s", -math.inf], "e": object}
    out = plain_json(value)
    assert out == {"1": [0.5, None, None], "a": [0, 1, 2], "b": True, "c": [None, "s", None],
                   "e": str(object)}
    assert json.loads(json.dumps(out, allow_nan=False)) == out
