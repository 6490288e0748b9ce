"""A member's invitation page (pl/en/uk, no JavaScript): the meeting, its agenda, the reply
(RSVP) and agenda proposal forms. The token from the invitation e-mail is the identity: a wrong
one is a 403 page and counts towards RATE_LIMIT_TOKEN_FAILURES.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.params import Parameter

from services.participation.council import domain, queries
from services.participation.council.commands import meetings
from services.participation.council.pages import catalogs, pages
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web import replay
from shared.web.forms import N_


@asynccontextmanager
async def _token_attempt(request: Request[Any, Any, Any], runtime: Runtime) -> AsyncIterator[None]:
    """The kit's guard of a look-up by token; a refusal becomes the page's error (a wrong token:
    403, counted as a failure; a closed meeting: 409)."""
    async with runtime.limiter.token_attempt(request):
        try:
            yield
        except Refused as exc:
            if exc.kind == Kind.FORBIDDEN:
                raise PermissionDeniedException(str(exc)) from exc
            raise HTTPException(status_code=int(exc.kind), detail=str(exc)) from exc


async def _invitation_context(runtime: Runtime, token: str) -> dict[str, Any]:
    opened = await queries.invitation_page(runtime, token)
    return {**opened, "token": token, "values": {}, "tz": domain.WARSAW}


async def _invitation_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    token: str,
    status: int = 200,
    errors: dict[str, str] | None = None,
) -> Response[str]:
    context = await _invitation_context(runtime, token)
    return pages.render(
        request,
        "council/invitation.html",
        status,
        **context,
        notice=None,
        errors=errors or {},
    )


INVITATION = "council.invitation_reply"
"""The invitation page answering a reply or a proposal, with its notice (a msgid): its language
switch re-renders it from a sealed copy, since the personal token is not in its address."""


async def _reply_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    context = await _invitation_context(runtime, str(data["token"]))
    return {**context, "notice": data["notice"], "errors": {}}


replay.answer_page(INVITATION, pages, "council/invitation.html", _reply_context)


REFUSED = "council.invitation_refused"
"""The invitation page answering a refused reply or proposal, with what was typed and why
(msgids): its language switch re-renders it from a sealed copy (the token is never in an
address), typed text kept."""


async def _refused(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    token: str,
    values: dict[str, str],
    errors: dict[str, str],
) -> Response[str]:
    data = {"token": token, "values": values, "errors": errors}
    return await replay.render_answer(request, runtime, REFUSED, data, 400)


async def _refused_context(runtime: Runtime, data: dict[str, Any], lang: str) -> dict[str, Any]:
    context = await _invitation_context(runtime, str(data["token"]))
    errors = {f: catalogs.gettext(lang, msgid) for f, msgid in data["errors"].items()}
    return {**context, "values": data["values"], "notice": None, "errors": errors}


replay.answer_page(REFUSED, pages, "council/invitation.html", _refused_context)


TOKEN = Parameter(query="token", min_length=8, max_length=200)


@get("/council/invitation", include_in_schema=False, security=[{}])
async def invitation_page(
    request: Request[Any, Any, Any], runtime: Runtime, token: str = TOKEN
) -> Response[str]:
    """A member's invitation: the meeting, the agenda, the RSVP and proposal forms."""
    async with _token_attempt(request, runtime):
        return await _invitation_page(request, runtime, token)


@post("/council/invitation", include_in_schema=False, security=[{}])
async def invitation_reply(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """RSVP or propose an agenda item from the invitation page."""
    form = dict(await request.form())
    token = str(form.get("token", ""))
    async with _token_attempt(request, runtime):
        if form.get("action") == "propose":
            title = str(form.get("title", "")).strip()
            if not 3 <= len(title) <= 300:
                errors = {"title": N_("Give your proposal a title of 3 to 300 characters")}
                typed = {"title": title, "description": str(form.get("description", ""))[:5000]}
                return await _refused(request, runtime, token, typed, errors)
            await meetings.propose(runtime, token, title, str(form.get("description", ""))[:5000])
            notice = "Thank you: your proposal is with the secretariat."
        else:
            response = str(form.get("response", ""))
            if response not in ("yes", "no", "maybe"):
                errors = {"response": N_("Choose whether you will attend")}
                return await _refused(request, runtime, token, {}, errors)
            await meetings.answer(runtime, token, response)
            notice = "Thank you: your reply is saved."
    return await replay.render_answer(
        request, runtime, INVITATION, {"token": token, "notice": notice}
    )


route_handlers = [invitation_page, invitation_reply]
