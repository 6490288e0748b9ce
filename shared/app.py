"""Assembles one Litestar application from the kit's routes and the chosen services' routes."""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from collections.abc import Sequence
from typing import Any

from litestar import Litestar, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.spec import Components, Link, OpenAPI, OpenAPIResponse, SecurityScheme
from litestar.types import ASGIApp, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.auth import InvalidToken
from shared.health import parts_report
from shared.http import (
    EXCEPTION_HANDLERS,
    MAX_BODY_BYTES,
    Problem,
    json_depth_middleware,
    problem,
)
from shared.logs import correlation_id
from shared.runtime import Runtime, ServiceSpec

# Monitoring routes answer whoever asks, whatever Authorization header a probe sends.
UNAUTHENTICATED_PREFIXES = ("/health", "/metrics", "/schema", "/static/")


def context_middleware(app: ASGIApp) -> ASGIApp:
    """Sets the correlation id and the caller (bearer token or session cookie) of each request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        cid = headers.get("x-correlation-id", "")[:100] or str(uuid.uuid4())
        token = correlation_id.set(cid)
        scope["correlation_id"] = cid  # type: ignore[typeddict-unknown-key]
        runtime: Runtime = scope["app"].state.runtime
        scope["user"] = None
        try:
            authz = headers.get("authorization", "")
            if authz and not scope["path"].startswith(UNAUTHENTICATED_PREFIXES):
                scheme, _, value = authz.partition(" ")
                if scheme.lower() != "bearer" or not value.strip():
                    await _unauthorized(scope, receive, send, "use: Authorization: Bearer <token>")
                    return
                try:
                    assert runtime.auth is not None
                    scope["user"] = await runtime.auth.from_bearer(value.strip())
                except InvalidToken as exc:
                    await _unauthorized(scope, receive, send, f"invalid token: {exc}")
                    return
            elif not scope["path"].startswith("/api/"):
                cookie = _cookie(headers.get("cookie", ""), "okr_session")
                if cookie and runtime.auth is not None:
                    user = runtime.auth.from_session(cookie)
                    if user and not await _revoked(runtime, cookie):
                        scope["user"] = user

            async def send_with_cid(message: Any) -> None:
                if message["type"] == "http.response.start":
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], (b"x-correlation-id", cid.encode())]
                await send(message)

            await app(scope, receive, send_with_cid)
        finally:
            correlation_id.reset(token)

    return middleware


async def _revoked(runtime: Runtime, cookie: str) -> bool:
    if runtime.redis is None:
        return False
    key = "okr:revoked:" + hashlib.sha256(cookie.encode()).hexdigest()
    try:
        return bool(await runtime.redis.exists(key))
    except Exception:  # noqa: BLE001 - Redis down: the signature and expiry still hold
        return False


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


async def _unauthorized(scope: Scope, receive: Receive, send: Send, detail: str) -> None:
    response = problem(401, "Not signed in", detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="openkrakow", error="invalid_token"'
    await response.to_asgi_response(scope["app"], None)(scope, receive, send)  # type: ignore[arg-type]


async def _check(name: str, probe: Any) -> tuple[str, bool]:
    try:
        await asyncio.wait_for(probe, timeout=2.0)
        return name, True
    except Exception:  # noqa: BLE001 - any failure means the part is not answering
        return name, False


@get(
    "/health",
    include_in_schema=True,
    tags=["platform"],
    security=[{}],
    responses={
        503: ResponseSpec(
            data_container=dict[str, Any],
            description="a named server does not answer, or a named consumer or relay has not "
            "been running for HEALTH_GRACE_SECONDS",
        )
    },
)
async def health(state: State) -> Response[dict[str, Any]]:
    """200 when PostgreSQL, NATS and Redis answer and every consumer and relay of this process
    runs (or has been retrying for less than HEALTH_GRACE_SECONDS); 503 naming the failing
    parts otherwise. Each consumer's and relay's state, last error and lag are reported."""
    runtime: Runtime = state.runtime

    async def pg() -> None:
        for pool in runtime.pools.values():
            await pool.fetchval("select 1")

    async def nats() -> None:
        assert runtime.bus is not None and runtime.bus.nc.is_connected
        await runtime.bus.js.account_info()

    async def redis() -> None:
        assert runtime.redis is not None
        await runtime.redis.ping()

    *results, (parts, failing_parts) = await asyncio.gather(
        _check("postgresql", pg()),
        _check("nats", nats()),
        _check("redis", redis()),
        parts_report(runtime),
    )
    failing = [name for name, ok in results if not ok] + failing_parts
    body: dict[str, Any] = {"status": "unavailable" if failing else "ok"}
    if failing:
        body["failing"] = failing
    body.update(versions=runtime.versions, **parts)
    return Response(body, status_code=503 if failing else 200)


@get("/metrics", include_in_schema=False, sync_to_thread=False)
def metrics() -> Response[bytes]:
    """Prometheus text exposition of this process: its consumers, relays and job worker, the
    event's legs, the event loop's lag, the collector's pauses, and what its services count
    (no personal data: counts and timings only)."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def build_ops_app(runtime: Runtime) -> Litestar:
    """The app of a process without pages or API (`openkrakow relay --port`, `worker --port`):
    /health and /metrics alone, for a load balancer's check and a Prometheus scrape."""
    return Litestar(
        route_handlers=[health, metrics],
        state=State({"runtime": runtime}),
        middleware=[context_middleware],
        debug=False,
        logging_config=None,
        openapi_config=None,
    )


