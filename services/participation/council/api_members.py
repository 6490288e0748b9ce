"""HTTP API of the Council's membership: quorum settings, open calls, applications, members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
from litestar import Request, Response, get, post, put
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from services.participation.council import domain, mails, store
from services.participation.council.schemas import (
    ApplicationCreated,
    ApplicationIn,
    ApplicationView,
    AppointmentIn,
    Call,
    CallIn,
    LeaveIn,
    Member,
    MemberPublic,
    SettingsIn,
    SettingsView,
)
from shared import idempotency, outbox
from shared.auth import requires
from shared.config import Settings
from shared.events import catalogue as ev
from shared.events import new_event, utcnow
from shared.http import Conflict, Page, Paging, field_error, paging
from shared.logs import correlation_id
from shared.ratelimit import LIMITED
from shared.runtime import Runtime

SCHEMA = "participation"
PRODUCER = "participation"
TAGS = ["council"]
SECRETARIAT = requires("coordinator", "council_secretary")


def event(payload: Any) -> Any:
    return new_event(payload, producer=PRODUCER, correlation_id=correlation_id.get())


def today() -> Any:
    return utcnow().astimezone(domain.WARSAW).date()


# --- settings ---------------------------------------------------------------------------


async def settings_view(conn: asyncpg.Connection) -> SettingsView:
    """The quorum rule and what it requires today (API and secretariat pages)."""
    row = await store.settings_row(conn)
    rule = domain.QuorumRule(row["quorum_percent"], row["quorum_minimum"])
    in_office = await store.count_in_office(conn, today())
    return SettingsView(
        quorum_percent=rule.percent,
        quorum_minimum=rule.minimum,
        members_in_office=in_office,
        quorum_required=rule.required(in_office),
    )


@get("/api/council/settings", guards=[SECRETARIAT], tags=TAGS)
async def get_settings(runtime: Runtime) -> SettingsView:
    """The quorum rule and what it requires today."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        return await settings_view(conn)


@put("/api/council/settings", guards=[requires("coordinator")], tags=TAGS)
async def put_settings(data: SettingsIn, runtime: Runtime) -> SettingsView:
    """Set the quorum: more than `quorum_percent` % of members in office, at least `quorum_minimum`."""
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        await store.update_settings(conn, data.quorum_percent, data.quorum_minimum)
        return await settings_view(conn)


# --- calls ------------------------------------------------------------------------------


async def _call_view(conn: asyncpg.Connection, row: dict[str, Any]) -> Call:
    return Call(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        term_start=row["term_start"],
        term_end=row["term_end"],
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        seats=row["seats"],
        seats_taken=await store.seats_taken(conn, row["id"]),
        accepting_applications=domain.call_accepts_applications(
            row["opens_at"], row["closes_at"], utcnow()
        )
        is None,
    )


@post("/api/council/calls", guards=[SECRETARIAT], tags=TAGS, status_code=201)
async def open_call(
    request: Request[Any, Any, Any], data: CallIn, runtime: Runtime
) -> Response[Any]:
    """Open a call for members: the term, the seats per category, when applications are taken."""
    if data.term_end <= data.term_start:
        raise field_error("term_end", "must be after term_start")
    if data.closes_at <= data.opens_at:
        raise field_error("closes_at", "must be after opens_at")
    if not data.seats or sum(data.seats.values()) == 0:
        raise field_error("seats", "give at least one seat (association, resident, city)")
    body = await request.body()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, "council.open_call")
        if replay:
            return idempotency.replay_response(replay)
        call_id = uuid.uuid4()
        seats = {k: int(v) for k, v in data.seats.items()}
        await store.insert_call(
            conn,
            id=call_id,
            title=data.title.strip(),
            description=data.description.strip(),
            term_start=data.term_start,
            term_end=data.term_end,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            seats=seats,
        )
        view = await _call_view(conn, await store.call(conn, call_id))  # type: ignore[arg-type]
        await idempotency.remember(conn, key, 201, view)
        await outbox.add(
            conn,
            event(
                ev.CouncilCallOpened(
                    call_id=call_id,
                    term_start=data.term_start,
                    term_end=data.term_end,
                    seats=seats,
                    closes_at=data.closes_at,
                )
            ),
        )
    return Response(view, status_code=201)


@get("/api/council/calls", tags=TAGS, security=[{}], dependencies={"page": paging})  # type: ignore[dict-item]
async def list_calls(runtime: Runtime, page: Paging) -> Page[Call]:
    """Every call for members, newest first (public)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_calls(conn, page.limit, page.offset)
        return Page(items=[await _call_view(conn, r) for r in rows], total=total)


@get("/api/council/calls/{call_id:uuid}", tags=TAGS, security=[{}])
async def get_call(call_id: uuid.UUID, runtime: Runtime) -> Call:
    """One call for members (public)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.call(conn, call_id)
        if row is None:
            raise NotFoundException(f"no call {call_id}")
        return await _call_view(conn, row)


# --- applications -----------------------------------------------------------------------


