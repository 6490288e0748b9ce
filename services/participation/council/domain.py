"""Rules of the Council on Equal Treatment: pure functions, no I/O (unit-tested without servers)."""

from __future__ import annotations

import calendar
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.refusals import N_, Refused, Wording, conflict, invalid, register

WARSAW = ZoneInfo("Europe/Warsaw")
CATEGORIES = ("association", "resident", "city")
REMINDER_BEFORE = timedelta(hours=48)

# Why the council refuses: each code's page text (translated in locale/) and the API's English.
REFUSALS = register(
    {
        # calls and applications
        "council.term.order": Wording(
            N_("The term must end after it starts."), "must be after term_start"
        ),
        "council.call.window_order": Wording(
            N_("Applications must close after they open."), "must be after opens_at"
        ),
        "council.call.no_seats": Wording(
            N_("Give at least one seat (association, resident or city)."),
            "give at least one seat (association, resident, city)",
        ),
        "council.call.not_found": Wording(N_("This call does not exist."), "no call %(call_id)s"),
        "council.call.not_open_yet": Wording(
            N_("The call opens at %(opens)s (Warsaw time)."),
            "the call opens at %(opens)s (Warsaw time)",
        ),
        "council.call.closed": Wording(
            N_("The call closed at %(closes)s (Warsaw time)."),
            "the call closed at %(closes)s (Warsaw time)",
        ),
        "council.call.not_accepting": Wording(
            N_("This call takes no applications: %(reasons)s"),
            "this call takes no applications: %(reasons)s",
        ),
        "council.application.no_seats": Wording(
            N_("This call has no seats of this kind: choose another seat."),
            "this call has no seats for %(category)s",
        ),
        "council.application.consent": Wording(
            N_("Agree to the processing of your data so that we can consider your application"),
            "must be true: we keep your name and e-mail to run the call",
        ),
        "council.application.organisation": Wording(
            N_("Enter the name of your organisation"), "name the organisation you apply for"
        ),
        "council.application.not_found": Wording(
            N_("This application does not exist."), "no such application"
        ),
        "council.application.appointed": Wording(
            N_("This applicant is already appointed."), "this applicant is already appointed"
        ),
        # members
        "council.appointment.required": Wording(
            N_("Fill this in when the appointment is not made from an application."),
            "required without an application_id",
        ),
        "council.appointment.call_not_found": Wording(
            N_("This call does not exist."), "no such call"
        ),
        "council.appointment.no_term": Wording(
            N_("Give the term (its start and end) or the call."),
            "give the term (term_start, term_end) or a call_id",
        ),
        "council.seat.full": Wording(
            N_("All %(available)s seats of this kind are taken: replace a member instead."),
            "all %(available)s seats for %(category)s are taken; replace a member instead",
        ),
        "council.replaced.not_found": Wording(
            N_("The member to replace does not exist."), "no such member"
        ),
        "council.replaced.left": Wording(
            N_("The member to replace has already left the council."),
            "the member to replace has already left the council",
        ),
        "council.member.not_found": Wording(
            N_("This member does not exist."), "no member %(member_id)s"
        ),
        "council.member.left": Wording(
            N_("The member already left on %(left_on)s."), "the member already left on %(left_on)s"
        ),
        # the secretariat's people
        "council.secretary.exists": Wording(
            N_("This address is already registered as a council secretary."),
            "this address is already registered as a council secretary",
        ),
        "council.secretary.not_found": Wording(
            N_("This secretary is not registered (any more)."), "no secretary %(secretary_id)s"
        ),
        # meetings
        "council.meeting.not_found": Wording(
            N_("This meeting does not exist."), "no meeting %(meeting_id)s"
        ),
        "council.meeting.not_cancellable": Wording(
            N_("Only a scheduled meeting can be cancelled."),
            "the meeting is %(status)s; only a scheduled meeting can be cancelled",
        ),
        "council.meeting.already_held": Wording(
            N_("This meeting is already recorded as held: it counts once."),
            "the meeting is already recorded as held; it counts once",
        ),
        "council.meeting.cancelled": Wording(
            N_("This meeting was cancelled. Nothing was changed."), "the meeting was cancelled"
        ),
        "council.meeting.not_started": Wording(
            N_(
                "The meeting starts at %(time)s on %(day)s (Kraków time): record who came once "
                "it has started."
            ),
            "the meeting starts at %(time)s on %(day)s (Kraków time); "
            "it cannot be recorded as held before it has started",
        ),
        "council.attendee.repeated": Wording(
            N_("Each member can be ticked once."), "this member is already listed"
        ),
        "council.agenda.closed": Wording(
            N_("The agenda of this meeting is closed."),
            "the meeting is %(status)s; its agenda is closed",
        ),
        "council.agenda.not_found": Wording(
            N_("This agenda item does not exist."), "no agenda item %(item_id)s"
        ),
        "council.invitation.invalid": Wording(
            N_("This invitation link is not valid."), "this invitation link is not valid"
        ),
        "council.rsvp.closed": Wording(
            N_("Replies to this meeting are closed."),
            "the meeting is %(status)s; replies are closed",
        ),
        # minutes and votes
        "council.minutes.empty": Wording(N_("Write the minutes."), "write the minutes"),
        "council.minutes.final": Wording(
            N_(
                "The minutes of this meeting were approved in the meantime and cannot "
                "change: your text was not saved. It is kept below."
            ),
            "the minutes were approved and cannot change",
        ),
        "council.minutes.not_held": Wording(
            N_("Minutes are written for a meeting recorded as held."),
            "minutes are written for a meeting recorded as held",
        ),
        "council.minutes.approving_not_found": Wording(
            N_("Choose the later meeting, held with a quorum, that approved these minutes."),
            "no such meeting",
        ),
        "council.minutes.already_approved": Wording(
            N_("These minutes were approved in the meantime. Nothing was changed."),
            "the minutes are already approved and cannot change",
        ),
        "council.minutes.meeting_not_held": Wording(
            N_("Only a held meeting has minutes to approve."),
            "only a held meeting has minutes to approve",
        ),
        "council.minutes.no_draft": Wording(
            N_("No minutes drafted yet."), "no minutes drafted yet"
        ),
        "council.minutes.approving_not_held": Wording(
            N_("The approving meeting is not recorded as held."),
            "the approving meeting is not recorded as held",
        ),
        "council.minutes.approving_not_later": Wording(
            N_("Minutes are approved at a later meeting."),
            "minutes are approved at a later meeting",
        ),
        "council.minutes.approving_no_quorum": Wording(
            N_("The approving meeting had no quorum."), "the approving meeting had no quorum"
        ),
        "council.minutes.not_public": Wording(
            N_("These minutes are not approved yet."), "no approved minutes for this meeting"
        ),
        "council.vote.not_held": Wording(
            N_("Votes are recorded at a meeting recorded as held."),
            "votes are recorded at a meeting recorded as held (record attendance first)",
        ),
        "council.vote.no_quorum": Wording(
            N_("No quorum: %(present)s of %(in_office)s members present; the council cannot vote."),
            "no quorum: %(present)s of %(in_office)s members present; the council cannot vote",
        ),
        "council.vote.none": Wording(N_("No votes recorded."), "no votes recorded"),
        "council.vote.too_many": Wording(
            N_("%(cast)s votes cast but only %(present)s members present."),
            "%(cast)s votes cast but only %(present)s members present",
        ),
    }
)


