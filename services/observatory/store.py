"""SQL of the Observatory (schema `observatory`); every function takes the caller's connection."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from services.observatory import domain

COLUMNS = (
    "p.id, p.kind, p.title, p.title_i18n, p.summary, p.summary_i18n, p.topic, p.objective, "
    "p.published_on, p.document_url, p.created_at, p.updated_at, p.withdrawn_at, "
    "d.filename as document_name, d.size as document_size"
)
FROM = "from publications p left join documents d on d.publication_id = p.id"


def _search_text(row: dict[str, Any]) -> str:
    return domain.search_text(row["title"], row["summary"], row["title_i18n"], row["summary_i18n"])


async def insert_publication(conn: asyncpg.Connection, row: dict[str, Any]) -> None:
    await conn.execute(
        """insert into publications(id, kind, title, title_i18n, summary, summary_i18n, topic,
                                    objective, published_on, document_url, created_by, search_text)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
        row["id"],
        row["kind"],
        row["title"],
        row["title_i18n"],
        row["summary"],
        row["summary_i18n"],
        row["topic"],
        row["objective"],
        row["published_on"],
        row["document_url"],
        row["created_by"],
        _search_text(row),
    )


async def update_publication(conn: asyncpg.Connection, row: dict[str, Any]) -> None:
    await conn.execute(
        """update publications set kind = $2, title = $3, title_i18n = $4, summary = $5,
                  summary_i18n = $6, topic = $7, objective = $8, published_on = $9,
                  document_url = $10, search_text = $11, updated_at = now()
           where id = $1""",
        row["id"],
        row["kind"],
        row["title"],
        row["title_i18n"],
        row["summary"],
        row["summary_i18n"],
        row["topic"],
        row["objective"],
        row["published_on"],
        row["document_url"],
        _search_text(row),
    )


async def put_document(
    conn: asyncpg.Connection, publication_id: uuid.UUID, filename: str, content: bytes
) -> None:
    """The publication's PDF (replacing the one it had)."""
    await conn.execute(
        """insert into documents(publication_id, filename, size, sha256, content)
           values ($1, $2, $3, $4, $5)
           on conflict (publication_id) do update set filename = excluded.filename,
               size = excluded.size, sha256 = excluded.sha256, content = excluded.content,
               uploaded_at = now()""",
        publication_id,
        filename,
        len(content),
        domain.sha256(content),
        content,
    )


async def drop_document(conn: asyncpg.Connection, publication_id: uuid.UUID) -> None:
    await conn.execute("delete from documents where publication_id = $1", publication_id)


async def withdraw(
    conn: asyncpg.Connection, publication_id: uuid.UUID, by: str, at: datetime
) -> None:
    await conn.execute(
        "update publications set withdrawn_at = $2, withdrawn_by = $3, updated_at = $2 "
        "where id = $1",
        publication_id,
        at,
        by,
    )


async def publication(
    conn: asyncpg.Connection, publication_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " for update of p" if for_update else ""
    return await conn.fetchrow(f"select {COLUMNS} {FROM} where p.id = $1{lock}", publication_id)


async def document(conn: asyncpg.Connection, publication_id: uuid.UUID) -> asyncpg.Record | None:
    """A public publication's PDF (none for a withdrawn one)."""
    return await conn.fetchrow(
        """select d.filename, d.size, d.sha256, d.content, p.updated_at
           from documents d join publications p on p.id = d.publication_id
           where d.publication_id = $1 and p.withdrawn_at is null""",
        publication_id,
    )


def _filters(
    query: str, kind: str | None, objective: int | None, year: int | None, public: bool
) -> tuple[str, list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if public:
        where.append("p.withdrawn_at is null")
    for term in domain.search_terms(query):
        args.append(domain.like_pattern(term))
        n = len(args)
        # Every word somewhere in a title or a summary, in any of the three languages: a scan
        # of a small table (a few dozen publications a year), case-folded by `domain.search_text`.
        where.append(
            f"p.search_text like ${n}"  # noqa: S608 - a placeholder only
        )
    if kind:
        args.append(kind)
        where.append(f"p.kind = ${len(args)}")
    if objective:
        args.append(objective)
        where.append(f"p.objective = ${len(args)}")
    if year:
        args.append(date(year, 1, 1))
        args.append(date(year + 1, 1, 1))
        where.append(f"p.published_on >= ${len(args) - 1} and p.published_on < ${len(args)}")
    return (" where " + " and ".join(where)) if where else "", args


async def search(
    conn: asyncpg.Connection,
    *,
    query: str = "",
    kind: str | None = None,
    objective: int | None = None,
    year: int | None = None,
    limit: int = 20,
    offset: int = 0,
    public: bool = True,
) -> tuple[list[asyncpg.Record], int]:
    """Publications matching, newest first, and how many match in all."""
    where, args = _filters(query, kind, objective, year, public)
    # Only the filters' placeholders are formatted into the SQL; every value is bound.
    total = await conn.fetchval(f"select count(*) from publications p{where}", *args)  # noqa: S608
    rows = await conn.fetch(
        f"select {COLUMNS} {FROM}{where} "
        f"order by p.published_on desc, p.created_at desc, p.id "
        f"limit ${len(args) + 1} offset ${len(args) + 2}",
        *args,
        limit,
        offset,
    )
    return list(rows), int(total)


async def years(conn: asyncpg.Connection) -> list[int]:
    """The years with a public publication, newest first (the year filter's choices)."""
    rows = await conn.fetch(
        "select distinct extract(year from published_on)::int as y from publications "
        "where withdrawn_at is null order by y desc"
    )
    return [r["y"] for r in rows]
