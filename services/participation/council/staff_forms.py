"""What the secretariat's pages share: the guard, rendering with the staff context, a form turned
into the API's body with a message per field in the page's language, and Kraków wall time read
from a date and a time field. Pages in `staff_pages.py`."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from services.participation.council.pages import catalogs, pages
from shared.auth import requires
from shared.web.forms import field_errors as kit_field_errors
from shared.web.forms import translate, user_of, warsaw_time

SECRETARIAT = [requires("council_secretary", "coordinator")]


def t(request: Request[Any, Any, Any], message: str, **values: Any) -> str:
    """A message in the page's language, with its values filled in."""
    return translate(catalogs, request, message, **values)


def field_errors(
    request: Request[Any, Any, Any],
    struct: Any,
    body: dict[str, Any],
    messages: dict[str, str],
    fields: dict[str, str] | None = None,
) -> dict[str, str]:
    """A message per form field whose value breaks the schema's type for it (all at once)."""
    return kit_field_errors(catalogs, request, struct, body, messages, fields)


def render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Response[str]:
    """A secretariat page: Kraków times (`when`) and the signed-in `user`."""
    return pages.render(
        request, template, status_code, when=warsaw_time, user=user_of(request), **context
    )