@dataclass(frozen=True)
class QuorumRule:
    """Strictly more than `percent` % of the members in office, and at least `minimum` present."""

    percent: int = 50
    minimum: int = 1

    def required(self, members_in_office: int) -> int:
        """The smallest number of members present that makes a quorum."""
        more_than = members_in_office * self.percent // 100
        return max(more_than + 1 if self.percent > 0 else 0, self.minimum)

    def reached(self, members_present: int, members_in_office: int) -> bool:
        """Whether `members_present` of `members_in_office` make a quorum."""
        return members_in_office > 0 and members_present >= self.required(members_in_office)


def _wall(moment: datetime) -> str:
    """A moment as the council's texts write it: Warsaw wall time, e.g. '2026-01-01 13:00'."""
    return f"{moment.astimezone(WARSAW):%Y-%m-%d %H:%M}"


def call_accepts_applications(
    opens_at: datetime, closes_at: datetime, now: datetime
) -> Refused | None:
    """None when the call takes applications now, otherwise the refusal saying why not."""
    if now < opens_at:
        return conflict("council.call.not_open_yet", opens=_wall(opens_at))
    if now >= closes_at:
        return conflict("council.call.closed", closes=_wall(closes_at))
    return None


def seat_free(seats: dict[str, int], category: str, taken: int) -> Refused | None:
    """None when the call has a free seat in `category`, otherwise the refusal."""
    available = seats.get(category, 0)
    if taken >= available:
        return conflict("council.seat.full", available=available, category=category)
    return None


@dataclass(frozen=True)
class Attendee:
    name: str
    organisation: str | None
    member_id: uuid.UUID | None


