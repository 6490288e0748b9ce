"""The public API of the small grants: calls and the published awards (no sign-in)."""

from __future__ import annotations

import uuid

from litestar import get

from services.grants import queries
from services.grants.api.common import PAGED, TAGS
from services.grants.schemas import Call, DecisionOut
from shared.http import Page, Paging
from shared.runtime import Runtime


@get("/api/grants/calls", tags=TAGS, dependencies=PAGED, security=[{}])
async def list_calls(runtime: Runtime, page: Paging) -> Page[Call]:
    """Every call, the latest deadline first."""
    items, total = await queries.calls(runtime, page.limit, page.offset)
    return Page(items=items, total=total)


@get("/api/grants/calls/{call_id:uuid}", tags=TAGS, security=[{}])
async def get_call(call_id: uuid.UUID, runtime: Runtime) -> Call:
    """One call with its criteria."""
    return await queries.call(runtime, call_id)


@get("/api/grants/calls/{call_id:uuid}/awards", tags=TAGS, security=[{}])
async def published_awards(call_id: uuid.UUID, runtime: Runtime) -> DecisionOut:
    """The published list of awards, in rank order."""
    return await queries.published_awards(runtime, call_id)
