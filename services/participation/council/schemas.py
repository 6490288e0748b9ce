"""Request and response bodies of the Council API (validated at the edge by msgspec)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from shared import addresses, mail
from shared.events.catalogue import Language, SeatCategory

EMAIL_PATTERN = addresses.PATTERN
Email = addresses.Email  # checked and normalised by addresses.check_fields
AwareDatetime = Annotated[datetime, Meta(tz=True)]
Name = Annotated[str, Meta(min_length=2, max_length=200)]
Organisation = Annotated[str, Meta(max_length=300)]
Title = Annotated[str, Meta(min_length=3, max_length=300)]
LongText = Annotated[str, Meta(min_length=1, max_length=100_000)]
Count = Annotated[int, Meta(ge=0, le=1000)]


class Struct(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


# --- settings ---------------------------------------------------------------------------


class SettingsIn(Struct):
    quorum_percent: Annotated[int, Meta(ge=0, le=100)] = 50
    quorum_minimum: Annotated[int, Meta(ge=0, le=1000)] = 1


class SettingsView(msgspec.Struct, kw_only=True):
    quorum_percent: int
    quorum_minimum: int
    members_in_office: int
    quorum_required: int


# --- open call, applications, members --------------------------------------------------


class CallIn(Struct):
    title: Title
    description: Annotated[str, Meta(min_length=10, max_length=20_000)]
    term_start: date
    term_end: date
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    seats: dict[SeatCategory, Annotated[int, Meta(ge=0, le=100)]]


class Call(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    title: str
    description: str
    term_start: date
    term_end: date
    opens_at: datetime
    closes_at: datetime
    seats: dict[str, int]
    seats_taken: dict[str, int]
    accepting_applications: bool


class ApplicationIn(Struct):
    applicant_kind: Literal["organisation", "individual"]
    category: SeatCategory
    name: Name
    email: Email
    motivation: Annotated[str, Meta(min_length=20, max_length=5000)]
    consent: bool
    organisation: Organisation | None = None
    language: Language = "pl"

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class ApplicationCreated(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    status: str


class ApplicationView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    applicant_kind: str
    category: str
    name: str
    organisation: str | None
    email: str
    language: str
    motivation: str
    status: str
    received_at: datetime


class AppointmentIn(Struct):
    """Appoint an applicant (application_id) or, without one, a person named here (e.g. the city's)."""

    application_id: uuid.UUID | None = None
    call_id: uuid.UUID | None = None
    name: Name | None = None
    organisation: Organisation | None = None
    email: Email | None = None
    category: SeatCategory | None = None
    term_start: date | None = None
    term_end: date | None = None
    language: Language = "pl"
    replaces: uuid.UUID | None = None

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class LeaveIn(Struct):
    reason: Literal["resigned", "term_ended", "dismissed"]
    left_on: date | None = None


class MemberPublic(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    organisation: str | None
    category: str
    term_start: date
    term_end: date


class Member(MemberPublic, kw_only=True):
    email: str | None
    language: str
    call_id: uuid.UUID | None
    replaces: uuid.UUID | None
    left_on: date | None
    left_reason: str | None


# --- meetings ---------------------------------------------------------------------------


class MeetingIn(Struct):
    title: Title
    starts_at: AwareDatetime
    place: Annotated[str, Meta(min_length=2, max_length=300)]

    def __post_init__(self) -> None:
        mail.check_header_fields(self, "title")


class MonthlyIn(Struct):
    title: Title
    first_starts_at: AwareDatetime
    place: Annotated[str, Meta(min_length=2, max_length=300)]
    count: Annotated[int, Meta(ge=1, le=24)]

    def __post_init__(self) -> None:
        mail.check_header_fields(self, "title")


class Created(msgspec.Struct, kw_only=True):
    id: uuid.UUID


class AttendeeIn(Struct):
    name: Name
    organisation: Organisation | None = None
    member_id: uuid.UUID | None = None


class HeldIn(Struct):
    attendees: Annotated[list[AttendeeIn], Meta(max_length=500)]


class HeldView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    status: str
    participants: int
    members_present: int
    guests: int
    members_in_office: int
    quorum_reached: bool


class AgendaItemIn(Struct):
    title: Title
    description: Annotated[str, Meta(max_length=5000)] | None = None


class ProposalIn(Struct):
    token: Annotated[str, Meta(min_length=8, max_length=200)]
    title: Title
    description: Annotated[str, Meta(max_length=5000)] | None = None


class AgendaDecisionIn(Struct):
    status: Literal["accepted", "declined"]


class AgendaItem(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    title: str
    description: str | None
    status: str
    proposed_by_member: bool


class RsvpIn(Struct):
    token: Annotated[str, Meta(min_length=8, max_length=200)]
    response: Literal["yes", "no", "maybe"]


class Rsvp(msgspec.Struct, kw_only=True):
    member_id: uuid.UUID
    name: str
    response: str | None


class AttendeeView(msgspec.Struct, kw_only=True):
    name: str
    organisation: str | None
    member_id: uuid.UUID | None


class MinutesIn(Struct):
    text: LongText


class ApproveIn(Struct):
    at_meeting_id: uuid.UUID


class ResolutionIn(Struct):
    kind: Literal["resolution", "recommendation"]
    title: Title
    text: LongText
    votes_for: Count
    votes_against: Count
    votes_abstaining: Count


class Resolution(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    meeting_id: uuid.UUID
    number: str
    kind: str
    title: str
    text: str
    votes_for: int
    votes_against: int
    votes_abstaining: int
    adopted: bool
    voted_at: datetime


class Meeting(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    title: str
    starts_at: datetime
    place: str
    status: str
    members_present: int | None
    guests: int | None
    quorum_reached: bool | None
    minutes_status: Literal["none", "draft", "approved"]


class MeetingDetail(Meeting, kw_only=True):
    agenda: list[AgendaItem]
    rsvps: list[Rsvp]
    attendance: list[AttendeeView]
    minutes: str | None
    minutes_approved_at: datetime | None
    resolutions: list[Resolution]


# --- the secretariat's people -----------------------------------------------------------


class SecretaryIn(Struct):
    """A council secretary the coordinator registers: invited by e-mail with a sign-in link."""

    name: Name
    email: Email
    language: Literal["pl", "en", "uk"] = "pl"

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class Secretary(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    email: str
    language: str
    added_at: datetime


class MyRsvpIn(Struct):
    """A signed-in member's reply to their invitation to a meeting."""

    meeting_id: uuid.UUID
    response: Literal["yes", "no", "maybe"]


class MyProposalIn(Struct):
    """A signed-in member's agenda proposal for a meeting they are invited to."""

    meeting_id: uuid.UUID
    title: Title
    description: Annotated[str, Meta(max_length=5000)] | None = None