async def receive_application(
    conn: asyncpg.Connection,
    settings: Settings,
    call_id: uuid.UUID,
    data: ApplicationIn,
    now: datetime,
) -> tuple[ApplicationCreated, uuid.UUID]:
    """Store an application with its acknowledgement mail and event (caller's transaction, outbox last)."""
    call = await store.call(conn, call_id)
    if call is None:
        raise NotFoundException(f"no call {call_id}")
    reason = domain.call_accepts_applications(call["opens_at"], call["closes_at"], now)
    if reason:
        raise Conflict(f"this call takes no applications: {reason}")
    if call["seats"].get(data.category, 0) == 0:
        raise field_error("category", f"this call has no seats for {data.category}")
    year = now.astimezone(domain.WARSAW).year
    reference = domain.format_application_reference(
        year, await store.next_application_seq(conn, year)
    )
    application_id = uuid.uuid4()
    name = data.name.strip()
    email = data.email.strip().lower()
    await store.insert_application(
        conn,
        id=application_id,
        call_id=call_id,
        reference=reference,
        applicant_kind=data.applicant_kind,
        category=data.category,
        name=name,
        organisation=(data.organisation or "").strip() or None,
        email=email,
        language=data.language,
        motivation=data.motivation.strip(),
        consent=True,
        received_at=now,
    )
    mail_id = await mails.queue_acknowledgement(
        conn, settings, email, data.language, name, call["title"], reference
    )
    await outbox.add(
        conn,
        event(
            ev.CouncilApplicationReceived(
                application_id=application_id,
                call_id=call_id,
                applicant_kind=data.applicant_kind,
                category=data.category,
                language=data.language,
                received_at=now,
            )
        ),
    )
    return ApplicationCreated(id=application_id, reference=reference, status="received"), mail_id


def check_application(data: ApplicationIn) -> None:
    """Rules msgspec cannot express; raises a field error."""
    if not data.consent:
        raise field_error("consent", "must be true: we keep your name and e-mail to run the call")
    if data.applicant_kind == "organisation" and not (data.organisation or "").strip():
        raise field_error("organisation", "name the organisation you apply for")


@post(
    "/api/council/calls/{call_id:uuid}/applications",
    tags=TAGS,
    status_code=201,
    security=[{}],
    opt=LIMITED,
)
async def apply(
    request: Request[Any, Any, Any], call_id: uuid.UUID, data: ApplicationIn, runtime: Runtime
) -> Response[Any]:
    """Apply for a seat (organisations and individuals; no account needed).

    Limited per client address (RATE_LIMIT_FORMS) and per e-mail address
    (RATE_LIMIT_MAIL_ADDRESS): over a limit, 429 with Retry-After."""
    await runtime.limiter.check_client(request, "forms")
    check_application(data)
    await runtime.limiter.check_address(data.email)
    body = await request.body()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, f"council.apply:{call_id}")
        if replay:
            return idempotency.replay_response(replay)
        created, mail_id = await receive_application(
            conn, runtime.settings, call_id, data, utcnow()
        )
        await idempotency.remember(conn, key, 201, created)
    await runtime.send_mail_soon(SCHEMA, mail_id)
    return Response(created, status_code=201)


