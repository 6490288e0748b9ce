"""The secretariat's pages of the Council (pl/en/uk, no JavaScript): the meetings with a form to
schedule one, and a meeting's page with its attendance ("record as held"), cancellation and
minutes forms.

For the council secretary and the coordinator, signed in with the session cookie (or a bearer
token). Every action is a POST form with the CSRF field that calls the same command as the API
(`commands/meetings.py`, `commands/minutes.py`), so the rules are the same whichever door a
person uses; a refusal is explained
in the page's language with what was typed kept, a success redirects (303) to the page saying
what was done.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect

from services.participation.council import domain, queries
from services.participation.council.commands import meetings, minutes
from services.participation.council.domain import WARSAW
from services.participation.council.pages import catalogs, pages
from services.participation.council.schemas import (
    ApproveIn,
    AttendeeIn,
    Created,
    HeldIn,
    MeetingIn,
    MinutesIn,
)
from shared import mail
from shared.auth import requires
from shared.events import utcnow
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web.forms import N_, form_values, translate, user_of, warsaw_moment, warsaw_time
from shared.web.forms import field_errors as kit_field_errors

SECRETARIAT = [requires("council_secretary", "coordinator")]
GUEST_ROWS = 5  # empty rows for guests on the attendance form (send again for more)

MEETING_MESSAGES = {
    "title": N_("Enter the title of the meeting: %(min)s to %(max)s characters."),
    "place": N_("Enter where the meeting takes place: %(min)s to %(max)s characters."),
}
ATTENDEE_MESSAGES = {
    "name": N_("Enter the guest's full name: %(min)s to %(max)s characters."),
    "organisation": N_("Enter the organisation in at most %(max)s characters."),
}
DONE = ("scheduled", "held", "cancelled", "minutes", "approved")


def _page_error(exc: Refused) -> HTTPException:
    """A refusal no form of the page can say (an unknown meeting): the site's error page."""
    if exc.kind == Kind.NOT_FOUND:
        return NotFoundException(str(exc))
    return HTTPException(status_code=int(exc.kind), detail=str(exc))


async def _detail(runtime: Runtime, meeting_id: uuid.UUID) -> Any:
    try:
        return await queries.detail(runtime, meeting_id)
    except Refused as exc:
        raise _page_error(exc) from exc


def t(request: Request[Any, Any, Any], message: str, **values: Any) -> str:
    """A message in the page's language, with its values filled in."""
    return translate(catalogs, request, message, **values)


def field_errors(
    request: Request[Any, Any, Any],
    struct: Any,
    body: dict[str, Any],
    messages: dict[str, str],
    fields: dict[str, str] | None = None,
) -> dict[str, str]:
    """A message per form field whose value breaks the schema's type for it (all at once)."""
    return kit_field_errors(catalogs, request, struct, body, messages, fields)


def render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Response[str]:
    """A secretariat page: Kraków times (`when`) and the signed-in `user`."""
    return pages.render(
        request, template, status_code, when=warsaw_time, user=user_of(request), **context
    )


# --- The meetings -----------------------------------------------------------------------


async def _meetings_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    status_code: int = 200,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response[str]:
    listed, total = await queries.meetings(runtime, 1000, 0)
    quorum = await queries.settings(runtime)
    now = utcnow()
    return render(
        request,
        "council/staff/meetings.html",
        status_code,
        upcoming=[m for m in listed if not domain.meeting_is_past(m.status, m.starts_at, now)],
        past=[m for m in reversed(listed) if domain.meeting_is_past(m.status, m.starts_at, now)],
        total=total,
        quorum=quorum,
        errors=errors or {},
        values=values or {},
    )


