"""Reads of the small grants for the API and the pages: calls, applications, evaluations, the
ranking and the published awards, with who may read what (refusals as `shared.refusals`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from fractions import Fraction
from typing import Any

import msgspec

from services.grants import domain, store
from services.grants.refusals import Refusal
from services.grants.schemas import (
    Application,
    Assignment,
    AwardOut,
    BudgetLine,
    Call,
    CallText,
    Criterion,
    DecisionOut,
    EvaluationView,
    Organisation,
    PoolMember,
    RankedApplication,
    Ranking,
)
from shared import content
from shared.auth import Principal
from shared.events import utcnow
from shared.events.catalogue import Money
from shared.refusals import conflict, forbidden, not_found

SCHEMA = "grants"
Conn = Any


def money(amount: int, currency: str) -> Money:
    return Money(amount=amount, currency=currency)  # type: ignore[arg-type]


def call_status(row: Any, now: datetime) -> str:
    if row["decision_published_at"]:
        return "decided"
    if now < row["opens_at"]:
        return "announced"
    return "open" if now < row["closes_at"] else "closed"


def _older_texts(row: Any) -> dict[str, CallText]:
    """The call's other versions in the API's older shape ({lang: {title, description}})."""
    titles = content.versions(row["title_i18n"])
    descriptions = content.versions(row["description_i18n"])
    return {
        lang: CallText(
            title=titles.get(lang) or row["title"], description=descriptions.get(lang, "")
        )
        for lang in ("en", "uk")
        if lang in titles or lang in descriptions
    }


def call_view(row: Any, criteria: list[Any], now: Any) -> Call:
    currency = row["currency"]
    return Call(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        title_i18n=content.versions(row["title_i18n"]),
        description_i18n=content.versions(row["description_i18n"]),
        translations=_older_texts(row),
        budget_total=money(row["budget_total"], currency),
        max_per_grant=money(row["max_per_grant"], currency),
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        eligible_kinds=list(row["eligible_kinds"]),
        objectives=list(row["objectives"]),
        evaluators_per_application=row["evaluators_per_application"],
        allow_partial_funding=row["allow_partial_funding"],
        report_due_on=row["report_due_on"],
        criteria=[
            Criterion(
                key=c["key"],
                name=c["name"],
                weight=float(c["weight"]),
                max_points=c["max_points"],
                name_i18n=content.versions(c["name_i18n"]),
                translations=content.versions(c["name_i18n"]),
            )
            for c in criteria
        ],
        status=call_status(row, now),
        decision_published_at=row["decision_published_at"],
        formal_check_due_on=row["formal_check_due_on"],
        evaluation_due_on=row["evaluation_due_on"],
    )


def application_view(row: Any) -> Application:
    currency = row["currency"]
    return Application(
        id=row["id"],
        call_id=row["call_id"],
        organisation_id=row["organisation_id"],
        title=row["title"],
        summary=row["summary"],
        objectives=list(row["objectives"]),
        requested=money(row["requested"], currency),
        budget_lines=msgspec.json.decode(row["budget_lines"], type=list[BudgetLine]),
        status=row["status"],
        created_at=row["created_at"],
        submitted_at=row["submitted_at"],
        formal_eligible=row["formal_eligible"],
        formal_reason=row["formal_reason"],
        award=money(row["award_amount"], currency) if row["award_amount"] is not None else None,
    )


# --- Rows with who may see them (used by commands too) -----------------------------------


async def acting_organisation(conn: Conn, who: Principal) -> Any:
    """The organisation an `ngo` caller acts for: the token's `org`, else the one it registered."""
    if who.org is not None:
        org = await store.organisation(conn, who.org)
    else:
        orgs = await store.represented_organisations(conn, who.subject)
        org = await store.organisation(conn, orgs[0]) if len(orgs) == 1 else None
        if len(orgs) > 1:
            raise forbidden("organisation.several")
    if org is None:
        raise forbidden("organisation.not_registered")
    return org


async def existing_call(conn: Conn, call_id: uuid.UUID, *, for_update: bool = False) -> Any:
    row = await store.call(conn, call_id, for_update=for_update)
    if row is None:
        raise not_found("call.not_found", call_id=call_id)
    return row


async def own_application(
    conn: Conn, who: Principal, app_id: uuid.UUID, *, for_update: bool = False
) -> Any:
    """The application, when the caller acts for its organisation (403 otherwise)."""
    row = await store.application(conn, app_id, for_update=for_update)
    if row is None:
        raise not_found("application.not_found", application_id=app_id)
    org = await acting_organisation(conn, who)
    if row["organisation_id"] != org["id"]:
        raise forbidden("application.other_organisation")
    return row


