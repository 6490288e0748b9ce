"""A council member's own page `/council/my` (pl/en/uk, no JavaScript), signed in as
`council_member` (the welcome mail's link, or the e-mail sign-in): their upcoming meetings with
the agenda and their reply, a form to reply (yes, no, maybe) and to propose an agenda item for
each, the proposals they made, and the approved minutes and resolutions.

The reply and the proposal call the same commands as the invitation page and the API
(`meetings.answer`, `meetings.propose`), naming the invitation by the signed-in member and the
meeting (`queries.MemberAt`) instead of the e-mail's token.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect

from services.participation.council import queries
from services.participation.council.commands import meetings
from services.participation.council.pages.staff_kit import (
    MEMBER,
    N_,
    Problems,
    StaffPage,
    page_error,
    problem,
    refusal,
)
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web.forms import user_of

DONE = ("replied", "proposed")


async def _my_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    return await queries.member_home(runtime, str(data["subject"]))


MY = StaffPage("council.my", "council/my.html", _my_context, ("council_member",))


@get("/council/my", guards=MEMBER, include_in_schema=False)
async def my_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """The member's meetings, replies, proposals and the approved minutes."""
    subject = user_of(request).subject
    return await MY.show(request, runtime, subject=subject, done=done if done in DONE else "")


async def _refused(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    status_code: int,
    form: str,
    values: dict[str, Any],
    errors: Problems,
) -> Response[str]:
    return await MY.refused(
        request,
        runtime,
        status_code,
        subject=user_of(request).subject,
        form=form,
        values=values,
        errors=errors,
    )


def _at(request: Request[Any, Any, Any], meeting_id: uuid.UUID) -> queries.MemberAt:
    return queries.MemberAt(subject=user_of(request).subject, meeting_id=meeting_id)


@post("/council/my/meetings/{meeting_id:uuid}/rsvp", guards=MEMBER, include_in_schema=False)
async def rsvp_form(
    request: Request[Any, Any, Any], meeting_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Reply to an invitation: the same command as POST /api/council/my/rsvp (and the token's
    POST /api/council/rsvp); a later reply replaces it."""
    form = await request.form()  # the field is named per meeting (several forms on the page)
    values = {"response": str(form.get(f"response-{meeting_id}", "")), "meeting": str(meeting_id)}
    field = f"response-{meeting_id}"
    if values["response"] not in ("yes", "no", "maybe"):
        errors = {field: problem(N_("Choose whether you will attend"))}
        return await _refused(request, runtime, 400, "rsvp", values, errors)
    try:
        await meetings.answer(runtime, _at(request, meeting_id), values["response"])
    except Refused as exc:
        if exc.kind == Kind.CONFLICT:
            return await _refused(request, runtime, 409, "rsvp", values, {field: refusal(exc)})
        raise page_error(exc) from exc
    return Redirect(f"/council/my?done=replied#meeting-{meeting_id}", status_code=303)


@post("/council/my/meetings/{meeting_id:uuid}/proposals", guards=MEMBER, include_in_schema=False)
async def proposal_form(
    request: Request[Any, Any, Any], meeting_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Propose an agenda item: the same command as POST /api/council/my/proposals (and the
    token's POST /api/council/proposals)."""
    form = await request.form()  # the fields are named per meeting (several forms on the page)
    values = {
        "title": str(form.get(f"title-{meeting_id}", "")),
        "description": str(form.get(f"description-{meeting_id}", "")),
        "meeting": str(meeting_id),
    }
    title = values["title"].strip()
    description = values["description"].strip()
    errors: Problems = {}
    if not 3 <= len(title) <= 300:
        errors[f"title-{meeting_id}"] = problem(
            N_("Give your proposal a title of 3 to 300 characters")
        )
    if len(description) > 5000:
        errors[f"description-{meeting_id}"] = problem(
            N_("Describe the item in at most %(max)s characters."), max=5000
        )
    if errors:
        return await _refused(request, runtime, 400, "propose", values, errors)
    try:
        await meetings.propose(runtime, _at(request, meeting_id), title, description or None)
    except Refused as exc:
        if exc.kind == Kind.CONFLICT:
            errors = {f"title-{meeting_id}": refusal(exc)}
            return await _refused(request, runtime, 409, "propose", values, errors)
        raise page_error(exc) from exc
    return Redirect(f"/council/my?done=proposed#meeting-{meeting_id}", status_code=303)


route_handlers = [my_page, rsvp_form, proposal_form]
