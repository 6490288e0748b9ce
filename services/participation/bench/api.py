"""HTTP API of the Dialogue Bench (routes fixed by the public contract)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Parameter

from services.participation.bench import domain, store
from services.participation.bench.schemas import (
    AnswerView,
    Edition,
    EditionIn,
    QuestionCreated,
    QuestionIn,
    QuestionStatus,
    QuestionSummary,
)
from shared import idempotency, outbox
from shared.auth import requires
from shared.events import catalogue as ev
from shared.events import new_event, utcnow
from shared.http import Conflict, Page, Paging, field_error, paging
from shared.logs import correlation_id
from shared.runtime import Runtime

SCHEMA = "participation"
PRODUCER = "participation"
TAGS = ["bench"]


def _event(payload: ev.Payload) -> Any:  # type: ignore[name-defined]
    return new_event(payload, producer=PRODUCER, correlation_id=correlation_id.get())


def _edition(row: Any) -> Edition:
    return Edition(
        id=row["id"],
        title=row["title"],
        held_on=row["held_on"],
        venue=row["venue"],
        audience=row["audience"],
        submissions_close_at=row["submissions_close_at"],
        answer_due_days=row["answer_due_days"],
        status=row["status"],
        number=row["number"],
        year=row["year"],
    )


@post("/api/bench/editions", guards=[requires("coordinator")], tags=TAGS, status_code=201)
async def create_edition(
    request: Request[Any, Any, Any], data: EditionIn, runtime: Runtime
) -> Response[Any]:
    """Create a Dialogue Bench edition, open for questions until `submissions_close_at`."""
    body = await request.body()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, "bench.create_edition")
        if replay:
            return idempotency.replay_response(replay)
        year = data.held_on.year
        row = await store.insert_edition(
            conn,
            id=uuid.uuid4(),
            year=year,
            number=await store.next_edition_number(conn, year),
            title=data.title.strip(),
            held_on=data.held_on,
            venue=data.venue.strip(),
            audience=data.audience.strip(),
            submissions_close_at=data.submissions_close_at,
            answer_due_days=data.answer_due_days,
        )
        edition = _edition(row)
        await idempotency.remember(conn, "bench.create_edition", key, 201, edition)
        await outbox.add(
            conn,
            _event(
                ev.BenchEditionCreated(
                    edition_id=edition.id,
                    held_on=edition.held_on,
                    submissions_close_at=edition.submissions_close_at,
                    answer_due_days=edition.answer_due_days,
                )
            ),
        )
    return Response(edition, status_code=201)


@get("/api/bench/editions", tags=TAGS, dependencies={"page": paging})  # type: ignore[dict-item]
async def list_editions(runtime: Runtime, page: Paging) -> Page[Edition]:
    """Every edition, newest first."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_editions(conn, page.limit, page.offset)
    return Page(items=[_edition(r) for r in rows], total=total)


async def receive_question(
    conn: Any, edition_id: uuid.UUID, data: QuestionIn, *, channel: str
) -> tuple[QuestionCreated, ev.BenchQuestionReceived]:
    """Store a question of any channel and its event (in the caller's transaction)."""
    edition = await store.edition_for_update(conn, edition_id)
    if edition is None:
        raise NotFoundException(f"no edition {edition_id}")
    now = utcnow()
    reason = domain.edition_accepts_questions(
        edition["status"], edition["submissions_close_at"], now
    )
    if reason and channel in ("web", "email"):
        raise Conflict(f"this edition takes no more questions: {reason}")
    seq = await store.next_question_seq(conn, edition_id)
    token = domain.new_tracking_token()
    question_id = uuid.uuid4()
    due = domain.due_at(now, edition["answer_due_days"])
    reference = domain.format_reference(edition["year"], edition["number"], seq)
    group = data.group or "undisclosed"
    await store.insert_question(
        conn,
        id=question_id,
        edition_id=edition_id,
        reference=reference,
        seq=seq,
        token_hash=domain.hash_token(token),
        channel=channel,
        topic=data.topic,
        language=data.language,
        group=group,
        text=data.text.strip(),
        name=(data.name or "").strip() or None,
        email=data.email.strip().lower() if data.email else None,
        consent=data.consent,
        received_at=now,
        due_at=due,
    )
    created = QuestionCreated(
        id=question_id, reference=reference, status="received", tracking_token=token, due_at=due
    )
    event = ev.BenchQuestionReceived(
        question_id=question_id,
        edition_id=edition_id,
        channel=channel,
        topic=data.topic,  # type: ignore[arg-type]
        language=data.language,
        group=group,
        received_at=now,
        due_at=due,
        has_email=bool(data.email),  # type: ignore[arg-type]
    )
    return created, event


@post("/api/bench/editions/{edition_id:uuid}/questions", tags=TAGS, status_code=201, security=[{}])
async def ask_question(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, data: QuestionIn, runtime: Runtime
) -> Response[Any]:
    """Ask the Mayor a question; an e-mail address needs `consent: true`. No account needed."""
    if data.email and not data.consent:
        raise field_error("consent", "must be true when an e-mail address is given", 422)
    if not data.text.strip() or len(data.text.strip()) < 10:
        raise field_error("text", "write at least 10 characters", 422)
    body = await request.body()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, f"bench.ask:{edition_id}")
        if replay:
            return idempotency.replay_response(replay)
        created, event = await receive_question(conn, edition_id, data, channel="web")
        await idempotency.remember(conn, f"bench.ask:{edition_id}", key, 201, created)
        await outbox.add(conn, _event(event))
    return Response(created, status_code=201)


@get(
    "/api/bench/editions/{edition_id:uuid}/questions",
    guards=[requires("coordinator", "responder")],
    tags=TAGS,
    dependencies={"page": paging},  # type: ignore[dict-item]
)
async def list_questions(
    edition_id: uuid.UUID, runtime: Runtime, page: Paging
) -> Page[QuestionSummary]:
    """The edition's questions, overdue first."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_questions(conn, edition_id, page.limit, page.offset)
    return Page(items=[msgspec.convert(dict(r), QuestionSummary) for r in rows], total=total)


@get("/api/bench/questions/{reference:str}", tags=TAGS, security=[{}])
async def track_question(
    reference: str,
    runtime: Runtime,
    token: str = Parameter(query="token", min_length=8, max_length=200),
) -> QuestionStatus:
    """The asker follows a question with its reference and tracking token."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.question_by_reference(conn, reference.upper())
        if row is None or row["tracking_token_hash"] != domain.hash_token(token):
            # Same answer for "no such reference" and "wrong token": references are guessable.
            raise PermissionDeniedException("reference and token do not match")
        answer = await store.latest_answer(conn, row["id"])
    return QuestionStatus(
        reference=row["reference"],
        status=row["status"],
        answer=AnswerView(
            text=answer["text"], language=answer["language"], answered_at=answer["answered_at"]
        )
        if answer
        else None,
    )


route_handlers = [create_edition, list_editions, ask_question, list_questions, track_question]
