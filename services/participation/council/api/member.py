"""The Council's API for a member holding their invitation's token: replies and agenda
proposals. A wrong token is 403 and counts towards RATE_LIMIT_TOKEN_FAILURES."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Request, post

from services.participation.council.api import TAGS
from services.participation.council.commands import meetings
from services.participation.council.schemas import AgendaItem, ProposalIn, Rsvp, RsvpIn
from shared.ratelimit import LIMITED
from shared.refusals import Kind, Refused
from shared.runtime import Runtime


@asynccontextmanager
async def token_attempt(request: Request[Any, Any, Any], runtime: Runtime) -> AsyncIterator[None]:
    """The kit's guard of a look-up by token; a refused token (403/404) counts as a failure."""
    async with runtime.limiter.token_attempt(request) as attempt:
        try:
            yield
        except Refused as exc:
            if exc.kind in (Kind.FORBIDDEN, Kind.NOT_FOUND):
                await attempt.failed()
            raise


@post("/api/council/proposals", tags=TAGS, status_code=201, security=[{}], opt=LIMITED)
async def propose_item(
    request: Request[Any, Any, Any], data: ProposalIn, runtime: Runtime
) -> AgendaItem:
    """A member proposes an agenda item with the token link of their invitation.

    Limited per client address (RATE_LIMIT_FORMS, and RATE_LIMIT_TOKEN_FAILURES for wrong
    tokens): over a limit, 429 with Retry-After."""
    await runtime.limiter.check_client(request, "forms")
    async with token_attempt(request, runtime):
        return await meetings.propose(runtime, data.token, data.title, data.description)


@post("/api/council/rsvp", tags=TAGS, status_code=200, security=[{}], opt=LIMITED)
async def rsvp(request: Request[Any, Any, Any], data: RsvpIn, runtime: Runtime) -> Rsvp:
    """A member answers an invitation (yes, no, maybe) with its token; a later answer replaces it.

    After too many wrong tokens from a client (RATE_LIMIT_TOKEN_FAILURES), 429 with Retry-After."""
    async with token_attempt(request, runtime):
        return await meetings.answer(runtime, data.token, data.response)


route_handlers: list[Any] = [propose_item, rsvp]
