"""What the secretariat's pages share: the guard, rendering with the staff context, a form turned
into the API's body with a message per field in the page's language, and Kraków wall time read
from a date and a time field. Pages in `staff_pages.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, Response

from services.participation.council import domain
from services.participation.council.pages import catalogs, pages
from shared.auth import Principal, current_user, requires
from shared.web.i18n import negotiate_language

SECRETARIAT = [requires("council_secretary", "coordinator")]


def N_(message: str) -> str:
    """Marks a message for extraction (pybabel's default keywords); translated when shown."""
    return message


def user_of(request: Request[Any, Any, Any]) -> Principal:
    """The signed-in caller of a guarded page."""
    user = current_user(request)
    assert user is not None  # the route's guard admitted a signed-in caller
    return user


def t(request: Request[Any, Any, Any], message: str, **values: Any) -> str:
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
    request: Request[Any, Any, Any],
    struct: Any,
    body: dict[str, Any],
    messages: dict[str, str],
    fields: dict[str, str] | None = None,
) -> dict[str, str]:
    """A message per form field whose value breaks the schema's type for it (all at once)."""
    errors: dict[str, str] = {}
    for field in msgspec.structs.fields(struct):
        if field.name not in body or field.name not in messages:
            continue
        try:
            msgspec.convert(body[field.name], field.type)
        except msgspec.ValidationError:
            form_name = (fields or {}).get(field.name, field.name)
            errors[form_name] = t(request, messages[field.name], **limits(struct, field.name))
    return errors


def warsaw_time(moment: datetime | None) -> str:
    """A moment as Kraków wall time, to the minute."""
    return moment.astimezone(domain.WARSAW).strftime("%Y-%m-%d %H:%M") if moment else ""


def render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Response[str]:
    """A secretariat page: Kraków times (`when`) and the signed-in `user`."""
    return pages.render(
        request, template, status_code, when=warsaw_time, user=user_of(request), **context
    )


async def form_values(request: Request[Any, Any, Any], *names: str) -> dict[str, str]:
    """The named fields of a posted form, as text (missing ones empty)."""
    form = await request.form()
    return {name: str(form.get(name, "")) for name in names}
