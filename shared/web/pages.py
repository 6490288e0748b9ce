"""Kit routes for pages (static files) and error handling that answers pages with HTML."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect

from shared.http import (
    UNAVAILABLE,
    UNSTORABLE_TEXT,
    http_handler,
    internal_handler,
    validation_handler,
)
from shared.web.i18n import KIT_LOCALE_DIR, Catalogs
from shared.web.templates import PageRenderer, static_files_router

kit_pages = PageRenderer([], Catalogs([KIT_LOCALE_DIR]))

_API_PREFIXES = ("/api/", "/schema", "/health", "/metrics")


def is_api(request: Request[Any, Any, Any]) -> bool:
    """True for machine-facing routes, which answer errors with problem details (JSON)."""
    return request.url.path.startswith(_API_PREFIXES)


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Response[str]:
    """The programme's front page, linking every resident-facing part."""
    return kit_pages.render(request, "index.html")


def kit_route_handlers() -> list[Any]:
    """Routes every process with pages serves."""
    return [home, static_files_router()]


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if is_api(request):
        return http_handler(request, exc)
    if isinstance(exc, NotAuthorizedException) and request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/auth/sign-in?next={quote(target, safe='')}", status_code=303)
    return kit_pages.render_error(request, exc.status_code)


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    if is_api(request):
        return validation_handler(request, exc)
    return kit_pages.render_error(request, 400)


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if is_api(request):
        return internal_handler(request, exc)
    if isinstance(exc, UNAVAILABLE):
        return kit_pages.render_error(request, 503)
    if isinstance(exc, UNSTORABLE_TEXT):
        return kit_pages.render_error(request, 400)
    return kit_pages.exception_handler(request, exc)


def page_exception_handlers() -> dict[Any, Any]:
    """Exception handlers: problem details for the API, translated pages (or sign-in) otherwise."""
    return {ValidationException: _validation, HTTPException: _http, Exception: _internal}
