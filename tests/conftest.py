"""Shared pytest options: --update-golden re-records expected outputs; `slow` tests run only
with `-m slow` or SIBDSL_FUZZ=1."""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="re-record tests/golden/*.expected from the current output (review the diff!)")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


# ---------------------------------------------------------------- slow tests (long fuzzing runs)
def _slow_wanted(config: pytest.Config) -> bool:
    if os.environ.get("SIBDSL_FUZZ", "").strip() not in ("", "0"):
        return True
    markexpr = str(config.getoption("markexpr", default="") or "")
    return "slow" in markexpr and "not slow" not in markexpr


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked `slow` unless `-m slow` was given or SIBDSL_FUZZ=1 is set."""
    if _slow_wanted(config):
        return
    skip = pytest.mark.skip(reason="slow fuzzing run: use -m slow or SIBDSL_FUZZ=1")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)
