"""The catalogue of every event type: the only contract shared between services.

Rules: names are past tense; payloads carry ids, categories, counts, languages, channels and
timestamps, never names, e-mail addresses or free text written by residents. A change that is
not backwards compatible gets a new VERSION and a new class; old versions stay decodable so the
stream can always be replayed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

import msgspec

from shared.events.envelope import Payload
from shared.krakow import KrakowNamedDistrict

Topic = Literal[
    "education",
    "urban_infrastructure",
    "health_care",
    "housing",
    "legal_stay",
    "work",
    "safety",
    "culture",
    "other",
]
Language = Literal["pl", "en", "uk", "ru", "be"]
Group = Literal[
    "national_minority",
    "ethnic_minority",
    "economic_migrant",
    "forced_migrant",
    "none",
    "undisclosed",
]
Channel = Literal["web", "email", "live", "paper"]
Currency = Literal["PLN", "EUR"]

TOPICS: tuple[str, ...] = Topic.__args__  # type: ignore[attr-defined]
LANGUAGES: tuple[str, ...] = Language.__args__  # type: ignore[attr-defined]
GROUPS: tuple[str, ...] = Group.__args__  # type: ignore[attr-defined]
CHANNELS: tuple[str, ...] = Channel.__args__  # type: ignore[attr-defined]
# Self-declared groups that count as "minority or migration background" for the indicators.
BACKGROUND_GROUPS = frozenset(
    {"national_minority", "ethnic_minority", "economic_migrant", "forced_migrant"}
)


class Money(msgspec.Struct, frozen=True):
    """An amount in integer minor units (grosze, euro cents) and its ISO currency."""

    amount: int
    currency: Currency


# --- Intercultural Dialogue Bench (producer: participation) -------------------------------


class BenchEditionCreated(Payload, frozen=True):
    TYPE = "bench.edition_created"
    edition_id: uuid.UUID
    held_on: date
    submissions_close_at: datetime
    answer_due_days: int


class BenchEditionSubmissionsOpened(Payload, frozen=True):
    TYPE = "bench.edition_submissions_opened"
    edition_id: uuid.UUID
    opened_at: datetime


class BenchEditionSubmissionsClosed(Payload, frozen=True):
    TYPE = "bench.edition_submissions_closed"
    edition_id: uuid.UUID
    closed_at: datetime


class BenchEditionHeld(Payload, frozen=True):
    TYPE = "bench.edition_held"
    edition_id: uuid.UUID
    held_on: date
    recorded_at: datetime


class BenchQuestionReceived(Payload, frozen=True):
    TYPE = "bench.question_received"
    question_id: uuid.UUID
    edition_id: uuid.UUID
    channel: Channel
    topic: Topic
    language: Language
    group: Group
    received_at: datetime
    due_at: datetime
    has_email: bool


class BenchQuestionModerated(Payload, frozen=True):
    """decision: accepted, rejected (abuse, off-topic...), merged (into another question)."""

    TYPE = "bench.question_moderated"
    question_id: uuid.UUID
    decision: Literal["accepted", "rejected", "merged"]
    moderated_at: datetime
    reason_code: str | None = None
    merged_into: uuid.UUID | None = None


class BenchQuestionAssigned(Payload, frozen=True):
    """responder: the staff account's subject id (an id, not a name). department_id: the
    department of the registry (`BenchDepartmentSaved`) when the question went to one of it;
    `department` stays the free text typed for older entries."""

    TYPE = "bench.question_assigned"
    question_id: uuid.UUID
    responder: str
    department: str | None
    assigned_at: datetime
    department_id: uuid.UUID | None = None


class BenchQuestionAnsweredLive(Payload, frozen=True):
    TYPE = "bench.question_answered_live"
    question_id: uuid.UUID
    answered_at: datetime


class BenchQuestionAnswered(Payload, frozen=True):
    """The written answer was given; received_at repeated so projections need no join."""

    TYPE = "bench.question_answered"
    question_id: uuid.UUID
    edition_id: uuid.UUID
    language: Language
    received_at: datetime
    answered_at: datetime


class BenchQuestionOverdue(Payload, frozen=True):
    TYPE = "bench.question_overdue"
    question_id: uuid.UUID
    due_at: datetime
    flagged_at: datetime


class BenchAnswerDelivered(Payload, frozen=True):
    TYPE = "bench.answer_delivered"
    question_id: uuid.UUID
    delivered_at: datetime


class BenchAnswerVerdictGiven(Payload, frozen=True):
    """The asker said whether the answer answered their question (issue 16: two single-use
    links; counted once per question, the first verdict stands)."""

    TYPE = "bench.answer_verdict_given"
    question_id: uuid.UUID
    verdict: Literal["helpful", "not_helpful"]
    given_at: datetime


class BenchDepartmentSaved(Payload, frozen=True):
    """A department of the city's registry was created or changed. Its name is the office's
    public name (pl, and its pl/en/uk versions), so reports can name departments; contact
    addresses and people stay in the Bench."""

    TYPE = "bench.department_saved"
    department_id: uuid.UUID
    name: str
    name_i18n: dict[str, str]
    saved_at: datetime


# --- Council on Equal Treatment (producer: participation) ----------------------------------

SeatCategory = Literal["association", "resident", "city"]


class CouncilCallOpened(Payload, frozen=True):
    TYPE = "council.call_opened"
    call_id: uuid.UUID
    term_start: date
    term_end: date
    seats: dict[str, int]
    closes_at: datetime


class CouncilApplicationReceived(Payload, frozen=True):
    TYPE = "council.application_received"
    application_id: uuid.UUID
    call_id: uuid.UUID
    applicant_kind: Literal["organisation", "individual"]
    category: SeatCategory
    language: Language
    received_at: datetime


class CouncilMemberAppointed(Payload, frozen=True):
    TYPE = "council.member_appointed"
    member_id: uuid.UUID
    category: SeatCategory
    term_start: date
    term_end: date
    call_id: uuid.UUID | None = None
    replaces: uuid.UUID | None = None


class CouncilMemberLeft(Payload, frozen=True):
    TYPE = "council.member_left"
    member_id: uuid.UUID
    reason: Literal["resigned", "replaced", "term_ended", "dismissed"]
    left_on: date


class CouncilMeetingScheduled(Payload, frozen=True):
    TYPE = "council.meeting_scheduled"
    meeting_id: uuid.UUID
    starts_at: datetime


class CouncilMeetingCancelled(Payload, frozen=True):
    TYPE = "council.meeting_cancelled"
    meeting_id: uuid.UUID
    cancelled_at: datetime


class CouncilMeetingHeld(Payload, frozen=True):
    """Emitted once per meeting; participants = members present + guests."""

    TYPE = "council.meeting_held"
    meeting_id: uuid.UUID
    starts_at: datetime
    participants: int
    members_present: int
    guests: int
    quorum_reached: bool


class CouncilMinutesApproved(Payload, frozen=True):
    TYPE = "council.minutes_approved"
    meeting_id: uuid.UUID
    approved_at: datetime
    approved_at_meeting_id: uuid.UUID | None = None


class CouncilResolutionAdopted(Payload, frozen=True):
    TYPE = "council.resolution_voted"
    resolution_id: uuid.UUID
    meeting_id: uuid.UUID
    kind: Literal["resolution", "recommendation"]
    votes_for: int
    votes_against: int
    votes_abstaining: int
    adopted: bool
    voted_at: datetime


# --- Small grants (producer: grants) -------------------------------------------------------


class GrantsOrganisationRegistered(Payload, frozen=True):
    TYPE = "grants.organisation_registered"
    organisation_id: uuid.UUID
    kind: Literal["ngo", "minority_organisation"]
    registered_at: datetime


class GrantsRepresentativeJoinRequested(Payload, frozen=True):
    """Someone confirmed from their mail a request to act for a registered organisation."""

    TYPE = "grants.representative_join_requested"
    request_id: uuid.UUID
    organisation_id: uuid.UUID
    requested_at: datetime


class GrantsRepresentativeJoinDecided(Payload, frozen=True):
    """A representative approved (the person now acts for the organisation) or declined it."""

    TYPE = "grants.representative_join_decided"
    request_id: uuid.UUID
    organisation_id: uuid.UUID
    approved: bool
    decided_at: datetime


class GrantsCallPublished(Payload, frozen=True):
    TYPE = "grants.call_published"
    call_id: uuid.UUID
    budget_total: Money
    max_per_grant: Money
    opens_at: datetime
    closes_at: datetime
    objectives: list[int]


class GrantsApplicationSubmitted(Payload, frozen=True):
    TYPE = "grants.application_submitted"
    application_id: uuid.UUID
    call_id: uuid.UUID
    organisation_kind: Literal["ngo", "minority_organisation"]
    requested: Money
    submitted_at: datetime


class GrantsApplicationWithdrawn(Payload, frozen=True):
    TYPE = "grants.application_withdrawn"
    application_id: uuid.UUID
    call_id: uuid.UUID
    withdrawn_at: datetime


class GrantsFormalCheckCompleted(Payload, frozen=True):
    TYPE = "grants.formal_check_completed"
    application_id: uuid.UUID
    eligible: bool
    checked_at: datetime


class GrantsEvaluatorAssigned(Payload, frozen=True):
    TYPE = "grants.evaluator_assigned"
    application_id: uuid.UUID
    evaluator_id: uuid.UUID
    assigned_at: datetime


class GrantsEvaluationSubmitted(Payload, frozen=True):
    TYPE = "grants.evaluation_submitted"
    application_id: uuid.UUID
    evaluator_id: uuid.UUID
    conflict_of_interest: bool
    submitted_at: datetime


class GrantsGrantAwarded(Payload, frozen=True):
    """One per funded application when the decision is published."""

    TYPE = "grants.grant_awarded"
    application_id: uuid.UUID
    call_id: uuid.UUID
    amount: Money
    rank: int
    awarded_at: datetime


class GrantsDecisionPublished(Payload, frozen=True):
    TYPE = "grants.decision_published"
    call_id: uuid.UUID
    awarded_count: int
    awarded_total: Money
    published_at: datetime


class GrantsReportSubmitted(Payload, frozen=True):
    TYPE = "grants.report_submitted"
    application_id: uuid.UUID
    participants_reached: int
    spent: Money
    submitted_at: datetime


class GrantsReportOverdue(Payload, frozen=True):
    TYPE = "grants.report_overdue"
    application_id: uuid.UUID
    due_on: date
    flagged_at: datetime


# --- Ambassador of Multiculturalism (producer: ambassadors) --------------------------------


class AmbassadorsEditionCreated(Payload, frozen=True):
    TYPE = "ambassadors.edition_created"
    edition_id: uuid.UUID
    year: int
    nominations_close_at: datetime


class AmbassadorsNominationSubmitted(Payload, frozen=True):
    """nominator_group: the nominator's self-declared group (for the participation share)."""

    TYPE = "ambassadors.nomination_submitted"
    nomination_id: uuid.UUID
    edition_id: uuid.UUID
    language: Language
    nominator_group: Group
    submitted_at: datetime


