"""The secretariat's pages of the Council for its meetings (pl/en/uk, no JavaScript): the
meetings with forms to schedule one or a monthly series, and a meeting's page with its agenda
(items and decisions on members' proposals), attendance ("record as held"), cancellation,
minutes and resolutions.

For the council secretary and the coordinator, signed in with the session cookie (or a bearer
token). Every action is a POST form with the CSRF field that calls the same command as the API
(`commands/meetings.py`, `commands/minutes.py`), so the rules are the same whichever door a
person uses; a refusal is explained in the page's language with what was typed kept (also
across a language switch: `staff_kit.StaffPage`), a success redirects (303) to the page saying
what was done.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect

from services.participation.council import domain, public_record, queries
from services.participation.council.commands import meetings, minutes
from services.participation.council.commands import translations as translate
from services.participation.council.domain import WARSAW
from services.participation.council.pages.staff_kit import (
    N_,
    SECRETARIAT,
    SECRETARIAT_ROLES,
    Problems,
    StaffPage,
    checked,
    drafts_for,
    page_error,
    problem,
    refusal,
    translation_fields,
    translations_of,
    wants_drafts,
)
from services.participation.council.schemas import (
    AgendaDecisionIn,
    AgendaItemIn,
    ApproveIn,
    AttendeeIn,
    Created,
    HeldIn,
    MeetingIn,
    MinutesIn,
    MonthlyIn,
    ResolutionIn,
)
from shared import content, mail
from shared.events import utcnow
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web.forms import form_values, warsaw_moment

GUEST_ROWS = 5  # empty rows for guests on the attendance form (send again for more)

MEETING_MESSAGES = {
    "title": N_("Enter the title of the meeting: %(min)s to %(max)s characters."),
    "place": N_("Enter where the meeting takes place: %(min)s to %(max)s characters."),
    "count": N_("Enter how many monthly meetings to schedule: 1 to 24."),
}
ATTENDEE_MESSAGES = {
    "name": N_("Enter the guest's full name: %(min)s to %(max)s characters."),
    "organisation": N_("Enter the organisation in at most %(max)s characters."),
}
AGENDA_MESSAGES = {
    "title": N_("Enter the title of the agenda item: %(min)s to %(max)s characters."),
    "description": N_("Describe the item in at most %(max)s characters."),
}
RESOLUTION_MESSAGES = {
    "kind": N_("Choose whether it is a resolution or a recommendation."),
    "title": N_("Enter the title of the resolution: %(min)s to %(max)s characters."),
    "text": N_("Write the text that was voted: %(min)s to %(max)s characters."),
    "votes_for": N_("Enter the number of votes for, a whole number from 0."),
    "votes_against": N_("Enter the number of votes against, a whole number from 0."),
    "votes_abstaining": N_("Enter the number of abstentions, a whole number from 0."),
}
DONE = (
    "scheduled",
    "monthly",
    "held",
    "cancelled",
    "minutes",
    "approved",
    "item",
    "accepted",
    "declined",
    "resolution",
    "translated",
)


async def _detail(runtime: Runtime, meeting_id: uuid.UUID) -> Any:
    try:
        return await queries.detail(runtime, meeting_id)
    except Refused as exc:
        raise page_error(exc) from exc


# --- The meetings -----------------------------------------------------------------------


async def _meetings_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    listed, total = await queries.meetings(runtime, 1000, 0)
    quorum = await queries.settings(runtime)
    now = utcnow()
    return {
        "upcoming": [m for m in listed if not domain.meeting_is_past(m.status, m.starts_at, now)],
        "past": [m for m in reversed(listed) if domain.meeting_is_past(m.status, m.starts_at, now)],
        "total": total,
        "quorum": quorum,
        "section": "meetings",
    }


MEETINGS = StaffPage(
    "council.staff_meetings", "council/staff/meetings.html", _meetings_context, SECRETARIAT_ROLES
)


@get("/council/staff", guards=SECRETARIAT, include_in_schema=False)
async def meetings_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """Upcoming and past meetings (Kraków time) with their state, and the scheduling forms."""
    return await MEETINGS.show(request, runtime, done=done if done in DONE else "")


def _starts_at(values: dict[str, str], errors: Problems) -> datetime | None:
    """The moment the date and time fields name in Kraków, or a problem on the field at fault."""
    try:
        day = date.fromisoformat(values["date"].strip())
    except ValueError:
        errors["date"] = problem(N_("Enter the date of the meeting like 2026-12-03."))
        day = None
    try:
        clock = time.fromisoformat(values["time"].strip())
        if clock.second or clock.microsecond:
            raise ValueError
    except ValueError:
        errors["time"] = problem(N_("Enter the starting time like 17:30 (Kraków time)."))
        return None
    if day is None:
        return None
    moment = warsaw_moment(datetime.combine(day, clock))
    if moment is None:
        errors["time"] = problem(
            N_(
                "This time does not exist in Kraków that day (the clocks move forward): choose another."
            )
        )
        return None
    return moment


def _title_on_one_line(body: dict[str, Any], errors: Problems) -> None:
    if "title" not in errors and not mail.fits_header(body["title"]):
        errors["title"] = problem(
            N_("Write the title on one line, without line breaks or control characters.")
        )


@post("/council/staff/meetings", guards=SECRETARIAT, include_in_schema=False)
async def schedule_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """Schedule a meeting: the same call as POST /api/council/meetings (members are invited)."""
    values = await form_values(
        request, "title", "date", "time", "place", "_action", *translation_fields("title", "place")
    )
    if wants_drafts(values):
        drafts = await drafts_for(runtime, values, ("title", "place"))
        return await MEETINGS.refused(
            request, runtime, 200, form="schedule", values=values, errors={}, drafts=drafts
        )
    body = {"title": values["title"].strip(), "place": values["place"].strip()}
    errors = checked(MeetingIn, body, MEETING_MESSAGES)
    _title_on_one_line(body, errors)
    i18n = translations_of(values, {"title": ("title", 300), "place": ("place", 300)}, errors)
    starts_at = _starts_at(values, errors)
    if errors or starts_at is None:
        return await MEETINGS.refused(
            request, runtime, 400, form="schedule", values=values, errors=errors
        )
    data = MeetingIn(title=body["title"], starts_at=starts_at, place=body["place"])
    created = await meetings.schedule_meeting(runtime, data, i18n=i18n)
    assert isinstance(created, Created)  # no Idempotency-Key on a form: never a replay
    return Redirect(f"/council/staff/meetings/{created.id}?done=scheduled#done", status_code=303)


MONTHLY_FIELDS = {"title": "m_title", "place": "m_place", "count": "m_count"}


@post("/council/staff/meetings/monthly", guards=SECRETARIAT, include_in_schema=False)
async def monthly_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """Schedule a monthly series: the same call as POST /api/council/meetings/monthly."""
    values = await form_values(
        request,
        "m_title",
        "m_date",
        "m_time",
        "m_place",
        "m_count",
        "_action",
        *translation_fields("m_title", "m_place"),
    )
    if wants_drafts(values):
        drafts = await drafts_for(runtime, values, ("m_title", "m_place"))
        return await MEETINGS.refused(
            request, runtime, 200, form="monthly", values=values, errors={}, drafts=drafts
        )
    body: dict[str, Any] = {"title": values["m_title"].strip(), "place": values["m_place"].strip()}
    try:
        body["count"] = int(values["m_count"].strip())
    except ValueError:
        body["count"] = -1
    errors = checked(MonthlyIn, body, MEETING_MESSAGES, MONTHLY_FIELDS)
    if "m_title" not in errors and not mail.fits_header(body["title"]):
        errors["m_title"] = problem(
            N_("Write the title on one line, without line breaks or control characters.")
        )
    i18n = translations_of(values, {"m_title": ("title", 300), "m_place": ("place", 300)}, errors)
    moment_errors: Problems = {}
    first = _starts_at({"date": values["m_date"], "time": values["m_time"]}, moment_errors)
    errors.update({f"m_{name}": p for name, p in moment_errors.items()})
    if errors or first is None:
        return await MEETINGS.refused(
            request, runtime, 400, form="monthly", values=values, errors=errors
        )
    data = MonthlyIn(
        title=body["title"], first_starts_at=first, place=body["place"], count=body["count"]
    )
    await meetings.schedule_monthly(runtime, data, i18n=i18n)
    return Redirect("/council/staff?done=monthly#done", status_code=303)


# --- One meeting ------------------------------------------------------------------------


async def _meeting_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    m = await _detail(runtime, uuid.UUID(data["id"]))
    members = await queries.members_on_meeting_day(runtime, m.starts_at)
    now = utcnow()
    approving: list[Any] = []
    if m.minutes_status == "draft":
        approving = await queries.approving_meetings(runtime, m.starts_at)
    public = await public_record.meeting(runtime, m.id)
    assert public is not None
    for item in public["agenda"]:
        item["field"] = _item_field(item["id"])
    for r in public["resolutions"]:
        r["title_field"], r["text_field"] = _resolution_fields(r["id"])
    return {
        "m": m,
        "public": public,
        "stored_translations": _stored_translations(public),
        "members": members,
        "member_names": {r.member_id: r.name for r in m.rsvps},
        "rsvps": {r.member_id: r.response for r in m.rsvps},
        "day": queries.meeting_day(m.starts_at).isoformat(),
        "can_record": domain.meeting_can_be_recorded_held(m.status, m.starts_at, now) is None,
        "start_time": m.starts_at.astimezone(WARSAW).strftime("%H:%M"),
        "not_yet": m.status == "scheduled" and m.starts_at > now,
        "approving": approving,
        "guest_rows": range(1, GUEST_ROWS + 1),
        "section": "meetings",
    }


def _item_field(item_id: Any) -> str:
    return f"item_{uuid.UUID(str(item_id)).hex}"


def _resolution_fields(resolution_id: Any) -> tuple[str, str]:
    hexed = uuid.UUID(str(resolution_id)).hex
    return f"rtitle_{hexed}", f"rtext_{hexed}"


def _stored_translations(public: dict[str, Any]) -> dict[str, str]:
    """The saved translations as the translations form's values (`title__en`, …)."""
    values = {
        **content.form_values("title", public["title_i18n"]),
        **content.form_values("place", public["place_i18n"]),
    }
    for item in public["agenda"]:
        values.update(content.form_values(_item_field(item["id"]), item["title_i18n"]))
    for r in public["resolutions"]:
        title, text = _resolution_fields(r["id"])
        values.update(content.form_values(title, r["title_i18n"]))
        values.update(content.form_values(text, r["text_i18n"]))
    return values


