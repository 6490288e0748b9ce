"""Reads for the response team's API and pages (the reporter never reads a report back)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from services.incidents import domain, store
from services.incidents.commands import SCHEMA
from services.incidents.schemas import Report, Step, TeamMember
from shared.events import utcnow
from shared.refusals import not_found


def _report(row: asyncpg.Record, now: datetime, history: list[Step] | None = None) -> Report:
    return Report(
        id=row["id"],
        reference=row["reference"],
        status=row["status"],
        what=row["what"],
        where=row["place"],
        district=row["district"],
        occurred_on=row["occurred_on"],
        occurred_time=row["occurred_time"].strftime("%H:%M") if row["occurred_time"] else None,
        category=row["category"],
        confirmed_category=row["confirmed_category"],
        severity=row["severity"],
        reported_to_police=row["reported_to_police"],
        language=row["language"],
        anonymous=row["email"] is None,
        referred_to=row["referred_to"],
        reported_at=row["reported_at"],
        triaged_at=row["triaged_at"],
        referred_at=row["referred_at"],
        overdue=domain.overdue(row["status"], row["reported_at"], now),
        history=history or [],
    )


def _step(row: asyncpg.Record) -> Step:
    detail = row["detail"]
    if isinstance(detail, str):
        detail = json.loads(detail)
    return Step(
        step=row["step"],
        actor=row["actor"],
        at=row["at"],
        detail={k: str(v) for k, v in (detail or {}).items()},
        note=row["note"],
    )


async def report_in(conn: asyncpg.Connection, report_id: uuid.UUID, now: datetime) -> Report:
    row = await store.report(conn, report_id)
    if row is None:
        raise not_found("incidents.report.not_found", report_id=report_id)
    return _report(row, now, [_step(s) for s in await store.steps(conn, report_id)])


async def report(runtime: Any, report_id: uuid.UUID) -> Report:
    async with runtime.pool(SCHEMA).acquire() as conn:
        return await report_in(conn, report_id, utcnow())


async def report_row(runtime: Any, report_id: uuid.UUID) -> tuple[asyncpg.Record, list[Step]]:
    """The raw row (with the referral note) and its history, for the team's page."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.report(conn, report_id)
        if row is None:
            raise not_found("incidents.report.not_found", report_id=report_id)
        return row, [_step(s) for s in await store.steps(conn, report_id)]


async def reports(
    runtime: Any,
    *,
    status: str | None = None,
    category: str | None = None,
    district: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Report], int]:
    """Newest first, filtered by status, (confirmed, else reported) category and district."""
    now = utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.reports(
            conn, status=status, category=category, district=district, limit=limit, offset=offset
        )
    return [_report(r, now) for r in rows], total


async def team(runtime: Any) -> list[TeamMember]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await store.members(conn)
    return [
        TeamMember(
            id=r["id"],
            name=r["name"],
            email=r["email"],
            language=r["language"],
            added_at=r["added_at"],
        )
        for r in rows
    ]
