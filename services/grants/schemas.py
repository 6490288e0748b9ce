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
    translations: dict[PageLanguage, CallText] = {}
    eligible_kinds: Annotated[list[Kind], Meta(min_length=1)] = msgspec.field(
        default_factory=lambda: ["ngo", "minority_organisation"]
    )
    objectives: Annotated[list[Objective], Meta(min_length=1, max_length=6)] = msgspec.field(
        default_factory=lambda: [3]
    )
    evaluators_per_application: Annotated[int, Meta(ge=2, le=10)] = 2
    allow_partial_funding: bool = False
    report_due_on: date | None = None


class Criterion(msgspec.Struct, kw_only=True):
    key: str
    name: str
    weight: float
    max_points: int


class Call(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    title: str
    description: str
    translations: dict[str, CallText]
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
    subject: Annotated[str, Meta(min_length=1, max_length=200)]
    name: Annotated[str, Meta(min_length=2, max_length=200)]
    email: Email
    linked_organisations: list[uuid.UUID] = []

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class EvaluatorCreated(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    assigned: int


class FormalCheckIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    eligible: bool
    reason: Annotated[str, Meta(max_length=2000)] | None = None


class FormalCheckOut(msgspec.Struct, kw_only=True):
    status: str
    evaluators_assigned: int


class EvaluationIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    scores: dict[str, int] | None = None
    comment: Annotated[str, Meta(max_length=5000)] | None = None
    conflict_of_interest: bool = False


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
