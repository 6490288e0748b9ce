"""Request and response bodies of the Dialogue Bench API (validated at the edge by msgspec)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from shared import addresses
from shared.events.catalogue import Group, Language, Topic

EMAIL_PATTERN = addresses.PATTERN
Email = addresses.Email  # checked and normalised by addresses.check_fields
AwareDatetime = Annotated[datetime, Meta(tz=True)]


# An edition's text in the content languages other than its Polish original (shared/content.py):
# {"en": "...", "uk": "..."}; an empty version is dropped.
TitleTranslations = dict[Literal["en", "uk"], Annotated[str, Meta(max_length=200)]]
PlaceTranslations = dict[Literal["en", "uk"], Annotated[str, Meta(max_length=300)]]


class EditionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Annotated[str, Meta(min_length=3, max_length=200)]
    held_on: date
    venue: Annotated[str, Meta(min_length=2, max_length=300)]
    audience: Annotated[str, Meta(min_length=2, max_length=300)]
    submissions_close_at: AwareDatetime
    answer_due_days: Annotated[int, Meta(ge=1, le=365)] = 30
    coordinator_email: Email | None = None
    title_i18n: TitleTranslations = {}
    venue_i18n: PlaceTranslations = {}
    audience_i18n: PlaceTranslations = {}

    def __post_init__(self) -> None:
        addresses.check_fields(self, "coordinator_email")


class EditionTextsIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A change of an edition's resident-facing texts: only the fields given change; a
    translations map given replaces the stored one (`{}` removes them)."""

    title: Annotated[str, Meta(min_length=3, max_length=200)] | None = None
    venue: Annotated[str, Meta(min_length=2, max_length=300)] | None = None
    audience: Annotated[str, Meta(min_length=2, max_length=300)] | None = None
    title_i18n: TitleTranslations | None = None
    venue_i18n: PlaceTranslations | None = None
    audience_i18n: PlaceTranslations | None = None