MEETING = StaffPage(
    "council.staff_meeting", "council/staff/meeting.html", _meeting_context, SECRETARIAT_ROLES
)


@get("/council/staff/meetings/{meeting_id:uuid}", guards=SECRETARIAT, include_in_schema=False)
async def meeting_page(
    request: Request[Any, Any, Any],
    meeting_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """The meeting: state, RSVPs, agenda, attendance, minutes, resolutions, and the forms its
    state allows."""
    return await MEETING.show(
        request, runtime, id=str(meeting_id), done=done if done in DONE else ""
    )


def _state_problem(status: str, starts_at: datetime) -> list[Any]:
    """Why the meeting's state refuses an action (it changed since the page was shown)."""
    if status == "held":
        return problem(
            N_(
                "This meeting is already recorded as held, perhaps by someone else a moment "
                "ago: it counts once. Nothing was changed."
            )
        )
    if status == "cancelled":
        return problem(N_("This meeting was cancelled. Nothing was changed."))
    local = starts_at.astimezone(WARSAW)
    return problem(
        N_(
            "The meeting starts at %(time)s on %(day)s (Kraków time): record who came once it "
            "has started."
        ),
        day=local.date().isoformat(),
        time=local.strftime("%H:%M"),
    )


def _done(meeting_id: uuid.UUID, what: str) -> Redirect:
    return Redirect(f"/council/staff/meetings/{meeting_id}?done={what}#done", status_code=303)


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
    errors: Problems = {}
    attendees: list[AttendeeIn] = []
    for raw in ticked:
        try:
            member = register.get(uuid.UUID(raw))
        except ValueError:
            member = None
        if member is None:
            errors["members"] = problem(
                N_(
                    "The list of members changed since the page was shown: check the ticked "
                    "members and send again."
                )
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
        row_errors = checked(
            AttendeeIn,
            {"name": name, "organisation": organisation or None},
            ATTENDEE_MESSAGES,
            {"name": f"guest_name_{i}", "organisation": f"guest_organisation_{i}"},
        )
        errors.update(row_errors)
        if not row_errors:
            attendees.append(AttendeeIn(name=name, organisation=organisation or None))
    if not errors and not attendees:
        errors["members"] = problem(N_("Tick the members who came or enter at least one guest."))
    status_code = 400
    if not errors:
        try:
            await meetings.record_held(runtime, meeting_id, HeldIn(attendees=attendees))
        except Refused as exc:
            if exc.kind not in (Kind.CONFLICT, Kind.INVALID):
                raise page_error(exc) from exc
            status_code = int(exc.kind)
            if exc.kind == Kind.INVALID:  # a member listed twice (only a forged form can)
                errors = {"members": problem(N_("Each member can be ticked once."))}
            else:
                fresh = await _detail(runtime, meeting_id)
                errors = {"meeting-status": _state_problem(fresh.status, fresh.starts_at)}
        else:
            return _done(meeting_id, "held")
    return await MEETING.refused(
        request, runtime, status_code, id=str(meeting_id), form="held", values=values, errors=errors
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
    errors: Problems = {}
    if values["confirm"] != "yes":
        errors["confirm"] = problem(N_("Tick the box to confirm that the meeting is cancelled."))
    else:
        try:
            await meetings.cancel(runtime, meeting_id)
        except Refused as exc:
            if exc.kind != Kind.CONFLICT:
                raise page_error(exc) from exc
            status_code = 409
            fresh = await _detail(runtime, meeting_id)
            errors = {"meeting-status": _state_problem(fresh.status, fresh.starts_at)}
        else:
            return _done(meeting_id, "cancelled")
    return await MEETING.refused(
        request,
        runtime,
        status_code,
        id=str(meeting_id),
        form="cancel",
        values=values,
        errors=errors,
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
    errors = checked(
        MinutesIn, {"text": text}, {"text": N_("Write the minutes: %(min)s to %(max)s characters.")}
    )
    if not errors:
        try:
            await minutes.draft_minutes(runtime, meeting_id, MinutesIn(text=text))
        except Refused as exc:
            if exc.kind != Kind.CONFLICT:
                raise page_error(exc) from exc
            status_code = 409
            errors = {
                "meeting-status": problem(
                    N_(
                        "The minutes of this meeting were approved in the meantime and cannot "
                        "change: your text was not saved. It is kept below."
                    )
                )
            }
        else:
            return _done(meeting_id, "minutes")
    return await MEETING.refused(
        request,
        runtime,
        status_code,
        id=str(meeting_id),
        form="minutes",
        values=values,
        errors=errors,
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
        "at_meeting_id": problem(
            N_("Choose the later meeting, held with a quorum, that approved these minutes.")
        )
    }
    errors: Problems = {}
    try:
        at = uuid.UUID(values["at_meeting_id"])
    except ValueError:
        errors = wrong
    if not errors:
        try:
            await minutes.approve_minutes(runtime, meeting_id, ApproveIn(at_meeting_id=at))
        except Refused as exc:
            if exc.kind not in (Kind.NOT_FOUND, Kind.CONFLICT):
                raise page_error(exc) from exc
            status_code = int(exc.kind)
            errors = wrong
            if (await _detail(runtime, meeting_id)).minutes_status == "approved":
                errors = {
                    "meeting-status": problem(
                        N_("These minutes were approved in the meantime. Nothing was changed.")
                    )
                }
        else:
            return _done(meeting_id, "approved")
    return await MEETING.refused(
        request,
        runtime,
        status_code,
        id=str(meeting_id),
        form="approval",
        values=values,
        errors=errors,
    )


# --- The agenda -------------------------------------------------------------------------


@post(
    "/council/staff/meetings/{meeting_id:uuid}/agenda", guards=SECRETARIAT, include_in_schema=False
)
async def agenda_form(
    request: Request[Any, Any, Any], meeting_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Put an item on the agenda: the same call as POST /api/council/meetings/{id}/agenda."""
    values = await form_values(
        request, "item_title", "item_description", "_action", *translation_fields("item_title")
    )
    if wants_drafts(values):
        drafts = await drafts_for(runtime, values, ("item_title",))
        return await MEETING.refused(
            request,
            runtime,
            200,
            id=str(meeting_id),
            form="agenda",
            values=values,
            errors={},
            drafts=drafts,
        )
    body = {
        "title": values["item_title"].strip(),
        "description": values["item_description"].strip() or None,
    }
    errors = checked(
        AgendaItemIn,
        body,
        AGENDA_MESSAGES,
        {"title": "item_title", "description": "item_description"},
    )
    i18n = translations_of(values, {"item_title": ("title", 300)}, errors)
    status_code = 400
    if not errors:
        try:
            await meetings.add_agenda_item(runtime, meeting_id, AgendaItemIn(**body), i18n=i18n)
        except Refused as exc:
            if exc.kind != Kind.CONFLICT:
                raise page_error(exc) from exc
            status_code = 409
            errors = {"meeting-status": refusal(exc)}
        else:
            return _done(meeting_id, "item")
    return await MEETING.refused(
        request,
        runtime,
        status_code,
        id=str(meeting_id),
        form="agenda",
        values=values,
        errors=errors,
    )


@post("/council/staff/agenda/{item_id:uuid}/decision", guards=SECRETARIAT, include_in_schema=False)
async def decision_form(
    request: Request[Any, Any, Any], item_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Accept or decline a member's proposal: the same call as POST /api/council/agenda/{id}/decision."""
    values = await form_values(request, "status", "meeting_id")
    try:
        meeting_id = uuid.UUID(values["meeting_id"])
    except ValueError:
        meeting_id = None
    if meeting_id is None:
        raise NotFoundException("the form names no meeting")
    if values["status"] not in ("accepted", "declined"):
        return await MEETING.refused(
            request,
            runtime,
            400,
            id=str(meeting_id),
            form="decision",
            errors={f"decide-{item_id}": problem(N_("Choose to accept or decline the item."))},
        )
    try:
        await meetings.decide_item(
            runtime,
            item_id,
            AgendaDecisionIn(status=values["status"]),  # type: ignore[arg-type]
        )
    except Refused as exc:
        if exc.kind != Kind.CONFLICT:
            raise page_error(exc) from exc
        return await MEETING.refused(
            request,
            runtime,
            409,
            id=str(meeting_id),
            form="decision",
            errors={"meeting-status": refusal(exc)},
        )
    return _done(meeting_id, values["status"])


# --- Resolutions ------------------------------------------------------------------------


def _count(raw: str) -> int | str:
    try:
        return int(raw.strip())
    except ValueError:
        return raw


@post(
    "/council/staff/meetings/{meeting_id:uuid}/resolutions",
    guards=SECRETARIAT,
    include_in_schema=False,
)
async def resolution_form(
    request: Request[Any, Any, Any], meeting_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Record a resolution or recommendation with its votes, once confirmed: the same call as
    POST /api/council/meetings/{id}/resolutions (a vote recorded cannot be changed)."""
    names = ("kind", "r_title", "r_text", "votes_for", "votes_against", "votes_abstaining")
    values = await form_values(
        request, *names, "confirm_vote", "_action", *translation_fields("r_title", "r_text")
    )
    if wants_drafts(values):
        drafts = await drafts_for(runtime, values, ("r_title", "r_text"))
        return await MEETING.refused(
            request,
            runtime,
            200,
            id=str(meeting_id),
            form="resolution",
            values=values,
            errors={},
            drafts=drafts,
        )
    body: dict[str, Any] = {
        "kind": values["kind"],
        "title": values["r_title"].strip(),
        "text": values["r_text"].strip(),
        "votes_for": _count(values["votes_for"]),
        "votes_against": _count(values["votes_against"]),
        "votes_abstaining": _count(values["votes_abstaining"]),
    }
    errors = checked(
        ResolutionIn, body, RESOLUTION_MESSAGES, {"title": "r_title", "text": "r_text"}
    )
    i18n = translations_of(values, {"r_title": ("title", 300), "r_text": ("text", 100_000)}, errors)
    if not errors and values["confirm_vote"] != "yes":
        errors["confirm_vote"] = problem(
            N_("Tick the box to confirm the votes: a recorded vote cannot be changed.")
        )
    status_code = 400
    if not errors:
        try:
            await minutes.vote(runtime, meeting_id, ResolutionIn(**body), i18n=i18n)
        except Refused as exc:
            if exc.kind not in (Kind.CONFLICT, Kind.INVALID):
                raise page_error(exc) from exc
            status_code = int(exc.kind)
            field = exc.field if exc.kind == Kind.INVALID else "meeting-status"
            errors = {field or "votes_for": refusal(exc)}
        else:
            return _done(meeting_id, "resolution")
    return await MEETING.refused(
        request,
        runtime,
        status_code,
        id=str(meeting_id),
        form="resolution",
        values=values,
        errors=errors,
    )


# --- Translations ---------------------------------------------------------------------


@post(
    "/council/staff/meetings/{meeting_id:uuid}/translations",
    guards=SECRETARIAT,
    include_in_schema=False,
)
async def translations_form(
    request: Request[Any, Any, Any], meeting_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """The English and Ukrainian versions of what residents read of the meeting: its title and
    place, its accepted agenda items' titles, its resolutions' titles and texts (the Polish
    originals do not change here). An empty field removes that translation."""
    public = await public_record.meeting(runtime, meeting_id)
    if public is None:
        raise NotFoundException()
    items = {item["id"]: _item_field(item["id"]) for item in public["agenda"]}
    resolutions = {r["id"]: _resolution_fields(r["id"]) for r in public["resolutions"]}
    originals = {"title": public["title"], "place": public["place"]}
    originals.update({items[item["id"]]: item["title"] for item in public["agenda"]})
    for r in public["resolutions"]:
        title, text = resolutions[r["id"]]
        originals.update({title: r["title"], text: r["text"]})
    values = await form_values(request, "_action", *translation_fields(*originals))
    if wants_drafts(values):
        drafts = await drafts_for(runtime, {**originals, **values}, tuple(originals))
        return await MEETING.refused(
            request,
            runtime,
            200,
            id=str(meeting_id),
            form="translations",
            values=values,
            errors={},
            drafts=drafts,
        )
    errors: Problems = {}
    meeting_i18n = translations_of(
        values, {"title": ("title", 300), "place": ("place", 300)}, errors
    )
    item_i18n = {
        item_id: translations_of(values, {field: ("title", 300)}, errors)
        for item_id, field in items.items()
    }
    resolution_i18n = {
        rid: translations_of(values, {title: ("title", 300), text: ("text", 100_000)}, errors)
        for rid, (title, text) in resolutions.items()
    }
    if errors:
        return await MEETING.refused(
            request,
            runtime,
            400,
            id=str(meeting_id),
            form="translations",
            values=values,
            errors=errors,
        )
    try:
        await translate.translate_meeting(
            runtime, meeting_id, meeting_i18n, item_i18n, resolution_i18n
        )
    except Refused as exc:
        raise page_error(exc) from exc
    return _done(meeting_id, "translated")


route_handlers = [
    meetings_page,
    schedule_form,
    monthly_form,
    meeting_page,
    held_form,
    cancel_form,
    minutes_form,
    approval_form,
    agenda_form,
    decision_form,
    resolution_form,
    translations_form,
]
