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
    same_origin_path,
    validation_handler,
)
from shared.ratelimit import RateLimited
from shared.web.replay import page_language
from shared.web.templates import PageRenderer, kit_pages, static_files_router

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
    return [home, page_language, static_files_router()]


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if is_api(request):
        return http_handler(request, exc)
    if isinstance(exc, NotAuthorizedException) and request.method in ("GET", "HEAD"):
        target = quote(request.url.path, safe="/") + (
            f"?{request.url.query}" if request.url.query else ""
        )
        if same_origin_path(target) is None:
            return Redirect("/auth/sign-in", status_code=303)
        return Redirect(f"/auth/sign-in?next={quote(target, safe='')}", status_code=303)
    if isinstance(exc, RateLimited):
        return rate_limited_page(request, exc)
    return kit_pages.render_error(request, exc.status_code)


def rate_limited_page(
    request: Request[Any, Any, Any],
    exc: RateLimited,
    renderer: PageRenderer | None = None,
    template: str = "error.html",
    status_code: int = 429,
    **context: Any,
) -> Response[str]:
    """429 as a page: by default the error page; a form page passes its own template and values.

    `retry_minutes` in the context makes base.html say how long to wait; the form keeps what
    the person wrote, so sending it again later is one click, with or without JavaScript.
    """
    renderer = renderer or kit_pages
    if template == "error.html":
        context.setdefault("error_status", 429)
    response = renderer.render(
        request,
        template,
        status_code,
        retry_minutes=exc.minutes,
        retry_reason=exc.reason,
        **context,
    )
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


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
