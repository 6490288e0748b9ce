"""HTTP conventions shared by every service: problem details, lists, conflicts, body limits."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.params import Parameter
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_500_INTERNAL_SERVER_ERROR

log = logging.getLogger("openkrakow.http")

MAX_BODY_BYTES = 1024 * 1024
T = TypeVar("T")


class Conflict(HTTPException):
    """409: the request is valid but the object's state forbids it (closed call, deadline...)."""

    status_code = HTTP_409_CONFLICT


class FieldError(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, with one message per offending field."""

    type: str
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] = []


class Page(msgspec.Struct, Generic[T]):
    """A page of a list: `items` and the `total` across all pages."""

    items: list[T]
    total: int


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


def paging(
    limit: int = Parameter(
        query="limit", default=50, ge=1, le=500, description="page size, at most 500"
    ),
    offset: int = Parameter(
        query="offset", default=0, ge=0, le=10_000_000, description="items to skip"
    ),
) -> Paging:
    """Dependency: validated ?limit= and ?offset=."""
    return Paging(limit=limit, offset=offset)


_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$")


def _field_errors(extra: Any) -> list[FieldError]:
    """Turn msgspec's messages ("Expected `str`, got `int` - at `$.text`") into field errors."""
    errors: list[FieldError] = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", ""))
        match = _AT.match(message)
        path = ((match.group("path") or "") if match else "").lstrip(".")
        if match:
            message = match.group("msg")
        named = re.search(r"(?:unknown|missing required) field `([^`]+)`", message)
        if named:
            field = f"{path}.{named.group(1)}" if path else named.group(1)
        else:
            key = item.get("key")
            field = path or (str(key) if key and key != "data" else "body")
        errors.append(FieldError(field=field, message=message))
    return errors


def problem(
    status: int, title: str, detail: str = "", errors: list[FieldError] | None = None
) -> Response[Problem]:
    """A problem-details response."""
    slug = title.lower().replace(" ", "-")
    return Response(
        Problem(
            type=f"https://openkrakow.local/problems/{slug}",
            title=title,
            status=status,
            detail=detail,
            errors=errors or [],
        ),
        status_code=status,
        media_type="application/problem+json",
    )


def validation_handler(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    errors = _field_errors(exc.extra)
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or exc.detail
    return problem(exc.status_code, "Invalid request", detail, errors)


def http_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    titles = {
        401: "Not signed in",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        409: "Conflict",
        413: "Request too large",
        429: "Too many requests",
        503: "Unavailable",
    }
    title = titles.get(exc.status_code, "Error")
    errors = _field_errors(exc.extra) if exc.extra else None
    response = problem(exc.status_code, title, exc.detail, errors)
    if isinstance(exc, NotAuthorizedException):
        response.headers["WWW-Authenticate"] = 'Bearer realm="openkrakow"'
    if exc.headers:
        response.headers.update(exc.headers)
    return response


# A dependency that is down (PostgreSQL restarting, a socket reset) delays the request: the
# caller gets 503 with Retry-After and, thanks to Idempotency-Key, may safely send it again.
UNAVAILABLE = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
)


# Text PostgreSQL cannot store (a NUL character) is the caller's error, found at the INSERT;
# the transaction rolls back, so nothing was changed.
UNSTORABLE_TEXT = (
    asyncpg.exceptions.CharacterNotInRepertoireError,
    asyncpg.exceptions.UntranslatableCharacterError,
)


def internal_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    if isinstance(exc, UNSTORABLE_TEXT):
        message = "text must not contain NUL (\\u0000) or other characters that cannot be stored"
        return problem(400, "Invalid request", message, [FieldError(field="body", message=message)])
    if isinstance(exc, UNAVAILABLE):
        log.warning("dependency unavailable on %s %s: %r", request.method, request.url.path, exc)
        response = problem(
            503, "Unavailable", "a server the platform depends on is restarting; try again"
        )
        response.headers["Retry-After"] = "1"
        return response
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "Internal error", "the error was logged")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ValidationException: validation_handler,
    HTTPException: http_handler,
    Exception: internal_handler,
}


def field_error(field: str, message: str, status: int = 422) -> HTTPException:
    """A 4xx naming one field, for rules msgspec cannot express (e.g. a NIP checksum)."""
    exc = HTTPException(status_code=status, detail=f"{field}: {message}")
    exc.extra = [{"message": message, "key": field}]
    return exc
