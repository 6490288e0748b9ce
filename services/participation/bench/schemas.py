"""Request and response bodies of the Dialogue Bench API (validated at the edge by msgspec)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from shared.events.catalogue import Group, Language, Topic

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$"
Email = Annotated[str, Meta(pattern=EMAIL_PATTERN, max_length=254)]
AwareDatetime = Annotated[datetime, Meta(tz=True)]


class EditionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Annotated[str, Meta(min_length=3, max_length=200)]
    held_on: date
    venue: Annotated[str, Meta(min_length=2, max_length=300)]
    audience: Annotated[str, Meta(min_length=2, max_length=300)]
    submissions_close_at: AwareDatetime
    answer_due_days: Annotated[int, Meta(ge=1, le=365)] = 30


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


class QuestionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    text: Annotated[str, Meta(min_length=10, max_length=2000)]
    topic: Topic
    language: Language
    consent: bool = False
    email: Email | None = None
    name: Annotated[str, Meta(max_length=200)] | None = None
    group: Group | None = None


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


class AnswerView(msgspec.Struct, kw_only=True):
    text: str
    language: str
    answered_at: datetime


class QuestionStatus(msgspec.Struct, kw_only=True, omit_defaults=True):
    reference: str
    status: str
    answer: AnswerView | None = None