class AmbassadorsNominationAccepted(Payload, frozen=True):
    TYPE = "ambassadors.nomination_accepted"
    nomination_id: uuid.UUID
    accepted_at: datetime


class AmbassadorsNominationMerged(Payload, frozen=True):
    TYPE = "ambassadors.nomination_merged"
    nomination_id: uuid.UUID
    merged_into: uuid.UUID
    merged_at: datetime


class AmbassadorsNominationWithdrawn(Payload, frozen=True):
    TYPE = "ambassadors.nomination_withdrawn"
    nomination_id: uuid.UUID
    withdrawn_at: datetime


class AmbassadorsJurorAppointed(Payload, frozen=True):
    TYPE = "ambassadors.juror_appointed"
    edition_id: uuid.UUID
    juror_id: uuid.UUID
    appointed_at: datetime


class AmbassadorsScoreSubmitted(Payload, frozen=True):
    TYPE = "ambassadors.score_submitted"
    nomination_id: uuid.UUID
    juror_id: uuid.UUID
    recused: bool
    submitted_at: datetime


class AmbassadorsResultsPublished(Payload, frozen=True):
    TYPE = "ambassadors.results_published"
    edition_id: uuid.UUID
    year: int
    laureates: list[uuid.UUID]
    published_at: datetime


