"""The Council's use cases called directly, as the API, the pages and the jobs call them, against
the platform's PostgreSQL (no HTTP): what each one stores, the events it leaves in the outbox,
the mails it queues, and that a refusal says its code and field and changes nothing."""

from __future__ import annotations

import email
import uuid
from datetime import UTC, date, datetime, timedelta
from email.policy import default as default_policy
from typing import Any

import pytest

from services.participation.council import queries
from services.participation.council.commands import meetings, members, minutes
from services.participation.council.schemas import (
    AgendaDecisionIn,
    AgendaItemIn,
    ApplicationCreated,
    ApplicationIn,
    AppointmentIn,
    ApproveIn,
    AttendeeIn,
    Call,
    CallIn,
    Created,
    HeldIn,
    LeaveIn,
    MeetingIn,
    Member,
    MinutesIn,
    MonthlyIn,
    ResolutionIn,
    SettingsIn,
)
from shared.events import decode
from shared.idempotency import Claimed, Replay
from shared.refusals import Kind, Refused
from tests.helpers.platform import RunningPlatform
from tests.integration.council.helpers import rsvp_token

SCHEMA = "participation"


def now() -> datetime:
    return datetime.now(UTC)


async def scalar(platform: RunningPlatform, sql: str, *args: Any) -> Any:
    async with platform.runtime.pool(SCHEMA).acquire() as conn:
        return await conn.fetchval(sql, *args)


async def events(platform: RunningPlatform, event_type: str, **match: Any) -> list[Any]:
    async with platform.runtime.pool(SCHEMA).acquire() as conn:
        rows = await conn.fetch(
            "select body from outbox where subject = $1 order by seq", f"okr.{event_type}"
        )
    found = [decode(bytes(r["body"])).payload for r in rows]
    return [p for p in found if all(getattr(p, k) == v for k, v in match.items())]


async def queued(platform: RunningPlatform, recipient: str, purpose: str) -> list[Any]:
    async with platform.runtime.pool(SCHEMA).acquire() as conn:
        rows = await conn.fetch(
            "select message from outgoing_mail where recipient = $1 and purpose = $2",
            recipient,
            purpose,
        )
    return [email.message_from_bytes(bytes(r["message"]), policy=default_policy) for r in rows]


async def outbox_size(platform: RunningPlatform) -> int:
    return int(await scalar(platform, "select count(*) from outbox"))


def a_call(**overrides: Any) -> CallIn:
    body: dict[str, Any] = {
        "title": "Nabór do Rady 2027-2029",
        "description": "Szukamy osób i organizacji do Rady ds. Równego Traktowania.",
        "term_start": date.today() - timedelta(days=30),
        "term_end": date.today() + timedelta(days=700),
        "opens_at": now() - timedelta(days=1),
        "closes_at": now() + timedelta(days=14),
        "seats": {"association": 1, "resident": 1},
        **overrides,
    }
    return CallIn(**body)


def an_application(**overrides: Any) -> ApplicationIn:
    body: dict[str, Any] = {
        "applicant_kind": "individual",
        "category": "resident",
        "name": "Iryna Shevchenko",
        "organisation": None,
        "email": f"iryna-{uuid.uuid4().hex[:8]}@example.org",
        "motivation": "Mieszkam w Krakowie od pięciu lat i chcę pomagać sąsiadom z Ukrainy.",
        "consent": True,
        "language": "uk",
        **overrides,
    }
    return ApplicationIn(**body)


async def open_call(platform: RunningPlatform, **overrides: Any) -> Call:
    call = await members.open_call(platform.runtime, a_call(**overrides))
    assert isinstance(call, Call)
    return call


async def direct_member(platform: RunningPlatform, name: str = "Anna Kowalska") -> Member:
    member = await members.appoint(
        platform.runtime,
        AppointmentIn(
            name=name,
            category="city",
            organisation="Urząd Miasta Krakowa",
            email=f"member-{uuid.uuid4().hex[:8]}@example.org",
            term_start=date.today() - timedelta(days=400),
            term_end=date.today() + timedelta(days=400),
            language="pl",
        ),
    )
    assert isinstance(member, Member)
    return member


