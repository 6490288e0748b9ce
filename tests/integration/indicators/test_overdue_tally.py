"""The overdue count reads a tally plus a short range, and always equals a plain count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from services.indicators import store
from tests.helpers.platform import RunningPlatform
from tests.integration.indicators.events import (
    answered,
    at,
    caught_up,
    publish,
    question,
    value_becomes,
)

YEAR = 2011


async def plain_count(platform: RunningPlatform, now: datetime) -> int:
    async with platform.runtime.pool("indicators").acquire() as conn:
        return await conn.fetchval(
            "select count(*) from open_questions where received_year = $1 and due_at < $2",
            YEAR,
            now,
        )


async def tallied(platform: RunningPlatform, now: datetime) -> int:
    async with platform.runtime.pool("indicators").acquire() as conn:
        return (await store.overdue(conn, [YEAR], now)).get(YEAR, 0)


async def test_overdue_tally_equals_a_plain_count_as_the_horizon_moves(
    platform: RunningPlatform,
) -> None:
    now = datetime.now(UTC)
    due = {
        "long ago": now - timedelta(days=3),
        "an hour ago": now - timedelta(hours=1),
        "in two hours": now + timedelta(hours=2),
        "next week": now + timedelta(days=7),
    }
    questions = {
        name: msgspec.structs.replace(question(at(YEAR)), due_at=when) for name, when in due.items()
    }
    await publish(platform, *questions.values())
    await value_becomes(platform, YEAR, "bench.questions_received", len(questions))
    await caught_up(platform)
    moments = [now - timedelta(days=4), now - timedelta(hours=2), now, now + timedelta(hours=3)]
    moments.append(now + timedelta(days=8))

    async def agree() -> list[int]:
        counts = []
        for moment in moments:
            expected = await plain_count(platform, moment)
            assert await tallied(platform, moment) == expected, moment
            counts.append(expected)
        return counts

    assert await agree() == [0, 1, 2, 3, 4]
    async with platform.runtime.pool("indicators").acquire() as conn:
        await store.advance_overdue_horizon(conn)
        horizon = await conn.fetchval("select as_of from overdue_horizon")
        tally = await conn.fetchval("select n from overdue_tally where received_year = $1", YEAR)
    assert horizon >= now and tally == 2  # the two due before now are in the tally now
    assert await agree() == [0, 1, 2, 3, 4]

    # Closing a tallied question takes it out of the tally; a late one goes straight in.
    late = msgspec.structs.replace(question(at(YEAR)), due_at=now - timedelta(days=1))
    await publish(platform, answered(questions["long ago"], 1), late)
    await value_becomes(platform, YEAR, "bench.questions_answered", 1)
    await caught_up(platform)
    assert await agree() == [0, 1, 2, 3, 4]
    async with platform.runtime.pool("indicators").acquire() as conn:
        tally = await conn.fetchval("select n from overdue_tally where received_year = $1", YEAR)
    assert tally == 2  # "an hour ago" and the late one
