"""Render resident-facing pages: Jinja2 templates in the negotiated language, with security headers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.types import Message, Scope
from litestar.utils.empty import value_or_default
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup

from shared import content
from shared.auth import Principal
from shared.http import same_origin_path
from shared.web.i18n import (
    KIT_LOCALE_DIR,
    LANGUAGE_QUERY_PARAM,
    LANGUAGES,
    Catalogs,
    available_languages,
    negotiate_language,
    remember_language,
)
from shared.web.navigation import navigation

log = logging.getLogger(__name__)

KIT_DIR = Path(__file__).parent
KIT_TEMPLATE_DIR = KIT_DIR / "templates"
KIT_STATIC_DIR = KIT_DIR / "static"

# The error page has a message for these; other codes fall back to 400 or 500.
ERROR_PAGE_STATUSES = (400, 403, 404, 409, 413, 429, 500)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


async def security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook adding CSP, nosniff, Referrer-Policy and X-Frame-Options.

    Install with ``Litestar(before_send=[security_headers])``. Not middleware: Litestar runs
    app middleware only for matched routes, so its own 404/405 responses would go without.
    """
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", []))
    present = {bytes(name).lower() for name, _ in headers}
    # A handler that set its own policy (e.g. a download) keeps it.
    headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
    message["headers"] = headers


def static_files_router(path: str = "/static", extra_dirs: Sequence[Path] = ()) -> Router:
    """A router serving the kit's static assets (and any extra dirs) under ``path``."""
    return create_static_files_router(
        path=path, directories=[KIT_STATIC_DIR, *extra_dirs], name="kit-static"
    )


def csrf_token_of(request: Request[Any, Any, Any]) -> str:
    """The CSRF token Litestar's CSRF middleware put in the scope; empty without CSRF config."""
    return value_or_default(ScopeState.from_scope(request.scope).csrf_token, "")


def _lang_urls(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The current path and query with ``lang`` set to each language (for the switcher)."""
    other_params = [
        (key, value)
        for key, value in request.query_params.multi_items()
        if key != LANGUAGE_QUERY_PARAM
    ]
    # The path as asked: "//evil.example/x" or "/\t/evil.example" (a 404 page) must not become
    # a link to another site, so it is encoded and checked like any redirect target.
    path = same_origin_path(quote(request.url.path, safe="/")) or "/"
    return {
        lang: f"{path}?{urlencode([*other_params, (LANGUAGE_QUERY_PARAM, lang)])}"
        for lang in LANGUAGES
    }


def _template_gettext(catalogs: Catalogs, lang: str) -> tuple[Callable[..., str], ...]:
    """Per-request gettext/ngettext behaving like Jinja2's newstyle callables.

    They are passed in the render context instead of installed on the shared Environment,
    because concurrent requests in different languages share that Environment.
    """

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        text: str = catalogs.gettext(lang, message)
        if context.eval_ctx.autoescape:
            # Markup % escapes the variables, never the translation itself.
            text = Markup(text)
        return text % variables if variables else text

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        text: str = catalogs.ngettext(lang, singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return gettext, ngettext


class PageRenderer:
    """Renders kit and service templates into Litestar responses in the resident's language."""

    def __init__(self, template_dirs: Sequence[Path], catalogs: Catalogs) -> None:
        self.catalogs = catalogs
        # Service dirs first so a service may override a kit partial; the kit is the fallback.
        loaders = [FileSystemLoader(str(d)) for d in [*template_dirs, KIT_TEMPLATE_DIR]]
        self.environment = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # A heading made of a sentence's words: its first letter upper-case ("sekretarz Rady").
        self.environment.filters["sentence"] = lambda text: text[:1].upper() + text[1:]
        # Staff-entered text in the reader's language (shared/content.py, content.html).
        self.environment.globals.update(
            shown_text=content.shown,
            untranslated_note=lambda code: content.UNTRANSLATED_NOTE.get(code, code),
            translated_note=lambda code: content.TRANSLATED_NOTE.get(code, code),
            language_name=lambda code: content.LANGUAGE_NAMES.get(code, code),
            content_languages=content.CONTENT_LANGUAGES,
        )
        # Sets newstyle mode for {% trans %} and English fallbacks as globals; every render
        # passes the request's own gettext/ngettext in its context, which wins over globals.
        self.environment.install_gettext_callables(  # type: ignore[attr-defined]
            lambda message: message,
            lambda singular, plural, n: singular if n == 1 else plural,
            newstyle=True,
        )

    def context_for(self, request: Request[Any, Any, Any], lang: str) -> dict[str, Any]:
        """What every template can use: language, switcher links, CSRF token, user, gettext."""
        gettext, ngettext = _template_gettext(self.catalogs, lang)
        user = request.scope.get("user")
        return {
            "lang": lang,
            "languages": list(available_languages()),
            "lang_urls": _lang_urls(request),
            # A POST's answer page (shared/web/replay.py) switches language by re-POSTing this.
            "replay": None,
            "csrf_token": csrf_token_of(request),
            "current_user": user,
            # The header's links for the signed-in role(s), who is signed in (navigation.py).
            "nav": navigation(request, user if isinstance(user, Principal) else None),
            "request": request,
            "gettext": gettext,
            "ngettext": ngettext,
            "_": gettext,
        }

    def render(
        self,
        request: Request[Any, Any, Any],
        template_name: str,
        status_code: int = 200,
        **context: Any,
    ) -> Response[str]:
        """Render template_name for request as an HTML response in the negotiated language."""
        lang = negotiate_language(request)
        template = self.environment.get_template(template_name)
        body = template.render({**self.context_for(request, lang), **context})
        response: Response[str] = Response(
            content=body,
            status_code=status_code,
            media_type=MediaType.HTML,
            headers={
                "Content-Language": lang,
                # Pages carry a CSRF token and depend on the language cookie: never cache them.
                "Cache-Control": "no-store",
                "Vary": "Cookie, Accept-Language",
            },
        )
        remember_language(request, response)
        return response

    def render_error(
        self, request: Request[Any, Any, Any], status_code: int, **context: Any
    ) -> Response[str]:
        """The problem page for status_code, in the resident's language."""
        shown = status_code if status_code in ERROR_PAGE_STATUSES else None
        if shown is None:
            shown = 500 if status_code >= 500 else 400
        return self.render(
            request, "error.html", status_code=status_code, error_status=shown, **context
        )

    def exception_handler(self, request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
        """Litestar exception handler turning any error into the translated problem page."""
        status_code = exc.status_code if isinstance(exc, HTTPException) else 500
        if status_code >= 500:
            log.exception("page request failed", exc_info=exc)
        return self.render_error(request, status_code)

    def exception_handlers(self) -> dict[type[Exception] | int, Any]:
        """Mapping for ``Litestar(exception_handlers=...)`` on page routers (not on JSON APIs)."""
        return {HTTPException: self.exception_handler, Exception: self.exception_handler}


# The kit's own pages (home, sign-in, errors, the language switch of answer pages).
kit_pages = PageRenderer([], Catalogs([KIT_LOCALE_DIR]))
