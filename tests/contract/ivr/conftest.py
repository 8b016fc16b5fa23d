"""Runs the FastAGI server's tests on both event loops (tests/ivr_loops.py)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tests.ivr_loops import LoopFactory, loops_for


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Mapping[str, LoopFactory]:
    return loops_for(item.path.name)
