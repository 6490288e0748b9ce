"""The incidents pages (no JavaScript): `public` (the report form in five languages and its
receipt) and `staff` (the response team's list and report pages, the coordinator's team)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from services.incidents.domain import DISTRICT_NAMES
from services.incidents.i18n import FORM_LANGUAGE_NAMES, catalogs, form_catalogs
from shared.web.templates import PageRenderer

pages = PageRenderer([Path(__file__).parent.parent / "templates"], catalogs)
pages.environment.globals["district_names"] = DISTRICT_NAMES
pages.environment.globals["form_language_names"] = FORM_LANGUAGE_NAMES


def form_gettext(form_lang: str, page_lang: str) -> dict[str, Any]:
    """`_`, `gettext` and `ngettext` for the form's pages: the form's own texts (and the kit's
    form texts it uses) in the form's language, anything else (header, footer) in the page's."""

    def text(message: str) -> str:
        own = form_catalogs.translation(form_lang, message)
        if isinstance(own, tuple):
            own = own[0] if own else ""
        return own or catalogs.gettext(page_lang, message)

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        out: str = text(message)
        if context.eval_ctx.autoescape:
            out = Markup(out)
        return out % variables if variables else out

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        own = form_catalogs.translation(form_lang, singular)
        if isinstance(own, tuple) and all(own):
            out = form_catalogs.ngettext(form_lang, singular, plural, num)
        else:
            out = catalogs.ngettext(page_lang, singular, plural, num)
        if context.eval_ctx.autoescape:
            out = Markup(out)
        return out % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext, "form_lang": form_lang}