class AmbassadorsMayorMeetingRecorded(Payload, frozen=True):
    TYPE = "ambassadors.mayor_meeting_recorded"
    edition_id: uuid.UUID
    held_on: date
    ambassadors_present: int


# --- Multiculturalism and Migration Observatory (producer: observatory) -------------------


class ObservatoryPublicationPublished(Payload, frozen=True):
    """A publication is public, or its kind, objective or day was corrected (`recorded_at`
    orders the versions: the latest wins). `kind`: report, study, seminar_notes,
    recommendation; `published_on`: the day it was published (Kraków)."""

    TYPE = "observatory.publication_published"
    publication_id: uuid.UUID
    kind: str
    objective: int
    published_on: date
    recorded_at: datetime


class ObservatoryPublicationWithdrawn(Payload, frozen=True):
    """A publication was withdrawn (final): it leaves the public pages and counts nowhere."""

    TYPE = "observatory.publication_withdrawn"
    publication_id: uuid.UUID
    withdrawn_at: datetime


# --- Incident reports (producer: incidents) ---------------------------------------------
# Counts only: a category, a district, a language, times. Never what happened or who told us.

IncidentCategory = Literal[
    "hate_speech", "graffiti", "violence", "office_discrimination", "other", "unspecified"
]
# Kraków's 18 districts (shared/krakow.py, the one list) or "unknown" when the reporter chose none.
KrakowDistrict = Literal[KrakowNamedDistrict, "unknown"]  # flattened: 18 names + unknown
IncidentReferral = Literal["police", "ngo", "department"]


