"""Fixtures of the fault tests."""

from __future__ import annotations

import asyncio
import fcntl
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

LOAD_LOCK = Path(tempfile.gettempdir()) / "openkrakow-load-tests.lock"


@pytest.fixture
async def alone_under_load() -> AsyncIterator[None]:
    """The load tests (thousands of requests while parts crash) of every test process on this
    machine run one at a time. CI runs two suites side by side, each split over processes; two
    such loads at once on two cores made each five times slower than alone and told nothing
    more than one of them."""
    with LOAD_LOCK.open("a") as handle:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