async def meeting(platform: RunningPlatform, starts_at: datetime | None = None) -> uuid.UUID:
    created = await meetings.schedule_meeting(
        platform.runtime,
        MeetingIn(
            title="Posiedzenie Rady",
            starts_at=starts_at or now() - timedelta(hours=2),
            place="Sala Obrad, Plac Wszystkich Świętych 3-4",
        ),
    )
    assert isinstance(created, Created)
    return created.id


async def held_with_quorum(platform: RunningPlatform, meeting_id: uuid.UUID) -> None:
    detail = await queries.detail(platform.runtime, meeting_id)
    required = (await queries.settings(platform.runtime)).quorum_required
    present = (await queries.members_on_meeting_day(platform.runtime, detail.starts_at))[:required]
    attendees = [
        AttendeeIn(name=m["name"], organisation=m["organisation"], member_id=m["id"])
        for m in present
    ]
    held = await meetings.record_held(platform.runtime, meeting_id, HeldIn(attendees=attendees))
    assert held.quorum_reached


def refused(exc: pytest.ExceptionInfo[Refused], kind: Kind, code: str, field: str | None = None):
    assert (exc.value.kind, exc.value.code, exc.value.field) == (kind, code, field)


# --- members ----------------------------------------------------------------------------


async def test_the_coordinator_sets_the_quorum_rule(platform: RunningPlatform) -> None:
    before = await queries.settings(platform.runtime)
    try:
        view = await members.update_settings(
            platform.runtime, SettingsIn(quorum_percent=66, quorum_minimum=2)
        )
        assert (view.quorum_percent, view.quorum_minimum) == (66, 2)
        assert await scalar(platform, "select quorum_percent from council_settings") == 66
    finally:
        await members.update_settings(
            platform.runtime,
            SettingsIn(quorum_percent=before.quorum_percent, quorum_minimum=before.quorum_minimum),
        )


async def test_a_call_is_opened_once_per_key_and_a_bad_one_changes_nothing(
    platform: RunningPlatform,
) -> None:
    key = Claimed(scope=f"council.open_call@{uuid.uuid4().hex}", key="k1", fingerprint="same")
    call = await members.open_call(platform.runtime, a_call(), key)
    assert isinstance(call, Call) and call.accepting_applications
    assert await events(platform, "council.call_opened", call_id=call.id)
    again = await members.open_call(platform.runtime, a_call(), key)
    assert isinstance(again, Replay) and again.status == 201

    calls, outbox = (
        await scalar(platform, "select count(*) from council_calls"),
        await outbox_size(platform),
    )
    with pytest.raises(Refused) as exc:
        await members.open_call(
            platform.runtime, a_call(term_end=date.today() - timedelta(days=60))
        )
    refused(exc, Kind.INVALID, "council.term.order", "term_end")
    with pytest.raises(Refused) as exc:
        await members.open_call(platform.runtime, a_call(seats={}))
    refused(exc, Kind.INVALID, "council.call.no_seats", "seats")
    assert await scalar(platform, "select count(*) from council_calls") == calls
    assert await outbox_size(platform) == outbox


async def test_an_application_is_stored_acknowledged_and_announced(
    platform: RunningPlatform,
) -> None:
    call = await open_call(platform)
    data = an_application()
    created = await members.receive_application(platform.runtime, call.id, data)
    assert isinstance(created, ApplicationCreated) and created.reference.startswith("RRT-")
    assert (
        await scalar(platform, "select status from council_applications where id = $1", created.id)
        == "received"
    )
    [ack] = await queued(platform, data.email, "council.application_ack")
    assert created.reference in str(ack["Subject"])
    [received] = await events(platform, "council.application_received", call_id=call.id)
    assert received.application_id == created.id and received.category == "resident"