def domain_criteria(rows: list[Any]) -> list[domain.Criterion]:
    return [domain.Criterion(r["key"], Fraction(r["weight"]), r["max_points"]) for r in rows]


# --- For the API ---------------------------------------------------------------------------


async def my_organisation(runtime: Any, who: Principal) -> Organisation:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await acting_organisation(conn, who)
    return msgspec.convert(dict(row), Organisation)


async def calls(runtime: Any, limit: int, offset: int) -> tuple[list[Call], int]:
    now = utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_calls(conn, limit, offset)
        items = [call_view(r, await store.criteria(conn, r["id"]), now) for r in rows]
    return items, total


async def call(runtime: Any, call_id: uuid.UUID) -> Call:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await existing_call(conn, call_id)
        return call_view(row, await store.criteria(conn, call_id), utcnow())


async def applications_of_call(
    runtime: Any, call_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[Application], int]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        await existing_call(conn, call_id)
        rows, total = await store.applications_of_call(conn, call_id, limit, offset)
    return [application_view(r) for r in rows], total


async def my_applications(
    runtime: Any, who: Principal, limit: int, offset: int
) -> tuple[list[Application], int]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        org = await acting_organisation(conn, who)
        rows, total = await store.applications_of_org(conn, org["id"], limit, offset)
    return [application_view(r) for r in rows], total


async def application(runtime: Any, who: Principal, app_id: uuid.UUID) -> Application:
    """An application: for its organisation, the coordinator, and evaluators assigned to it."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.application(conn, app_id)
        if row is None:
            raise not_found("application.not_found", application_id=app_id)
        if who.has("coordinator"):
            return application_view(row)
        if who.has("evaluator") and await store.assignment_of(conn, app_id, who.subject):
            return application_view(row)
        if who.has("ngo"):
            return application_view(await own_application(conn, who, app_id))
    raise forbidden("application.not_readable")


async def evaluations(runtime: Any, who: Principal, app_id: uuid.UUID) -> list[EvaluationView]:
    """Evaluations of an application. An evaluator sees others' scores only after submitting their
    own; one who declared a conflict of interest sees none of them (403), as a recused juror."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await store.evaluations_of(conn, app_id)
        own = None
        if not who.has("coordinator"):
            own = await store.assignment_of(conn, app_id, who.subject)
            if own is None:
                raise forbidden("evaluation.not_assigned")
            if own["conflict_of_interest"]:
                raise forbidden("evaluation.recused")
    # Declaring a conflict also sets submitted_at: only one's own scores end the blindness.
    blind = own is not None and (own["submitted_at"] is None or own["conflict_of_interest"])
    return [
        EvaluationView(
            evaluator_id=r["evaluator_id"],
            conflict_of_interest=r["conflict_of_interest"],
            submitted=r["submitted_at"] is not None,
            scores=msgspec.json.decode(r["scores"])
            if r["scores"] and not (blind and r["evaluator_id"] != own["evaluator_id"])
            else None,
            score=float(r["score"])
            if r["score"] is not None and not (blind and r["evaluator_id"] != own["evaluator_id"])
            else None,
            comment=r["comment"]
            if not (blind and r["evaluator_id"] != own["evaluator_id"])
            else None,
        )
        for r in rows
        if not blind or r["evaluator_id"] == own["evaluator_id"]
    ]


async def evaluation_queue(
    runtime: Any, who: Principal, limit: int, offset: int
) -> tuple[list[Assignment], int]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.queue_of(conn, who.subject, limit, offset)
    return [
        Assignment(
            application_id=r["application_id"],
            call_id=r["call_id"],
            call_title=r["call_title"],
            title=r["title"],
            assigned_at=r["assigned_at"],
            submitted=r["submitted_at"] is not None,
            conflict_of_interest=r["conflict_of_interest"],
        )
        for r in rows
    ], total


