"""The public API: report an incident, no account needed."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post

from services.incidents.commands import reports
from services.incidents.schemas import ReportIn
from shared import idempotency
from shared.events import utcnow
from shared.ratelimit import LIMITED
from shared.runtime import Runtime

TAGS = ["incidents"]


@post("/api/incidents", tags=TAGS, status_code=201, security=[{}], opt=LIMITED)
async def report(
    request: Request[Any, Any, Any], data: ReportIn, runtime: Runtime
) -> Response[Any]:
    """Report a racist or xenophobic incident in Kraków: what happened, where, when. Anonymous
    unless `email` is given (used only to say when the report is passed on). Answers the
    report's `reference`.

    Limited per client address (RATE_LIMIT_FORMS) and per e-mail address we write to
    (RATE_LIMIT_MAIL_ADDRESS): over a limit, 429 with Retry-After."""
    await runtime.limiter.check_client(request, "forms")
    reports.check_report(data, utcnow())
    if data.email:  # we shall write to it (on referral): counted like any address we write to
        await runtime.limiter.check_address(data.email)
    requested = idempotency.requested(request, await request.body(), "incidents.report")
    return idempotency.respond(await reports.report(runtime, data, "web", requested))
