"""HTTP API of the Dialogue Bench for residents and edition management (contract routes)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, patch, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import Parameter

from services.participation.bench import queries
from services.participation.bench.commands import questions, staff
from services.participation.bench.queries import edition_view
from services.participation.bench.schemas import (
    Edition,
    EditionIn,
    EditionTextsIn,
    QuestionIn,
    QuestionStatus,
)
from shared import idempotency
from shared.auth import requires
from shared.http import Page, Paging, paging
from shared.ratelimit import LIMITED
from shared.runtime import Runtime

TAGS = ["bench"]


@post("/api/bench/editions", guards=[requires("coordinator")], tags=TAGS, status_code=201)
async def create_edition(
    request: Request[Any, Any, Any], data: EditionIn, runtime: Runtime
) -> Response[Any]:
    """Create a Dialogue Bench edition, open for questions until `submissions_close_at`."""
    requested = idempotency.requested(request, await request.body(), "bench.create_edition")
    created = await staff.create_edition(runtime, data, requested)
    if isinstance(created, idempotency.Replay):
        return idempotency.replay_response(created)
    return Response(edition_view(created), status_code=201)


@get("/api/bench/editions", tags=TAGS, dependencies={"page": paging}, security=[{}])  # type: ignore[dict-item]
async def list_editions(runtime: Runtime, page: Paging) -> Page[Edition]:
    """Every edition, newest first."""
    items, total = await queries.editions(runtime, page.limit, page.offset)
    return Page(items=items, total=total)


@get("/api/bench/editions/{edition_id:uuid}", tags=TAGS, security=[{}])
async def get_edition(edition_id: uuid.UUID, runtime: Runtime) -> Edition:
    """One edition."""
    return await queries.edition(runtime, edition_id)


@patch("/api/bench/editions/{edition_id:uuid}", guards=[requires("coordinator")], tags=TAGS)
async def change_edition_texts(
    edition_id: uuid.UUID, data: EditionTextsIn, runtime: Runtime
) -> Edition:
    """Change an edition's title, venue or audience, or their translations (`title_i18n`,
    `venue_i18n`, `audience_i18n`: `{"en": ..., "uk": ...}`, a map given replaces the stored
    one); only the fields given change."""
    return edition_view(await staff.change_edition_texts(runtime, edition_id, data))


async def _change_edition(runtime: Runtime, edition_id: uuid.UUID, target: str) -> Edition:
    return edition_view(await staff.change_edition(runtime, edition_id, target))


@post(
    "/api/bench/editions/{edition_id:uuid}/submissions/open",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=200,
)
async def open_submissions(edition_id: uuid.UUID, runtime: Runtime) -> Edition:
    """Take questions again (until `submissions_close_at`, which must be in the future)."""
    return await _change_edition(runtime, edition_id, "open")


@post(
    "/api/bench/editions/{edition_id:uuid}/submissions/close",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=200,
)
async def close_submissions(edition_id: uuid.UUID, runtime: Runtime) -> Edition:
    """Stop taking questions by web and e-mail (staff may still enter questions from the room)."""
    return await _change_edition(runtime, edition_id, "closed")


@post(
    "/api/bench/editions/{edition_id:uuid}/held",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=200,
)
async def mark_held(edition_id: uuid.UUID, runtime: Runtime) -> Edition:
    """Record that the session with the Mayor took place (on or after `held_on`)."""
    return await _change_edition(runtime, edition_id, "held")


@post(
    "/api/bench/editions/{edition_id:uuid}/questions",
    tags=TAGS,
    status_code=201,
    security=[{}],
    opt=LIMITED,
)
async def ask_question(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, data: QuestionIn, runtime: Runtime
) -> Response[Any]:
    """Ask the Mayor a question; an e-mail address needs `consent: true`. No account needed.

    Limited per client address (RATE_LIMIT_QUESTIONS) and per e-mail address
    (RATE_LIMIT_MAIL_ADDRESS): over a limit, 429 with Retry-After."""
    await runtime.limiter.check_client(request, "questions")
    requested = idempotency.requested(request, await request.body(), f"bench.ask:{edition_id}")
    created = await questions.ask(runtime, edition_id, data, requested)
    if isinstance(created, idempotency.Replay):
        return idempotency.replay_response(created)
    return Response(created, status_code=201)


@get("/api/bench/questions/{reference:str}", tags=TAGS, security=[{}], opt=LIMITED)
async def track_question(
    request: Request[Any, Any, Any],
    reference: str,
    runtime: Runtime,
    token: str = Parameter(query="token", min_length=8, max_length=200),
) -> QuestionStatus:
    """The asker follows a question with its reference and tracking token.

    After too many wrong tokens from a client (RATE_LIMIT_TOKEN_FAILURES), 429 with Retry-After."""
    async with runtime.limiter.token_attempt(request):
        found = await questions.track(runtime, reference, token)
        if found is None:
            # Same answer for "no such reference" and "wrong token": references are guessable.
            raise PermissionDeniedException("reference and token do not match")
    return found


route_handlers = [
    create_edition,
    list_editions,
    get_edition,
    change_edition_texts,
    open_submissions,
    close_submissions,
    mark_held,
    ask_question,
    track_question,
]
