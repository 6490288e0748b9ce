"""The grants' use cases told as stories, calling the commands directly against PostgreSQL (no
HTTP): what each one stores, the events it leaves in the outbox, the mails it queues, and that a
refusal names its code (and field) and changes nothing. Time is passed in (`now=`), so a call's
whole life — open, closed, decided, report overdue — is told without waiting."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from services.grants import commands, domain
from services.grants.schemas import (
    ApplicationIn,
    CallIn,
    DecisionIn,
    EvaluationIn,
    EvaluatorIn,
    FormalCheckIn,
    OrganisationIn,
    ReportIn,
)
from shared.auth import Principal
from shared.idempotency import Claimed, Replay
from shared.refusals import Kind, Refused
from tests.helpers.platform import RunningPlatform
from tests.integration.grants.helpers import CRITERIA, application_body, eur, valid_nip

COORDINATOR = Principal(subject="coordinator-stories", roles=("coordinator",))


def ngo() -> Principal:
    return Principal(subject=f"ngo-{uuid.uuid4().hex[:8]}", roles=("ngo",))


def evaluator_of(subject: str) -> Principal:
    return Principal(subject=subject, roles=("evaluator",))


def organisation_in(**overrides: Any) -> OrganisationIn:
    body = {
        "name": "Stowarzyszenie Sąsiedzi",
        "nip": valid_nip(),
        "kind": "ngo",
        "email": f"org-{uuid.uuid4().hex[:8]}@example.org",
        "language": "en",
        **overrides,
    }
    return msgspec.convert(body, OrganisationIn)


def call_in(opens: datetime, closes: datetime, **overrides: Any) -> CallIn:
    body = {
        "title": "Granty sąsiedzkie",
        "budget_total": eur(500_000),
        "max_per_grant": eur(300_000),
        "opens_at": opens.isoformat(),
        "closes_at": closes.isoformat(),
        "criteria": CRITERIA,
        "objectives": [3, 6],
        **overrides,
    }
    return msgspec.convert(body, CallIn)


def application_in(requested: int = 200_000, **overrides: Any) -> ApplicationIn:
    return msgspec.convert({**application_body(requested), **overrides}, ApplicationIn)


async def events_of(platform: RunningPlatform, **match: Any) -> list[str]:
    """Types of the grants outbox events whose payload fields equal `match`, in order."""
    rows = await platform.runtime.pool("grants").fetch("select body from outbox order by seq")
    found = []
    for row in rows:
        envelope = msgspec.json.decode(bytes(row["body"]))
        payload = envelope["payload"]
        if all(str(payload.get(k)) == str(v) for k, v in match.items()):
            found.append(envelope["type"])
    return found


async def mails_to(platform: RunningPlatform, address: str) -> list[str]:
    rows = await platform.runtime.pool("grants").fetch(
        "select purpose from outgoing_mail where recipient = $1 order by created_at", address
    )
    return [r["purpose"] for r in rows]


async def one(platform: RunningPlatform, sql: str, *args: Any) -> Any:
    return await platform.runtime.pool("grants").fetchrow(sql, *args)


async def value(platform: RunningPlatform, sql: str, *args: Any) -> Any:
    return await platform.runtime.pool("grants").fetchval(sql, *args)


def refusal_of(exc: pytest.ExceptionInfo[Refused]) -> tuple[Kind, str, str | None]:
    return exc.value.kind, exc.value.code, exc.value.field


class Story:
    """A call whose whole life lies around now: created 11 days ago, open from 10 to 3 days ago,
    its final reports due yesterday (Warsaw)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)
        self.created = self.now - timedelta(days=11)
        self.opens = self.now - timedelta(days=10)
        self.closes = self.now - timedelta(days=3)
        self.while_open = self.now - timedelta(days=5)
        self.due = domain.warsaw_today(self.now - timedelta(days=1))


async def registered(platform: RunningPlatform) -> tuple[Principal, uuid.UUID, str]:
    who, data = ngo(), organisation_in()
    created = await commands.register_organisation(platform.runtime, who, data)
    assert not isinstance(created, Replay)
    return who, created.id, data.email


async def a_call(platform: RunningPlatform, story: Story, **overrides: Any) -> uuid.UUID:
    created = await commands.create_call(
        platform.runtime,
        COORDINATOR,
        call_in(story.opens, story.closes, report_due_on=story.due.isoformat(), **overrides),
        now=story.created,
    )
    assert not isinstance(created, Replay)
    return created.id


async def a_submitted_application(
    platform: RunningPlatform, story: Story, call_id: uuid.UUID, who: Principal, requested: int
) -> uuid.UUID:
    created = await commands.create_application(
        platform.runtime, who, call_id, application_in(requested), now=story.while_open
    )
    assert not isinstance(created, Replay)
    await commands.submit_application(platform.runtime, who, created.id, now=story.while_open)
    return created.id


