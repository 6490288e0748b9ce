"""Plain-SQL migrations per schema: applied in order, tracked, safe to run twice and concurrently."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import asyncpg

from shared.db import lock_key

log = logging.getLogger("openkrakow.migrate")

KIT_MIGRATIONS = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{3,})_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    """A migration file is malformed, or an applied one was edited afterwards."""


def _files(directories: Path | Sequence[Path]) -> list[tuple[int, str, str]]:
    """The migrations of one source, from one folder or several (one schema shared by parts of
    a service, each with its own folder: version numbers are unique across them)."""
    folders = [directories] if isinstance(directories, Path) else list(directories)
    found = []
    for path in sorted((p for d in folders for p in d.glob("*.sql")), key=lambda p: p.name):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path}: name must look like 001_what_it_does.sql")
        found.append((int(match.group(1)), path.name, path.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        where = ", ".join(str(d) for d in folders)
        raise MigrationError(f"{where}: two migrations share a number")
    return found


async def migrate(dsn: str, schema: str, service_dir: Path | Sequence[Path] | None) -> list[str]:
    """Create `schema`, apply the kit's migrations then the service's; return the names applied."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
        raise MigrationError(f"bad schema name {schema!r}")
    sources = [("kit", KIT_MIGRATIONS)] + ([("service", service_dir)] if service_dir else [])
    conn = await asyncpg.connect(dsn, server_settings={"timezone": "UTC"})
    applied: list[str] = []
    try:
        # A session lock, not a transaction lock: two processes starting at once queue here,
        # and the second finds everything applied.
        await conn.execute("select pg_advisory_lock($1)", lock_key(f"migrate:{schema}"))
        try:
            await conn.execute(f'create schema if not exists "{schema}"')
            await conn.execute(
                f"""create table if not exists "{schema}".schema_migrations (
                    source text not null, version int not null, name text not null,
                    checksum text not null, applied_at timestamptz not null default now(),
                    primary key (source, version))"""
            )
            for source, directory in sources:
                done = {
                    r["version"]: r
                    for r in await conn.fetch(
                        f'select version, name, checksum from "{schema}".schema_migrations where source=$1',
                        source,
                    )
                }
                for version, name, sql in _files(directory):
                    checksum = hashlib.sha256(sql.encode()).hexdigest()
                    if version in done:
                        if done[version]["checksum"] != checksum:
                            raise MigrationError(
                                f"{schema}/{source}/{name} changed after it was applied; add a new migration instead"
                            )
                        continue
                    async with conn.transaction():
                        await conn.execute(f'set local search_path to "{schema}", public')
                        await conn.execute(sql)
                        await conn.execute(
                            f'insert into "{schema}".schema_migrations(source, version, name, checksum) values ($1,$2,$3,$4)',
                            source,
                            version,
                            name,
                            checksum,
                        )
                    applied.append(f"{schema}/{name}")
                    log.info("applied migration %s/%s (%s)", schema, name, source)
        finally:
            await conn.execute("select pg_advisory_unlock($1)", lock_key(f"migrate:{schema}"))
    finally:
        await conn.close()
    return applied
