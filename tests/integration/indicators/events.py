"""Publishing catalogue events straight onto the bus, as the other services' relays do."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared.events import Envelope, Money, new_event
from shared.events import catalogue as ev
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually


def at(year: int, month: int = 3, day: int = 1, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def publish(
    platform: RunningPlatform, *payloads: ev.Payload, producer: str = "tests"
) -> list[Envelope]:
    assert platform.runtime.bus is not None
    envelopes = [new_event(p, producer=producer) for p in payloads]
    for e in envelopes:
        await platform.runtime.bus.publish(e)
    return envelopes


def question(
    received: datetime,
    *,
    group: str = "none",
    language: str = "pl",
    channel: str = "web",
    due_days: int = 30,
    question_id: uuid.UUID | None = None,
) -> ev.BenchQuestionReceived:
    return ev.BenchQuestionReceived(
        question_id=question_id or uuid.uuid4(),
        edition_id=uuid.uuid4(),
        channel=channel,
        topic="education",
        language=language,
        group=group,
        received_at=received,
        due_at=received + timedelta(days=due_days),
        has_email=False,
    )


def answered(q: ev.BenchQuestionReceived, days: float) -> ev.BenchQuestionAnswered:
    return ev.BenchQuestionAnswered(
        question_id=q.question_id,
        edition_id=q.edition_id,
        language=q.language,
        received_at=q.received_at,
        answered_at=q.received_at + timedelta(days=days),
    )


def awarded(amount: int, currency: str, when: datetime) -> ev.GrantsGrantAwarded:
    return ev.GrantsGrantAwarded(
        application_id=uuid.uuid4(),
        call_id=uuid.uuid4(),
        amount=Money(amount, currency),
        rank=1,
        awarded_at=when,
    )


async def indicators(platform: RunningPlatform, year: int) -> dict[str, dict]:
    resp = await platform.client.get(
        f"/api/indicators?year={year}", headers=platform.auth("coordinator")
    )
    assert resp.status_code == 200, resp.text
    return {i["id"]: i for i in resp.json()["indicators"]}


async def value_becomes(
    platform: RunningPlatform, year: int, indicator_id: str, expected: object
) -> dict:
    async def probe() -> dict | None:
        found = (await indicators(platform, year))[indicator_id]
        return found if found["value"] == expected else None

    return await eventually(probe, what=f"{indicator_id} {year} = {expected}")


async def caught_up(platform: RunningPlatform) -> None:
    """Wait until the indicators consumer has applied everything in the stream."""
    bus = platform.runtime.bus
    assert bus is not None

    async def probe() -> bool:
        info = await bus.js.consumer_info(bus.stream, "indicators")
        return info.num_pending == 0 and info.num_ack_pending == 0

    await eventually(probe, what="the indicators consumer to catch up")


async def registered(platform: RunningPlatform) -> int:
    """How many indicators the registry holds (each issue may add some: never a fixed count)."""
    return int(
        await platform.runtime.pool("indicators").fetchval("select count(*) from indicators")
    )
