"""The Council's API for a member: with their invitation's token (replies and agenda proposals;
a wrong token is 403 and counts towards RATE_LIMIT_TOKEN_FAILURES), or signed in as
`council_member` (the same commands, the invitation named by the member and the meeting)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Request, post

from services.participation.council import queries
from services.participation.council.api import TAGS
from services.participation.council.commands import meetings
from services.participation.council.schemas import (
    AgendaItem,
    MyProposalIn,
    MyRsvpIn,
    ProposalIn,
    Rsvp,
    RsvpIn,
)
from shared.auth import current_user, requires
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


MEMBER = requires("council_member")


def _at(request: Request[Any, Any, Any], meeting_id: Any) -> queries.MemberAt:
    user = current_user(request)
    assert user is not None  # the guard admitted a signed-in member
    return queries.MemberAt(subject=user.subject, meeting_id=meeting_id)


@post("/api/council/my/rsvp", tags=TAGS, status_code=200, guards=[MEMBER])
async def my_rsvp(request: Request[Any, Any, Any], data: MyRsvpIn, runtime: Runtime) -> Rsvp:
    """A signed-in member answers their invitation to a meeting (yes, no, maybe); 403 for a
    meeting they are not invited to, 409 once the meeting is no longer scheduled."""
    return await meetings.answer(runtime, _at(request, data.meeting_id), data.response)


@post("/api/council/my/proposals", tags=TAGS, status_code=201, guards=[MEMBER])
async def my_proposal(
    request: Request[Any, Any, Any], data: MyProposalIn, runtime: Runtime
) -> AgendaItem:
    """A signed-in member proposes an agenda item for a meeting they are invited to."""
    return await meetings.propose(
        runtime, _at(request, data.meeting_id), data.title, data.description
    )


route_handlers: list[Any] = [propose_item, rsvp, my_rsvp, my_proposal]
