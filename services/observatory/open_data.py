"""The Observatory's open dataset: its public publications (never a withdrawn one)."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.observatory import queries, store
from services.observatory.i18n import catalogs
from shared.open_data import Column, Dataset
from shared.web.forms import N_


async def rows(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """The public publications, newest first; an uploaded PDF by its path on this platform
    (the kit writes it out on PUBLIC_URL: `Dataset.links`)."""
    found, _ = await store.search(conn, limit=100_000)
    return [
        {
            "id": str(r["id"]),
            "kind": r["kind"],
            "title_pl": r["title"],
            "title_en": (r["title_i18n"] or {}).get("en", ""),
            "title_uk": (r["title_i18n"] or {}).get("uk", ""),
            "published_on": r["published_on"],
            "objective": r["objective"],
            "topic": r["topic"],
            "document_url": queries.document_url(r, "") or "",
        }
        for r in found
    ]


datasets = (
    Dataset(
        id="observatory-publications",
        title=N_("Multiculturalism and Migration Observatory: publications"),
        description=N_(
            "Reports, studies, seminar notes and recommendations of the Observatory: kind, "
            "titles in Polish, English and Ukrainian, day of publication, the programme's "
            "specific objective, topic and the address of the document. Withdrawn publications "
            "are not listed."
        ),
        catalogs=catalogs,
        columns=(
            Column("id", N_("Publication")),
            Column("kind", N_("Kind (report, study, seminar_notes, recommendation)")),
            Column("title_pl", N_("Title in Polish")),
            Column("title_en", N_("Title in English (empty when not translated)")),
            Column("title_uk", N_("Title in Ukrainian (empty when not translated)")),
            Column("published_on", N_("Day of publication"), "date"),
            Column("objective", N_("Specific objective of the programme (1-6)"), "integer"),
            Column("topic", N_("Topic")),
            Column("document_url", N_("Address of the document")),
        ),
        rows=rows,
        links=("document_url",),
        keywords=("observatory", "migration", "reports", "research"),
    ),
)
