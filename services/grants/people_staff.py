"""The grants' staff for the kit's e-mail sign-in and home page (shared.people): evaluators by
their address, and the open work of the coordinator and of each evaluator.

An evaluator is known while they are in the pool of a call that is open or in evaluation (opened,
no decision yet): one identity per such call, leading to their evaluations and naming the call
in their language. The coordinator signs in through the city's identity provider, so only their
open work is counted here.
"""

from __future__ import annotations

from typing import Any

from services.grants import domain, store
from services.grants.mails import catalogs
from shared import addresses, content
from shared.auth import Principal
from shared.events import utcnow
from shared.people import Identity, WorkItem

EVALUATOR_HOME = "/grants/evaluate"


def _title(row: Any, lang: str) -> str:
    return content.shown(row["title"], "pl", row["title_i18n"], lang).text


async def evaluator_identities(conn: Any, email: str) -> list[Identity]:
    """One evaluator identity per pool membership of an open or evaluating call."""
    try:
        address = addresses.normalise(email)
    except addresses.BadAddress:
        return []
    return [
        Identity(
            subject=row["subject"],
            role="evaluator",
            language=row["language"],
            name=row["name"],
            home=EVALUATOR_HOME,
            what=_title(row, row["language"]),
        )
        for row in await store.evaluator_memberships(conn, address)
    ]


async def staff_work(conn: Any, principal: Principal, lang: str) -> list[WorkItem]:
    """The coordinator's formal checks, reports to review and calls to decide; an evaluator's
    evaluations to do. Overdue: past the call's formal check or evaluation date (Warsaw)."""
    today = domain.warsaw_today(utcnow())
    say = catalogs.format
    items: list[WorkItem] = []
    if "coordinator" in principal.roles:
        work = await store.coordinator_work(conn, today)
        checks, reports, decide = work["checks"], work["reports"], work["decide"]
        if checks["n"]:
            href = (
                f"/grants/coordinator/calls/{checks['first_call']}/formal-check"
                if checks["calls"] == 1
                else "/grants/coordinator"
            )
            items.append(
                WorkItem(
                    "coordinator",
                    say(lang, "Grant applications awaiting the formal check"),
                    checks["n"],
                    href,
                    overdue=checks["overdue"],
                )
            )
        if reports["n"]:
            href = (
                f"/grants/coordinator/reports/{reports['first']}"
                if reports["n"] == 1
                else "/grants/coordinator"
            )
            items.append(
                WorkItem(
                    "coordinator", say(lang, "Final grant reports to review"), reports["n"], href
                )
            )
        if decide["n"]:
            href = (
                f"/grants/coordinator/calls/{decide['first']}"
                if decide["n"] == 1
                else "/grants/coordinator"
            )
            items.append(
                WorkItem("coordinator", say(lang, "Grant calls to decide"), decide["n"], href)
            )
    if "evaluator" in principal.roles:
        to_do, overdue = await store.evaluations_to_do(conn, principal.subject, today)
        if to_do:
            items.append(
                WorkItem(
                    "evaluator",
                    say(lang, "Grant applications to evaluate"),
                    to_do,
                    EVALUATOR_HOME,
                    overdue=overdue,
                )
            )
    return items
