"""What staff pages share, whatever the service: the signed-in caller, messages in the page's
language, a posted form checked field by field against the API's own body schema (every problem
at once, each with the schema's limits), and Kraków wall time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException

from shared import addresses
from shared.auth import Principal, current_user
from shared.web.i18n import Catalogs, negotiate_language

WARSAW = ZoneInfo("Europe/Warsaw")


def N_(message: str) -> str:
    """Marks a message for extraction (pybabel's default keywords); translated when shown."""
    return message


def user_of(request: Request[Any, Any, Any]) -> Principal:
    """The signed-in caller of a guarded page."""
    user = current_user(request)
    assert user is not None  # the route's guard admitted a signed-in caller
    return user


def translate(
    catalogs: Catalogs, request: Request[Any, Any, Any], message: str, **values: Any
) -> str:
    """A message in the page's language, with its values filled in."""
    text = catalogs.gettext(negotiate_language(request), message)
    return text % values if values else text


def limits(struct: Any, name: str) -> dict[str, Any]:
    """min/max length of a text field, read from the schema (Optional fields included)."""
    info: Any = next(f.type for f in msgspec.inspect.type_info(struct).fields if f.name == name)
    for candidate in getattr(info, "types", (info,)):
        if isinstance(candidate, msgspec.inspect.StrType):
            return {"min": candidate.min_length, "max": candidate.max_length}
    return {}


def field_errors(
    catalogs: Catalogs,
    request: Request[Any, Any, Any],
    struct: Any,
    body: dict[str, Any],
    messages: dict[str, str],
    fields: dict[str, str] | None = None,
) -> dict[str, str]:
    """A message per form field whose value breaks the schema's type for it (all at once).

    `messages` maps a body field to its message (with %(min)s / %(max)s from the schema);
    `fields` renames body fields to the form's names where they differ."""
    errors: dict[str, str] = {}
    for field in msgspec.structs.fields(struct):
        if field.name not in body or field.name not in messages:
            continue
        try:
            msgspec.convert(body[field.name], field.type)
            if addresses.refuses(body[field.name], field.type):
                raise msgspec.ValidationError(field.name)
        except msgspec.ValidationError:
            form_name = (fields or {}).get(field.name, field.name)
            errors[form_name] = translate(
                catalogs, request, messages[field.name], **limits(struct, field.name)
            )
    return errors


def refused_field(exc: HTTPException) -> str | None:
    """The field a 422 of a service names (`shared.http.field_error`), if any."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    return next((str(e.get("key")) for e in extra if isinstance(e, dict)), None)


async def form_values(request: Request[Any, Any, Any], *names: str) -> dict[str, str]:
    """The named fields of a posted form, as text (missing ones empty)."""
    form = await request.form()
    return {name: str(form.get(name, "")) for name in names}


def warsaw_moment(naive: datetime) -> datetime | None:
    """The UTC moment a Kraków wall time names, or None when that day's clocks skip it (the
    spring gap). In the autumn overlap the first occurrence (summer time) is meant, as the
    Council's meeting form does."""
    moment = naive.replace(tzinfo=WARSAW, fold=0).astimezone(UTC)
    if moment.astimezone(WARSAW).replace(tzinfo=None) != naive:
        return None
    return moment


def warsaw_time(moment: datetime | None) -> str:
    """A moment as Kraków wall time, to the minute."""
    return moment.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M") if moment else ""


def warsaw_date(moment: datetime | None) -> str:
    """The Kraków day of a moment (deadlines are days)."""
    return moment.astimezone(WARSAW).date().isoformat() if moment else ""
