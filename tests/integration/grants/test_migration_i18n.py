"""Migration 004 moves the call texts' older translations (`calls.translations`,
`criteria.translations`, stored as JSON text inside jsonb) into the `_i18n` columns the pages
read, keeping English and Ukrainian and dropping the Polish entry (the original)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from shared.migrate import migrate

MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "grants" / "migrations"


async def test_older_translations_move_to_the_i18n_columns(servers: Any, tmp_path: Path) -> None:
    schema = f"grants_m_{uuid.uuid4().hex[:8]}"
    before = tmp_path / "before"
    before.mkdir()
    for path in sorted(MIGRATIONS.glob("*.sql")):
        if path.name < "004":
            shutil.copy(path, before / path.name)
    await migrate(servers.database_url, schema, before)
    conn = await asyncpg.connect(servers.database_url)
    try:
        await conn.execute(f'set search_path to "{schema}"')
        call_id, bare_id = uuid.uuid4(), uuid.uuid4()
        texts = {
            "pl": {"title": "Tytuł", "description": "Opis"},
            "uk": {"title": "Назва", "description": ""},
            "en": {"title": "", "description": "A description"},
        }
        for cid, translations in ((call_id, texts), (bare_id, {})):
            await conn.execute(
                """insert into calls (id, title, description, translations, currency,
                       budget_total, max_per_grant, opens_at, closes_at, eligible_kinds,
                       objectives, evaluators_per_application, report_due_on, created_by)
                   values ($1, 'Tytuł', 'Opis', to_jsonb($2::text), 'PLN', 100, 10, now(),
                       now() + interval '1 day', '{ngo}', '{3}', 2, current_date + 200, 'c')""",
                cid,
                msgspec.json.encode(translations).decode(),  # as the code wrote it: a string
            )
        await conn.execute(
            """insert into criteria (call_id, position, key, name, weight, max_points,
                   translations)
               values ($1, 0, 'a', 'Znaczenie', 1, 10, to_jsonb($2::text)),
                      ($1, 1, 'b', 'Wykonalność', 1, 5, '{}'::jsonb)""",
            call_id,
            msgspec.json.encode({"pl": "Znaczenie", "en": "Relevance", "uk": " "}).decode(),
        )
        await migrate(servers.database_url, schema, MIGRATIONS)
        rows = {
            r["id"]: (r["title_i18n"], r["description_i18n"])
            for r in await conn.fetch(
                "select id, title_i18n::text, description_i18n::text from calls"
            )
        }
        assert msgspec.json.decode(rows[call_id][0]) == {"uk": "Назва"}
        assert msgspec.json.decode(rows[call_id][1]) == {"en": "A description"}
        assert rows[bare_id] == ("{}", "{}")
        names = [
            msgspec.json.decode(r["name_i18n"])
            for r in await conn.fetch(
                "select name_i18n::text from criteria where call_id = $1 order by position",
                call_id,
            )
        ]
        assert names == [{"en": "Relevance"}, {}]
        columns = await conn.fetchval(
            """select count(*) from information_schema.columns
               where table_schema = $1 and column_name = 'translations'""",
            schema,
        )
        assert columns == 0
    finally:
        await conn.execute(f'drop schema "{schema}" cascade')
        await conn.close()
