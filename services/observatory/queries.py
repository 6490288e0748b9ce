"""What the API, the pages, the feed and the open data read (read-only transactions)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from services.observatory import store
from services.observatory.schemas import Publication
from shared.refusals import not_found

SCHEMA = "observatory"


def download_path(publication_id: uuid.UUID) -> str:
    """Where the uploaded PDF of a publication is served."""
    return f"/observatory/{publication_id}/document.pdf"


def document_url(row: Any, base_url: str) -> str | None:
    """The document's address: the download of the uploaded PDF, else the address given."""
    if row["document_name"]:
        return base_url + download_path(row["id"])
    return row["document_url"]


def view(row: Any, base_url: str) -> Publication:
    return Publication(
        id=row["id"],
        kind=row["kind"],
        title=row["title"],
        title_i18n=dict(row["title_i18n"] or {}),
        summary=row["summary"],
        summary_i18n=dict(row["summary_i18n"] or {}),
        topic=row["topic"],
        objective=row["objective"],
        published_on=row["published_on"],
        document_url=document_url(row, base_url),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        withdrawn_at=row["withdrawn_at"],
    )


async def search(runtime: Any, **filters: Any) -> tuple[list[asyncpg.Record], int]:
    """Publications matching the filters (public ones unless `public=False`), newest first."""
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction(readonly=True):
        return await store.search(conn, **filters)


async def years(runtime: Any) -> list[int]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        return await store.years(conn)


async def publication(runtime: Any, publication_id: uuid.UUID, *, public: bool = True) -> Any:
    """One publication; refused as not found when it does not exist (or, for the public,
    when it was withdrawn)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.publication(conn, publication_id)
    if row is None or (public and row["withdrawn_at"] is not None):
        raise not_found("observatory.publication.not_found", publication_id=publication_id)
    return row


async def document(runtime: Any, publication_id: uuid.UUID) -> Any:
    """A public publication's uploaded PDF; not found otherwise."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.document(conn, publication_id)
    if row is None:
        raise not_found("observatory.publication.not_found", publication_id=publication_id)
    return row
