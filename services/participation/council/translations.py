"""Translations of the Council's texts that residents read (issue 14, `shared/content.py`).

The secretariat types a call's title and description, a meeting's title and place, agenda item
titles and resolutions in Polish (the original, in its own column); their English and Ukrainian
versions live in `<field>_i18n` (migration `052_council_translations.sql`). They are written
with the row (the commands take `i18n`) or later on the secretariat's pages
(`commands/translations.py`), and shown by the public pages with the kit's `content` macros.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import asyncpg

I18n = Mapping[str, Mapping[str, str]]
"""A row's translations by field: `{"title": {"en": "...", "uk": "..."}, ...}`."""

TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "call": ("council_calls", ("title", "description")),
    "meeting": ("council_meetings", ("title", "place")),
    "agenda": ("council_agenda_items", ("title",)),
    "resolution": ("council_resolutions", ("title", "text")),
}
"""What can be translated: the kind of row, its table and its translated fields."""


async def save(conn: asyncpg.Connection, kind: str, row_id: uuid.UUID, i18n: I18n | None) -> bool:
    """Replace the translations of the fields named in `i18n` (others untouched); True when a
    row was there to change."""
    table, fields = TABLES[kind]
    named = [f for f in fields if i18n is not None and f in i18n]
    if not named:
        return True
    sets = ", ".join(f"{f}_i18n = ${i + 2}" for i, f in enumerate(named))
    values = [{k: v for k, v in dict(i18n[f]).items() if v} for f in named]  # type: ignore[index]
    sql = f"update {table} set {sets} where id = $1"  # noqa: S608 - names from TABLES, never input
    done = await conn.execute(sql, row_id, *values)
    return done != "UPDATE 0"
