"""Why a command refuses: a stable code, its parameters and the field it names.

A refusal is a plain exception (`Refused`), raised by domain rules and commands alike; nothing
below the web edge knows HTTP. It is said once per edge:
- the API (shared/http.py) answers problem details: the HTTP status of the refusal's kind, and
  as `detail`/`errors[].message` the code's English API text (`Wording.api`);
- the pages (shared/web/refusals.py) say the code's page text (`Wording.page`, an English msgid
  translated in the service's catalogs) next to the field it names, in the reader's language.

Each service lists its codes in a mapping of `Wording` and registers it with `register()`;
a code raised without being registered is a bug caught at once (KeyError), and the services'
unit tests check that every page text is translated in pl/en/uk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention, so `pybabel extract` finds it
    """Mark a msgid for extraction; it is translated where it is shown."""
    return msgid


class Kind(IntEnum):
    """What a refusal says about the request; its value is the API's HTTP status."""

    INVALID = 422  # the input breaks a rule (a field names where)
    BAD_REQUEST = 400  # the request itself is malformed (e.g. a header)
    NOT_FOUND = 404  # the object does not exist (or the caller may not know it does)
    FORBIDDEN = 403  # the caller may not do this to this object
    CONFLICT = 409  # valid, but the object's state forbids it now (closed call, deadline...)
    TOO_MANY = 429  # a limit on the caller


@dataclass(frozen=True)
class Wording:
    page: str  # msgid shown on the pages, translated in the service's catalogs
    api: str | None = None  # English text of the API's problem details; None: pages only


WORDING: dict[str, Wording] = {}


def register(wordings: Mapping[str, Wording]) -> Mapping[str, Wording]:
    """Add a service's codes to the registry (at import); a code means one thing everywhere."""
    for code, wording in wordings.items():
        known = WORDING.get(code)
        if known is not None and known != wording:
            raise ValueError(f"refusal code {code!r} is registered twice with different texts")
        WORDING[code] = wording
    return wordings


@dataclass(frozen=True)
class Amount:
    """Money in a refusal: the API text shows the bare minor units, the pages the currency."""

    minor: int
    currency: str

    def __str__(self) -> str:
        return str(self.minor)


class Status(str):
    """A state word of a service (`draft`, `submitted`...): the pages say it in words."""

    __slots__ = ()


def warsaw_text(moment: datetime) -> str:
    """A moment as people in Kraków read it, e.g. '2026-03-31 23:59 (Europe/Warsaw)'."""
    return moment.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M") + " (Europe/Warsaw)"


def _api_value(value: Any) -> Any:
    return warsaw_text(value) if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Refusal:
    """One reason a request is refused: a registered code, its parameters, the field it names."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    field: str | None = None  # as the API names it, e.g. "budget_lines[1].amount.amount"

    def __post_init__(self) -> None:
        if self.code not in WORDING:
            raise KeyError(f"refusal code {self.code!r} is not registered (shared.refusals)")

    @property
    def english(self) -> str:
        """The API's text: English, amounts in minor units, times in Europe/Warsaw."""
        wording = WORDING[self.code]
        text = wording.api if wording.api is not None else wording.page
        return text % {name: _api_value(value) for name, value in self.params.items()}


class Reasons(tuple[Refusal, ...]):
    """Several refusals given as one (what still blocks a decision), joined by '; '."""

    def __str__(self) -> str:
        return "; ".join(r.english for r in self)


class Refused(Exception):
    """A command's refusal: nothing was changed (the unit of work rolls back)."""

    def __init__(self, kind: Kind, *refusals: Refusal) -> None:
        assert refusals, "a refusal says why"
        self.kind = kind
        self.refusals = refusals
        super().__init__("; ".join(r.english for r in refusals))

    @property
    def first(self) -> Refusal:
        return self.refusals[0]

    @property
    def code(self) -> str:
        return self.refusals[0].code

    @property
    def field(self) -> str | None:
        return self.refusals[0].field


def refuse(kind: Kind, code: str, *, field: str | None = None, **params: Any) -> Refused:
    """The exception for one refusal: `raise refuse(Kind.CONFLICT, "call.closed", closes=t)`."""
    return Refused(kind, Refusal(code, params, field))


def invalid(field_name: str, code: str, **params: Any) -> Refused:
    """A 422 naming the input field that breaks a rule."""
    return Refused(Kind.INVALID, Refusal(code, params, field_name))


def not_found(code: str, **params: Any) -> Refused:
    return Refused(Kind.NOT_FOUND, Refusal(code, params))


def conflict(code: str, **params: Any) -> Refused:
    return Refused(Kind.CONFLICT, Refusal(code, params))


def forbidden(code: str, **params: Any) -> Refused:
    return Refused(Kind.FORBIDDEN, Refusal(code, params))
