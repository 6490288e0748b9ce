"""Export and erasure requests across every service: recorded, carried out part by part, retried.

An erasure is recorded with one part per service, then carried out by the arq job
`privacy_process_request` (the CLI runs the same steps in its own process). Each part runs in
the service's own transaction: the service's eraser, then the kit's tables of that schema, then
the part is marked done in the same transaction — so a part is done once, and a crash leaves it
either untouched or finished. A part that fails (a lock held too long, a server restarting) stays
pending; the job retries with back-off and a sweeper re-enqueues what a lost job left behind.
When every part is done the request is completed, the address is dropped from it and
`privacy.erasure_completed` (counts only) goes out through the outbox, in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from shared import jobs as jobkit
from shared import outbox
from shared.auth import load_secret
from shared.events import catalogue as ev
from shared.events import new_event, utcnow
from shared.logs import correlation_id
from shared.privacy import Erased, Person, identifying_names, kit_tables
from shared.runtime import Runtime, ServiceSpec

log = logging.getLogger("openkrakow.privacy")

SCHEMA = "privacy"
PRODUCER = "privacy"
# A part waits at most this long for a lock before it fails and is retried later, so a long
# transaction elsewhere delays an erasure instead of holding the job.
PART_LOCK_TIMEOUT = "5s"
RETRY_DELAYS = (2, 5, 15, 30, 60, 120, 300)


class PartView(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One service's part of an erasure: what it erased (counts) and how many tries it took."""

    service: str
    status: str
    attempts: int
    counts: dict[str, int]
    done_at: datetime | None = None
    last_error: str | None = None


class ErasureView(msgspec.Struct, kw_only=True):
    """An erasure request as the coordinator follows it; it never shows the address."""

    id: uuid.UUID
    status: str
    requested_at: datetime
    completed_at: datetime | None
    parts: list[PartView]


class ExportDocument(msgspec.Struct, kw_only=True):
    """Everything the platform holds about an address, per service and table."""

    id: uuid.UUID
    email: str
    subject: str | None
    generated_at: datetime
    services: dict[str, dict[str, list[dict[str, Any]]]]


def subject_hash(runtime: Runtime, email: str) -> str:
    """A keyed hash of a normalised address: lets a request be found again, never read back."""
    key = hmac.new(load_secret(runtime.settings), b"openkrakow privacy", hashlib.sha256).digest()
    return hmac.new(key, email.encode(), hashlib.sha256).hexdigest()


def participants(runtime: Runtime) -> list[ServiceSpec]:
    """The services whose schemas hold data: every one but this kit's own."""
    return [spec for spec in runtime.services if spec.schema != SCHEMA]


async def request_erasure(
    conn: asyncpg.Connection, runtime: Runtime, person: Person, *, by: str
) -> tuple[ErasureView, bool]:
    """Record an erasure in the caller's transaction on the privacy pool, or find the one pending
    for this address; True when it is new (then queue it with `enqueue` after commit)."""
    digest = subject_hash(runtime, person.email)
    for _ in range(3):  # a pending one may complete between our insert and our look-up
        request_id = await conn.fetchval(
            """insert into privacy_requests
                   (id, kind, subject_hash, email, subject, status, requested_by)
               values ($1, 'erasure', $2, $3, $4, 'pending', $5)
               on conflict (subject_hash) where kind = 'erasure' and status = 'pending' do nothing
               returning id""",
            uuid.uuid4(),
            digest,
            person.email,
            person.subject,
            by,
        )
        if request_id is not None:
            await conn.executemany(
                "insert into privacy_request_parts (request_id, service) values ($1, $2)",
                [(request_id, spec.name) for spec in participants(runtime)],
            )
            view = await _view(conn, request_id)
            assert view is not None
            return view, True
        pending = await conn.fetchval(
            "select id from privacy_requests where subject_hash = $1 and kind = 'erasure' "
            "and status = 'pending'",
            digest,
        )
        if pending is not None and (view := await _view(conn, pending)) is not None:
            return view, False
    raise RuntimeError("could not record the erasure request")


