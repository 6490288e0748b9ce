"""Rules of the Council on Equal Treatment: pure functions, no I/O (unit-tested without servers)."""

from __future__ import annotations

import calendar
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")
CATEGORIES = ("association", "resident", "city")
REMINDER_BEFORE = timedelta(hours=48)


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


def call_accepts_applications(opens_at: datetime, closes_at: datetime, now: datetime) -> str | None:
    """None when the call takes applications now, otherwise the reason it does not."""
    if now < opens_at:
        return f"the call opens at {opens_at.astimezone(WARSAW):%Y-%m-%d %H:%M} (Warsaw time)"
    if now >= closes_at:
        return f"the call closed at {closes_at.astimezone(WARSAW):%Y-%m-%d %H:%M} (Warsaw time)"
    return None


def seat_free(seats: dict[str, int], category: str, taken: int) -> str | None:
    """None when the call has a free seat in `category`, otherwise the reason."""
    available = seats.get(category, 0)
    if taken >= available:
        return f"all {available} seats for {category} are taken; replace a member instead"
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


def vote_problem(votes_for: int, against: int, abstaining: int, members_present: int) -> str | None:
    """None when the votes can have been cast by the members present, otherwise the reason."""
    cast = votes_for + against + abstaining
    if cast == 0:
        return "no votes recorded"
    if cast > members_present:
        return f"{cast} votes cast but only {members_present} members present"
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


def meeting_can_be_recorded_held(status: str, starts_at: datetime, now: datetime) -> str | None:
    """None when the meeting can be recorded as held now, otherwise the reason.

    Not before its scheduled start: a meeting at 18:00 cannot be recorded held at 04:30."""
    if status == "held":
        return "the meeting is already recorded as held; it counts once"
    if status == "cancelled":
        return "the meeting was cancelled"
    if starts_at > now:
        local = starts_at.astimezone(WARSAW)
        return (
            f"the meeting starts at {local:%H:%M} on {local:%Y-%m-%d} (Kraków time); "
            "it cannot be recorded as held before it has started"
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
) -> str | None:
    """Minutes are approved at a later meeting that was held with a quorum."""
    if approved:
        return "the minutes are already approved and cannot change"
    if meeting_status != "held":
        return "only a held meeting has minutes to approve"
    if not has_minutes:
        return "no minutes drafted yet"
    if approving_status != "held":
        return "the approving meeting is not recorded as held"
    if approving_starts_at <= meeting_starts_at:
        return "minutes are approved at a later meeting"
    if not approving_quorum:
        return "the approving meeting had no quorum"
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
