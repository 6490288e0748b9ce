"""The API for NGOs: their organisation, applications (draft, edit, submit, withdraw) and the
final report; an application is also read by the coordinator and its evaluators."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post, put

from services.grants import commands, queries
from services.grants.api.common import PAGED, TAGS, created, key_of, who
from services.grants.schemas import (
    Application,
    ApplicationIn,
    Organisation,
    OrganisationIn,
    ReportIn,
    StatusOut,
)
from shared.auth import authenticated, requires
from shared.http import Page, Paging
from shared.runtime import Runtime


@post("/api/grants/organisations", guards=[requires("ngo")], tags=TAGS, status_code=201)
async def register_organisation(
    request: Request[Any, Any, Any], data: OrganisationIn, runtime: Runtime
) -> Response[Any]:
    """Register an organisation (NIP checksum checked); the caller becomes its representative."""
    requested = await key_of(request, "grants.org")
    return created(
        await commands.register_organisation(runtime, who(request), data, requested=requested)
    )


@get("/api/grants/organisations/mine", guards=[requires("ngo")], tags=TAGS)
async def my_organisation(request: Request[Any, Any, Any], runtime: Runtime) -> Organisation:
    """The organisation the caller acts for."""
    return await queries.my_organisation(runtime, who(request))


@post(
    "/api/grants/calls/{call_id:uuid}/applications",
    guards=[requires("ngo")],
    tags=TAGS,
    status_code=201,
)
async def create_application(
    request: Request[Any, Any, Any], call_id: uuid.UUID, data: ApplicationIn, runtime: Runtime
) -> Response[Any]:
    """Start a draft application; `requested` must equal the sum of `budget_lines`."""
    requested = await key_of(request, f"grants.application:{call_id}")
    return created(
        await commands.create_application(runtime, who(request), call_id, data, requested=requested)
    )


@get("/api/grants/applications", guards=[requires("ngo")], tags=TAGS, dependencies=PAGED)
async def my_applications(
    request: Request[Any, Any, Any], runtime: Runtime, page: Paging
) -> Page[Application]:
    """The caller's organisation's applications, newest first."""
    items, total = await queries.my_applications(runtime, who(request), page.limit, page.offset)
    return Page(items=items, total=total)


@get("/api/grants/applications/{app_id:uuid}", guards=[authenticated], tags=TAGS)
async def get_application(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Application:
    """An application: for its organisation, the coordinator, and evaluators assigned to it."""
    return await queries.application(runtime, who(request), app_id)


@put("/api/grants/applications/{app_id:uuid}", guards=[requires("ngo")], tags=TAGS)
async def edit_application(
    request: Request[Any, Any, Any], app_id: uuid.UUID, data: ApplicationIn, runtime: Runtime
) -> StatusOut:
    """Replace a draft's content (submitted applications are frozen: 409)."""
    return await commands.update_application(runtime, who(request), app_id, data)


@post(
    "/api/grants/applications/{app_id:uuid}/submit",
    guards=[requires("ngo")],
    tags=TAGS,
    status_code=200,
)
async def submit_application(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> StatusOut:
    """Submit a draft before the deadline (server time); late: 409 naming the deadline."""
    return await commands.submit_application(runtime, who(request), app_id)


@post(
    "/api/grants/applications/{app_id:uuid}/withdraw",
    guards=[requires("ngo")],
    tags=TAGS,
    status_code=200,
)
async def withdraw_application(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> StatusOut:
    """Withdraw an application until the decision is published."""
    return await commands.withdraw_application(runtime, who(request), app_id)


@post(
    "/api/grants/applications/{app_id:uuid}/report",
    guards=[requires("ngo")],
    tags=TAGS,
    status_code=201,
)
async def submit_report(
    request: Request[Any, Any, Any], app_id: uuid.UUID, data: ReportIn, runtime: Runtime
) -> Response[Any]:
    """The grantee's final report: activities done, participants reached, money spent."""
    requested = await key_of(request, f"grants.report:{app_id}")
    return created(
        await commands.submit_report(runtime, who(request), app_id, data, requested=requested)
    )
