"""Request and response bodies of the small-grants API (validated at the edge by msgspec)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from shared import addresses
from shared.events.catalogue import Money

Email = addresses.Email  # checked and normalised by addresses.check_fields
AwareDatetime = Annotated[datetime, Meta(tz=True)]
Kind = Literal["ngo", "minority_organisation"]
PageLanguage = Literal["pl", "en", "uk"]
Objective = Annotated[int, Meta(ge=1, le=6)]
Text200 = Annotated[str, Meta(min_length=3, max_length=200)]
# A staff text's other versions (shared/content.py): Polish is the original, so only en and uk.
OtherLanguage = Literal["en", "uk"]


class OrganisationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Text200
    nip: Annotated[str, Meta(min_length=10, max_length=16)]
    kind: Kind
    email: Email
    krs: Annotated[str, Meta(max_length=10)] | None = None
    phone: Annotated[str, Meta(max_length=30)] | None = None
    language: PageLanguage = "pl"

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class Organisation(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    nip: str
    krs: str | None
    kind: str
    email: str
    phone: str | None
    language: str
    registered_at: datetime


class RegistrationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A person asking to register a new organisation (the public page's first step)."""

    name: Annotated[str, Meta(min_length=2, max_length=200)]
    email: Email
    consent: bool
    language: PageLanguage = "pl"

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class JoinRequestIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A person asking to act for an organisation already registered (found by NIP or by id)."""

    name: Annotated[str, Meta(min_length=2, max_length=200)]
    email: Email
    consent: bool
    organisation_id: uuid.UUID | None = None
    nip: Annotated[str, Meta(max_length=16)] | None = None
    language: PageLanguage = "pl"

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class CriterionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    key: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    name: Annotated[str, Meta(min_length=2, max_length=200)]
    weight: Annotated[float, Meta(gt=0, le=100)]
    max_points: Annotated[int, Meta(ge=1, le=100)]
    # The name in en/uk (`name` is the Polish original). `translations` is the older spelling
    # of the same (a `pl` entry there is ignored: the original is `name`); `name_i18n` wins.
    translations: dict[PageLanguage, Annotated[str, Meta(min_length=2, max_length=200)]] = {}
    name_i18n: dict[OtherLanguage, Annotated[str, Meta(min_length=2, max_length=200)]] = {}

    def names(self) -> dict[str, str]:
        """The name's other versions as stored (`name_i18n`)."""
        older = {k: v.strip() for k, v in self.translations.items() if k != "pl" and v.strip()}
        return older | {k: v.strip() for k, v in self.name_i18n.items() if v.strip()}