class IncidentReported(Payload, frozen=True):
    """category: the reporter's choice ("unspecified" when none)."""

    TYPE = "incidents.incident_reported"
    report_id: uuid.UUID
    category: IncidentCategory
    district: KrakowDistrict
    language: Language
    channel: Channel
    reported_at: datetime


class IncidentTriaged(Payload, frozen=True):
    """category: the one the response team confirmed."""

    TYPE = "incidents.incident_triaged"
    report_id: uuid.UUID
    category: IncidentCategory
    severity: Literal["low", "medium", "high"]
    triaged_at: datetime


class IncidentReferred(Payload, frozen=True):
    """reported_at: when the report came in, so the share referred within 7 days needs no
    other event."""

    TYPE = "incidents.incident_referred"
    report_id: uuid.UUID
    to_kind: IncidentReferral
    reported_at: datetime
    referred_at: datetime


# --- Indicators (producer: indicators) -----------------------------------------------------


class IndicatorValueReported(Payload, frozen=True):
    """A yearly value recorded by hand; reported_by is the coordinator's subject id."""

    TYPE = "indicators.value_reported"
    indicator_id: str
    year: int
    value: float
    reported_by: str
    reported_at: datetime
    note: str = ""


# The programme's year (issue 17): tasks of programme Table 1, their progress, the annual report.
# Ids, objectives, statuses and dates only: titles and notes are free text and stay in the service.
TaskStatus = Literal["planned", "in_progress", "done", "at_risk", "dropped"]


class ProgrammeTaskAdded(Payload, frozen=True):
    TYPE = "indicators.task_added"
    task_id: int
    objective: int
    cycle: Literal["yearly", "once"]
    deadline: date | None
    status: TaskStatus
    added_at: datetime


class ProgrammeTaskEdited(Payload, frozen=True):
    """A task's title, units or deadline were changed (their text stays in the service)."""

    TYPE = "indicators.task_edited"
    task_id: int
    objective: int
    cycle: Literal["yearly", "once"]
    deadline: date | None
    edited_at: datetime


class ProgrammeTaskStatusChanged(Payload, frozen=True):
    TYPE = "indicators.task_status_changed"
    task_id: int
    objective: int
    previous: TaskStatus
    status: TaskStatus
    changed_at: datetime


class ProgrammeTaskNoteRecorded(Payload, frozen=True):
    """A dated progress note was written (its text stays in the service)."""

    TYPE = "indicators.task_note_recorded"
    task_id: int
    objective: int
    note_id: int
    written_on: date
    recorded_at: datetime


class ProgrammeReportApproved(Payload, frozen=True):
    """The annual report for `year` was approved and frozen."""

    TYPE = "indicators.report_approved"
    year: int
    approved_at: datetime


# --- Privacy (producer: privacy, the kit's request coordinator) ---------------------------


class PrivacyErasureCompleted(Payload, frozen=True):
    """A person's data was erased on request (GDPR art. 17). Nobody is named, not even by hash:
    `records` counts the records changed per service, so the log shows that erasures happen."""

    TYPE = "privacy.erasure_completed"
    request_id: uuid.UUID
    requested_at: datetime
    completed_at: datetime
    records: dict[str, int]


CATALOGUE: tuple[type[Payload], ...] = tuple(
    cls
    for cls in list(globals().values())
    if isinstance(cls, type) and issubclass(cls, Payload) and cls is not Payload
)

REGISTRY: dict[tuple[str, int], type[Payload]] = {(c.TYPE, c.VERSION): c for c in CATALOGUE}
