"""The public API: editions, nominating (no account needed), the candidate's acceptance, a
withdrawal by token, the published results."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post

from services.ambassadors import edges, queries
from services.ambassadors.commands import nominations
from services.ambassadors.schemas import (
    Edition,
    NominationIn,
    NominationState,
    Results,
    TokenIn,
    WithdrawalIn,
)
from shared import idempotency
from shared.auth import current_user
from shared.http import Page, Paging, paging
from shared.ratelimit import LIMITED
from shared.runtime import Runtime

TAGS = ["ambassadors"]


@get("/api/ambassadors/editions", tags=TAGS, security=[{}], dependencies={"page": paging})  # type: ignore[dict-item]
async def list_editions(runtime: Runtime, page: Paging) -> Page[Edition]:
    """Every edition, newest year first."""
    items, total = await queries.editions(runtime, page.limit, page.offset)
    return Page(items=items, total=total)


@get("/api/ambassadors/editions/{edition_id:uuid}", tags=TAGS, security=[{}])
async def get_edition(edition_id: uuid.UUID, runtime: Runtime) -> Edition:
    """One edition with its criteria and deadlines."""
    return await queries.edition(runtime, edition_id)


@post(
    "/api/ambassadors/editions/{edition_id:uuid}/nominations",
    tags=TAGS,
    status_code=201,
    security=[{}],
    opt=LIMITED,
)
async def nominate(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, data: NominationIn, runtime: Runtime
) -> Response[Any]:
    """Nominate a candidate; no account needed. The candidate is asked by e-mail to accept.

    Limited per client address (RATE_LIMIT_FORMS) and per e-mail address we write to
    (RATE_LIMIT_MAIL_ADDRESS): over a limit, 429 with Retry-After."""
    await runtime.limiter.check_client(request, "forms")
    await runtime.limiter.check_address(data.nominator_email)
    nominations.check_nomination(data)
    requested = idempotency.requested(
        request, await request.body(), f"ambassadors.nominate:{edition_id}"
    )
    return idempotency.respond(await nominations.submit(runtime, edition_id, data, requested))


@post(
    "/api/ambassadors/nominations/{nomination_id:uuid}/acceptance",
    tags=TAGS,
    status_code=200,
    security=[{}],
    opt=LIMITED,
)
async def accept_nomination(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, data: TokenIn, runtime: Runtime
) -> NominationState:
    """The candidate accepts the nomination with the token e-mailed to them.

    After too many wrong tokens from a client (RATE_LIMIT_TOKEN_FAILURES), 429 with Retry-After."""
    async with edges.token_attempt(runtime, request):
        return await nominations.accept(runtime, nomination_id, data.token)


@post(
    "/api/ambassadors/nominations/{nomination_id:uuid}/withdrawal",
    tags=TAGS,
    status_code=200,
    security=[{}],
    opt=LIMITED,
)
async def withdraw_nomination(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, data: WithdrawalIn, runtime: Runtime
) -> NominationState:
    """Withdraw: the nominator or the candidate with their e-mailed token, or a coordinator.

    After too many wrong tokens from a client (RATE_LIMIT_TOKEN_FAILURES), 429 with Retry-After."""
    user = current_user(request)
    coordinator = user.subject if user is not None and user.has("coordinator") else None
    nominations.check_withdrawal(data.token, coordinator)  # before the token guard counts
    async with edges.token_attempt(runtime, request, counted=coordinator is None):
        return await nominations.withdraw(
            runtime, nomination_id, token=data.token, coordinator=coordinator
        )


@get("/api/ambassadors/editions/{edition_id:uuid}/results", tags=TAGS, security=[{}])
async def get_results(edition_id: uuid.UUID, runtime: Runtime) -> Results:
    """The laureates and their meetings with the Mayor, once published."""
    return await queries.results(runtime, edition_id)
