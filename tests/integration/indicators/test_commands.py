"""Use cases of the indicators service, called directly against PostgreSQL (no HTTP): a value
reported by hand is accepted and emitted once, refused for each rule with its code and field
(changing nothing), and an Idempotency-Key replays the first answer."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from services.indicators import commands
from services.indicators.domain import ManualValue
from services.indicators.queries import ValueReport
from shared.events import decode
from shared.idempotency import Claimed, Replay
from shared.refusals import Kind, Refused
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually

MANUAL = "education.units_covered"  # count, reported by hand (no other test reports it)
PERCENT = "participation.civic_budget_turnout"  # percent, reported by hand
YEAR = 2041  # no other test reports or counts anything in it


def a_key(fingerprint: str = "first") -> Claimed:
    return Claimed(
        scope=f"{commands.IDEMPOTENCY_SCOPE}@test-caller",
        key=str(uuid.uuid4()),
        fingerprint=fingerprint,
    )


async def counts(platform: RunningPlatform) -> tuple[int, int]:
    """Rows of the outbox and of the stored Idempotency-Keys of the indicators schema."""
    pool = platform.runtime.pool("indicators")
    return (
        await pool.fetchval("select count(*) from outbox"),
        await pool.fetchval("select count(*) from idempotency_keys"),
    )


async def test_a_coordinator_reports_a_value_and_the_projection_records_it(
    platform: RunningPlatform,
) -> None:
    pool = platform.runtime.pool("indicators")
    before, _ = await counts(platform)
    answer = await commands.record_value(
        platform.runtime, "coordinator-ola", MANUAL, ManualValue(YEAR, Decimal("42"), "  HR  ")
    )
    assert isinstance(answer, ValueReport)
    assert (answer.indicator_id, answer.year, answer.value, answer.note, answer.reported_by) == (
        MANUAL,
        YEAR,
        42.0,
        "HR",
        "coordinator-ola",
    )
    # Emitted once, into the outbox of the indicators schema, as indicators.value_reported.
    assert (await counts(platform))[0] == before + 1
    body = await pool.fetchval(
        "select body from outbox where event_id = $1", uuid.UUID(answer.event_id)
    )
    event = decode(bytes(body))
    assert event.type == "indicators.value_reported" and event.producer == "indicators"
    assert (event.payload.indicator_id, event.payload.year, event.payload.value) == (
        MANUAL,
        YEAR,
        42.0,
    )
    assert event.payload.reported_by == "coordinator-ola" and event.payload.note == "HR"

    # The projection applies it like any event: the audit trail and the year's value.
    async def recorded() -> Any:
        return await pool.fetchrow(
            "select value, note, reported_by from manual_reports where event_id = $1",
            uuid.UUID(answer.event_id),
        )

    row = await eventually(recorded, what="the manual report to be projected")
    assert (row["value"], row["note"], row["reported_by"]) == (Decimal(42), "HR", "coordinator-ola")


REFUSED = [
    ("no.such", ManualValue(YEAR, Decimal(1)), Kind.NOT_FOUND, [("indicators.not_found", None)]),
    (
        "bench.questions_received",
        ManualValue(YEAR, Decimal(1)),
        Kind.CONFLICT,
        [("indicators.computed", None)],
    ),
    (MANUAL, ManualValue(None, Decimal(1)), Kind.INVALID, [("indicators.year_range", "year")]),
    (MANUAL, ManualValue(1999, Decimal(1)), Kind.INVALID, [("indicators.year_range", "year")]),
    (MANUAL, ManualValue(2101, Decimal(1)), Kind.INVALID, [("indicators.year_range", "year")]),
    (MANUAL, ManualValue(YEAR, None), Kind.INVALID, [("indicators.value_range", "value")]),
    (MANUAL, ManualValue(YEAR, Decimal(-1)), Kind.INVALID, [("indicators.value_range", "value")]),
    (
        MANUAL,
        ManualValue(YEAR, Decimal("NaN")),
        Kind.INVALID,
        [("indicators.value_range", "value")],
    ),
    (
        MANUAL,
        ManualValue(YEAR, Decimal(10) ** 12 + 1),
        Kind.INVALID,
        [("indicators.value_range", "value")],
    ),
    (
        PERCENT,
        ManualValue(YEAR, Decimal("100.1")),
        Kind.INVALID,
        [("indicators.percent_over_100", "value")],
    ),
    (
        MANUAL,
        ManualValue(YEAR, Decimal(1), "x" * 2001),
        Kind.INVALID,
        [("indicators.note_too_long", "note")],
    ),
    (
        PERCENT,
        ManualValue(3000, Decimal(-5), "x" * 2001),
        Kind.INVALID,
        [
            ("indicators.year_range", "year"),
            ("indicators.value_range", "value"),
            ("indicators.note_too_long", "note"),
        ],
    ),
]


@pytest.mark.parametrize(("indicator_id", "entry", "kind", "reasons"), REFUSED)
async def test_a_refused_value_says_why_and_changes_nothing(
    platform: RunningPlatform,
    indicator_id: str,
    entry: ManualValue,
    kind: Kind,
    reasons: list[tuple[str, str | None]],
) -> None:
    before = await counts(platform)
    with pytest.raises(Refused) as refused:
        await commands.record_value(
            platform.runtime, "coordinator-ola", indicator_id, entry, a_key()
        )
    assert refused.value.kind is kind
    assert [(r.code, r.field) for r in refused.value.refusals] == reasons
    # Nothing emitted, and the key was not taken: the corrected request may use it.
    assert await counts(platform) == before


async def test_a_percentage_of_exactly_100_is_taken(platform: RunningPlatform) -> None:
    answer = await commands.record_value(
        platform.runtime, "coordinator-ola", PERCENT, ManualValue(YEAR, Decimal(100))
    )
    assert isinstance(answer, ValueReport) and answer.value == 100.0


async def test_the_same_key_replays_the_first_answer_and_emits_once(
    platform: RunningPlatform,
) -> None:
    key = a_key()
    outbox_before, keys_before = await counts(platform)
    first = await commands.record_value(
        platform.runtime, "coordinator-ola", MANUAL, ManualValue(YEAR, Decimal(7)), key
    )
    assert isinstance(first, ValueReport)
    again = await commands.record_value(
        platform.runtime, "coordinator-ola", MANUAL, ManualValue(YEAR, Decimal(7)), key
    )
    assert isinstance(again, Replay) and again.status == 202
    assert msgspec.json.decode(again.body, type=ValueReport) == first
    assert await counts(platform) == (outbox_before + 1, keys_before + 1)

    # The same key with other content is refused, and changes nothing either.
    other = Claimed(scope=key.scope, key=key.key, fingerprint="other")
    with pytest.raises(Refused) as refused:
        await commands.record_value(
            platform.runtime, "coordinator-ola", MANUAL, ManualValue(YEAR, Decimal(8)), other
        )
    assert (refused.value.code, refused.value.field) == ("idempotency.reused", "Idempotency-Key")
    assert await counts(platform) == (outbox_before + 1, keys_before + 1)