async def test_a_closed_call_or_a_seat_it_lacks_refuses_an_application_and_stores_nothing(
    platform: RunningPlatform,
) -> None:
    closed = await open_call(
        platform, opens_at=now() - timedelta(days=20), closes_at=now() - timedelta(days=1)
    )
    data = an_application()
    with pytest.raises(Refused) as exc:
        await members.receive_application(platform.runtime, closed.id, data)
    refused(exc, Kind.CONFLICT, "council.call.not_accepting")
    assert "the call closed at" in str(exc.value)
    call = await open_call(platform)
    with pytest.raises(Refused) as exc:
        await members.receive_application(
            platform.runtime, call.id, an_application(category="city", email=data.email)
        )
    refused(exc, Kind.INVALID, "council.application.no_seats", "category")
    with pytest.raises(Refused) as exc:
        await members.receive_application(platform.runtime, uuid.uuid4(), data)
    refused(exc, Kind.NOT_FOUND, "council.call.not_found")
    assert (
        await scalar(
            platform, "select count(*) from council_applications where email = $1", data.email
        )
        == 0
    )
    assert await queued(platform, data.email, "council.application_ack") == []
    assert await events(platform, "council.application_received", call_id=call.id) == []


async def test_an_applicant_is_appointed_once_and_told_by_mail(platform: RunningPlatform) -> None:
    call = await open_call(platform)
    data = an_application()
    created = await members.receive_application(platform.runtime, call.id, data)
    assert isinstance(created, ApplicationCreated)
    member = await members.appoint(platform.runtime, AppointmentIn(application_id=created.id))
    assert isinstance(member, Member)
    assert (member.category, member.term_start) == ("resident", call.term_start)
    assert (
        await scalar(platform, "select status from council_applications where id = $1", created.id)
        == "appointed"
    )
    assert len(await queued(platform, data.email, "council.appointment")) == 1
    [appointed] = await events(platform, "council.member_appointed", member_id=member.id)
    assert appointed.call_id == call.id

    with pytest.raises(Refused) as exc:
        await members.appoint(platform.runtime, AppointmentIn(application_id=created.id))
    refused(exc, Kind.CONFLICT, "council.application.appointed")
    assert (
        await scalar(
            platform, "select count(*) from council_members where application_id = $1", created.id
        )
        == 1
    )


async def test_a_full_category_refuses_an_appointment_and_a_replacement_frees_the_seat(
    platform: RunningPlatform,
) -> None:
    call = await open_call(platform, seats={"association": 1})
    first = await members.appoint(
        platform.runtime, AppointmentIn(call_id=call.id, name="Fundacja A", category="association")
    )
    assert isinstance(first, Member)
    with pytest.raises(Refused) as exc:
        await members.appoint(
            platform.runtime,
            AppointmentIn(call_id=call.id, name="Fundacja B", category="association"),
        )
    refused(exc, Kind.CONFLICT, "council.seat.full")
    assert (
        await scalar(platform, "select count(*) from council_members where call_id = $1", call.id)
        == 1
    )

    second = await members.appoint(
        platform.runtime,
        AppointmentIn(
            call_id=call.id, name="Fundacja B", category="association", replaces=first.id
        ),
    )
    assert isinstance(second, Member)
    [left] = await events(platform, "council.member_left", member_id=first.id)
    assert left.reason == "replaced"
    [appointed] = await events(platform, "council.member_appointed", member_id=second.id)
    assert appointed.replaces == first.id


async def test_a_member_leaves_once(platform: RunningPlatform) -> None:
    member = await direct_member(platform)
    left = await members.leave(
        platform.runtime, member.id, LeaveIn(reason="resigned", left_on=date.today())
    )
    assert left.left_on == date.today()
    assert len(await events(platform, "council.member_left", member_id=member.id)) == 1
    with pytest.raises(Refused) as exc:
        await members.leave(platform.runtime, member.id, LeaveIn(reason="resigned"))
    refused(exc, Kind.CONFLICT, "council.member.left")
    assert len(await events(platform, "council.member_left", member_id=member.id)) == 1
    with pytest.raises(Refused) as exc:
        await members.leave(platform.runtime, uuid.uuid4(), LeaveIn(reason="resigned"))
    refused(exc, Kind.NOT_FOUND, "council.member.not_found")


# --- meetings ---------------------------------------------------------------------------


async def test_a_meeting_invites_every_member_in_office_by_mail(platform: RunningPlatform) -> None:
    member = await direct_member(platform, "Maria Wiśniewska")
    meeting_id = await meeting(platform, now() + timedelta(days=3))
    in_office = await queries.members_on_meeting_day(platform.runtime, now() + timedelta(days=3))
    assert await scalar(
        platform, "select count(*) from council_invitations where meeting_id = $1", meeting_id
    ) == len(in_office)
    [invitation] = await queued(platform, member.email or "", "council.invitation")
    assert rsvp_token(invitation)
    assert await events(platform, "council.meeting_scheduled", meeting_id=meeting_id)