# --- Organisations ----------------------------------------------------------------------


async def test_an_ngo_registers_its_organisation_once_and_a_bad_nip_changes_nothing(
    platform: RunningPlatform,
) -> None:
    who, data = ngo(), organisation_in()
    key = Claimed(scope=f"grants.org@{who.subject}", key="k-1", fingerprint="same request")
    created = await commands.register_organisation(platform.runtime, who, data, requested=key)
    assert not isinstance(created, Replay)
    row = await one(platform, "select nip, kind, email from organisations where id=$1", created.id)
    assert (row["nip"], row["kind"], row["email"]) == (data.nip, "ngo", data.email)
    represents = "select count(*) from representatives where subject=$1"
    assert await value(platform, represents, who.subject) == 1
    assert await events_of(platform, organisation_id=created.id) == [
        "grants.organisation_registered"
    ]

    again = await commands.register_organisation(platform.runtime, who, data, requested=key)
    assert isinstance(again, Replay) and again.status == 201
    assert msgspec.json.decode(again.body)["id"] == str(created.id)

    with pytest.raises(Refused) as twice:
        await commands.register_organisation(platform.runtime, ngo(), organisation_in(nip=data.nip))
    assert refusal_of(twice) == (Kind.CONFLICT, "organisation.nip_registered", None)

    stranger = ngo()
    bad = organisation_in(nip="1234567890")  # its check digit does not match
    with pytest.raises(Refused) as refused:
        await commands.register_organisation(platform.runtime, stranger, bad)
    assert refusal_of(refused) == (Kind.INVALID, "organisation.nip_check_digit", "nip")
    assert await value(platform, represents, stranger.subject) == 0


# --- Calls ------------------------------------------------------------------------------


async def test_a_coordinator_publishes_a_call_and_a_call_closing_before_it_opens_is_refused(
    platform: RunningPlatform,
) -> None:
    story = Story()
    call_id = await a_call(platform, story)
    row = await one(
        platform, "select budget_total, currency, report_due_on from calls where id=$1", call_id
    )
    assert (row["budget_total"], row["currency"], row["report_due_on"]) == (
        500_000,
        "EUR",
        story.due,
    )
    assert await events_of(platform, call_id=call_id) == ["grants.call_published"]

    before = await value(platform, "select count(*) from calls")
    with pytest.raises(Refused) as refused:
        await commands.create_call(
            platform.runtime, COORDINATOR, call_in(story.closes, story.opens), now=story.created
        )
    assert refusal_of(refused) == (Kind.INVALID, "call.closes_before_opening", "closes_at")
    assert await value(platform, "select count(*) from calls") == before


# --- Applications -----------------------------------------------------------------------


async def test_an_ngo_drafts_edits_submits_then_withdraws_and_a_late_submission_is_refused(
    platform: RunningPlatform,
) -> None:
    story = Story()
    call_id = await a_call(platform, story)
    who, org_id, _ = await registered(platform)

    with pytest.raises(Refused) as over:
        await commands.create_application(
            platform.runtime, who, call_id, application_in(400_000), now=story.while_open
        )
    assert refusal_of(over) == (Kind.INVALID, "application.requested_over_maximum", "requested")
    mine = "select count(*) from applications where organisation_id=$1"
    assert await value(platform, mine, org_id) == 0

    created = await commands.create_application(
        platform.runtime, who, call_id, application_in(100_000), now=story.while_open
    )
    assert not isinstance(created, Replay) and created.status == "draft"
    app_id = created.id
    await commands.update_application(
        platform.runtime, who, app_id, application_in(150_000), now=story.while_open
    )
    row = await one(platform, "select status, requested from applications where id=$1", app_id)
    assert (row["status"], row["requested"]) == ("draft", 150_000)
    assert await events_of(platform, application_id=app_id) == []  # a draft is nobody's news

    with pytest.raises(Refused) as late:
        await commands.submit_application(platform.runtime, who, app_id)  # now: after closing
    assert refusal_of(late) == (Kind.CONFLICT, "application.submissions_closed", None)
    assert late.value.first.params == {"deadline": story.closes}
    status = "select status from applications where id=$1"
    assert await value(platform, status, app_id) == "draft"

    other, _, _ = await registered(platform)
    with pytest.raises(Refused) as foreign:
        await commands.submit_application(platform.runtime, other, app_id, now=story.while_open)
    assert refusal_of(foreign) == (Kind.FORBIDDEN, "application.other_organisation", None)

    await commands.submit_application(platform.runtime, who, app_id, now=story.while_open)
    with pytest.raises(Refused) as frozen:
        await commands.update_application(
            platform.runtime, who, app_id, application_in(100_000), now=story.while_open
        )
    assert refusal_of(frozen) == (Kind.CONFLICT, "application.not_editable", None)

    await commands.withdraw_application(platform.runtime, who, app_id, now=story.while_open)
    assert await value(platform, status, app_id) == "withdrawn"
    assert await events_of(platform, application_id=app_id) == [
        "grants.application_submitted",
        "grants.application_withdrawn",
    ]


