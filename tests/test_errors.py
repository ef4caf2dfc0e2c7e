"""The error hierarchy survives pickling (errors raised in worker processes arrive intact)."""

import concurrent.futures as cf
import multiprocessing
import pickle

import pytest

from vdwgym.errors import ConfigError, ValidationError
from vdwgym.service.client import RemoteValidationError, ServiceError


def _raise_validation(value):
    raise ValidationError("temperature_K", "[1300, 3200] K", value, "too hot")


@pytest.mark.parametrize("err", [
    ValidationError("temperature_K", "[1300, 3200] K", 4000.0, "too hot"),
    ValidationError("seed", "an int", None),
    ConfigError("bench.toml: unknown keys ['x']"),
    ServiceError("refused", status=409, field="recipe"),
    RemoteValidationError("budget", "must be >= 1"),
])
def test_errors_round_trip_through_pickle(err):
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert str(back) == str(err)
    assert {k: v for k, v in vars(back).items()} == {k: v for k, v in vars(err).items()}


def test_validation_error_from_a_spawned_worker_arrives_intact():
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        with pytest.raises(ValidationError) as info:
            pool.submit(_raise_validation, 4000.0).result()
    assert (info.value.field, info.value.bound, info.value.value) == ("temperature_K", "[1300, 3200] K", 4000.0)
    assert "too hot" in str(info.value)