@get(
    "/api/council/calls/{call_id:uuid}/applications",
    guards=[SECRETARIAT],
    tags=TAGS,
    dependencies={"page": paging},
)  # type: ignore[dict-item]
async def list_applications(
    call_id: uuid.UUID, runtime: Runtime, page: Paging
) -> Page[ApplicationView]:
    """The call's applications, oldest first, with the applicants' details."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_applications(conn, call_id, page.limit, page.offset)
    return Page(
        items=[
            ApplicationView(**{f: r[f] for f in ApplicationView.__struct_fields__}) for r in rows
        ],
        total=total,
    )


# --- members ----------------------------------------------------------------------------


def _member(row: asyncpg.Record) -> Member:
    return Member(**{f: row[f] for f in Member.__struct_fields__})


def _public(row: asyncpg.Record) -> MemberPublic:
    return MemberPublic(**{f: row[f] for f in MemberPublic.__struct_fields__})


async def _appointee(conn: asyncpg.Connection, data: AppointmentIn) -> dict[str, Any]:
    """Who is appointed, for which seat and term: from the application, or given in the body."""
    if data.application_id:
        app = await store.application_for_update(conn, data.application_id)
        if app is None:
            raise field_error("application_id", "no such application", 404)
        if app["status"] == "appointed":
            raise Conflict("this applicant is already appointed")
        call = await store.call(conn, app["call_id"])
        assert call is not None
        return {
            "call": call,
            "application_id": app["id"],
            "name": app["name"],
            "organisation": app["organisation"],
            "email": app["email"],
            "language": app["language"],
            "category": app["category"],
            "term_start": data.term_start or call["term_start"],
            "term_end": data.term_end or call["term_end"],
        }
    missing = [f for f in ("name", "category") if getattr(data, f) is None]
    if missing:
        raise field_error(missing[0], "required without an application_id")
    call = await store.call(conn, data.call_id) if data.call_id else None
    if data.call_id and call is None:
        raise field_error("call_id", "no such call", 404)
    start = data.term_start or (call["term_start"] if call else None)
    end = data.term_end or (call["term_end"] if call else None)
    if start is None or end is None:
        raise field_error("term_start", "give the term (term_start, term_end) or a call_id")
    return {
        "call": call,
        "application_id": None,
        "name": (data.name or "").strip(),
        "organisation": (data.organisation or "").strip() or None,
        "email": data.email.strip().lower() if data.email else None,
        "language": data.language,
        "category": data.category,
        "term_start": start,
        "term_end": end,
    }


@post("/api/council/members", guards=[requires("coordinator")], tags=TAGS, status_code=201)
async def appoint(
    request: Request[Any, Any, Any], data: AppointmentIn, runtime: Runtime
) -> Response[Any]:
    """Appoint a member for a term (from an application, or directly); `replaces` a member who leaves."""
    body = await request.body()
    mail_id = None
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, "council.appoint")
        if replay:
            return idempotency.replay_response(replay)
        await store.lock_membership(conn)
        who = await _appointee(conn, data)
        if who["term_end"] <= who["term_start"]:
            raise field_error("term_end", "must be after term_start")
        events: list[Any] = []
        replaced = None
        if data.replaces:
            replaced = await store.member(conn, data.replaces, for_update=True)
            if replaced is None:
                raise field_error("replaces", "no such member", 404)
            if replaced["left_on"] is not None:
                raise Conflict("the member to replace has already left the council")
            left_on = max(today(), replaced["term_start"])
            await store.record_departure(conn, replaced["id"], left_on, "replaced")
            events.append(
                ev.CouncilMemberLeft(member_id=replaced["id"], reason="replaced", left_on=left_on)
            )
        call = who["call"]
        if call is not None:
            reason = domain.seat_free(
                call["seats"],
                who["category"],
                (await store.seats_taken(conn, call["id"])).get(who["category"], 0),
            )
            if reason:
                raise Conflict(reason)
        member_id = uuid.uuid4()
        await store.insert_member(
            conn,
            id=member_id,
            call_id=call["id"] if call else None,
            application_id=who["application_id"],
            name=who["name"],
            organisation=who["organisation"],
            email=who["email"],
            language=who["language"],
            category=who["category"],
            term_start=who["term_start"],
            term_end=who["term_end"],
            replaces=replaced["id"] if replaced else None,
        )
        if who["application_id"]:
            await store.mark_application_appointed(conn, who["application_id"])
        if who["email"]:
            mail_id = await mails.queue_appointment(
                conn,
                runtime.settings,
                who["email"],
                who["language"],
                who["name"],
                who["term_start"].isoformat(),
                who["term_end"].isoformat(),
            )
        view = _member(await store.member(conn, member_id))  # type: ignore[arg-type]
        await idempotency.remember(conn, key, 201, view)
        events.append(
            ev.CouncilMemberAppointed(
                member_id=member_id,
                category=who["category"],
                term_start=who["term_start"],
                term_end=who["term_end"],
                call_id=call["id"] if call else None,
                replaces=replaced["id"] if replaced else None,
            )
        )
        await outbox.add(conn, *[event(e) for e in events])
    if mail_id:
        await runtime.send_mail_soon(SCHEMA, mail_id)
    return Response(view, status_code=201)


@post(
    "/api/council/members/{member_id:uuid}/leave", guards=[SECRETARIAT], tags=TAGS, status_code=200
)
async def leave(member_id: uuid.UUID, data: LeaveIn, runtime: Runtime) -> Member:
    """A member resigns, is dismissed, or their term ended; the seat becomes free."""
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        await store.lock_membership(conn)
        row = await store.member(conn, member_id, for_update=True)
        if row is None:
            raise NotFoundException(f"no member {member_id}")
        if row["left_on"] is not None:
            raise Conflict(f"the member already left on {row['left_on']}")
        left_on = data.left_on or today()
        await store.record_departure(conn, member_id, left_on, data.reason)
        view = _member(await store.member(conn, member_id))  # type: ignore[arg-type]
        await outbox.add(
            conn,
            event(ev.CouncilMemberLeft(member_id=member_id, reason=data.reason, left_on=left_on)),
        )
    return view


@get("/api/council/members", tags=TAGS, security=[{}], dependencies={"page": paging})  # type: ignore[dict-item]
async def list_members(runtime: Runtime, page: Paging) -> Page[MemberPublic]:
    """The current members (public: name, organisation, category, term)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_members(conn, today(), False, page.limit, page.offset)
    return Page(items=[_public(r) for r in rows], total=total)


@get(
    "/api/council/members/register", guards=[SECRETARIAT], tags=TAGS, dependencies={"page": paging}
)  # type: ignore[dict-item]
async def member_register(
    runtime: Runtime,
    page: Paging,
    include_former: bool = Parameter(query="include_former", default=False),
) -> Page[Member]:
    """The secretariat's register of members, with contact details (and former members on request)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_members(
            conn, today(), include_former, page.limit, page.offset
        )
    return Page(items=[_member(r) for r in rows], total=total)


route_handlers = [
    get_settings,
    put_settings,
    open_call,
    list_calls,
    get_call,
    apply,
    list_applications,
    appoint,
    leave,
    list_members,
    member_register,
]