async def published_awards(runtime: Any, call_id: uuid.UUID) -> DecisionOut:
    """The published list of awards, in rank order."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await existing_call(conn, call_id)
        if not row["decision_published_at"]:
            raise conflict("decision.not_published")
        rows = await store.published_awards(conn, call_id)
    return DecisionOut(
        awarded=[
            AwardOut(
                application_id=r["application_id"],
                amount=money(r["amount"], r["currency"]),
                rank=r["rank"],
                title=r["title"],
                organisation=r["organisation"],
            )
            for r in rows
        ]
    )


# --- Ranking -------------------------------------------------------------------------------


async def ranked(
    conn: Conn, call: Any, now: datetime
) -> tuple[list[domain.Candidate], list[Refusal], dict[uuid.UUID, str]]:
    """The ranked candidates, what still blocks a decision, and the titles."""
    rows = await store.evaluated_candidates(conn, call["id"])
    counts = await store.status_counts(conn, call["id"])
    per_app = call["evaluators_per_application"]
    blocking: list[Refusal] = []
    if now < call["closes_at"]:
        blocking.append(Refusal("ranking.call_open", {"closes": call["closes_at"]}))
    if counts.get("submitted"):
        blocking.append(Refusal("ranking.formal_check_pending", {"count": counts["submitted"]}))
    short = [r for r in rows if r["pending"] or len(r["scores"]) < per_app]
    if short:
        blocking.append(
            Refusal(
                "ranking.evaluations_missing", {"count": len(short), "per_application": per_app}
            )
        )
    candidates = [
        domain.Candidate(
            r["id"],
            domain.application_score([Fraction(s) for s in r["scores"]]) or Fraction(0),
            r["requested"],
            r["submitted_at"],
        )
        for r in rows
    ]
    return domain.rank(candidates), blocking, {r["id"]: r["title"] for r in rows}


async def ranking_and_reasons(conn: Conn, call_id: uuid.UUID) -> tuple[Ranking, list[Refusal]]:
    """The ranking, and what blocks a decision as refusals (the pages say them translated)."""
    now = utcnow()
    row = await existing_call(conn, call_id)
    candidates, blocking, titles = await ranked(conn, row, now)
    proposal = {
        w.application_id: w.amount
        for w in domain.allocate(
            candidates,
            row["budget_total"],
            row["max_per_grant"],
            partial=row["allow_partial_funding"],
        )
    }
    currency = row["currency"]
    if row["decision_published_at"]:
        blocking = [Refusal("ranking.decision_published")]
    answer = Ranking(
        call_id=call_id,
        ready=not blocking,
        blocking=[r.english for r in blocking],
        budget_total=money(row["budget_total"], currency),
        items=[
            RankedApplication(
                rank=i,
                application_id=c.application_id,
                title=titles[c.application_id],
                score=round(float(c.score), 2),
                requested=money(c.requested, currency),
                proposed=money(proposal[c.application_id], currency)
                if c.application_id in proposal
                else None,
            )
            for i, c in enumerate(candidates, start=1)
        ],
    )
    return answer, blocking


async def ranking(runtime: Any, call_id: uuid.UUID) -> Ranking:
    """Applications in evaluation ranked by score, with the proposed awards within the budget."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        return (await ranking_and_reasons(conn, call_id))[0]


# --- For the pages -------------------------------------------------------------------------