async def test_a_monthly_series_schedules_each_meeting_with_its_event(
    platform: RunningPlatform,
) -> None:
    page = await meetings.schedule_monthly(
        platform.runtime,
        MonthlyIn(
            title="Posiedzenie miesięczne",
            first_starts_at=now() + timedelta(days=40),
            place="Sala Obrad",
            count=3,
        ),
    )
    assert not isinstance(page, Replay) and page.total == 3
    for created in page.items:
        assert await events(platform, "council.meeting_scheduled", meeting_id=created.id)


async def test_a_meeting_is_recorded_held_once_and_not_before_it_starts(
    platform: RunningPlatform,
) -> None:
    member = await direct_member(platform)
    later = await meeting(platform, now() + timedelta(days=1))
    with pytest.raises(Refused) as exc:
        await meetings.record_held(platform.runtime, later, HeldIn(attendees=[]))
    refused(exc, Kind.CONFLICT, "council.meeting.not_started")

    meeting_id = await meeting(platform)
    attendee = AttendeeIn(name=member.name, organisation=member.organisation, member_id=member.id)
    with pytest.raises(Refused) as exc:
        await meetings.record_held(
            platform.runtime, meeting_id, HeldIn(attendees=[attendee, attendee])
        )
    refused(exc, Kind.INVALID, "council.attendee.repeated", "attendees[1].member_id")

    guest = AttendeeIn(name="Gość", organisation="Stowarzyszenie")
    held = await meetings.record_held(
        platform.runtime, meeting_id, HeldIn(attendees=[attendee, guest])
    )
    assert (held.members_present, held.guests, held.participants) == (1, 1, 2)
    assert (
        await scalar(platform, "select status from council_meetings where id = $1", meeting_id)
        == "held"
    )
    with pytest.raises(Refused) as exc:
        await meetings.record_held(platform.runtime, meeting_id, HeldIn(attendees=[guest]))
    refused(exc, Kind.CONFLICT, "council.meeting.already_held")
    assert (
        await scalar(
            platform, "select count(*) from council_attendance where meeting_id = $1", meeting_id
        )
        == 2
    )
    assert len(await events(platform, "council.meeting_held", meeting_id=meeting_id)) == 1


async def test_a_scheduled_meeting_is_cancelled_once_and_then_takes_no_replies(
    platform: RunningPlatform,
) -> None:
    member = await direct_member(platform)
    meeting_id = await meeting(platform, now() + timedelta(days=5))
    [invitation] = [
        m
        for m in await queued(platform, member.email or "", "council.invitation")
        if "Posiedzenie Rady" in str(m["Subject"])
    ]
    token = rsvp_token(invitation)
    rsvp = await meetings.answer(platform.runtime, token, "yes")
    assert (rsvp.member_id, rsvp.response) == (member.id, "yes")

    cancelled = await meetings.cancel(platform.runtime, meeting_id)
    assert cancelled.status == "cancelled"
    assert len(await events(platform, "council.meeting_cancelled", meeting_id=meeting_id)) == 1
    with pytest.raises(Refused) as exc:
        await meetings.cancel(platform.runtime, meeting_id)
    refused(exc, Kind.CONFLICT, "council.meeting.not_cancellable")
    with pytest.raises(Refused) as exc:
        await meetings.answer(platform.runtime, token, "no")
    refused(exc, Kind.CONFLICT, "council.rsvp.closed")
    assert (
        await scalar(
            platform,
            "select response from council_invitations where meeting_id = $1 and member_id = $2",
            meeting_id,
            member.id,
        )
        == "yes"
    )