_PROBLEM_RESPONSES = {
    400: "Invalid request: a message per field",
    401: "Not signed in, or the token is invalid",
    403: "Not allowed for this role or this object",
    404: "No such object",
    409: "The object's state forbids it (closed, deadline passed, already done), with the reason",
    413: "Body over 1 MiB",
    422: "A rule the request breaks, naming the field",
    503: "A server the platform depends on is restarting; retry (Idempotency-Key makes it safe)",
}
_RATE_LIMITED = (
    "Too many requests from this client (or, for a form that sends mail, to that address); "
    "the Retry-After header gives the seconds to wait"
)


def link_created_resources(schema: OpenAPI) -> None:
    """OpenAPI links (issue 21) from each create — a POST answering 201 with the new `id` — to the
    operations on what it created, so a client (and schemathesis's stateful phase) can follow
    them: the paths under the create's own with one more parameter (`POST /api/grants/calls` →
    `/api/grants/calls/{call_id}...`), and, for a create nested in its parent
    (`POST /api/grants/calls/{call_id}/applications`), the paths of its own collection
    (`/api/grants/applications/{app_id}...`)."""
    methods = ("get", "put", "post", "patch", "delete")
    paths = schema.paths or {}
    for path, item in paths.items():
        create = item.post
        created = (create.responses or {}).get("201") if create else None
        if not isinstance(created, OpenAPIResponse):
            continue
        segments = path.split("/")
        prefixes = [re.escape(path)]
        if len(segments) > 4 and "{" in segments[-2]:
            prefixes.append(re.escape("/".join([*segments[:3], segments[-1]])))
        links: dict[str, Link] = {}
        for other, other_item in paths.items():
            match = next(
                (m for p in prefixes if (m := re.fullmatch(p + r"/\{(\w+)\}(/[^{}]*)?", other))),
                None,
            )
            if match is None:
                continue
            source = "reference" if match.group(1) == "reference" else "id"
            for method in methods:
                operation = getattr(other_item, method)
                if operation is None or not operation.operation_id:
                    continue
                links[operation.operation_id] = Link(
                    operation_id=operation.operation_id,
                    # A question is tracked by its reference, which its create answers too.
                    parameters={match.group(1): f"$response.body#/{source}"},
                    description=f"{method.upper()} {other} on what this created",
                )
        if links:
            created.links = {**(created.links or {}), **links}


def document_problems(handlers: Sequence[Any]) -> None:
    """Declare the problem-details answers every API route may give in the OpenAPI document."""
    for handler in handlers:
        paths = getattr(handler, "paths", set())
        if not any(str(p).startswith("/api/") for p in paths):
            # Pages are for people, not API clients: keep them out of the OpenAPI document.
            if paths and not any(str(p).startswith("/health") for p in paths):
                handler.include_in_schema = False
            continue
        declared = dict(handler.responses or {})
        problems = dict(_PROBLEM_RESPONSES)
        if (handler.opt or {}).get("rate_limited"):
            problems[429] = _RATE_LIMITED
        for status, description in problems.items():
            declared.setdefault(
                status,
                ResponseSpec(
                    data_container=Problem,
                    description=description,
                    media_type="application/problem+json",
                    generate_examples=False,
                ),
            )
        handler.responses = declared


def build_app(
    runtime: Runtime, services: Sequence[ServiceSpec], *, extra_handlers: Sequence[Any] = ()
) -> Litestar:
    """The ASGI app serving the kit's routes and those of `services`."""
    from shared.auth_pages import auth_routes
    from shared.open_data import open_data_routes
    from shared.web.pages import kit_route_handlers, page_exception_handlers
    from shared.web.templates import security_headers
    from shared.work_pages import work_routes

    handlers: list[Any] = [
        health,
        metrics,
        *auth_routes,
        *work_routes,
        *open_data_routes,
        *kit_route_handlers(),
        *extra_handlers,
    ]
    for spec in services:
        handlers.extend(spec.route_handlers)
    document_problems(handlers)
    assert runtime.auth is not None
    app = Litestar(
        route_handlers=handlers,
        state=State({"runtime": runtime}),
        dependencies={"runtime": Provide(lambda: runtime, sync_to_thread=False)},
        middleware=[context_middleware, json_depth_middleware],
        before_send=[security_headers],
        exception_handlers={**EXCEPTION_HANDLERS, **page_exception_handlers()},
        request_max_body_size=MAX_BODY_BYTES,
        csrf_config=CSRFConfig(
            secret=runtime.auth.local.key.raw_value.decode(),
            cookie_name="okr_csrf",
            cookie_httponly=True,
            cookie_samesite="strict",
            exclude=["/api/", "/health", "/metrics", "/schema"],
            safe_methods={"GET", "HEAD", "OPTIONS"},
        ),
        openapi_config=OpenAPIConfig(
            title="Open Kraków Participation Platform",
            version="0.1.0",
            path="/schema",
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
            security=[{"bearer": []}],
        ),
        debug=False,
        logging_config=None,  # our JSON logging (shared/logs.py) stays in charge
    )
    link_created_resources(app.openapi_schema)
    return app