@get("/council/staff", guards=SECRETARIAT, include_in_schema=False)
async def meetings_page(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """Upcoming and past meetings (Kraków time) with their state, and the scheduling form."""
    return await _meetings_page(request, runtime)


def _starts_at(
    request: Request[Any, Any, Any], values: dict[str, str], errors: dict[str, str]
) -> datetime | None:
    """The moment the date and time fields name in Kraków, or a message on the field at fault."""
    try:
        day = date.fromisoformat(values["date"].strip())
    except ValueError:
        errors["date"] = t(request, N_("Enter the date of the meeting like 2026-12-03."))
        day = None
    try:
        clock = time.fromisoformat(values["time"].strip())
        if clock.second or clock.microsecond:
            raise ValueError
    except ValueError:
        errors["time"] = t(request, N_("Enter the starting time like 17:30 (Kraków time)."))
        return None
    if day is None:
        return None
    moment = warsaw_moment(datetime.combine(day, clock))
    if moment is None:
        errors["time"] = t(
            request,
            N_(
                "This time does not exist in Kraków that day (the clocks move forward): choose another."
            ),
        )
        return None
    return moment


@post("/council/staff/meetings", guards=SECRETARIAT, include_in_schema=False)
async def schedule_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """Schedule a meeting: the same call as POST /api/council/meetings (members are invited)."""
    values = await form_values(request, "title", "date", "time", "place")
    body = {"title": values["title"].strip(), "place": values["place"].strip()}
    errors = field_errors(request, MeetingIn, body, MEETING_MESSAGES)
    if "title" not in errors and not mail.fits_header(body["title"]):
        errors["title"] = t(
            request, N_("Write the title on one line, without line breaks or control characters.")
        )
    starts_at = _starts_at(request, values, errors)
    if errors or starts_at is None:
        return await _meetings_page(request, runtime, 400, errors=errors, values=values)
    data = MeetingIn(title=body["title"], starts_at=starts_at, place=body["place"])
    created = await meetings.schedule_meeting(runtime, data)
    assert isinstance(created, Created)  # no Idempotency-Key on a form: never a replay
    return Redirect(f"/council/staff/meetings/{created.id}?done=scheduled#done", status_code=303)


# --- One meeting ------------------------------------------------------------------------


async def _meeting_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    meeting_id: uuid.UUID,
    status_code: int = 200,
    *,
    form: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    done: str = "",
) -> Response[str]:
    m = await _detail(runtime, meeting_id)
    members = await queries.members_on_meeting_day(runtime, m.starts_at)
    now = utcnow()
    approving: list[Any] = []
    if m.minutes_status == "draft":
        approving = await queries.approving_meetings(runtime, m.starts_at)
    return render(
        request,
        "council/staff/meeting.html",
        status_code,
        m=m,
        members=members,
        member_names={r.member_id: r.name for r in m.rsvps},
        rsvps={r.member_id: r.response for r in m.rsvps},
        day=queries.meeting_day(m.starts_at).isoformat(),
        can_record=domain.meeting_can_be_recorded_held(m.status, m.starts_at, now) is None,
        start_time=m.starts_at.astimezone(WARSAW).strftime("%H:%M"),
        not_yet=m.status == "scheduled" and m.starts_at > now,
        approving=approving,
        guest_rows=range(1, GUEST_ROWS + 1),
        form=form,
        errors=errors or {},
        values=values or {},
        done=done if done in DONE else "",
    )


