"""Personal data on request (GDPR art. 15 and 17): what each service registers, and the kit's helpers.

A service hands its `ServiceSpec` a `PrivacyHooks`: an exporter and an eraser, each working on
the service's own schema inside a transaction the kit opens, given the `Person` asking. The kit
coordinates requests (`shared.privacy.coordinator`), serves the coordinator's API
(`shared.privacy.api`) and looks after its own tables in every schema (`shared.privacy.kit_tables`).

Erasure anonymises rather than deletes what counts toward an indicator: names, addresses and
free text become `ERASED` (or NULL), tokens are made useless, and the row stays, so every
indicator and every count over a service's own tables stays exactly as it was.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import msgspec

from shared import addresses

ERASED = "[erased]"
# Where a column must hold an address: a reserved name (RFC 6761: `.invalid` never resolves);
# shared.mail.queue drops mail to it.
ERASED_EMAIL = "erased@erased.invalid"

# The services' address rule, without control characters (they cannot be stored anyway).
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]{2,}$"
_EMAIL = re.compile(EMAIL_PATTERN)


def normalise_email(raw: str) -> str:
    """The address as the platform stores it (shared.addresses.normalise); ValueError if not one.

    An address a person asks about that the services would refuse today may still be stored
    from before they checked addresses as mail reads them: it is looked up trimmed and
    lower-cased, as it was stored then.
    """
    try:
        return addresses.normalise(raw)
    except addresses.BadAddress:
        pass
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValueError("not an e-mail address")
    return email


@dataclass(frozen=True)
class Person:
    """Who asks: their e-mail address (normalised) and, for a signed-in user, their subject id."""

    email: str
    subject: str | None = None


@dataclass
class Erased:
    """What an eraser did: counts per kind of record, and the names it found on them.

    The names let the kit find the person in the schema's queued mail and stored responses, and
    let the service itself redact them where others wrote about the person.
    """

    counts: dict[str, int] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)

    def add(self, what: str, count: int) -> None:
        """Count `count` records of kind `what` (zero counts are kept out)."""
        if count:
            self.counts[what] = self.counts.get(what, 0) + count

    def merge(self, other: Erased) -> Erased:
        """Both results together."""
        for what, count in other.counts.items():
            self.add(what, count)
        self.names |= other.names
        return self


Export = dict[str, list[dict[str, Any]]]
Exporter = Callable[[asyncpg.Connection, Person], Awaitable[Export]]
Eraser = Callable[[asyncpg.Connection, Person], Awaitable[Erased]]


@dataclass(frozen=True)
class PrivacyHooks:
    """A service's exporter and eraser; both run inside a transaction on the service's pool."""

    export: Exporter
    erase: Eraser

    @staticmethod
    def combine(*hooks: PrivacyHooks) -> PrivacyHooks:
        """One service made of parts (the participation service: Bench and Council)."""

        async def export(conn: asyncpg.Connection, person: Person) -> Export:
            document: Export = {}
            for hook in hooks:
                document.update(await hook.export(conn, person))
            return document

        async def erase(conn: asyncpg.Connection, person: Person) -> Erased:
            result = Erased()
            for hook in hooks:
                result.merge(await hook.erase(conn, person))
            return result

        return PrivacyHooks(export=export, erase=erase)


def records(rows: Iterable[asyncpg.Record | dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (ids and times as strings; bytes as text) for an export."""
    out = []
    for row in rows:
        item = {}
        for key, value in dict(row).items():
            if isinstance(value, bytes | bytearray | memoryview):
                value = bytes(value).decode("utf-8", errors="replace")
            item[key] = msgspec.to_builtins(value)
        out.append(item)
    return out


def identifying_names(names: Iterable[str | None]) -> list[str]:
    """Names specific enough to look for in free text: at least two words, none the marker.

    A single word ("Jan") would also match other people and ordinary words, so it is never
    searched for in text written by others; the person's own records are found by address.
    """
    found = []
    for name in names:
        cleaned = " ".join((name or "").split())
        if cleaned and cleaned != ERASED and len(cleaned.split(" ")) >= 2 and len(cleaned) >= 5:
            found.append(cleaned)
    return sorted(set(found), key=len, reverse=True)


def redact(text: str, needles: Iterable[str]) -> str:
    """`text` with every whole-word, case-insensitive occurrence of a needle replaced by ERASED."""
    for needle in needles:
        if needle:
            text = re.sub(rf"(?<!\w){re.escape(needle)}(?!\w)", ERASED, text, flags=re.IGNORECASE)
    return text


def mentions(text: str | None, needles: Iterable[str]) -> bool:
    """True when `text` names a needle (as `redact` would find it)."""
    return bool(text) and redact(text or "", needles) != text


def affected(status: str) -> int:
    """Rows affected, from asyncpg's command status ("DELETE 3", "UPDATE 1")."""
    try:
        return int(status.rsplit(" ", 1)[-1])
    except ValueError:
        return 0


_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


async def redact_column(
    conn: asyncpg.Connection, table: str, column: str, needles: Iterable[str]
) -> int:
    """Redact the needles in a text column of the connection's schema; returns rows changed.

    For free text that others wrote about the person (minutes, juror comments): rows are found
    by a case-insensitive substring, then redacted on whole words only.
    """
    wanted = [n for n in needles if n]
    if not wanted:
        return 0
    if not (_IDENTIFIER.match(table) and _IDENTIFIER.match(column)):
        raise ValueError(f"bad identifier {table}.{column}")
    # Identifiers come from the services' code, never from input (checked above).
    rows = await conn.fetch(
        f"select ctid, {column} as text from {table} "  # noqa: S608
        f"where {column} is not null and exists "
        f"(select 1 from unnest($1::text[]) n where strpos(lower({column}), lower(n)) > 0) "
        "for update",
        wanted,
    )
    changed = 0
    for row in rows:
        redacted = redact(row["text"], wanted)
        if redacted != row["text"]:
            await conn.execute(
                f"update {table} set {column} = $2 where ctid = $1",  # noqa: S608
                row["ctid"],
                redacted,
            )
            changed += 1
    return changed


__all__ = [
    "ERASED",
    "EMAIL_PATTERN",
    "ERASED_EMAIL",
    "Erased",
    "Export",
    "affected",
    "Person",
    "PrivacyHooks",
    "identifying_names",
    "mentions",
    "normalise_email",
    "records",
    "redact",
    "redact_column",
]


async def redact_mentions(
    conn: asyncpg.Connection,
    result: Erased,
    label: str,
    needles: Iterable[str],
    columns: Iterable[tuple[str, str]],
) -> None:
    """Redact the person's address and names in free-text `columns` (table, column) that others
    wrote; count the rows changed in `result` under `label`."""
    wanted = list(needles)
    mentions = 0
    for table, column in columns:
        mentions += await redact_column(conn, table, column, wanted)
    result.add(label, mentions)
