"""Addresses stored before they were checked as mail reads them (`openkrakow addresses`).

Every e-mail column of every service's schema (a text column whose name ends in `email`) is
read and each address checked with `shared.addresses.normalise`:

- `normalised`: already in the one stored form;
- `to_normalise`: an address that normalises to another form (e.g. a Unicode domain stored
  before the ASCII form was the rule); `--fix` rewrites it, so limits, duplicate checks and
  erasures see one key (a row whose new form would collide with a unique constraint is left
  as it is and counted under `kept`);
- `unusable`: no address mail would read as typed (e.g. `b,contact@example.org`); left as it
  is — mail to it is skipped with a warning (`shared.mail.queue`), it never stops the change
  the mail reports — for staff to correct with the person.

Only counts are printed: the addresses themselves are personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from shared import addresses


@dataclass
class ColumnReport:
    schema: str
    table: str
    column: str
    normalised: int = 0
    to_normalise: int = 0
    unusable: int = 0
    fixed: int = 0
    kept: int = 0
    problems: list[str] = field(default_factory=list)


async def email_columns(conn: asyncpg.Connection, schema: str) -> list[tuple[str, str]]:
    rows = await conn.fetch(
        """select c.table_name, c.column_name from information_schema.columns c
           join information_schema.tables t
             on t.table_schema = c.table_schema and t.table_name = c.table_name
           where c.table_schema = $1 and t.table_type = 'BASE TABLE'
             and c.data_type = 'text' and c.column_name like '%email'
           order by 1, 2""",
        schema,
    )
    return [(r["table_name"], r["column_name"]) for r in rows]


async def audit_column(
    conn: asyncpg.Connection, schema: str, table: str, column: str, *, fix: bool
) -> ColumnReport:
    report = ColumnReport(schema, table, column)
    # Names read from information_schema (never input), quoted as identifiers.
    ident = f'"{schema}"."{table}"'
    col = f'"{column}"'
    values = await conn.fetch(
        f"select distinct {col} as v from {ident} where {col} is not null"  # noqa: S608
    )
    for row in values:
        stored: str = row["v"]
        try:
            wanted = addresses.normalise(stored)
        except addresses.BadAddress:
            report.unusable += 1
            continue
        if wanted == stored:
            report.normalised += 1
            continue
        report.to_normalise += 1
        if not fix:
            continue
        try:
            async with conn.transaction():
                await conn.execute(
                    f"update {ident} set {col} = $2 where {col} = $1",  # noqa: S608
                    stored,
                    wanted,
                )
            report.fixed += 1
        except asyncpg.UniqueViolationError:
            report.kept += 1
    return report


async def audit(pools: dict[str, asyncpg.Pool], *, fix: bool = False) -> list[ColumnReport]:
    """A report per e-mail column of each schema (pools by schema name)."""
    reports: list[ColumnReport] = []
    for schema, pool in pools.items():
        async with pool.acquire() as conn:
            for table, column in await email_columns(conn, schema):
                reports.append(await audit_column(conn, schema, table, column, fix=fix))
    return reports