# --- Evaluation, decision, report, overdue ------------------------------------------------


async def test_a_call_is_checked_evaluated_decided_reported_and_a_missing_report_flagged(
    platform: RunningPlatform,
) -> None:
    story = Story()
    runtime = platform.runtime
    call_id = await a_call(platform, story)
    funded, _, funded_email = await registered(platform)
    refused_ngo, _, refused_email = await registered(platform)
    late_ngo, _, late_email = await registered(platform)
    best = await a_submitted_application(platform, story, call_id, funded, 200_000)
    ineligible = await a_submitted_application(platform, story, call_id, refused_ngo, 100_000)
    second = await a_submitted_application(platform, story, call_id, late_ngo, 250_000)

    subjects = [f"eval-{uuid.uuid4().hex[:6]}" for _ in range(3)]
    pool = []
    for subject in subjects:
        added = await commands.add_evaluator(
            runtime,
            call_id,
            EvaluatorIn(subject=subject, name="Ewa Ocena", email=f"{subject}@example.org"),
        )
        assert not isinstance(added, Replay) and added.assigned == 0  # nothing eligible yet
        pool.append(added.id)
    with pytest.raises(Refused) as twice:
        await commands.add_evaluator(
            runtime, call_id, EvaluatorIn(subject=subjects[0], name="Ewa", email="e@example.org")
        )
    assert refusal_of(twice) == (Kind.CONFLICT, "evaluators.already_in_pool", None)

    # The formal check: a reason is required to refuse; eligible ones get their evaluators.
    with pytest.raises(Refused) as no_reason:
        await commands.formal_check(runtime, COORDINATOR, ineligible, FormalCheckIn(eligible=False))
    assert refusal_of(no_reason) == (Kind.INVALID, "formal_check.reason_required", "reason")
    out = await commands.formal_check(
        runtime, COORDINATOR, ineligible, FormalCheckIn(eligible=False, reason="No statute.")
    )
    assert (out.status, out.evaluators_assigned) == ("ineligible", 0)
    assert await mails_to(platform, refused_email) == ["grants.formal_check"]
    for app_id in (best, second):
        out = await commands.formal_check(
            runtime, COORDINATOR, app_id, FormalCheckIn(eligible=True)
        )
        assert (out.status, out.evaluators_assigned) == ("eligible", 2)
    assert await events_of(platform, application_id=ineligible) == [
        "grants.application_submitted",
        "grants.formal_check_completed",
    ]

    # Evaluation: the assigned evaluators score; a conflict of interest brings a replacement.
    async def assigned(app_id: uuid.UUID) -> list[str]:
        rows = await runtime.pool("grants").fetch(
            "select e.subject from assignments a join evaluators e on e.id = a.evaluator_id "
            "where a.application_id=$1 and a.submitted_at is null and not a.conflict_of_interest",
            app_id,
        )
        return [r["subject"] for r in rows]

    recused, *_ = await assigned(best)
    declared = await commands.evaluate(
        runtime, evaluator_of(recused), best, EvaluationIn(conflict_of_interest=True)
    )
    assert declared is None
    with pytest.raises(Refused) as again:
        await commands.evaluate(
            runtime, evaluator_of(recused), best, EvaluationIn(scores={"relevance": 1})
        )
    assert refusal_of(again) == (Kind.CONFLICT, "evaluation.already_submitted", None)
    with pytest.raises(Refused) as stranger:
        await commands.evaluate(
            runtime, evaluator_of("nobody"), best, EvaluationIn(scores={"relevance": 1})
        )
    assert refusal_of(stranger) == (Kind.FORBIDDEN, "evaluation.not_assigned", None)

    for app_id, points in ((best, (10, 5)), (second, (6, 3))):
        scorers = await assigned(app_id)
        assert len(scorers) == 2
        with pytest.raises(Refused) as too_many:
            await commands.evaluate(
                runtime,
                evaluator_of(scorers[0]),
                app_id,
                EvaluationIn(scores={"relevance": 11, "feasibility": 1}),
            )
        assert refusal_of(too_many) == (
            Kind.INVALID,
            "evaluation.points_out_of_range",
            "scores.relevance",
        )
        for subject in scorers:
            score = await commands.evaluate(
                runtime,
                evaluator_of(subject),
                app_id,
                EvaluationIn(scores={"relevance": points[0], "feasibility": points[1]}),
            )
            assert score is not None
    assert (await events_of(platform, application_id=best)).count(
        "grants.evaluation_submitted"
    ) == 3

    # The decision: the ranked proposal within the budget (both fit: 450 000 of 500 000).
    with pytest.raises(Refused) as listed_twice:
        await commands.publish_decision(
            runtime,
            call_id,
            msgspec.convert(
                {
                    "awards": [
                        {"application_id": str(best), "amount": eur(1)},
                        {"application_id": str(best), "amount": eur(2)},
                    ]
                },
                DecisionIn,
            ),
        )
    assert refusal_of(listed_twice) == (Kind.INVALID, "decision.listed_twice", "awards")
    with pytest.raises(Refused) as two_currencies:
        await commands.publish_decision(
            runtime,
            call_id,
            msgspec.convert(
                {
                    "awards": [
                        {"application_id": str(best), "amount": eur(1)},
                        {"application_id": str(second), "amount": {"amount": 2, "currency": "PLN"}},
                    ]
                },
                DecisionIn,
            ),
        )
    assert refusal_of(two_currencies) == (Kind.INVALID, "decision.one_currency", "awards")
    # Neither refused decision changed anything: the ranked proposal is still to be published.
    assert "grants.grant_awarded" not in await events_of(platform, call_id=call_id)
    decided = await commands.publish_decision(runtime, call_id, None)
    assert [(w.application_id, w.amount.amount, w.rank) for w in decided.awarded] == [
        (best, 200_000, 1),
        (second, 250_000, 2),
    ]
    assert await events_of(platform, call_id=call_id) == [
        "grants.call_published",
        "grants.application_submitted",
        "grants.application_submitted",
        "grants.application_submitted",
        "grants.grant_awarded",
        "grants.grant_awarded",
        "grants.decision_published",
    ]
    # The formal check's mail (passed), then the decision's.
    assert await mails_to(platform, funded_email) == ["grants.formal_check", "grants.decision"]
    assert await mails_to(platform, refused_email) == ["grants.formal_check"]  # not evaluated
    with pytest.raises(Refused) as published:
        await commands.publish_decision(runtime, call_id, None)
    assert refusal_of(published) == (Kind.CONFLICT, "decision.already_published", None)

    # The report: once, in the grant's currency, by its own organisation.
    said = {"activities": "Twelve workshops for forty families.", "participants_reached": 40}
    report = msgspec.convert({**said, "spent": eur(90_000)}, ReportIn)
    key = Claimed(scope="grants.report@funded", key="r-1", fingerprint="same")
    in_pln = msgspec.convert({**said, "spent": {"amount": 1, "currency": "PLN"}}, ReportIn)
    with pytest.raises(Refused) as currency:
        await commands.submit_report(runtime, funded, best, in_pln)
    assert refusal_of(currency) == (Kind.INVALID, "report.currency", "spent.currency")
    answer = await commands.submit_report(runtime, funded, best, report, requested=key)
    assert not isinstance(answer, Replay) and answer.status == "reported"
    replay = await commands.submit_report(runtime, funded, best, report, requested=key)
    assert isinstance(replay, Replay) and replay.status == 201
    with pytest.raises(
        Refused
    ) as foreign_key:  # another NGO with the same key: its own 403, no replay
        await commands.submit_report(runtime, late_ngo, best, report, requested=key)
    assert refusal_of(foreign_key) == (Kind.FORBIDDEN, "application.other_organisation", None)
    with pytest.raises(Refused) as reported:
        await commands.submit_report(runtime, funded, best, report)
    assert refusal_of(reported) == (Kind.CONFLICT, "report.already_submitted", None)
    assert (await events_of(platform, application_id=best))[-1] == "grants.report_submitted"

    # Overdue: the grant without a report is flagged once, and its grantee reminded once.
    day_after_due = story.due + timedelta(days=1)
    assert await commands.flag_overdue_reports(runtime, day_after_due) >= 1
    await commands.flag_overdue_reports(runtime, day_after_due)
    assert (await events_of(platform, application_id=second)).count("grants.report_overdue") == 1
    assert await mails_to(platform, late_email) == [
        "grants.formal_check",
        "grants.decision",
        "grants.report_overdue",
    ]
    assert "grants.report_overdue" not in await events_of(platform, application_id=best)
    flagged = "select overdue_flagged_at is not null from awards where application_id=$1"
    assert (await value(platform, flagged, second), await value(platform, flagged, best)) == (
        True,
        False,
    )
