"""HTTP conventions shared by every service: problem details, lists, conflicts, body limits."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Generic, TypeVar
from urllib.parse import unquote, urlsplit

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.params import Parameter
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from shared.refusals import Refused

log = logging.getLogger("openkrakow.http")

MAX_BODY_BYTES = 1024 * 1024
# Deepest nesting of arrays and objects a request body may have. Ours need 4; JSON nested near
# Python's recursion limit (~1,000) makes the decoder raise RecursionError (a 500 before this).
MAX_JSON_DEPTH = 64
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
    code: str | None = None  # a refusal's stable code (shared.refusals), when there is one


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
    status: int,
    title: str,
    detail: str = "",
    errors: list[FieldError] | None = None,
    code: str | None = None,
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
            code=code,
        ),
        status_code=status,
        media_type="application/problem+json",
    )


def validation_handler(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    errors = _field_errors(exc.extra)
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or exc.detail
    return problem(exc.status_code, "Invalid request", detail, errors)


TITLES = {
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    429: "Too many requests",
    503: "Unavailable",
}


def http_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    title = TITLES.get(exc.status_code, "Error")
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


def refused_handler(_: Request[Any, Any, Any], exc: Refused) -> Response[Problem]:
    """A command's refusal, said once for every API: the status of its kind, the English text
    of each reason, the field each names, and the first reason's stable code."""
    status = int(exc.kind)
    errors = [FieldError(field=r.field, message=r.english) for r in exc.refusals if r.field]
    detail = "; ".join(f"{r.field}: {r.english}" if r.field else r.english for r in exc.refusals)
    return problem(status, TITLES.get(status, "Error"), detail, errors, exc.code)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    Refused: refused_handler,
    ValidationException: validation_handler,
    HTTPException: http_handler,
    Exception: internal_handler,
}


def field_error(field: str, message: str, status: int = 422) -> HTTPException:
    """A 4xx naming one field, for rules msgspec cannot express (e.g. a NIP checksum)."""
    exc = HTTPException(status_code=status, detail=f"{field}: {message}")
    exc.extra = [{"message": message, "key": field}]
    return exc


# --- Redirect targets taken from input ------------------------------------------------------

_MAX_TARGET = 2000


def _leads_elsewhere(text: str) -> bool:
    """True when a browser (or any layer decoding it) could read `text` as another origin."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text) or "\\" in text:
        return True  # browsers drop tabs and newlines and read "\\" as "/": "/\t/x" is "//x"
    if not text.startswith("/") or text.startswith("//"):
        return True
    parts = urlsplit(text)
    return bool(parts.scheme or parts.netloc)


def same_origin_path(target: str | None) -> str | None:
    """`target` when it is a path on this site (`/…`), None for anything a browser could send
    elsewhere. The one check for every redirect target or link taken from a request.

    Refused: anything but printable ASCII (control characters, DEL, spaces, tabs, newlines:
    browsers strip or drop them, so "/\t/evil" becomes "//evil"), backslashes (read as "/"),
    a scheme or host ("https://evil", "javascript:"), "//" at the start — and each of these
    again in every percent-decoded form ("/%2F/evil", "/%5Cevil", "/%09/evil"), in case some
    layer decodes before a browser resolves it.
    """
    if not target or len(target) > _MAX_TARGET:
        return None
    if not all(0x21 <= ord(c) <= 0x7E for c in target):
        return None
    text = target
    for _ in range(4):  # "%25252F" takes three decodings to become "/"
        if _leads_elsewhere(text):
            return None
        try:
            decoded = unquote(text, errors="strict") if "%" in text else text
        except UnicodeDecodeError:
            return None
        if decoded == text:
            return target
        text = decoded
    return None


# --- JSON nesting depth, refused at the edge ------------------------------------------------

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_FORMS = (b"application/x-www-form-urlencoded", b"multipart/form-data")


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets in strings skipped).

    C-speed steps only (a regex drops the strings, `translate` keeps the brackets, `accumulate`
    sums them), so a 1 MiB body costs milliseconds; malformed JSON gets a depth all the same.
    """
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def too_deep(depth: int = MAX_JSON_DEPTH) -> HTTPException:
    return field_error("body", f"JSON must not be nested deeper than {depth} levels", 400)


def json_depth_middleware(app: ASGIApp) -> ASGIApp:
    """Refuses (400, problem details) a request body nested deeper than MAX_JSON_DEPTH.

    Every route's body passes through `receive`, whoever decodes it (Litestar's `data`, a
    handler's own `msgspec.json.decode`, the idempotency fingerprint), so the check sits there:
    once the last chunk has arrived the body is scanned — only when it holds more opening
    brackets than the limit, which no ordinary body does — and an over-deep one raises before
    any decoder sees it. Every `/api/` body is scanned, whatever its Content-Type (a JSON
    route decodes it regardless); HTML forms posted to pages are not JSON and are not.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await app(scope, receive, send)
            return
        content_type = b""
        for key, value in scope["headers"]:
            if key.lower() == b"content-type":
                content_type = value.lower()
        # The API decodes a body as JSON whatever its Content-Type says; pages read forms.
        if content_type.startswith(_FORMS) and not scope["path"].startswith("/api/"):
            await app(scope, receive, send)
            return
        chunks: list[bytes] = []
        opened = 0

        async def checked_receive() -> ReceiveMessage:
            nonlocal opened
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                opened += chunk.count(b"[") + chunk.count(b"{")
                chunks.append(chunk)
                if not message.get("more_body", False) and opened > MAX_JSON_DEPTH:
                    body = b"".join(chunks)
                    chunks.clear()
                    if json_depth(body) > MAX_JSON_DEPTH:
                        raise too_deep()
            return message

        await app(scope, checked_receive, send)

    return middleware
