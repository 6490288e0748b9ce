"""What the public reads of the archive of answered questions (pages, JSON, Atom feed, open
data): published questions only (`store_archive.PUBLISHED`), masked (`archive.mask`: e-mail
addresses, phone numbers, the asker's name), each text in the reader's language when staff
translated it, else its original with its language. Never a name, address, tracking code or
reference.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar.exceptions import ValidationException

from services.participation.bench import archive
from services.participation.bench import store_archive as sa
from services.participation.bench.commands import SCHEMA
from services.participation.bench.schemas import ArchiveItem, ArchivePage, ArchiveText
from shared import content
from shared.events.catalogue import LANGUAGES, TOPICS
from shared.runtime import Runtime
from shared.web.i18n import LANGUAGES as PAGE_LANGUAGES

MAX_LIMIT = 100
MAX_OFFSET = 100_000


class Query(msgspec.Struct, kw_only=True):
    """An archive query, checked: `terms` the folded words of `q`."""

    q: str = ""
    terms: list[str] = []
    topic: str | None = None
    language: str | None = None
    edition: uuid.UUID | None = None
    limit: int = 20
    offset: int = 0


def check(
    *,
    q: str = "",
    topic: str = "",
    language: str = "",
    edition: str = "",
    limit: int | str = 20,
    offset: int | str = 0,
) -> tuple[Query, dict[str, str]]:
    """The query, and an English message per parameter that is wrong (empty when all is well)."""
    problems: dict[str, str] = {}
    q = q.strip()
    if len(q) > archive.MAX_QUERY:
        problems["q"] = f"at most {archive.MAX_QUERY} characters"
    if topic and topic not in TOPICS:
        problems["topic"] = f"unknown topic {topic!r}; one of {', '.join(TOPICS)}"
    if language and language not in LANGUAGES:
        problems["language"] = f"unknown language {language!r}; one of {', '.join(LANGUAGES)}"
    edition_id = None
    if edition:
        try:
            edition_id = uuid.UUID(edition)
        except ValueError:
            problems["edition"] = "not an edition id (a UUID)"
    numbers = {}
    for name, value, least, most in (
        ("limit", limit, 1, MAX_LIMIT),
        ("offset", offset, 0, MAX_OFFSET),
    ):
        try:
            number = int(value)
        except (TypeError, ValueError):
            problems[name] = f"a whole number from {least} to {most}"
            continue
        if not least <= number <= most:
            problems[name] = f"a whole number from {least} to {most}"
        numbers[name] = number
    query = Query(
        q=q,
        terms=archive.query_terms(q) if "q" not in problems else [],
        topic=(topic or None) if "topic" not in problems else None,
        language=(language or None) if "language" not in problems else None,
        edition=edition_id,
        limit=numbers["limit"] if "limit" not in problems else 20,
        offset=numbers["offset"] if "offset" not in problems else 0,
    )
    return query, problems


def refuse(problems: dict[str, str]) -> ValidationException:
    """400 for the JSON API, one error per wrong parameter."""
    return ValidationException(
        detail="; ".join(f"{k}: {v}" for k, v in problems.items()),
        extra=[{"message": v, "key": k} for k, v in problems.items()],
    )


def shown(
    original: str, original_lang: str, translations: dict[str, str] | None, lang: str
) -> ArchiveText:
    """The reader's version when there is one, else the original (masked elsewhere)."""
    translations = translations or {}
    if lang != original_lang and translations.get(lang):
        return ArchiveText(
            text=translations[lang], lang=lang, translated=True, original_lang=original_lang
        )
    return ArchiveText(
        text=original, lang=original_lang, translated=False, original_lang=original_lang
    )


def _masked(text: ArchiveText, names: list[str]) -> ArchiveText:
    return msgspec.structs.replace(text, text=archive.mask(text.text, names))


def item(row: Any, lang: str) -> ArchiveItem:
    names = [row["asker_name"]] if row["asker_name"] else []
    edition = content.shown(row["edition_title"], "pl", row["edition_title_i18n"], lang)
    return ArchiveItem(
        id=row["id"],
        url=f"/bench/answers/{row['id']}",
        edition_id=row["edition_id"],
        edition=edition.text,
        edition_lang=edition.lang,
        held_on=row["held_on"],
        topic=row["topic"],
        language=row["language"],
        received_on=row["received_at"].date(),
        answered_at=row["answered_at"],
        question=_masked(shown(row["text"], row["language"], row["text_i18n"], lang), names),
        answer=_masked(
            shown(row["answer_text"], row["answer_language"], row["answer_i18n"], lang), names
        ),
    )


def reader_lang(lang: str | None) -> str:
    return lang if lang in PAGE_LANGUAGES else "pl"


async def search(runtime: Runtime, query: Query, lang: str) -> ArchivePage:
    filters = {"topic": query.topic, "language": query.language, "edition": query.edition}
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await sa.search(conn, filters, query.terms, query.limit, query.offset)
    return ArchivePage(
        items=[item(r, lang) for r in rows],
        total=min(total, sa.COUNT_CAP),
        more=total > sa.COUNT_CAP,
    )


async def one(
    runtime: Runtime, question_id: uuid.UUID, lang: str
) -> tuple[ArchiveItem, list[ArchiveText], list[Any]] | None:
    """A published question (as an item), every answer to it in the reader's language, and the
    answers' dates; None when it is not published (whatever the reason)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await sa.published(conn, question_id)
        if row is None:
            return None
        answers = await sa.answers(conn, question_id)
    names = [row["asker_name"]] if row["asker_name"] else []
    texts = [_masked(shown(a["text"], a["language"], a["text_i18n"], lang), names) for a in answers]
    return item(row, lang), texts, [a["answered_at"] for a in answers]


async def dataset_rows(conn: Any) -> list[dict[str, Any]]:
    """The open data set `bench-answers`: one row per published question, masked, with the
    staff translations of the question and its first answer (empty when none)."""
    rows = []
    for r in await sa.all_published(conn):
        names = [r["asker_name"]] if r["asker_name"] else []
        q_i18n = r["text_i18n"] or {}
        a_i18n = r["answer_i18n"] or {}
        rows.append(
            {
                "id": str(r["id"]),
                "edition_id": str(r["edition_id"]),
                "edition_title": r["edition_title"],
                "held_on": r["held_on"].isoformat(),
                "topic": r["topic"],
                "question_language": r["language"],
                "received_on": r["received_at"].date().isoformat(),
                "answered_at": r["answered_at"].isoformat(),
                "question_text": archive.mask(r["text"], names),
                "answer_language": r["answer_language"],
                "answer_text": archive.mask(r["answer_text"], names),
                **{
                    f"question_text_{code}": archive.mask(q_i18n.get(code, ""), names)
                    for code in ("pl", "en", "uk")
                },
                **{
                    f"answer_text_{code}": archive.mask(a_i18n.get(code, ""), names)
                    for code in ("pl", "en", "uk")
                },
            }
        )
    return rows
