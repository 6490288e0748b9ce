"""The departments' registry (issue 16): the coordinator adds and changes the city's departments
that answer the Bench's questions; a department takes topics by default, holds responders of
the responders' registry, and sets its escalation (reminder N days before due, answer review)."""

from __future__ import annotations

import uuid
from typing import Any

from services.participation.bench import store_departments as sd
from services.participation.bench.commands import SCHEMA, unit_of_work
from services.participation.bench.schemas import Department, DepartmentIn
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.refusals import invalid, not_found
from shared.runtime import Runtime


def view(row: Any) -> Department:
    names = {"pl": row["name"], **_i18n(row["name_i18n"])}
    return Department(
        id=row["id"],
        name=names,
        email=row["email"],
        head_email=row["head_email"],
        topics=list(row["topics"]),
        responders=list(row["responder_ids"]),
        reminder_days=row["reminder_days"],
        review_required=row["review_required"],
        created_at=row["created_at"],
    )


def _i18n(value: Any) -> dict[str, str]:
    import json

    found = json.loads(value) if isinstance(value, str) else (value or {})
    return {k: v for k, v in found.items() if k in ("en", "uk") and v}


def _fields(data: DepartmentIn) -> dict[str, Any]:
    name = data.name["pl"].strip()
    if len(name) < 2:
        raise invalid("name", "bench.only_spaces", least=2)
    return {
        "name": name,
        "name_i18n": {k: v.strip() for k, v in data.name.items() if k != "pl" and v.strip()},
        "email": data.email,
        "head_email": data.head_email,
        "topics": list(dict.fromkeys(data.topics)),
        "reminder_days": data.reminder_days,
        "review_required": data.review_required,
    }


async def _check_responders(conn: Any, ids: list[uuid.UUID]) -> None:
    unknown = await sd.unknown_responders(conn, ids)
    if unknown:
        raise invalid("responders", "bench.department_responder_unknown", responder_id=unknown[0])


async def create(runtime: Runtime, data: DepartmentIn, *, by: str) -> Department:
    """A new department. Refused: `bench.only_spaces` (422, `name`),
    `bench.department_responder_unknown` (422, `responders`)."""
    fields = _fields(data)
    async with unit_of_work(runtime) as uow:
        await _check_responders(uow.conn, data.responders)
        department_id = await sd.insert(uow.conn, **fields, created_by=by)
        await sd.set_responders(uow.conn, department_id, list(dict.fromkeys(data.responders)))
        row = await sd.get(uow.conn, department_id)
        await announce(uow, row)
    return view(row)


async def change(runtime: Runtime, department_id: uuid.UUID, data: DepartmentIn) -> Department:
    """Replace a department's facts, responders and settings (404 `bench.department_unknown`)."""
    fields = _fields(data)
    async with unit_of_work(runtime) as uow:
        if await sd.get(uow.conn, department_id) is None:
            raise not_found("bench.department_unknown", department_id=department_id)
        await _check_responders(uow.conn, data.responders)
        await sd.update(uow.conn, department_id, **fields)
        await sd.set_responders(uow.conn, department_id, list(dict.fromkeys(data.responders)))
        row = await sd.get(uow.conn, department_id)
        await announce(uow, row)
    return view(row)


async def announce(uow: Any, row: Any) -> None:
    """`bench.department_saved` for this department, in the unit of work that saved it."""
    now = utcnow()
    await uow.conn.execute(
        "update bench_departments set announced_at = $2 where id = $1", row["id"], now
    )
    uow.emit(
        ev.BenchDepartmentSaved(
            department_id=row["id"],
            name=row["name"],
            name_i18n=_i18n(row["name_i18n"]),
            saved_at=now,
        )
    )


async def announce_pending(runtime: Runtime) -> int:
    """Departments never announced (saved before migration 023) are announced once: the rows
    are claimed by the update, so a second run (or a concurrent one) finds none."""
    async with unit_of_work(runtime) as uow:
        rows = await uow.conn.fetch(
            """update bench_departments set announced_at = now()
               where announced_at is null returning id, name, name_i18n"""
        )
        now = utcnow()
        for row in rows:
            uow.emit(
                ev.BenchDepartmentSaved(
                    department_id=row["id"],
                    name=row["name"],
                    name_i18n=_i18n(row["name_i18n"]),
                    saved_at=now,
                )
            )
    return len(rows)


async def list_all(runtime: Runtime) -> list[Department]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        return [view(r) for r in await sd.list_all(conn)]


async def proposed_for(conn: Any, topic: str) -> Any:
    """The department a question of this topic is proposed to (None when no department takes it)."""
    return await sd.for_topic(conn, topic)
