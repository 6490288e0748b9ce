"""Live dashboards hear of indicator changes through Redis: the changes handed over while an
announcement is on its way go out together in the next one (services/indicators/changes.py)."""

from __future__ import annotations

import asyncio

import msgspec

from services.indicators import changes
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually

YEAR = 1999  # no event of the suite is of this year
A, B, C = "bench.editions_held", "bench.questions_answered", "bench.questions_received"


async def heard(platform: RunningPlatform, act, count: int) -> list[list[tuple[str, int]]]:
    """The announcements of YEAR on the real Redis channel while `act()` runs, until `count`."""
    assert platform.runtime.redis is not None
    pubsub = platform.runtime.redis.pubsub()
    await pubsub.subscribe(changes.CHANNEL)
    got: list[list[tuple[str, int]]] = []
    try:
        await act()

        async def enough() -> bool:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if message is not None:
                items = msgspec.json.decode(message["data"], type=list[tuple[str, int]])
                mine = sorted(i for i in items if i[1] == YEAR)
                if mine:
                    got.append(mine)
            return len(got) >= count

        await eventually(enough, what=f"{count} announcements of {YEAR}")
    finally:
        await pubsub.aclose()
    return got


async def test_changes_handed_over_together_go_out_in_one_announcement(
    platform: RunningPlatform,
) -> None:
    runtime = platform.runtime

    async def act() -> None:
        changes.announce_soon(runtime, {(A, YEAR)})
        changes.announce_soon(runtime, {(B, YEAR), (A, YEAR)})
        changes.announce_soon(runtime, {(C, YEAR)})
        changes.announce_soon(runtime, set())  # nothing changed: nothing to say

    assert await heard(platform, act, 1) == [[(A, YEAR), (B, YEAR), (C, YEAR)]]
    assert changes.FLUSHING not in runtime.extras


async def test_changes_handed_over_during_an_announcement_go_out_in_the_next(
    platform: RunningPlatform,
) -> None:
    runtime = platform.runtime

    async def act() -> None:
        changes.announce_soon(runtime, {(A, YEAR)})
        await asyncio.sleep(0)  # the first announcement is on its way to Redis
        changes.announce_soon(runtime, {(B, YEAR)})
        changes.announce_soon(runtime, {(C, YEAR)})

    assert await heard(platform, act, 2) == [
        [(A, YEAR)],
        [(B, YEAR), (C, YEAR)],
    ]
