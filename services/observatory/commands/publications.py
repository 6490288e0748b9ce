"""The coordinator's use cases: add a publication, change it, withdraw it.

Called alike by the API (`POST /api/observatory/publications`, a document address) and the
coordinator's pages (a PDF upload or an address). Each emits its event in the outbox of the
same transaction: `observatory.publication_published` when a publication is added or its kind,
objective or day may have changed, `observatory.publication_withdrawn` when it is withdrawn.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.observatory import domain, queries, store
from services.observatory import refusals as _codes  # noqa: F401 - registers the codes
from services.observatory.commands import PRODUCER, SCHEMA
from services.observatory.schemas import Publication, PublicationIn
from shared.content import CONTENT_LANGUAGES
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.idempotency import Claimed, Replay
from shared.refusals import WARSAW, conflict, invalid, not_found
from shared.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Upload:
    """A PDF chosen on the page form."""

    filename: str
    content: bytes


def today() -> date:
    return utcnow().astimezone(WARSAW).date()


def _translations(name: str, versions: dict[str, str], low: int, high: int) -> dict[str, str]:
    found: dict[str, str] = {}
    for code, value in versions.items():
        text = value.strip()
        if code == "pl" or code not in CONTENT_LANGUAGES:
            raise invalid(f"{name}_i18n", "observatory.publication.translation", limit=high)
        if not text:
            continue
        if not low <= len(text) <= high:
            raise invalid(f"{name}__{code}", "observatory.publication.translation", limit=high)
        found[code] = text
    return found


def check(data: PublicationIn, upload: Upload | None = None) -> dict[str, Any]:
    """The publication's fields, trimmed and checked (what the API's schema cannot say)."""
    if data.kind not in domain.KINDS:
        raise invalid("kind", "observatory.publication.kind")
    if data.topic not in domain.TOPICS:
        raise invalid("topic", "observatory.publication.topic", topic=data.topic)
    title = " ".join(data.title.split())
    if not domain.TITLE_MIN <= len(title) <= domain.TITLE_MAX:
        raise invalid("title", "observatory.publication.title")
    summary = data.summary.strip()
    if not domain.SUMMARY_MIN <= len(summary) <= domain.SUMMARY_MAX:
        raise invalid("summary", "observatory.publication.summary")
    if not 1 <= data.objective <= 6:
        raise invalid("objective", "observatory.publication.objective")
    if not domain.date_in_range(data.published_on, today()):
        raise invalid("published_on", "observatory.publication.date")
    url = (data.document_url or "").strip() or None
    if url is not None and not domain.good_url(url):
        raise invalid("document_url", "observatory.publication.url")
    if upload is not None:
        if len(upload.content) > domain.DOCUMENT_MAX_BYTES:
            raise invalid("document", "observatory.publication.too_large")
        if not domain.is_pdf(upload.content):
            raise invalid("document", "observatory.publication.not_pdf")
    return {
        "kind": data.kind,
        "title": title,
        "title_i18n": _translations(
            "title", dict(data.title_i18n), domain.TITLE_MIN, domain.TITLE_MAX
        ),
        "summary": summary,
        "summary_i18n": _translations(
            "summary", dict(data.summary_i18n), domain.SUMMARY_MIN, domain.SUMMARY_MAX
        ),
        "topic": data.topic,
        "objective": data.objective,
        "published_on": data.published_on,
        "document_url": url,
    }


def _published(row: Any) -> ev.ObservatoryPublicationPublished:
    return ev.ObservatoryPublicationPublished(
        publication_id=row["id"],
        kind=row["kind"],
        objective=row["objective"],
        published_on=row["published_on"],
        recorded_at=utcnow(),
    )


async def add(
    runtime: Any,
    coordinator: str,
    data: PublicationIn,
    upload: Upload | None = None,
    requested: Claimed | None = None,
) -> Publication | Replay:
    """Publish a publication (public at once); its document uploaded or at an address."""
    fields = check(data, upload)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        publication_id = uuid.uuid4()
        await store.insert_publication(
            uow.conn, {**fields, "id": publication_id, "created_by": coordinator}
        )
        if upload is not None:
            await store.put_document(
                uow.conn, publication_id, domain.safe_filename(upload.filename), upload.content
            )
        row = await store.publication(uow.conn, publication_id)
        answer = queries.view(row, runtime.settings.public_url)
        await uow.remember(201, answer)
        uow.emit(_published(row))
    return answer


async def _editable(conn: Any, publication_id: uuid.UUID) -> Any:
    row = await store.publication(conn, publication_id, for_update=True)
    if row is None:
        raise not_found("observatory.publication.not_found", publication_id=publication_id)
    if row["withdrawn_at"] is not None:
        raise conflict("observatory.publication.withdrawn")
    return row


async def update(
    runtime: Any,
    coordinator: str,
    publication_id: uuid.UUID,
    data: PublicationIn,
    upload: Upload | None = None,
    *,
    remove_document: bool = False,
) -> Publication:
    """Change a publication: its texts, kind, topic, objective, day or document (a new PDF
    replaces the old one; `remove_document` drops the uploaded one)."""
    fields = check(data, upload)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        await _editable(uow.conn, publication_id)
        await store.update_publication(uow.conn, {**fields, "id": publication_id})
        if upload is not None:
            await store.put_document(
                uow.conn, publication_id, domain.safe_filename(upload.filename), upload.content
            )
        elif remove_document:
            await store.drop_document(uow.conn, publication_id)
        row = await store.publication(uow.conn, publication_id)
        uow.emit(_published(row))
        return queries.view(row, runtime.settings.public_url)


async def withdraw(runtime: Any, coordinator: str, publication_id: uuid.UUID) -> None:
    """Withdraw a publication for good: it leaves the public pages, the feed and the open data
    and counts nowhere (the record stays for the coordinator)."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        await _editable(uow.conn, publication_id)
        at = utcnow()
        await store.withdraw(uow.conn, publication_id, coordinator, at)
        uow.emit(ev.ObservatoryPublicationWithdrawn(publication_id=publication_id, withdrawn_at=at))


__all__ = ["Upload", "add", "check", "today", "update", "withdraw"]