class CallText(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Text200
    description: Annotated[str, Meta(max_length=10000)] = ""


class CallIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Text200
    budget_total: Money
    max_per_grant: Money
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    criteria: Annotated[list[CriterionIn], Meta(min_length=1, max_length=20)]
    description: Annotated[str, Meta(max_length=10000)] = ""
    # The texts in en/uk (`title`, `description` are the Polish originals). `translations` is
    # the older spelling ({lang: {title, description}}; `pl` ignored); the `_i18n` maps win.
    translations: dict[PageLanguage, CallText] = {}
    title_i18n: dict[OtherLanguage, Text200] = {}
    description_i18n: dict[OtherLanguage, Annotated[str, Meta(max_length=10000)]] = {}
    eligible_kinds: Annotated[list[Kind], Meta(min_length=1)] = msgspec.field(
        default_factory=lambda: ["ngo", "minority_organisation"]
    )
    objectives: Annotated[list[Objective], Meta(min_length=1, max_length=6)] = msgspec.field(
        default_factory=lambda: [3]
    )
    evaluators_per_application: Annotated[int, Meta(ge=2, le=10)] = 2
    allow_partial_funding: bool = False
    report_due_on: date | None = None
    # The coordinator's own dates (Europe/Warsaw days): the formal check's (optional) and the
    # evaluators' (default: 30 days after closing).
    formal_check_due_on: date | None = None
    evaluation_due_on: date | None = None

    def texts_i18n(self) -> tuple[dict[str, str], dict[str, str]]:
        """The title's and the description's other versions as stored (`title_i18n`, …)."""
        titles: dict[str, str] = {}
        descriptions: dict[str, str] = {}
        for lang, text in self.translations.items():
            if lang == "pl":
                continue
            if text.title.strip():
                titles[lang] = text.title.strip()
            if text.description.strip():
                descriptions[lang] = text.description.strip()
        titles |= {k: v.strip() for k, v in self.title_i18n.items() if v.strip()}
        descriptions |= {k: v.strip() for k, v in self.description_i18n.items() if v.strip()}
        return titles, descriptions


class Criterion(msgspec.Struct, kw_only=True):
    key: str
    name: str
    weight: float
    max_points: int
    name_i18n: dict[str, str] = {}
    translations: dict[str, str] = {}  # the same as name_i18n (older name)


class Call(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    title: str
    description: str
    title_i18n: dict[str, str]
    description_i18n: dict[str, str]
    translations: dict[str, CallText]  # the same as the _i18n maps (older shape)
    budget_total: Money
    max_per_grant: Money
    opens_at: datetime
    closes_at: datetime
    eligible_kinds: list[str]
    objectives: list[int]
    evaluators_per_application: int
    allow_partial_funding: bool
    report_due_on: date
    criteria: list[Criterion]
    status: str
    decision_published_at: datetime | None
    formal_check_due_on: date | None = None
    evaluation_due_on: date | None = None


class BudgetLine(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    category: Annotated[str, Meta(min_length=2, max_length=100)]
    description: Annotated[str, Meta(max_length=500)]
    amount: Money


class ApplicationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Text200
    summary: Annotated[str, Meta(min_length=10, max_length=5000)]
    objectives: Annotated[list[Objective], Meta(min_length=1, max_length=6)]
    requested: Money
    budget_lines: Annotated[list[BudgetLine], Meta(min_length=1, max_length=50)]


class Application(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    call_id: uuid.UUID
    organisation_id: uuid.UUID
    title: str
    summary: str
    objectives: list[int]
    requested: Money
    budget_lines: list[BudgetLine]
    status: str
    created_at: datetime
    submitted_at: datetime | None
    formal_eligible: bool | None
    formal_reason: str | None
    award: Money | None = None


class Created(msgspec.Struct, kw_only=True):
    id: uuid.UUID


class ApplicationCreated(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    status: str


class StatusOut(msgspec.Struct, kw_only=True):
    status: str


class EvaluatorIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # None: the subject already stored for this address in an evaluator pool, else a new one.
    subject: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    name: Annotated[str, Meta(min_length=2, max_length=200)]
    email: Email
    linked_organisations: list[uuid.UUID] = []
    language: PageLanguage = "pl"  # of the invitation and later mails

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class EvaluatorCreated(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    assigned: int


FormalCriterion = Literal["applicant_eligible", "complete", "budget", "objectives"]


class FormalFinding(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    criterion: FormalCriterion
    passed: bool
    reason: Annotated[str, Meta(max_length=2000)] | None = None


class FormalCheckIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    eligible: bool
    reason: Annotated[str, Meta(max_length=2000)] | None = None
    # Pass/fail per formal criterion (every one, once); `eligible` must say they all passed.
    findings: list[FormalFinding] | None = None


class FormalCheckOut(msgspec.Struct, kw_only=True):
    status: str
    evaluators_assigned: int


class EvaluationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    scores: dict[str, int] | None = None
    comment: Annotated[str, Meta(max_length=5000)] | None = None
    conflict_of_interest: bool = False
    # A comment per criterion (key: text), besides the overall one.
    comments: dict[str, Annotated[str, Meta(max_length=2000)]] | None = None


class EvaluationOut(msgspec.Struct, kw_only=True):
    status: Literal["scored", "conflict_declared"]
    score: float | None = None


class EvaluationView(msgspec.Struct, kw_only=True):
    evaluator_id: uuid.UUID
    conflict_of_interest: bool
    submitted: bool
    scores: dict[str, int] | None
    score: float | None
    comment: str | None
    comments: dict[str, str] | None = None


class Assignment(msgspec.Struct, kw_only=True):
    application_id: uuid.UUID
    call_id: uuid.UUID
    call_title: str
    title: str
    assigned_at: datetime
    submitted: bool
    conflict_of_interest: bool


class RankedApplication(msgspec.Struct, kw_only=True):
    rank: int
    application_id: uuid.UUID
    title: str
    score: float
    requested: Money
    proposed: Money | None


class Ranking(msgspec.Struct, kw_only=True):
    call_id: uuid.UUID
    ready: bool
    blocking: list[str]
    budget_total: Money
    items: list[RankedApplication]


class AwardIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    application_id: uuid.UUID
    amount: Money


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    awards: list[AwardIn] | None = None


class AwardOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    application_id: uuid.UUID
    amount: Money
    rank: int | None = None
    title: str | None = None
    organisation: str | None = None


class DecisionOut(msgspec.Struct, kw_only=True):
    awarded: list[AwardOut]


class ReportIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    activities: Annotated[str, Meta(min_length=10, max_length=10000)]
    participants_reached: Annotated[int, Meta(ge=0, le=1_000_000)]
    spent: Money


class ReportReviewIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The city's review of a final report: accepted, or returned with what to correct."""

    accepted: bool
    comment: Annotated[str, Meta(max_length=5000)] | None = None


class EvaluatorRemoved(msgspec.Struct, kw_only=True):
    reassigned: int


class PoolMember(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    email: str
    language: str
    joined_at: datetime
    assigned: int
    done: int
    conflicts: int