async def enqueue(
    runtime: Runtime, request_id: uuid.UUID, *, defer_by: float | None = None
) -> None:
    """Queue the job that carries out a request (de-duplicated by its id)."""
    if runtime.jobs is not None:
        await runtime.jobs.enqueue(
            "privacy_process_request",
            str(request_id),
            job_id=f"privacy:{request_id}",
            defer_by=defer_by,
        )


async def process(runtime: Runtime, request_id: uuid.UUID) -> tuple[ErasureView | None, list[str]]:
    """Carry out the pending parts of an erasure; returns its view and the parts that failed."""
    pool = runtime.pool(SCHEMA)
    request = await pool.fetchrow(
        "select email, subject, status from privacy_requests where id = $1 and kind = 'erasure'",
        request_id,
    )
    if request is None:
        return None, []
    failed: list[str] = []
    if request["status"] == "pending":
        person = Person(email=request["email"], subject=request["subject"])
        pending = await pool.fetch(
            "select service from privacy_request_parts where request_id = $1 and status = 'pending' "
            "order by service",
            request_id,
        )
        for part in pending:
            try:
                await _erase_part(runtime, request_id, part["service"], person)
            except Exception as exc:  # noqa: BLE001 - the part stays pending and is retried
                failed.append(part["service"])
                await _record_failure(runtime, request_id, part["service"], exc)
        if not failed:
            await _complete(runtime, request_id)
    async with pool.acquire() as conn:
        return await _view(conn, request_id), failed


async def _erase_part(
    runtime: Runtime, request_id: uuid.UUID, service: str, person: Person
) -> None:
    spec = next((s for s in runtime.services if s.name == service), None)
    if spec is None:
        raise LookupError(f"service {service} is not part of this process")
    async with runtime.pool(spec.schema).acquire() as conn, conn.transaction():
        await conn.execute(f"set local lock_timeout = '{PART_LOCK_TIMEOUT}'")
        # The part's row, locked: two workers (a retried job, the CLI) never run a part at once.
        claimed = await conn.fetchval(
            "select true from privacy.privacy_request_parts "
            "where request_id = $1 and service = $2 and status = 'pending' for update skip locked",
            request_id,
            service,
        )
        if not claimed:
            return
        result = Erased()
        if spec.privacy is not None:
            result.merge(await spec.privacy.erase(conn, person))
        result.merge(await kit_tables.erase(conn, person, identifying_names(result.names)))
        await conn.execute(
            """update privacy.privacy_request_parts
               set status = 'done', attempts = attempts + 1, counts = $3, done_at = now(),
                   last_error = null
               where request_id = $1 and service = $2""",
            request_id,
            service,
            result.counts,
        )
    log.info(
        "privacy request %s: %s erased (%d records)",
        request_id,
        service,
        sum(result.counts.values()),
    )


async def _record_failure(
    runtime: Runtime, request_id: uuid.UUID, service: str, exc: Exception
) -> None:
    # Only the kind of error: a database message may quote the very values being erased.
    error = type(exc).__name__
    if isinstance(exc, asyncpg.PostgresError) and exc.sqlstate:
        error += f" (SQLSTATE {exc.sqlstate})"
    log.warning("privacy request %s: part %s failed: %s; retried later", request_id, service, error)
    try:
        await runtime.pool(SCHEMA).execute(
            "update privacy_request_parts set attempts = attempts + 1, last_error = $3 "
            "where request_id = $1 and service = $2 and status = 'pending'",
            request_id,
            service,
            error,
        )
    except Exception:  # noqa: BLE001 - the retry happens anyway; only the note is lost
        log.warning("privacy request %s: could not record the failure of %s", request_id, service)