@get("/council/staff/meetings/{meeting_id:uuid}", guards=SECRETARIAT, include_in_schema=False)
async def meeting_page(
    request: Request[Any, Any, Any],
    meeting_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """The meeting: state, RSVPs, agenda, attendance, minutes, and the forms its state allows."""
    return await _meeting_page(request, runtime, meeting_id, done=done)


def _state_message(request: Request[Any, Any, Any], status: str, starts_at: datetime) -> str:
    """Why the meeting's state refuses an action (it changed since the page was shown)."""
    if status == "held":
        return t(
            request,
            N_(
                "This meeting is already recorded as held, perhaps by someone else a moment "
                "ago: it counts once. Nothing was changed."
            ),
        )
    if status == "cancelled":
        return t(request, N_("This meeting was cancelled. Nothing was changed."))
    local = starts_at.astimezone(WARSAW)
    return t(
        request,
        N_(
            "The meeting starts at %(time)s on %(day)s (Kraków time): record who came once it "
            "has started."
        ),
        day=local.date().isoformat(),
        time=local.strftime("%H:%M"),
    )


@post("/council/staff/meetings/{meeting_id:uuid}/held", guards=SECRETARIAT, include_in_schema=False)
async def held_form(
    request: Request[Any, Any, Any], meeting_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Record as held: the same call as POST /api/council/meetings/{id}/held.

    Ticked members come with their name and organisation from the register; guests are the
    rows with a name."""
    form = await request.form()
    guest_fields = [
        name
        for i in range(1, GUEST_ROWS + 1)
        for name in (f"guest_name_{i}", f"guest_organisation_{i}")
    ]
    values: dict[str, Any] = {name: str(form.get(name, "")) for name in guest_fields}
    ticked = [str(v) for v in form.getall("member")] if "member" in form else []
    values["member"] = ticked
    m = await _detail(runtime, meeting_id)
    register = {r["id"]: r for r in await queries.members_on_meeting_day(runtime, m.starts_at)}
    errors: dict[str, str] = {}
    attendees: list[AttendeeIn] = []
    for raw in ticked:
        try:
            member = register.get(uuid.UUID(raw))
        except ValueError:
            member = None
        if member is None:
            errors["members"] = t(
                request,
                N_(
                    "The list of members changed since the page was shown: check the ticked "
                    "members and send again."
                ),
            )
            break
        attendees.append(
            AttendeeIn(
                name=member["name"], organisation=member["organisation"], member_id=member["id"]
            )
        )
    for i in range(1, GUEST_ROWS + 1):
        name = values[f"guest_name_{i}"].strip()
        organisation = values[f"guest_organisation_{i}"].strip()
        if not name and not organisation:
            continue
        row_errors = field_errors(
            request,
            AttendeeIn,
            {"name": name, "organisation": organisation or None},
            ATTENDEE_MESSAGES,
            {"name": f"guest_name_{i}", "organisation": f"guest_organisation_{i}"},
        )
        errors.update(row_errors)
        if not row_errors:
            attendees.append(AttendeeIn(name=name, organisation=organisation or None))
    if not errors and not attendees:
        errors["members"] = t(request, N_("Tick the members who came or enter at least one guest."))
    status_code = 400
    if not errors:
        try:
            await meetings.record_held(runtime, meeting_id, HeldIn(attendees=attendees))
        except Refused as exc:
            if exc.kind not in (Kind.CONFLICT, Kind.INVALID):
                raise _page_error(exc) from exc
            status_code = int(exc.kind)
            if exc.kind == Kind.INVALID:  # a member listed twice (only a forged form can)
                errors = {"members": t(request, N_("Each member can be ticked once."))}
            else:
                fresh = await _detail(runtime, meeting_id)
                errors = {"meeting-status": _state_message(request, fresh.status, fresh.starts_at)}
        else:
            return Redirect(f"/council/staff/meetings/{meeting_id}?done=held#done", status_code=303)
    return await _meeting_page(
        request, runtime, meeting_id, status_code, form="held", errors=errors, values=values
    )


@post(
    "/council/staff/meetings/{meeting_id:uuid}/cancel", guards=SECRETARIAT, include_in_schema=False
)
async def cancel_form(
    request: Request[Any, Any, Any], meeting_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Cancel a scheduled meeting, once confirmed: the same call as POST .../cancel."""
    values = await form_values(request, "confirm")
    status_code = 400
    errors: dict[str, str] = {}
    if values["confirm"] != "yes":
        errors["confirm"] = t(request, N_("Tick the box to confirm that the meeting is cancelled."))
    else:
        try:
            await meetings.cancel(runtime, meeting_id)
        except Refused as exc:
            if exc.kind != Kind.CONFLICT:
                raise _page_error(exc) from exc
            status_code = 409
            fresh = await _detail(runtime, meeting_id)
            errors = {"meeting-status": _state_message(request, fresh.status, fresh.starts_at)}
        else:
            return Redirect(
                f"/council/staff/meetings/{meeting_id}?done=cancelled#done", status_code=303
            )
    return await _meeting_page(
        request, runtime, meeting_id, status_code, form="cancel", errors=errors, values=values
    )


@post(
    "/council/staff/meetings/{meeting_id:uuid}/minutes", guards=SECRETARIAT, include_in_schema=False
)
async def minutes_form(
    request: Request[Any, Any, Any], meeting_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Write or rewrite the draft minutes: the same call as PUT /api/council/meetings/{id}/minutes."""
    values = await form_values(request, "text")
    text = values["text"].strip()
    status_code = 400
    errors = field_errors(
        request,
        MinutesIn,
        {"text": text},
        {"text": N_("Write the minutes: %(min)s to %(max)s characters.")},
    )
    if not errors:
        try:
            await minutes.draft_minutes(runtime, meeting_id, MinutesIn(text=text))
        except Refused as exc:
            if exc.kind != Kind.CONFLICT:
                raise _page_error(exc) from exc
            status_code = 409
            errors = {
                "meeting-status": t(
                    request,
                    N_(
                        "The minutes of this meeting were approved in the meantime and cannot "
                        "change: your text was not saved. It is kept below."
                    ),
                )
            }
        else:
            return Redirect(
                f"/council/staff/meetings/{meeting_id}?done=minutes#done", status_code=303
            )
    return await _meeting_page(
        request, runtime, meeting_id, status_code, form="minutes", errors=errors, values=values
    )


@post(
    "/council/staff/meetings/{meeting_id:uuid}/minutes/approval",
    guards=SECRETARIAT,
    include_in_schema=False,
)
async def approval_form(
    request: Request[Any, Any, Any], meeting_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """The minutes approved at a later meeting: the same call as POST .../minutes/approval."""
    values = await form_values(request, "at_meeting_id")
    status_code = 400
    wrong = {
        "at_meeting_id": t(
            request,
            N_("Choose the later meeting, held with a quorum, that approved these minutes."),
        )
    }
    errors: dict[str, str] = {}
    try:
        at = uuid.UUID(values["at_meeting_id"])
    except ValueError:
        errors = wrong
    if not errors:
        try:
            await minutes.approve_minutes(runtime, meeting_id, ApproveIn(at_meeting_id=at))
        except Refused as exc:
            if exc.kind not in (Kind.NOT_FOUND, Kind.CONFLICT):
                raise _page_error(exc) from exc
            status_code = int(exc.kind)
            errors = wrong
            if (await _detail(runtime, meeting_id)).minutes_status == "approved":
                errors = {
                    "meeting-status": t(
                        request,
                        N_("These minutes were approved in the meantime. Nothing was changed."),
                    )
                }
        else:
            return Redirect(
                f"/council/staff/meetings/{meeting_id}?done=approved#done", status_code=303
            )
    return await _meeting_page(
        request, runtime, meeting_id, status_code, form="approval", errors=errors, values=values
    )


route_handlers = [
    meetings_page,
    schedule_form,
    meeting_page,
    held_form,
    cancel_form,
    minutes_form,
    approval_form,
]
