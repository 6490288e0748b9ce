"""What the small-grants pages share: the renderer and catalogs, reading form input, the
signed-in person, and how a refusal no form says is shown (the translated error page)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from litestar import Request, Response

from services.grants.page_errors import Speaker
from services.grants.refusals import Refusal
from shared import content
from shared.auth import Principal, current_user
from shared.refusals import Refused
from shared.web.i18n import KIT_LOCALE_DIR, Catalogs, negotiate_language
from shared.web.templates import PageRenderer, kit_pages

HERE = Path(__file__).parent.parent  # services/grants
catalogs = Catalogs([KIT_LOCALE_DIR, HERE / "locale"])
pages = PageRenderer([HERE / "templates"], catalogs)
BUDGET_ROWS = 5
CRITERIA_ROWS = 4


def refused_page(request: Request[Any, Any, Any], exc: Refused) -> Response[str]:
    """A refusal no form says (another organisation's application, an unknown call): the
    translated error page of its status, as for any other page error."""
    return kit_pages.render_error(request, int(exc.kind))


# On every page route: app-wide, a refusal is answered as the API's problem details.
REFUSED: Any = {Refused: refused_page}


def speaker_for(request: Request[Any, Any, Any]) -> Speaker:
    return Speaker(catalogs, negotiate_language(request))


AMOUNT = re.compile(r"-?[0-9]{1,13}(?:[.,][0-9]{1,2})?")


def minor(text: str) -> int | None:
    """'2 500,50' → 250050 minor units; None when it is not an amount (e.g. '1e9', '2.505')."""
    digits = "".join(text.split())  # people group thousands with spaces
    if not AMOUNT.fullmatch(digits):
        return None
    return int(Decimal(digits.replace(",", ".")) * 100)


def whole(text: str | None, default: int) -> int:
    """A whole number typed in a field; `default` when empty, -1 (out of every range) when not one."""
    text = (text or "").strip()
    if not text:
        return default
    return int(text) if re.fullmatch(r"-?[0-9]{1,9}", text) else -1


def number(text: str | None) -> float:
    """A decimal number typed in a field ('2,5' too); 0 (out of range) when it is not one."""
    try:
        value = float((text or "").strip().replace(",", "."))
    except ValueError:
        return 0
    return value if math.isfinite(value) else 0


def choices(values: list[str] | None) -> list[int]:
    return [int(v) for v in values or [] if re.fullmatch(r"[0-9]{1,3}", v)]


async def form_values(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    return {
        k: form.getall(k) if k in ("objectives", "eligible_kinds") else form.get(k) for k in form
    }


def field_text(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def call_title(call: Any, lang: str) -> str:
    """The call's title in `lang` where there is a version, else the original (as plain text:
    pages that show it to NGOs or the public use `content.text` instead, which marks `lang`)."""
    return content.shown(call["title"], "pl", call["title_i18n"], lang).text


def row_field(
    refused: Refusal,
    pattern: re.Pattern[str],
    rows: list[int],
    fields: Mapping[str, str],
    wrapper: str,
) -> tuple[str, Refusal] | None:
    """A refusal of a part of list item n (e.g. budget_lines[n].amount) placed at the field
    of its form row (`fields` maps the part to the field, {row} filled in), numbered."""
    match = pattern.match(refused.field or "")
    if not match or not match.group(2) or int(match.group(1)) >= len(rows):
        return None
    row = rows[int(match.group(1))]
    name = fields[match.group(2)].format(row=row)
    return name, Refusal(wrapper, {"n": row + 1, "message": refused})


def who(request: Request[Any, Any, Any]) -> Principal:
    """The signed-in person (the route's guard let only them in)."""
    user = current_user(request)
    assert user is not None
    return user