async def _complete(runtime: Runtime, request_id: uuid.UUID) -> None:
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        done = await conn.fetchrow(
            """update privacy_requests
               set status = 'completed', completed_at = now(), email = null, subject = null
               where id = $1 and status = 'pending' and not exists
                   (select 1 from privacy_request_parts where request_id = $1 and status <> 'done')
               returning requested_at, completed_at""",
            request_id,
        )
        if done is None:
            return
        parts = await conn.fetch(
            "select service, counts from privacy_request_parts where request_id = $1", request_id
        )
        payload = ev.PrivacyErasureCompleted(
            request_id=request_id,
            requested_at=done["requested_at"],
            completed_at=done["completed_at"],
            records={p["service"]: sum(p["counts"].values()) for p in parts},
        )
        await outbox.add(
            conn, new_event(payload, producer=PRODUCER, correlation_id=correlation_id.get())
        )
    log.info("privacy request %s completed", request_id)


async def view(runtime: Runtime, request_id: uuid.UUID) -> ErasureView | None:
    """An erasure request with its parts, or None."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        return await _view(conn, request_id)


async def _view(conn: asyncpg.Connection, request_id: uuid.UUID) -> ErasureView | None:
    row = await conn.fetchrow(
        "select id, status, requested_at, completed_at from privacy_requests "
        "where id = $1 and kind = 'erasure'",
        request_id,
    )
    if row is None:
        return None
    parts = await conn.fetch(
        "select service, status, attempts, counts, done_at, last_error from privacy_request_parts "
        "where request_id = $1 order by service",
        request_id,
    )
    return ErasureView(
        id=row["id"],
        status=row["status"],
        requested_at=row["requested_at"],
        completed_at=row["completed_at"],
        parts=[
            PartView(
                service=p["service"],
                status=p["status"],
                attempts=p["attempts"],
                counts=p["counts"],
                done_at=p["done_at"],
                last_error=p["last_error"],
            )
            for p in parts
        ],
    )


async def export(runtime: Runtime, person: Person, *, by: str) -> ExportDocument:
    """Everything held about the person, gathered from every service; the request is recorded."""
    services: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for spec in participants(runtime):
        async with runtime.pool(spec.schema).acquire() as conn:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                document = {}
                if spec.privacy is not None:
                    document.update(await spec.privacy.export(conn, person))
                document.update(await kit_tables.export(conn, person))
        services[spec.name] = document
    request_id = uuid.uuid4()
    await runtime.pool(SCHEMA).execute(
        """insert into privacy_requests
               (id, kind, subject_hash, status, requested_by, completed_at)
           values ($1, 'export', $2, 'completed', $3, now())""",
        request_id,
        subject_hash(runtime, person.email),
        by,
    )
    return ExportDocument(
        id=request_id,
        email=person.email,
        subject=person.subject,
        generated_at=utcnow(),
        services=services,
    )


async def privacy_process_request(ctx: dict[str, Any], request_id: str) -> str:
    """Job: carry out an erasure's pending parts; retried with back-off while a part fails."""
    runtime: Runtime = ctx["runtime"]
    found, failed = await process(runtime, uuid.UUID(request_id))
    if found is None:
        return "no such request"
    if failed:
        attempt = int(ctx.get("job_try", 1))
        raise jobkit.Retry(defer=RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1])
    return found.status


async def privacy_sweep_pending(ctx: dict[str, Any]) -> int:
    """Cron: re-enqueue erasures still pending a minute after they were asked for."""
    runtime: Runtime = ctx["runtime"]
    rows = await runtime.pool(SCHEMA).fetch(
        "select id from privacy_requests where status = 'pending' "
        "and requested_at < now() - interval '1 minute' order by requested_at limit 100"
    )
    for row in rows:
        await enqueue(runtime, row["id"])
    return len(rows)


jobs = [jobkit.func(privacy_process_request, name="privacy_process_request")]
cron_jobs = [
    jobkit.cron(privacy_sweep_pending, name="privacy_sweep_pending", second=51, run_at_startup=True)
]
