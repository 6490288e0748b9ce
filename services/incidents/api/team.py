"""The response team's API (and the coordinator's): reports with their status, one report with
its history, triage and referral; the team itself (coordinator)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import Parameter

from services.incidents import queries
from services.incidents.commands import reports, team
from services.incidents.domain import Category, District, Status
from services.incidents.schemas import Report, TeamMember, TeamMemberIn, TriageIn
from shared.auth import current_user, requires
from shared.http import Page, Paging, paging
from shared.runtime import Runtime

TAGS = ["incidents"]
TEAM = [requires("coordinator", "response_team")]
COORDINATOR = [requires("coordinator")]


def _actor(request: Request[Any, Any, Any]) -> str:
    user = current_user(request)
    assert user is not None
    return user.subject


@get("/api/incidents", guards=TEAM, tags=TAGS, dependencies={"page": paging})  # type: ignore[dict-item]
async def list_reports(
    runtime: Runtime,
    page: Paging,
    status: Status | None = Parameter(query="status", default=None),
    category: Category | None = Parameter(query="category", default=None),
    district: District | None = Parameter(query="district", default=None),
) -> Page[Report]:
    """Reports, newest first, with their status; filter by status, category (the confirmed one
    once triaged) and district."""
    items, total = await queries.reports(
        runtime,
        status=status,
        category=category,
        district=district,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=items, total=total)


@get("/api/incidents/{report_id:uuid}", guards=TEAM, tags=TAGS)
async def get_report(report_id: uuid.UUID, runtime: Runtime) -> Report:
    """One report with its history (every step, who and when)."""
    return await queries.report(runtime, report_id)


@post("/api/incidents/{report_id:uuid}/triage", guards=TEAM, tags=TAGS, status_code=200)
async def triage(
    request: Request[Any, Any, Any], report_id: uuid.UUID, data: TriageIn, runtime: Runtime
) -> Report:
    """Triage (`category` confirmed and `severity`) and/or refer (`refer_to`: police, ngo,
    department, with a `note`) once triaged. A reporter who left an address is mailed."""
    return await reports.triage(runtime, _actor(request), report_id, data)


@get("/api/incidents/team", guards=COORDINATOR, tags=TAGS)
async def list_team(runtime: Runtime) -> list[TeamMember]:
    """The response team."""
    return await queries.team(runtime)


@post("/api/incidents/team", guards=COORDINATOR, tags=TAGS, status_code=201)
async def add_member(
    request: Request[Any, Any, Any], data: TeamMemberIn, runtime: Runtime
) -> TeamMember:
    """Add a person to the response team; they are mailed a one-time sign-in link."""
    return await team.add_member(runtime, _actor(request), data)
