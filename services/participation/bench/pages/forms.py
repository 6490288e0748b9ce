"""What the Bench's staff pages share: guards, rendering with the staff context, a form turned
into the API's body with a message per field in the page's language, and resident text made safe
to read (`visible`). Pages in `staff.py` (queue, question), `session.py` and `mail.py`."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException

from services.participation.bench.pages.public import catalogs, pages
from shared.auth import requires
from shared.refusals import N_, Refused
from shared.web.forms import field_errors, translate, user_of, warsaw_date, warsaw_time
from shared.web.i18n import negotiate_language
from shared.web.refusals import Speaker, as_field, explain

STAFF = [requires("coordinator", "responder")]
COORDINATOR = [requires("coordinator")]
# Control characters and bidirectional overrides would hide or reorder what a resident wrote.
_HIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# The words for the states a refusal names (the same msgids as templates/bench/staff/labels.html).
STATUS_LABELS = {
    "received": N_("New, to moderate"),
    "accepted": N_("Accepted, to assign"),
    "assigned": N_("Assigned"),
    "answered": N_("Answered"),
    "follow_up": N_("Follow-up received"),
    "rejected": N_("Rejected"),
    "merged": N_("Merged into another question"),
    "open": N_("Taking questions by web and e-mail"),
    "closed": N_("Submissions closed"),
    "held": N_("Held: the session took place"),
    # Languages (a `Status` too in `bench.answer_language`), each named in itself.
    "pl": "polski",
    "en": "English",
    "uk": "українська",
    "ru": "русский",
    "be": "беларуская",
}


def explained(
    request: Request[Any, Any, Any],
    exc: Refused,
    *,
    anchor: str,
    names: dict[str, str] | None = None,
    order: tuple[str, ...] = (),
) -> dict[str, str]:
    """A command's refusal as the page's errors (`shared.web.refusals.explain`, in the page's
    language): per form field (`names` renames the API's fields), and what concerns no single
    field (a state: its code's text, then each reason) at `anchor`, an element of the page."""
    speaker = Speaker(catalogs, negotiate_language(request), STATUS_LABELS)
    errors = explain(speaker, exc.refusals, as_field(names), order)
    if errors.form:
        return {anchor: " ".join(errors.form), **errors.fields}
    return errors.fields


def t(request: Request[Any, Any, Any], message: str, **values: Any) -> str:
    """A message in the page's language, with its values filled in."""
    return translate(catalogs, request, message, **values)


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
    errors = field_errors(catalogs, request, struct, body, messages, fields)
    if errors:
        return None, errors
    return msgspec.convert(body, struct), {}


def visible(text: str | None) -> str:
    """Resident-written text with control characters and direction overrides shown as U+FFFD,
    so what is shown reads in the order it was written."""
    return _HIDDEN.sub("\ufffd", text or "")


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