async def test_members_propose_agenda_items_the_secretariat_decides(
    platform: RunningPlatform,
) -> None:
    member = await direct_member(platform)
    meeting_id = await meeting(platform, now() + timedelta(days=6))
    item = await meetings.add_agenda_item(
        platform.runtime, meeting_id, AgendaItemIn(title="Sprawy bieżące")
    )
    assert item.status == "accepted" and not item.proposed_by_member
    [invitation] = await queued(platform, member.email or "", "council.invitation")
    proposed = await meetings.propose(
        platform.runtime, rsvp_token(invitation), "Dostępność urzędów", "Tłumacze w urzędach"
    )
    assert proposed.status == "proposed" and proposed.proposed_by_member
    decided = await meetings.decide_item(
        platform.runtime, proposed.id, AgendaDecisionIn(status="accepted")
    )
    assert decided.status == "accepted"
    assert (
        await scalar(platform, "select status from council_agenda_items where id = $1", proposed.id)
        == "accepted"
    )
    with pytest.raises(Refused) as exc:
        await meetings.propose(platform.runtime, "not-a-token-at-all", "Cokolwiek", None)
    refused(exc, Kind.FORBIDDEN, "council.invitation.invalid")
    assert (
        await scalar(
            platform, "select count(*) from council_agenda_items where meeting_id = $1", meeting_id
        )
        == 2
    )


# --- minutes and votes ------------------------------------------------------------------


async def test_minutes_are_drafted_after_the_meeting_and_approved_at_a_later_one(
    platform: RunningPlatform,
) -> None:
    await direct_member(platform)
    first = await meeting(platform, now() - timedelta(days=2))
    with pytest.raises(Refused) as exc:
        await minutes.draft_minutes(platform.runtime, first, MinutesIn(text="Protokół"))
    refused(exc, Kind.CONFLICT, "council.minutes.not_held")
    await held_with_quorum(platform, first)
    drafted = await minutes.draft_minutes(
        platform.runtime, first, MinutesIn(text="Protokół posiedzenia")
    )
    assert drafted.minutes_status == "draft"

    with pytest.raises(Refused) as exc:
        await minutes.approve_minutes(platform.runtime, first, ApproveIn(at_meeting_id=first))
    refused(exc, Kind.CONFLICT, "council.minutes.approving_not_later")
    second = await meeting(platform, now() - timedelta(hours=1))
    await held_with_quorum(platform, second)
    approved = await minutes.approve_minutes(
        platform.runtime, first, ApproveIn(at_meeting_id=second)
    )
    assert approved.minutes_status == "approved"
    [event] = await events(platform, "council.minutes_approved", meeting_id=first)
    assert event.approved_at_meeting_id == second
    with pytest.raises(Refused) as exc:
        await minutes.draft_minutes(platform.runtime, first, MinutesIn(text="Inny tekst"))
    refused(exc, Kind.CONFLICT, "council.minutes.final")
    assert (
        await scalar(platform, "select minutes_text from council_meetings where id = $1", first)
        == "Protokół posiedzenia"
    )


async def test_a_vote_needs_a_quorate_meeting_and_no_more_votes_than_members_present(
    platform: RunningPlatform,
) -> None:
    await direct_member(platform)
    scheduled = await meeting(platform, now() + timedelta(days=2))
    votes = ResolutionIn(
        kind="resolution",
        title="Uchwała w sprawie tłumaczy",
        text="Rada rekomenduje zatrudnienie tłumaczy.",
        votes_for=1,
        votes_against=0,
        votes_abstaining=0,
    )
    with pytest.raises(Refused) as exc:
        await minutes.vote(platform.runtime, scheduled, votes)
    refused(exc, Kind.CONFLICT, "council.vote.not_held")

    meeting_id = await meeting(platform)
    await held_with_quorum(platform, meeting_id)
    present = await scalar(
        platform, "select members_present from council_meetings where id = $1", meeting_id
    )
    with pytest.raises(Refused) as exc:
        await minutes.vote(
            platform.runtime,
            meeting_id,
            ResolutionIn(**{**_fields(votes), "votes_for": present + 1}),
        )
    refused(exc, Kind.INVALID, "council.vote.too_many", "votes_for")
    resolution = await minutes.vote(platform.runtime, meeting_id, votes)
    assert resolution.adopted and resolution.number.endswith(f"/{now().year}")
    [voted] = await events(platform, "council.resolution_voted", meeting_id=meeting_id)
    assert voted.resolution_id == resolution.id
    assert (
        await scalar(
            platform, "select count(*) from council_resolutions where meeting_id = $1", meeting_id
        )
        == 1
    )


def _fields(struct: Any) -> dict[str, Any]:
    return {f: getattr(struct, f) for f in struct.__struct_fields__}