@dataclass(frozen=True)
class Attendance:
    """Attendees split into members present and guests (anyone not a member in office)."""

    members: tuple[Attendee, ...]
    guests: tuple[Attendee, ...]

    @property
    def participants(self) -> int:
        return len(self.members) + len(self.guests)


def classify_attendance(attendees: list[Attendee], members_in_office: set[uuid.UUID]) -> Attendance:
    """A member_id that is not a member in office (unknown, resigned) is recorded as a guest."""
    members: list[Attendee] = []
    guests: list[Attendee] = []
    for person in attendees:
        if person.member_id is not None and person.member_id in members_in_office:
            members.append(person)
        else:
            guests.append(Attendee(person.name, person.organisation, None))
    return Attendance(tuple(members), tuple(guests))


def duplicate_members(attendees: list[Attendee]) -> list[int]:
    """Positions of attendees whose member_id was already listed before them."""
    seen: set[uuid.UUID] = set()
    repeated: list[int] = []
    for index, person in enumerate(attendees):
        if person.member_id is None:
            continue
        if person.member_id in seen:
            repeated.append(index)
        seen.add(person.member_id)
    return repeated


def vote_problem(
    votes_for: int, against: int, abstaining: int, members_present: int
) -> Refused | None:
    """None when the votes can have been cast by the members present, otherwise the refusal."""
    cast = votes_for + against + abstaining
    if cast == 0:
        return invalid("votes_for", "council.vote.none")
    if cast > members_present:
        return invalid("votes_for", "council.vote.too_many", cast=cast, present=members_present)
    return None


def adopted(votes_for: int, against: int) -> bool:
    """Simple majority: more votes for than against (abstentions do not count either way)."""
    return votes_for > against


def monthly_starts(first: datetime, count: int) -> list[datetime]:
    """`count` meeting times a month apart at the same Warsaw wall-clock time as `first`.

    The day of month is kept where it exists and clamped to the month's last day where it does
    not (31 January, then 28/29 February, then 31 March); DST changes keep the local hour.
    """
    local = first.astimezone(WARSAW)
    starts: list[datetime] = []
    for i in range(count):
        month_index = local.month - 1 + i
        year, month = local.year + month_index // 12, month_index % 12 + 1
        day = min(local.day, calendar.monthrange(year, month)[1])
        starts.append(local.replace(year=year, month=month, day=day).astimezone(first.tzinfo))
    return starts


def meeting_can_be_recorded_held(status: str, starts_at: datetime, now: datetime) -> Refused | None:
    """None when the meeting can be recorded as held now, otherwise the refusal.

    Not before its scheduled start: a meeting at 18:00 cannot be recorded held at 04:30."""
    if status == "held":
        return conflict("council.meeting.already_held")
    if status == "cancelled":
        return conflict("council.meeting.cancelled")
    if starts_at > now:
        local = starts_at.astimezone(WARSAW)
        return conflict(
            "council.meeting.not_started", time=f"{local:%H:%M}", day=f"{local:%Y-%m-%d}"
        )
    return None


def meeting_is_past(status: str, starts_at: datetime, now: datetime) -> bool:
    """Whether a meeting belongs under "past": held (whatever its time says), or its start gone.

    A meeting recorded as held is never "upcoming", even if it was recorded before its start
    under an older rule; a scheduled or cancelled one is past once its start has passed.
    """
    return status == "held" or starts_at < now


def minutes_approval_problem(
    meeting_status: str,
    meeting_starts_at: datetime,
    has_minutes: bool,
    approved: bool,
    approving_status: str,
    approving_starts_at: datetime,
    approving_quorum: bool | None,
) -> Refused | None:
    """Minutes are approved at a later meeting that was held with a quorum."""
    if approved:
        return conflict("council.minutes.already_approved")
    if meeting_status != "held":
        return conflict("council.minutes.meeting_not_held")
    if not has_minutes:
        return conflict("council.minutes.no_draft")
    if approving_status != "held":
        return conflict("council.minutes.approving_not_held")
    if approving_starts_at <= meeting_starts_at:
        return conflict("council.minutes.approving_not_later")
    if not approving_quorum:
        return conflict("council.minutes.approving_no_quorum")
    return None


def term_covers(term_start: date, term_end: date, day: date) -> bool:
    return term_start <= day <= term_end


def new_token() -> str:
    """A random RSVP token for one member's invitation to one meeting."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def format_application_reference(year: int, seq: int) -> str:
    return f"RRT-{year}-{seq:04d}"


def format_resolution_number(year: int, seq: int) -> str:
    return f"{seq}/{year}"
