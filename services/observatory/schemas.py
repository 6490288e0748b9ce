"""Request and response bodies of the Observatory's API (validated at the edge by msgspec)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

Kind = Literal["report", "study", "seminar_notes", "recommendation"]
Topic = Literal[
    "demography",
    "labour",
    "education",
    "housing",
    "health",
    "participation",
    "discrimination",
    "culture",
    "other",
]
TranslationLanguage = Literal["en", "uk"]  # the original is Polish
Title = Annotated[str, Meta(min_length=3, max_length=300)]
Summary = Annotated[str, Meta(min_length=10, max_length=5000)]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class PublicationIn(Strict):
    """A publication as the coordinator adds it through the API. The document is an address
    (the API's bodies are limited to 1 MiB); the page form also takes a PDF file."""

    kind: Kind
    title: Title
    summary: Summary
    topic: Topic
    objective: Annotated[int, Meta(ge=1, le=6)]
    published_on: date
    title_i18n: dict[TranslationLanguage, Title] = {}
    summary_i18n: dict[TranslationLanguage, Summary] = {}
    document_url: Annotated[str, Meta(max_length=2000)] | None = None


class Publication(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    title: str
    title_i18n: dict[str, str]
    summary: str
    summary_i18n: dict[str, str]
    topic: str
    objective: int
    published_on: date
    # Where to read the document: this platform's download of the uploaded PDF, or the address
    # given; None when there is none.
    document_url: str | None
    created_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None = None