async def call_row(runtime: Any, call_id: uuid.UUID) -> Any:
    """A call as the pages show it (404 when there is none)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        return await existing_call(conn, call_id)


async def ngo_home(runtime: Any, who: Principal) -> tuple[list[Any], list[Any], bool]:
    """An NGO's start page: the calls open or announced, its organisation's applications, and
    whether it has registered an organisation yet."""
    now = utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await store.list_calls(conn, 100, 0)
        orgs = await store.represented_organisations(conn, who.subject)
        org = who.org or (orgs[0] if orgs else None)
        apps = (await store.applications_of_org(conn, org, 100, 0))[0] if org else []
    calls = [
        dict(r, state=call_status(r, now))
        for r in rows
        if call_status(r, now) in ("open", "announced")
    ]
    return calls, apps, bool(org)


async def own_application_and_call(
    runtime: Any, who: Principal, app_id: uuid.UUID
) -> tuple[Any, Any]:
    """The caller's organisation's application (403 for another's) and its call."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await own_application(conn, who, app_id)
        return row, await existing_call(conn, row["call_id"])


async def evaluator_queue_rows(runtime: Any, who: Principal) -> list[Any]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await store.queue_of(conn, who.subject, 500, 0)
    return rows


async def to_score(runtime: Any, who: Principal, app_id: uuid.UUID) -> dict[str, Any]:
    """What an assigned evaluator scores: the application, the call's criteria, and whether
    they are done (403 for anyone not assigned)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        assignment = await store.assignment_of(conn, app_id, who.subject)
        if assignment is None:
            raise forbidden("evaluation.not_assigned")
        row = await store.application(conn, app_id)
        return {
            "app": application_view(row),
            "criteria": await store.criteria(conn, row["call_id"]),
            "done": assignment["submitted_at"] is not None,
        }


async def coordinator_calls(runtime: Any) -> list[Any]:
    now = utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await store.list_calls(conn, 200, 0)
    return [dict(r, state=call_status(r, now)) for r in rows]


async def call_progress(runtime: Any, call_id: uuid.UUID) -> dict[str, Any]:
    """A call for its coordinator: its applications, the ranking, what blocks the decision
    (refusals, said on the page) and the published awards."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await existing_call(conn, call_id)
        applications, _ = await store.applications_of_call(conn, call_id, 500, 0)
        ranked_now, blocking = await ranking_and_reasons(conn, call_id)
        awards = await store.published_awards(conn, call_id)
    return {
        "call": row,
        "applications": applications,
        "ranking": ranked_now,
        "blocking": blocking,
        "awards": awards,
    }


async def call_and_ranking(runtime: Any, call_id: uuid.UUID) -> tuple[Any, Ranking]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await existing_call(conn, call_id)
        return row, (await ranking_and_reasons(conn, call_id))[0]


async def pool(runtime: Any, call_id: uuid.UUID) -> list[PoolMember]:
    """A call's evaluator pool with each one's assignments (404 for an unknown call)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        await existing_call(conn, call_id)
        rows = await store.pool(conn, call_id)
    return [
        PoolMember(
            id=r["id"],
            name=r["name"],
            email=r["email"],
            language=r["language"],
            joined_at=r["joined_at"],
            assigned=r["assigned"],
            done=r["done"],
            conflicts=r["conflicts"],
        )
        for r in rows
    ]


async def formal_check_queue(runtime: Any, call_id: uuid.UUID) -> tuple[Any, list[Any]]:
    """A call and its applications awaiting the formal check (oldest first) with their
    organisation, for the coordinator."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await existing_call(conn, call_id)
        rows = await store.awaiting_formal_check(conn, call_id)
    return row, [
        {
            "app": application_view(dict(r, award_amount=None)),
            "organisation_name": r["organisation_name"],
            "organisation_kind": r["organisation_kind"],
        }
        for r in rows
    ]


async def staff_call_page(runtime: Any, call_id: uuid.UUID) -> dict[str, Any]:
    """What the coordinator's call page shows besides progress: the pool, applications awaiting
    the formal check, reports awaiting review, criteria."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        await existing_call(conn, call_id)
        return {
            "pool": await store.pool(conn, call_id),
            "awaiting_check": await store.awaiting_formal_check(conn, call_id),
            "reports": await store.reports_to_review(conn, call_id),
            "criteria": await store.criteria(conn, call_id),
        }


async def report_to_review(runtime: Any, app_id: uuid.UUID) -> Any:
    """A final report with its application, for the city's review (404 without one)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.report_view(conn, app_id)
    if row is None:
        raise not_found("report.not_found", application_id=app_id)
    return row


async def call_and_criteria(runtime: Any, call_id: uuid.UUID) -> tuple[Any, list[Any]]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await existing_call(conn, call_id)
        return row, await store.criteria(conn, call_id)


async def application_for_check(runtime: Any, app_id: uuid.UUID) -> dict[str, Any]:
    """An application with its organisation and call, for the coordinator's formal check."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.application(conn, app_id)
        if row is None:
            raise not_found("application.not_found", application_id=app_id)
        org = await store.organisation(conn, row["organisation_id"])
        call = await existing_call(conn, row["call_id"])
    return {"app": application_view(row), "row": row, "organisation": org, "call": call}


# --- Public pages (no sign-in) -------------------------------------------------------------

PUBLIC_STATES = ("open", "announced", "closed", "decided")


async def public_calls(runtime: Any) -> dict[str, list[dict[str, Any]]]:
    """The calls by state (open, announced = upcoming, closed = in evaluation, decided), each
    with its criteria and, once decided, its awards."""
    now = utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await store.public_calls(conn)
        ids = [r["id"] for r in rows]
        criteria = await conn.fetch(
            "select * from criteria where call_id = any($1::uuid[]) order by call_id, position",
            ids,
        )
        awards = await store.public_awards(
            conn, [r["id"] for r in rows if r["decision_published_at"]]
        )
    by_state: dict[str, list[dict[str, Any]]] = {state: [] for state in PUBLIC_STATES}
    for row in rows:
        state = call_status(row, now)
        by_state[state].append(
            dict(
                row,
                state=state,
                criteria=[c for c in criteria if c["call_id"] == row["id"]],
                awards=[a for a in awards if a["call_id"] == row["id"]],
            )
        )
    by_state["open"].sort(key=lambda c: (c["closes_at"], c["id"]))  # the soonest to close first
    by_state["announced"].sort(key=lambda c: (c["opens_at"], c["id"]))
    return by_state


async def public_call(runtime: Any, call_id: uuid.UUID) -> dict[str, Any]:
    """One call as the public reads it: texts, dates, budget, criteria, awards once decided."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await existing_call(conn, call_id)
        criteria = await store.criteria(conn, call_id)
        awards = await store.public_awards(conn, [call_id]) if row["decision_published_at"] else []
    return dict(row, state=call_status(row, utcnow()), criteria=criteria, awards=awards)
