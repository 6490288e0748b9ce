"""What the secretariat's pages (and the member's own page) share: guards, the renderer, and
refused forms that keep what was typed when the reader switches language.

A refused form is answered with `refused(...)`: the page again, with the typed values and a
message per field, rendered through `shared.web.replay` so its language switcher posts a sealed
copy (never an address) and the same page comes back in the other language — typed text kept,
messages translated anew. Messages are therefore kept as `[msgid, params]` until rendered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException

from services.participation.council.pages import catalogs, pages
from shared import addresses, content
from shared.auth import requires
from shared.refusals import WORDING, Kind, Refused
from shared.runtime import Runtime
from shared.web import replay
from shared.web.forms import N_, limits, user_of, warsaw_time
from shared.web.i18n import negotiate_language

SECRETARIAT_ROLES = ("council_secretary", "coordinator")
SECRETARIAT = [requires(*SECRETARIAT_ROLES)]
COORDINATOR = [requires("coordinator")]
MEMBER = [requires("council_member")]

Problem = list[Any]  # [msgid, {params}] or ["refusal", code, {params}]
Problems = dict[str, Problem]
Context = Callable[[Runtime, dict[str, Any], str], Awaitable[dict[str, Any]]]

__all__ = ["N_"]


def problem(msgid: str, **params: Any) -> Problem:
    """A message for a field, translated when the page is rendered."""
    return [msgid, params]


def refusal(exc: Refused) -> Problem:
    """A command's refusal, said with its code's page msgid when the page is rendered."""
    first = exc.first
    return ["refusal", first.code, {k: str(v) for k, v in first.params.items()}]


def say(lang: str, found: Problem) -> str:
    if found[0] == "refusal":
        text = catalogs.gettext(lang, WORDING[found[1]].page)
        return text % found[2] if found[2] else text
    text = catalogs.gettext(lang, found[0])
    return text % found[1] if found[1] else text


def said(lang: str, found: Problems) -> dict[str, str]:
    """The messages of a refused form in `lang`."""
    return {name: say(lang, p) for name, p in found.items()}


def checked(
    struct: Any,
    body: dict[str, Any],
    messages: dict[str, str],
    fields: dict[str, str] | None = None,
) -> Problems:
    """A problem per form field whose value breaks the API schema's type for it (all at once)."""
    found: Problems = {}
    for field in msgspec.structs.fields(struct):
        if field.name not in body or field.name not in messages:
            continue
        try:
            msgspec.convert(body[field.name], field.type)
            if addresses.refuses(body[field.name], field.type):
                raise msgspec.ValidationError(field.name)
        except msgspec.ValidationError:
            name = (fields or {}).get(field.name, field.name)
            found[name] = problem(messages[field.name], **limits(struct, field.name))
    return found


def page_error(exc: Refused) -> HTTPException:
    """A refusal no form of the page can say (an unknown object): the site's error page."""
    if exc.kind == Kind.NOT_FOUND:
        return NotFoundException(str(exc))
    return HTTPException(status_code=int(exc.kind), detail=str(exc))


def render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Response[str]:
    """A signed-in council page: Kraków times (`when`) and the signed-in `user`."""
    return pages.render(
        request, template, status_code, when=warsaw_time, user=user_of(request), **context
    )


class StaffPage:
    """One page (template + context) that a GET shows and a refused POST shows again."""

    def __init__(self, kind: str, template: str, context: Context, roles: tuple[str, ...]) -> None:
        self.kind = kind
        self.template = template
        self.context = context
        replay.answer_page(kind, render, template, self._context, roles=roles)

    async def _context(self, runtime: Runtime, data: dict[str, Any], lang: str) -> dict[str, Any]:
        context = await self.context(runtime, data, lang)
        return {
            "form": data.get("form"),
            "values": data.get("values") or {},
            "errors": said(lang, data.get("errors") or {}),
            "done": "",
            "drafts": data.get("drafts") or {},
            "drafts_available": content.drafts_available(runtime.settings),
            **context,
        }

    async def show(
        self, request: Request[Any, Any, Any], runtime: Runtime, **data: Any
    ) -> Response[str]:
        """The page as a GET shows it (`done`: what was just done, from the redirect)."""
        done = data.pop("done", "")
        context = await self._context(runtime, data, negotiate_language(request))
        context["done"] = done
        return render(request, self.template, **context)

    async def refused(
        self,
        request: Request[Any, Any, Any],
        runtime: Runtime,
        status_code: int,
        *,
        form: str | None = None,
        values: dict[str, Any] | None = None,
        errors: Problems,
        **data: Any,
    ) -> Response[str]:
        """The page again with what was typed and why it was refused; its language switch keeps
        both (a sealed copy posted to /page-language)."""
        sealed = {**data, "form": form, "values": values or {}, "errors": errors}
        return await replay.render_answer(request, runtime, self.kind, sealed, status_code)


# --- translations of what residents read (shared/content.py) ----------------------------

ORIGINAL = "pl"  # the secretariat writes in Polish; the other versions are translations


def translation_fields(*names: str) -> tuple[str, ...]:
    """The form fields holding the translations of the named fields (`title__en`, …)."""
    return tuple(field for name in names for field in content.field_names(name, ORIGINAL))


def translations_of(
    values: dict[str, str], fields: dict[str, tuple[str, int]], errors: Problems
) -> dict[str, dict[str, str]]:
    """The translations typed in a form, by stored field: `fields` maps a form field to the
    stored field and its length limit (`{"item_title": ("title", 300)}`); a translation over
    the limit is a problem on its own field."""
    found: dict[str, dict[str, str]] = {}
    for name, (stored, limit) in fields.items():
        typed, _ = content.from_form(values, name, ORIGINAL, max_length=10**9)
        for code, text in typed.items():
            if len(text) > limit:
                errors[f"{name}__{code}"] = problem(content.TOO_LONG, limit=limit)
        found[stored] = {code: text for code, text in typed.items() if len(text) <= limit}
    return found


def wants_drafts(values: dict[str, str]) -> bool:
    """The form's "suggest machine drafts" button was pressed (`_action=draft`)."""
    return values.get("_action") == "draft"


async def drafts_for(
    runtime: Runtime, values: dict[str, str], names: tuple[str, ...]
) -> dict[str, str]:
    """Machine drafts for the named fields' empty translations (none without a provider)."""
    return await content.drafts(
        runtime.settings, {name: values.get(name, "") for name in names}, ORIGINAL, values
    )
