"""The people the platform knows in a signed-in role, and the open work of each.

A service with such people (an organisation's representative, an evaluator, a juror, a council
member or secretary, a responder) gives its `ServiceSpec` a `PeopleHooks`:

- `identities(conn, email)`: who this address is in the service's schema — one `Identity` per
  role (and organisation) the person holds now. The kit's e-mail sign-in (`POST /auth/sign-in`)
  asks every service and mails one-time links for what they answer; an address nobody knows
  gets no mail, and the page answers the same either way.
- `open_work(conn, principal, lang)`: what the signed-in person has to do in this service now,
  as counted links for their home page (`WorkItem`), labels already in `lang`.

Both run on the service's own pool, in a read-only transaction opened by the kit.

`invitation_link` is the way in that a mail from a command carries (adding an evaluator,
appointing a juror or a council member, assigning a question): a one-time sign-in link (the same
15-minute, single-use, POST-spent link as the sign-in form's) that leads straight to the page of
the work. A link that has expired leads to the sign-in form with the same target kept, so the
person asks for a fresh one in one step.

People added on pages (not by an identity provider) get a subject of their own from
`new_subject()`; a service reuses the subject it already stores for an address, so one person
has one subject (and one link per role) in that service.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import asyncpg

from shared.auth import Principal


@dataclass(frozen=True)
class Identity:
    """A role an e-mail address holds in a service, enough to sign a link for it."""

    subject: str
    role: str  # one of shared.auth.ROLES
    org: uuid.UUID | None = None
    # The person's language where the service knows it (pl, en, uk); else the form's language.
    language: str | None = None
    name: str | None = None
    # Where the link leads; None: the role's home (shared.auth_pages.ROLE_HOME).
    home: str | None = None
    # A few words saying what the role is here, in `language` or Polish ("evaluator, call 2027").
    what: str | None = None


@dataclass(frozen=True)
class WorkItem:
    """One line of a signed-in person's open work: a count and the page where it is done."""

    role: str
    label: str  # translated into the page's language by the service
    count: int
    href: str
    overdue: int = 0  # of `count`, past their date (shown first and marked)


Identities = Callable[[asyncpg.Connection, str], Awaitable[Sequence[Identity]]]
OpenWork = Callable[[asyncpg.Connection, Principal, str], Awaitable[Sequence[WorkItem]]]


async def _no_work(conn: asyncpg.Connection, principal: Principal, lang: str) -> list[WorkItem]:
    return []


@dataclass(frozen=True)
class PeopleHooks:
    """A service's answer to "who is this address" and "what has this person to do"."""

    identities: Identities
    open_work: OpenWork = field(default=_no_work)

    @staticmethod
    def combine(*hooks: PeopleHooks) -> PeopleHooks:
        """One service made of parts (the participation service: Bench and Council)."""

        async def identities(conn: asyncpg.Connection, email: str) -> list[Identity]:
            found: list[Identity] = []
            for hook in hooks:
                found.extend(await hook.identities(conn, email))
            return found

        async def open_work(
            conn: asyncpg.Connection, principal: Principal, lang: str
        ) -> list[WorkItem]:
            items: list[WorkItem] = []
            for hook in hooks:
                items.extend(await hook.open_work(conn, principal, lang))
            return items

        return PeopleHooks(identities=identities, open_work=open_work)


def new_subject() -> str:
    """A subject for a person added on a page (no identity provider): random, not their address."""
    return f"person:{uuid.uuid4()}"


def invitation_link(
    runtime: Any,
    *,
    subject: str,
    role: str,
    next: str,
    org: uuid.UUID | None = None,
    name: str | None = None,
) -> str:
    """A one-time sign-in URL (15 minutes, single use, spent by POST) leading to `next`.

    `runtime` is the process's `shared.runtime.Runtime` (a command has it as `uow.runtime`);
    `name`, when given, is shown in the header as the signed-in person.
    """
    assert runtime.auth is not None, "the runtime is not connected"
    token = runtime.auth.login_link_token(subject, role, org=org, name=name)
    query = urlencode({"token": token, "next": next})
    return f"{runtime.settings.public_url}/auth/link?{query}"