class Edition(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    title: str
    held_on: date
    venue: str
    audience: str
    submissions_close_at: datetime
    answer_due_days: int
    status: str
    number: int
    year: int
    title_i18n: dict[str, str] = {}
    venue_i18n: dict[str, str] = {}
    audience_i18n: dict[str, str] = {}


class QuestionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    text: Annotated[str, Meta(min_length=10, max_length=2000)]
    topic: Topic
    language: Language
    consent: bool = False
    email: Email | None = None
    name: Annotated[str, Meta(max_length=200)] | None = None
    group: Group | None = None
    # The asker's consent to publish the question and its answer in the public archive,
    # without their name or address (staff may still withhold it).
    publish: bool = False

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class QuestionCreated(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    status: str
    tracking_token: str
    due_at: datetime


class QuestionSummary(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    status: str
    channel: str
    topic: str
    language: str
    received_at: datetime
    due_at: datetime
    overdue: bool
    assigned_to: str | None = None
    department: str | None = None
    merged_into: uuid.UUID | None = None
    answered_live_at: datetime | None = None
    answered_at: datetime | None = None
    excerpt: str | None = None  # its first line (≤ 200 characters), '…' when more follows
    age_days: int = 0  # whole days since it was received
    department_id: uuid.UUID | None = None


class EnteredQuestionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A question asked in the room or on paper, typed in by staff."""

    channel: Literal["live", "paper"]
    text: Annotated[str, Meta(min_length=10, max_length=2000)]
    topic: Topic
    language: Language
    consent: bool = False
    email: Email | None = None
    name: Annotated[str, Meta(max_length=200)] | None = None
    group: Group | None = None
    answered_live_at: AwareDatetime | None = None

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class ModerationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    decision: Literal["accepted", "rejected", "merged"]
    reason: Annotated[str, Meta(min_length=3, max_length=500)] | None = None
    reason_code: (
        Literal["abuse", "spam", "off_topic", "not_a_question", "personal_data", "other"] | None
    ) = None
    merged_into: uuid.UUID | None = None
    topic: Topic | None = None
    language: Language | None = None


class AssignmentIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """To a responder of the registry (`responder_id`: their subject, department and address
    are taken from it), or to an account subject typed by hand with its department."""

    responder: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    department: Annotated[str, Meta(min_length=2, max_length=200)] | None = None
    responder_email: Email | None = None
    responder_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        addresses.check_fields(self, "responder_email")


class AnsweredLiveIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    answered_at: AwareDatetime | None = None


class AnswerIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    text: Annotated[str, Meta(min_length=10, max_length=10000)]
    language: Language


class Answered(msgspec.Struct, kw_only=True):
    status: str
    questions: list[uuid.UUID]


class StateView(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: uuid.UUID
    status: str
    merged_into: uuid.UUID | None = None
    assigned_to: str | None = None
    department: str | None = None
    answered_live_at: datetime | None = None


class DuplicateView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    status: str
    score: float


class FollowupView(msgspec.Struct, kw_only=True):
    text: str
    received_at: datetime
    sender: str | None = None  # the reply's address (always the asker's); None if not recorded


class StaffAnswerView(msgspec.Struct, kw_only=True):
    text: str
    language: str
    answered_by: str
    answered_at: datetime
    delivered_at: datetime | None
    delivered_via: str | None


class HistoryEntry(msgspec.Struct, kw_only=True):
    """One step of a question's way: `event` is received, moderated_accepted,
    moderated_rejected, moderated_merged, assigned, answered_live, followup, overdue, answered
    or delivered; `by` the staff subject, `detail` the channel, reason, department, language
    or delivery route."""

    at: datetime
    event: str
    by: str | None = None
    detail: str | None = None


class DepartmentRef(msgspec.Struct, kw_only=True):
    """A department of the registry as a question names it (proposed by its topic)."""

    id: uuid.UUID
    name: str


class ReviewView(msgspec.Struct, kw_only=True):
    """An answer submitted for review and the reviewer's decision (pending, approved, returned)."""

    id: uuid.UUID
    text: str
    language: str
    written_by: str
    written_at: datetime
    status: str
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    comment: str | None = None


class ReturnIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The reviewer's comment to the responder on an answer returned."""

    comment: Annotated[str, Meta(min_length=3, max_length=2000)]


class QuestionDetail(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    edition_id: uuid.UUID
    reference: str
    status: str
    channel: str
    topic: str
    language: str
    group: str
    text: str
    asker_name: str | None
    has_email: bool
    received_at: datetime
    due_at: datetime
    overdue: bool
    assigned_to: str | None
    department: str | None
    merged_into: uuid.UUID | None
    reject_reason: str | None
    answered_live_at: datetime | None
    likely_duplicates: list[DuplicateView]
    followups: list[FollowupView]
    answers: list[StaffAnswerView]
    history: list[HistoryEntry] = []
    department_id: uuid.UUID | None = None
    proposed_department: DepartmentRef | None = None
    reviews: list[ReviewView] = []


StaffLanguage = Literal["pl", "en", "uk"]
StaffLanguageKey = Literal["pl", "en", "uk"]


class ResponderIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A responder the coordinator adds to the registry."""

    name: Annotated[str, Meta(min_length=2, max_length=200)]
    email: Email
    department: Annotated[str, Meta(min_length=2, max_length=200)]
    language: StaffLanguage = "pl"

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class Responder(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    subject: str
    name: str
    email: str
    department: str
    language: str
    active: bool
    created_at: datetime
    deactivated_at: datetime | None = None


class TemplateIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Annotated[str, Meta(min_length=3, max_length=200)]
    language: Language
    text: Annotated[str, Meta(min_length=10, max_length=10000)]
    topic: Topic | None = None
    # The text in the other content languages: {"pl": ..., "en": ..., "uk": ...} (a version in
    # the template's own language is ignored; empty ones are dropped).
    text_i18n: dict[Literal["pl", "en", "uk"], Annotated[str, Meta(max_length=10000)]] = {}


class Template(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    title: str
    topic: str | None
    language: str
    text: str
    retired_at: datetime | None = None
    text_i18n: dict[str, str] = {}


class InboundView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    received_at: datetime
    mail_from: str | None
    rcpt_to: str
    size_bytes: int
    status: str
    reason: str | None
    detail: str | None
    question_id: uuid.UUID | None


class InboundResolutionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Turn a message held for moderation into a question, or discard it with a reason."""

    action: Literal["question", "discard"]
    reason: Annotated[str, Meta(min_length=3, max_length=500)] | None = None
    edition_id: uuid.UUID | None = None
    text: Annotated[str, Meta(min_length=10, max_length=2000)] | None = None
    topic: Topic | None = None
    language: Language | None = None


class AnswerView(msgspec.Struct, kw_only=True):
    text: str
    language: str
    answered_at: datetime


class QuestionStatus(msgspec.Struct, kw_only=True, omit_defaults=True):
    reference: str
    status: str
    answer: AnswerView | None = None
    publish: bool = False  # the asker agreed to publication in the archive
    published: bool = False  # and it is in the archive now
    # Rejected: the rule the question broke (ModerationIn.reason_code), never staff's free text.
    rejection_reason: str | None = None


class WithholdingIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Staff keep a question out of the public archive (`withheld: true`, with a reason), or put
    it back (`withheld: false`)."""

    withheld: bool
    reason: Annotated[str, Meta(min_length=3, max_length=500)] | None = None


class Publication(msgspec.Struct, kw_only=True):
    """A question's place in the archive, as staff see it."""

    id: uuid.UUID
    publish: bool
    withheld: bool
    withheld_reason: str | None
    withheld_at: datetime | None
    published: bool


TranslationText = Annotated[str, Meta(max_length=10000)]


class TranslationsIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Staff translations of a question and of its answers (by answer id): language → text,
    among pl/en/uk and never the original's language; an empty text removes one."""

    question: dict[StaffLanguageKey, TranslationText] = {}
    answers: dict[uuid.UUID, dict[StaffLanguageKey, TranslationText]] = {}


class ArchiveText(msgspec.Struct, kw_only=True):
    """A published text in the reader's language when translated, else its original:
    `lang` is the language of `text`, `translated` whether it is a translation."""

    text: str
    lang: str
    translated: bool
    original_lang: str


class ArchiveItem(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    url: str
    edition_id: uuid.UUID
    edition: str  # its title in the reader's language where staff translated it
    edition_lang: str  # the language of `edition`
    held_on: date
    topic: str
    language: str  # the question's own language
    received_on: date
    answered_at: datetime
    question: ArchiveText
    answer: ArchiveText


class ArchivePage(msgspec.Struct, kw_only=True, omit_defaults=True):
    items: list[ArchiveItem]
    total: int  # exact up to 1,000; past it 1,000 with `more: true`
    more: bool = False


DepartmentName = Annotated[str, Meta(min_length=2, max_length=200)]


class DepartmentIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A department of the city in the coordinator's registry: its name in Polish (required)
    with English and Ukrainian versions, contact and head addresses, its responders (ids of the
    responders' registry), the topics it takes by default and its escalation settings."""

    name: dict[StaffLanguageKey, DepartmentName]
    email: Email
    head_email: Email
    topics: Annotated[list[Topic], Meta(max_length=20)] = []
    responders: Annotated[list[uuid.UUID], Meta(max_length=200)] = []
    reminder_days: Annotated[int, Meta(ge=0, le=60)] = 3
    review_required: bool = False

    def __post_init__(self) -> None:
        if "pl" not in self.name:
            raise ValueError("name needs its Polish version (`pl`)")
        addresses.check_fields(self, "email", "head_email")


class Department(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: dict[str, str]
    email: str
    head_email: str
    topics: list[str]
    responders: list[uuid.UUID]
    reminder_days: int
    review_required: bool
    created_at: datetime


class DepartmentStatistics(msgspec.Struct, kw_only=True):
    """Per department (None: questions of no registry department): questions routed to it,
    answered, answered by their due date, and the median days from receipt to answer."""

    department_id: uuid.UUID | None
    name: str | None
    received: int
    answered: int
    answered_on_time: int
    median_days: float | None
