"""Migrations: in order, tracked, safe to run twice and from two processes at once."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest

from shared.migrate import KIT_MIGRATIONS, MigrationError, migrate
from tests.conftest import Servers


def write(directory: Path, name: str, sql: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(sql)


async def test_migrations_apply_in_order_once_even_when_run_concurrently(
    servers: Servers, tmp_path: Path
) -> None:
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    write(tmp_path, "001_create.sql", "create table things (id int primary key);")
    write(tmp_path, "002_seed.sql", "insert into things values (1), (2);")
    results = await asyncio.gather(
        *(migrate(servers.database_url, schema, tmp_path) for _ in range(3))
    )
    applied = [names for names in results if names]
    assert len(applied) == 1
    assert [
        n.split("/")[1] for n in applied[0] if not (KIT_MIGRATIONS / n.split("/")[1]).exists()
    ] == [
        "001_create.sql",
        "002_seed.sql",
    ]
    assert await migrate(servers.database_url, schema, tmp_path) == []
    conn = await asyncpg.connect(servers.database_url)
    try:
        assert await conn.fetchval(f"select count(*) from {schema}.things") == 2
    finally:
        await conn.close()


async def test_an_edited_applied_migration_is_refused(servers: Servers, tmp_path: Path) -> None:
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    write(tmp_path, "001_create.sql", "create table things (id int primary key);")
    await migrate(servers.database_url, schema, tmp_path)
    write(tmp_path, "001_create.sql", "create table things (id bigint primary key);")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await migrate(servers.database_url, schema, tmp_path)


async def test_a_failing_migration_leaves_nothing_half_applied(
    servers: Servers, tmp_path: Path
) -> None:
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    write(tmp_path, "001_create.sql", "create table things (id int primary key);")
    write(
        tmp_path, "002_broken.sql", "insert into things values (1); insert into nowhere values (1);"
    )
    with pytest.raises(asyncpg.PostgresError):
        await migrate(servers.database_url, schema, tmp_path)
    conn = await asyncpg.connect(servers.database_url)
    try:
        assert await conn.fetchval(f"select count(*) from {schema}.things") == 0
        versions = await conn.fetch(
            f"select version from {schema}.schema_migrations where source='service'"
        )
        assert [r["version"] for r in versions] == [1]
    finally:
        await conn.close()


def test_a_badly_named_migration_is_refused(tmp_path: Path) -> None:
    from shared.migrate import _files

    write(tmp_path, "create.sql", "select 1;")
    with pytest.raises(MigrationError, match="001_what_it_does"):
        _files(tmp_path)


async def test_parts_sharing_a_schema_keep_their_own_folders(
    servers: Servers, tmp_path: Path
) -> None:
    """Bench and Council share the participation schema, each with its own folder: their
    migrations apply in version order across both, and a folder moved keeps what was applied."""
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    one, two = tmp_path / "one", tmp_path / "two"
    write(one, "001_create.sql", "create table things (id int primary key);")
    write(two, "050_other.sql", "create table others (thing int references things(id));")
    write(one, "002_seed.sql", "insert into things values (1);")
    applied = await migrate(servers.database_url, schema, [two, one])
    ours = [n.split("/")[1] for n in applied if not (KIT_MIGRATIONS / n.split("/")[1]).exists()]
    assert ours == ["001_create.sql", "002_seed.sql", "050_other.sql"]
    # All in one folder (as before a split): the same migrations, nothing to apply again.
    write(one, "050_other.sql", (two / "050_other.sql").read_text())
    assert await migrate(servers.database_url, schema, one) == []
    write(two, "002_clash.sql", "select 1;")
    with pytest.raises(MigrationError, match="two migrations share a number"):
        await migrate(servers.database_url, f"{schema}_b", [one, two])
