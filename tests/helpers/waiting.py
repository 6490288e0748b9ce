"""Waiting on a condition with a deadline (never a bare sleep).

TEST_EVENTUALLY_TIMEOUT (seconds) caps every deadline: the mutation report's kit set sets it so
that a mutant which stops events from arriving fails in seconds, not after each test's full
wait. Unset, the deadlines are those the tests give (10 s by default)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    timeout: float = 30.0,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Await `probe()` until it returns a truthy value; fail with `what` after `timeout` seconds.

    The default is long (30 s): waiting on a positive signal costs nothing when it comes at
    once, and a loaded machine (a CI run beside another) took more than 10 s to deliver a
    council reminder's mail through the worker."""
    cap = os.environ.get("TEST_EVENTUALLY_TIMEOUT")
    if cap:
        timeout = min(timeout, float(cap))
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


async def stop_task(task: asyncio.Task[Any]) -> None:
    """Cancel a consumer or relay task and wait until it has stopped: left running, a cancel
    that reaches it while the bus closes (nats-py then raises ConnectionClosedError, not
    CancelledError) keeps it retrying for the rest of the session."""
    deadline = time.monotonic() + 10
    while not task.done():
        # Again until it ends: a cancel can be lost (Python 3.11's wait_for swallows one that
        # comes as its inner wait ends; nats-py turns one into ConnectionClosedError).
        if time.monotonic() > deadline:
            raise AssertionError(f"{task!r} did not stop when cancelled")
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
