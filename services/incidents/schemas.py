"""Request and response bodies of the incidents API (validated at the edge by msgspec)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from services.incidents.domain import (
    MAX_NOTE,
    MAX_PLACE,
    MAX_WHAT,
    MIN_WHAT,
    Category,
    District,
    FormLanguage,
    Police,
    ReferredTo,
    Severity,
)
from shared import addresses

Email = addresses.Email
# A day (`2026-05-01`) or a day and a time (`2026-05-01T18:30`), Warsaw time, as a person says it.
When = Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$", max_length=16)]
Name = Annotated[str, Meta(min_length=2, max_length=200)]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class ReportIn(Strict):
    """An incident report; only `what`, `where` and `when` are needed. Anonymous without `email`."""

    what: Annotated[str, Meta(min_length=MIN_WHAT, max_length=MAX_WHAT)]
    where: Annotated[str, Meta(min_length=2, max_length=MAX_PLACE)]
    when: When
    district: District | None = None
    category: Category | None = None
    reported_to_police: Police = "unsure"
    email: Email | None = None
    language: FormLanguage = "pl"

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class ReportCreated(msgspec.Struct, kw_only=True):
    reference: str


class TriageIn(Strict):
    """Triage (`category`, `severity`), and the referral once triaged (`refer_to`, `note`)."""

    category: Category | None = None
    severity: Severity | None = None
    refer_to: ReferredTo | None = None
    note: Annotated[str, Meta(max_length=MAX_NOTE)] = ""


class Step(msgspec.Struct, kw_only=True):
    step: str
    actor: str
    at: datetime
    detail: dict[str, str]
    note: str | None = None


class Report(msgspec.Struct, kw_only=True):
    """A report as the response team reads it."""

    id: uuid.UUID
    reference: str
    status: str
    what: str
    where: str
    district: str | None
    occurred_on: date
    occurred_time: str | None
    category: str
    confirmed_category: str | None
    severity: str | None
    reported_to_police: str
    language: str
    anonymous: bool
    referred_to: str | None
    reported_at: datetime
    triaged_at: datetime | None
    referred_at: datetime | None
    overdue: bool
    history: list[Step] = []


class TeamMemberIn(Strict):
    name: Name
    email: Email
    language: Literal["pl", "en", "uk"] = "pl"

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class TeamMember(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    email: str
    language: str
    added_at: datetime
