"""The residents' list of Bench sessions: an edition taking questions is always on it, first,
however many sessions are held later or were held before (found when more than a hundred
sessions with later dates pushed an open one off the page)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from tests.helpers.platform import RunningPlatform


async def test_an_open_edition_is_listed_first_even_behind_a_hundred_later_sessions(
    platform: RunningPlatform,
) -> None:
    now = datetime.now(UTC)
    pool = platform.runtime.pool("participation")
    tag = uuid.uuid4().hex[:6]
    year = 2090 + int(tag, 16) % 9  # a year of its own: (year, number) is unique
    async with pool.acquire() as conn:
        await conn.executemany(
            "insert into bench_editions (id, year, number, title, held_on, venue, audience,"
            " submissions_close_at, answer_due_days, status) values"
            " ($1, $2, $3, $4, $5, 'Sala', 'all', $6, 30, 'held')",
            [
                (
                    uuid.uuid4(),
                    year,
                    n,
                    f"Later session {tag} {n}",
                    date(year, 1, 1) + timedelta(days=n),
                    now - timedelta(days=1),
                )
                for n in range(1, 121)
            ],
        )
    created = await platform.client.post(
        "/api/bench/editions",
        json={
            "title": f"Open session {tag}",
            "held_on": (now + timedelta(days=14)).date().isoformat(),
            "venue": "Centrum Wielokulturowe",
            "audience": "everyone",
            "submissions_close_at": (now + timedelta(days=7)).isoformat(),
        },
        headers=platform.auth("coordinator"),
    )
    assert created.status_code == 201, created.text
    page = await platform.client.get("/bench", params={"lang": "en"})
    assert page.status_code == 200
    assert f"Open session {tag}" in page.text
    # Taking questions: listed before every session that does not.
    assert page.text.index(f"Open session {tag}") < page.text.index(f"Later session {tag}")
