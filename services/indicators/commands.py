"""What a coordinator does to the indicators: report the yearly value of an indicator kept by
hand. The API and the dashboard's form both call `record_value`; the projection itself is
changed only by events (consumers.py), this one included.
"""

from __future__ import annotations

from typing import Any

from services.indicators import domain, queries
from services.indicators.domain import ManualValue
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.idempotency import Claimed, Replay
from shared.refusals import conflict
from shared.unit_of_work import UnitOfWork

SCHEMA = "indicators"
PRODUCER = "indicators"
IDEMPOTENCY_SCOPE = "indicators.report_value"  # as stored by earlier versions: keys keep working


async def record_value(
    runtime: Any,
    reported_by: str,
    indicator_id: str,
    entry: ManualValue,
    requested: Claimed | None = None,
) -> queries.ValueReport | Replay:
    """Report `entry` for an indicator kept by hand (source: manual).

    Refused: an unknown indicator (404 `indicators.not_found`), one computed from events (409
    `indicators.computed`), a value it cannot take (422, each field: domain.check_manual_value).
    Accepted, it emits `indicators.value_reported`, which the projection applies like any event
    (so the value shows within moments), and answers the report (202 at the API), or the
    first answer when the caller sends the same Idempotency-Key again.
    """
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        indicator = await queries.indicator(uow.conn, indicator_id)
        if indicator.source != "manual":
            raise conflict("indicators.computed", indicator_id=indicator_id)
        domain.check_manual_value(indicator.unit, entry)
        if replay := await uow.claim(requested):
            return replay
        assert entry.year is not None and entry.value is not None  # checked above
        envelope = uow.emit(
            ev.IndicatorValueReported(
                indicator_id=indicator_id,
                year=entry.year,
                value=float(entry.value),
                reported_by=reported_by,
                reported_at=utcnow(),
                note=entry.note.strip(),
            )
        )
        answer = queries.ValueReport(
            event_id=str(envelope.id),
            indicator_id=indicator_id,
            year=entry.year,
            value=float(entry.value),
            note=envelope.payload.note,
            reported_by=reported_by,
            reported_at=envelope.payload.reported_at,
        )
        await uow.remember(202, answer)
    return answer
