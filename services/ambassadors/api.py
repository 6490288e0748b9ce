"""HTTP API of editions and nominations (routes fixed by the public contract, plus lists)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException

from services.ambassadors import domain, nominations, store
from services.ambassadors.nominations import Outcome, event
from services.ambassadors.schemas import (
    Criterion,
    Edition,
    EditionIn,
    NominationIn,
    NominationState,
    NominationSummary,
    TokenIn,
    WithdrawalIn,
)
from shared import idempotency, outbox
from shared.auth import current_user, requires
from shared.events import catalogue as ev
from shared.http import Page, Paging, field_error, paging
from shared.ratelimit import LIMITED
from shared.runtime import Runtime

SCHEMA = "ambassadors"
TAGS = ["ambassadors"]


def edition_view(row: Any, criteria: list[Any]) -> Edition:
    return Edition(
        id=row["id"],
        year=row["year"],
        nominations_close_at=row["nominations_close_at"],
        jury_deadline_at=row["jury_deadline_at"],
        titles=row["titles"],
        published_at=row["published_at"],
        criteria=[Criterion(key=c["key"], name=c["name"], weight=c["weight"]) for c in criteria],
    )


async def limit_nominations(
    runtime: Runtime, request: Request[Any, Any, Any], data: NominationIn
) -> None:
    """Before a nomination: count it for this client and for the nominator's address."""
    await runtime.limiter.check_client(request, "forms")
    await runtime.limiter.check_address(data.nominator_email)


async def limit_candidate_mail(runtime: Runtime, data: NominationIn, outcome: Outcome) -> None:
    """Inside the nomination's transaction: a new candidacy mails the candidate, so its address
    counts too (a nomination merged into an existing candidacy mails the candidate nothing).
    Raising here rolls the nomination back."""
    if outcome.answer.status == "awaiting_acceptance":
        await runtime.limiter.check_address(data.candidate_email)


async def finish(runtime: Runtime, outcome: Outcome) -> None:
    """After commit: hand the queued e-mails to the sender job."""
    for mail_id in outcome.mail_ids:
        await runtime.send_mail_soon(SCHEMA, mail_id)


@post("/api/ambassadors/editions", guards=[requires("coordinator")], tags=TAGS, status_code=201)
async def create_edition(
    request: Request[Any, Any, Any], data: EditionIn, runtime: Runtime
) -> Response[Any]:
    """Open an edition: nominations until `nominations_close_at`, scored against weighted criteria."""
    keys = [c.key for c in data.criteria]
    if len(set(keys)) != len(keys):
        raise field_error("criteria", "each criterion needs its own key")
    deadline = data.jury_deadline_at or domain.default_jury_deadline(data.nominations_close_at)
    if deadline < data.nominations_close_at:
        raise field_error("jury_deadline_at", "must not be before nominations_close_at")
    user = current_user(request)
    assert user is not None
    body = await request.body()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, "ambassadors.create_edition")
        if replay:
            return idempotency.replay_response(replay)
        edition_id = uuid.uuid4()
        await store.insert_edition(
            conn,
            id=edition_id,
            year=data.year,
            number=await store.next_edition_number(conn, data.year),
            nominations_close_at=data.nominations_close_at,
            jury_deadline_at=deadline,
            titles=data.titles,
            created_by=user.subject,
            criteria=data.criteria,
        )
        view = edition_view(
            await store.edition(conn, edition_id), await store.criteria(conn, edition_id)
        )
        await idempotency.remember(conn, key, 201, view)
        await outbox.add(
            conn,
            event(
                ev.AmbassadorsEditionCreated(
                    edition_id=edition_id,
                    year=data.year,
                    nominations_close_at=data.nominations_close_at,
                )
            ),
        )
    return Response(view, status_code=201)


@get("/api/ambassadors/editions", tags=TAGS, security=[{}], dependencies={"page": paging})  # type: ignore[dict-item]
async def list_editions(runtime: Runtime, page: Paging) -> Page[Edition]:
    """Every edition, newest year first."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_editions(conn, page.limit, page.offset)
        items = [edition_view(r, await store.criteria(conn, r["id"])) for r in rows]
    return Page(items=items, total=total)


@get("/api/ambassadors/editions/{edition_id:uuid}", tags=TAGS, security=[{}])
async def get_edition(edition_id: uuid.UUID, runtime: Runtime) -> Edition:
    """One edition with its criteria and deadlines."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.edition(conn, edition_id)
        if row is None:
            raise NotFoundException(f"no edition {edition_id}")
        return edition_view(row, await store.criteria(conn, edition_id))


