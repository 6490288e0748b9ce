"""What the Bench's staff pages share: guards, rendering with the staff context, a form turned
into the API's body with a message per field in the page's language, and resident text made safe
to read (`visible`). Pages in `staff_pages.py` (queue, question) and `mail_pages.py`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException

from services.participation.bench import domain
from services.participation.bench.pages import catalogs, pages
from shared.auth import Principal, current_user, requires
from shared.web.i18n import negotiate_language

STAFF = [requires("coordinator", "responder")]
COORDINATOR = [requires("coordinator")]
# Control characters and bidirectional overrides would hide or reorder what a resident wrote.
_HIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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


def convert(
    request: Request[Any, Any, Any],
    struct: Any,
    body: dict[str, Any],
    messages: dict[str, str],
    fields: dict[str, str] | None = None,
) -> tuple[Any, dict[str, str]]:
    """The form as the API's body, or a message per form field that breaks the schema.

    Each field is checked against its own type, so every problem is listed at once.
    """
    errors: dict[str, str] = {}
    for field in msgspec.structs.fields(struct):
        if field.name not in body:
            continue
        try:
            msgspec.convert(body[field.name], field.type)
        except msgspec.ValidationError:
            form_name = (fields or {}).get(field.name, field.name)
            errors[form_name] = t(request, messages[field.name], **limits(struct, field.name))
    if errors:
        return None, errors
    return msgspec.convert(body, struct), {}


def refused_field(exc: HTTPException) -> str | None:
    """The field a 422 of the service names (`field_error`), if any."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    return next((str(e.get("key")) for e in extra if isinstance(e, dict)), None)


def visible(text: str | None) -> str:
    """Resident-written text with control characters and direction overrides shown as U+FFFD,
    so what is shown reads in the order it was written."""
    return _HIDDEN.sub("\ufffd", text or "")


def warsaw_time(moment: datetime | None) -> str:
    """A moment as Kraków wall time, to the minute."""
    return moment.astimezone(domain.WARSAW).strftime("%Y-%m-%d %H:%M") if moment else ""


def warsaw_date(moment: datetime | None) -> str:
    """The Kraków day of a moment (deadlines are days)."""
    return moment.astimezone(domain.WARSAW).date().isoformat() if moment else ""


def render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Response[str]:
    """A staff page: Kraków times (`when`, `day`), `visible` for resident text, the `user`."""
    return pages.render(
        request,
        template,
        status_code,
        when=warsaw_time,
        day=warsaw_date,
        visible=visible,
        user=user_of(request),
        **context,
    )


def choice(value: str, allowed: tuple[str, ...]) -> str | None:
    """An optional filter: empty is none, anything not offered is a bad request."""
    if not value:
        return None
    if value not in allowed:
        raise HTTPException(status_code=400, detail=f"not one of {', '.join(allowed)}")
    return value


async def form_values(request: Request[Any, Any, Any], *names: str) -> dict[str, str]:
    """The named fields of a posted form, as text (missing ones empty)."""
    form = await request.form()
    return {name: str(form.get(name, "")) for name in names}
