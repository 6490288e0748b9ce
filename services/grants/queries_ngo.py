"""Reads for the pages of people acting for organisations: the organisations found by name, a
join request as its sender or a representative sees it, and a grant's final report."""

from __future__ import annotations

import uuid
from typing import Any

from services.grants import domain, store
from services.grants.queries import application_view, existing_call, own_application
from shared.auth import Principal
from shared.events import utcnow
from shared.refusals import conflict, forbidden, not_found

SCHEMA = "grants"


async def organisations_named(runtime: Any, words: str) -> list[Any]:
    """Registered organisations whose name holds these words (the join page's search)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        return list(await store.organisations_by_name(conn, words.strip()))


async def own_join_request(runtime: Any, who: Principal, request_id: uuid.UUID) -> Any:
    """A join request, for the person who sent it (403 for anyone else)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.join_request(conn, request_id)
    if row is None:
        raise not_found("join.not_found", request_id=request_id)
    if row["subject"] != who.subject:
        raise forbidden("join.not_yours")
    return row


async def join_request_to_decide(runtime: Any, who: Principal, request_id: uuid.UUID) -> Any:
    """A join request, for a representative of its organisation (403 for anyone else)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.join_request(conn, request_id)
        if row is None:
            raise not_found("join.not_found", request_id=request_id)
        if not await store.is_representative(conn, row["organisation_id"], who.subject):
            raise forbidden("join.not_representative")
    return row


async def join_requests_to_decide(runtime: Any, who: Principal) -> list[Any]:
    """Confirmed requests waiting for a decision, of every organisation the person represents."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        orgs = await store.represented_organisations(conn, who.subject)
        return list(await store.join_requests_to_decide(conn, orgs))


async def report_view(runtime: Any, who: Principal, app_id: uuid.UUID) -> dict[str, Any]:
    """What the final report's page shows: the application, its call, the award (409 when it
    was not awarded), the due date and whether it is past, and the report once submitted
    (with the city's review when there is one)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await own_application(conn, who, app_id)
        call = await existing_call(conn, row["call_id"])
        award, report = await store.award_and_report(conn, app_id)
    if award is None:
        raise conflict("report.not_awarded")
    report_fields = dict(report) if report is not None else None
    return {
        "app": application_view(row),
        "call": call,
        "award": award,
        "due_on": award["report_due_on"],
        "overdue": report is None and award["report_due_on"] < domain.warsaw_today(utcnow()),
        "report": report_fields,
        # The city's review (reports.review: accepted / returned, with a comment) once made.
        "review": (report_fields or {}).get("review"),
        "review_comment": (report_fields or {}).get("review_comment"),
    }