@post(
    "/api/ambassadors/editions/{edition_id:uuid}/nominations",
    tags=TAGS,
    status_code=201,
    security=[{}],
    opt=LIMITED,
)
async def nominate(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, data: NominationIn, runtime: Runtime
) -> Response[Any]:
    """Nominate a candidate; no account needed. The candidate is asked by e-mail to accept.

    Limited per client address (RATE_LIMIT_FORMS) and per e-mail address we write to
    (RATE_LIMIT_MAIL_ADDRESS): over a limit, 429 with Retry-After."""
    await limit_nominations(runtime, request, data)
    if not data.consent:
        raise field_error(
            "consent",
            "must be true: we store the names and e-mail addresses to run the competition",
        )
    if len(data.justification.strip()) < 20:
        raise field_error("justification", "write at least 20 characters")
    body = await request.body()
    scope = f"ambassadors.nominate:{edition_id}"
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, scope)
        if replay:
            return idempotency.replay_response(replay)
        outcome = await nominations.submit(conn, runtime.settings, edition_id, data)
        await limit_candidate_mail(runtime, data, outcome)
        await idempotency.remember(conn, key, 201, outcome.answer)
        await outbox.add(conn, *outcome.events)
    await finish(runtime, outcome)
    return Response(outcome.answer, status_code=201)


@post(
    "/api/ambassadors/nominations/{nomination_id:uuid}/acceptance",
    tags=TAGS,
    status_code=200,
    security=[{}],
    opt=LIMITED,
)
async def accept_nomination(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, data: TokenIn, runtime: Runtime
) -> NominationState:
    """The candidate accepts the nomination with the token e-mailed to them.

    After too many wrong tokens from a client (RATE_LIMIT_TOKEN_FAILURES), 429 with Retry-After."""
    async with (
        runtime.limiter.token_attempt(request),
        runtime.pool(SCHEMA).acquire() as conn,
        conn.transaction(),
    ):
        outcome = await nominations.accept(conn, nomination_id, data.token)
        if outcome.events:
            await outbox.add(conn, *outcome.events)
    return outcome.answer


@post(
    "/api/ambassadors/nominations/{nomination_id:uuid}/withdrawal",
    tags=TAGS,
    status_code=200,
    security=[{}],
    opt=LIMITED,
)
async def withdraw_nomination(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, data: WithdrawalIn, runtime: Runtime
) -> NominationState:
    """Withdraw: the nominator or the candidate with their e-mailed token, or a coordinator.

    After too many wrong tokens from a client (RATE_LIMIT_TOKEN_FAILURES), 429 with Retry-After."""
    user = current_user(request)
    coordinator = user.subject if user is not None and user.has("coordinator") else None
    if coordinator is None and data.token is None:
        raise field_error(
            "token", "send the token from your e-mail (or sign in as the coordinator)"
        )
    async with (
        runtime.limiter.token_attempt(request, counted=coordinator is None),
        runtime.pool(SCHEMA).acquire() as conn,
        conn.transaction(),
    ):
        outcome = await nominations.withdraw(
            conn, nomination_id, token=data.token, coordinator=coordinator
        )
        await outbox.add(conn, *outcome.events)
    return outcome.answer


@get(
    "/api/ambassadors/editions/{edition_id:uuid}/nominations",
    guards=[requires("coordinator")],
    tags=TAGS,
    dependencies={"page": paging},  # type: ignore[dict-item]
)
async def list_nominations(
    edition_id: uuid.UUID, runtime: Runtime, page: Paging
) -> Page[NominationSummary]:
    """Every submission of the edition in order, with status and number of nominators."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        if await store.edition(conn, edition_id) is None:
            raise NotFoundException(f"no edition {edition_id}")
        rows, total = await store.list_nominations(conn, edition_id, page.limit, page.offset)
    return Page(
        items=[
            NominationSummary(
                id=r["id"],
                reference=r["reference"],
                status=r["status"],
                candidate_name=r["candidate_name"],
                nominators=r["nominators"],
                language=r["language"],
                submitted_at=r["submitted_at"],
                accepted_at=r["accepted_at"],
                merged_into=r["merged_into"],
            )
            for r in rows
        ],
        total=total,
    )


route_handlers = [
    create_edition,
    list_editions,
    get_edition,
    nominate,
    accept_nomination,
    withdraw_nomination,
    list_nominations,
]
