"""The conformance kit as a pytest plugin: ``pytest -p vdwgym.testing.conformance`` (or
``pytest_plugins = ["vdwgym.testing.conformance"]`` in a root conftest) gives the fixture
``controller_conformance``::

    def test_my_controller(controller_conformance, my_controller_url):
        report = controller_conformance(my_controller_url)   # fails the test, with the table
        assert report.passed
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vdwgym.service.conformance import Report, check_controller

__all__ = ["controller_conformance"]


@pytest.fixture
def controller_conformance() -> Callable[..., Report]:
    """``check(url_or_controller, **options) -> Report``; fails the test when a check fails."""

    def check(target: Any, **options: Any) -> Report:
        report = check_controller(target, **options)
        if not report.passed:
            pytest.fail(f"controller does not conform:\n{report.table()}")
        return report

    return check
