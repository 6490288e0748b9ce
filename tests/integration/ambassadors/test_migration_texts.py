"""Migration 003 moves an edition's texts (002's `texts`, stored by the old code as a JSON
string inside jsonb) into `title`/`description` and their `_i18n` columns, losing nothing."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import asyncpg

from shared.migrate import migrate
from tests.conftest import Servers

MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "ambassadors" / "migrations"


async def test_the_edition_texts_move_to_the_translated_columns(
    servers: Servers, tmp_path: Path
) -> None:
    schema = f"amb_{uuid.uuid4().hex[:8]}"
    for name in ("001_ambassadors.sql", "002_juror_language_edition_texts.sql"):
        shutil.copy(MIGRATIONS / name, tmp_path / name)
    await migrate(servers.database_url, schema, tmp_path)
    conn = await asyncpg.connect(servers.database_url)
    try:
        as_string, as_object, empty = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        texts = {
            "pl": {"title": "Ambasadorzy 2025", "description": "Zgłoś sąsiadkę."},
            "uk": {"title": "Амбасадори 2025", "description": ""},
        }
        insert = (
            f"insert into {schema}.editions (id, year, number, nominations_close_at, "  # noqa: S608
            "jury_deadline_at, titles, created_by, texts) "
            "values ($1, 2025, $2, now(), now(), 3, 'c', $3::jsonb)"
        )
        await conn.execute(insert, as_string, 1, json.dumps(json.dumps(texts)))  # old code
        await conn.execute(insert, as_object, 2, json.dumps({"en": {"title": "Ambassadors"}}))
        await conn.execute(insert, empty, 3, "{}")
        shutil.copy(
            MIGRATIONS / "003_content_i18n_laureate_publication.sql",
            tmp_path / "003_content_i18n_laureate_publication.sql",
        )
        await migrate(servers.database_url, schema, tmp_path)
        rows = {
            r["id"]: r
            for r in await conn.fetch(
                f"select id, title, title_i18n::text, description, description_i18n::text "  # noqa: S608
                f"from {schema}.editions"
            )
        }
        got = rows[as_string]
        assert (got["title"], got["description"]) == ("Ambasadorzy 2025", "Zgłoś sąsiadkę.")
        assert json.loads(got["title_i18n"]) == {"uk": "Амбасадори 2025"}
        assert json.loads(got["description_i18n"]) == {}
        got = rows[as_object]
        assert (got["title"], json.loads(got["title_i18n"])) == ("", {"en": "Ambassadors"})
        assert (rows[empty]["title"], rows[empty]["title_i18n"]) == ("", "{}")
        columns = await conn.fetch(
            "select column_name from information_schema.columns "
            "where table_schema = $1 and table_name = 'editions'",
            schema,
        )
        assert "texts" not in {c["column_name"] for c in columns}
    finally:
        await conn.execute(f"drop schema {schema} cascade")
        await conn.close()
