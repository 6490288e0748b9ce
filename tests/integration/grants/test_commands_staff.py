"""The grants staff's use cases (issue 13) against PostgreSQL, calling the commands as the pages
and the API do: a call in three languages changed until it opens, the formal check per formal
criterion (the organisation told either way), the evaluator pool by address with its invitation
mail and removal, comments per criterion, the city's review of final reports, and the staff's
identities and open work for the kit's sign-in and home page. Each refusal names its code and
changes nothing."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from datetime import timedelta
from typing import Any

import msgspec
import pytest

from services.grants import commands, people_staff
from services.grants.schemas import (
    EvaluationIn,
    EvaluatorIn,
    FormalCheckIn,
    ReportIn,
    ReportReviewIn,
)
from shared.auth import Principal
from shared.idempotency import Replay
from shared.refusals import WARSAW, Kind, Refused
from tests.helpers.platform import RunningPlatform
from tests.integration.grants.helpers import eur
from tests.integration.grants.test_commands import (
    COORDINATOR,
    Story,
    a_call,
    a_submitted_application,
    call_in,
    evaluator_of,
    refusal_of,
    registered,
)

ALL_PASS = [
    {"criterion": c, "passed": True}
    for c in ("applicant_eligible", "complete", "budget", "objectives")
]


def check(eligible: bool, findings: list[dict[str, Any]]) -> FormalCheckIn:
    return msgspec.convert({"eligible": eligible, "findings": findings}, FormalCheckIn)


async def mails(platform: RunningPlatform, address: str) -> list[tuple[str, str, str]]:
    """(purpose, subject, text) of the mails queued to `address`, oldest first."""
    rows = await platform.runtime.pool("grants").fetch(
        "select purpose, message from outgoing_mail where recipient = $1 order by created_at",
        address,
    )
    found = []
    for row in rows:
        message = email.message_from_bytes(bytes(row["message"]), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        found.append((row["purpose"], str(message["Subject"]), body.get_content()))
    return found


def evaluator_in(name: str, address: str, **more: Any) -> EvaluatorIn:
    return msgspec.convert({"name": name, "email": address, **more}, EvaluatorIn)


async def test_a_call_in_three_languages_is_changed_until_it_opens(
    platform: RunningPlatform,
) -> None:
    runtime = platform.runtime
    story = Story()
    later = story.now + timedelta(days=5)
    texts = {
        "pl": {"title": "Granty sąsiedzkie", "description": "Dla sąsiadów."},
        "en": {"title": "Neighbourhood grants", "description": "For neighbours."},
        "uk": {"title": "Сусідські гранти", "description": "Для сусідів."},
    }
    criteria = [
        {
            "key": "relevance",
            "name": "Znaczenie",
            "weight": 2,
            "max_points": 10,
            "translations": {"en": "Relevance", "uk": "Значущість"},
        }
    ]
    created = await commands.create_call(
        runtime,
        COORDINATOR,
        call_in(later, later + timedelta(days=7), translations=texts, criteria=criteria),
        now=story.now,
    )
    assert not isinstance(created, Replay)
    call_id = created.id
    shown = (await platform.client.get(f"/api/grants/calls/{call_id}")).json()
    assert shown["translations"]["uk"]["title"] == "Сусідські гранти"
    assert shown["criteria"][0]["translations"] == {"en": "Relevance", "uk": "Значущість"}
    # 30 days after the closing day in Kraków (from 23:00 UTC that is the next day's date).
    assert shown["evaluation_due_on"] == str(
        (later + timedelta(days=7)).astimezone(WARSAW).date() + timedelta(days=30)
    )
    assert shown["formal_check_due_on"] is None

    # Changed before it opens: the whole call as when created.
    bigger = call_in(
        later,
        later + timedelta(days=7),
        translations=texts,
        criteria=criteria,
        budget_total=eur(800_000),
        formal_check_due_on=str((later + timedelta(days=10)).date()),
    )
    answer = await commands.update_call(runtime, COORDINATOR, call_id, bigger, now=story.now)
    assert answer.status == "announced"
    shown = (await platform.client.get(f"/api/grants/calls/{call_id}")).json()
    assert shown["budget_total"]["amount"] == 800_000
    assert shown["formal_check_due_on"] == str((later + timedelta(days=10)).date())
    assert [c["key"] for c in shown["criteria"]] == ["relevance"]

    # A check date before the call closes, and any change once it opened, are refused.
    early = call_in(
        later,
        later + timedelta(days=7),
        formal_check_due_on=str((later - timedelta(days=1)).date()),
    )
    with pytest.raises(Refused) as too_early:
        await commands.update_call(runtime, COORDINATOR, call_id, early, now=story.now)
    assert refusal_of(too_early) == (
        Kind.INVALID,
        "call.check_due_before_closing",
        "formal_check_due_on",
    )
    with pytest.raises(Refused) as opened:
        await commands.update_call(
            runtime, COORDINATOR, call_id, bigger, now=later + timedelta(seconds=1)
        )
    assert refusal_of(opened) == (Kind.CONFLICT, "call.already_open", None)
    with pytest.raises(Refused) as unknown:
        await commands.update_call(runtime, COORDINATOR, uuid.uuid4(), bigger, now=story.now)
    assert refusal_of(unknown)[:2] == (Kind.NOT_FOUND, "call.not_found")
    api = await platform.client.put(
        f"/api/grants/calls/{call_id}",
        json=msgspec.to_builtins(bigger),
        headers=platform.auth("coordinator"),
    )
    assert api.status_code == 409 or api.json()["status"] == "announced"


async def test_the_formal_check_per_criterion_tells_the_organisation(
    platform: RunningPlatform,
) -> None:
    runtime = platform.runtime
    story = Story()
    check_day = str(story.closes.date() + timedelta(days=1))  # two days ago: overdue
    call_id = await a_call(platform, story, formal_check_due_on=check_day)
    who, _, address = await registered(platform)
    app_id = await a_submitted_application(platform, story, call_id, who, 200_000)
    other, _, other_address = await registered(platform)
    passing = await a_submitted_application(platform, story, call_id, other, 100_000)
    async with platform.runtime.pool("grants").acquire() as conn:
        work = await people_staff.staff_work(conn, COORDINATOR, "pl")
        nothing = await people_staff.staff_work(
            conn, Principal(subject="ngo-x", roles=("ngo",)), "pl"
        )
    [checks] = [w for w in work if w.label == "Wnioski o granty czekające na ocenę formalną"]
    assert checks.role == "coordinator" and checks.overdue >= 2 and checks.count >= 2
    assert nothing == []  # the staff's part counts nothing for others

    refusals = [
        (check(True, ALL_PASS[:3]), "formal_check.findings_incomplete", "findings"),
        (
            check(False, [*ALL_PASS[:3], {"criterion": "objectives", "passed": False}]),
            "formal_check.finding_reason_required",
            "findings[3].reason",
        ),
        (
            check(
                True,
                [*ALL_PASS[:3], {"criterion": "objectives", "passed": False, "reason": "No."}],
            ),
            "formal_check.findings_disagree",
            "eligible",
        ),
    ]
    for data, code, field in refusals:
        with pytest.raises(Refused) as refused:
            await commands.formal_check(runtime, COORDINATOR, app_id, data)
        assert refusal_of(refused) == (Kind.INVALID, code, field)
    assert await mails(platform, address) == []

    failed = [
        *ALL_PASS[:2],
        {"criterion": "budget", "passed": False, "reason": "Lines add up wrong."},
        ALL_PASS[3],
    ]
    out = await commands.formal_check(runtime, COORDINATOR, app_id, check(False, failed))
    assert out.status == "ineligible"
    stored = await platform.runtime.pool("grants").fetchval(
        "select formal_findings from applications where id = $1", app_id
    )
    assert msgspec.json.decode(stored)[2] == {
        "criterion": "budget",
        "passed": False,
        "reason": "Lines add up wrong.",
    }
    [(purpose, subject, text)] = await mails(platform, address)  # the organisation's English
    assert purpose == "grants.formal_check" and "did not pass the formal check" in subject
    assert "The budget is correct and within the call's limits: Lines add up wrong." in text
    assert f"next=%2Fgrants%2Fapplications%2F{app_id}" in text  # a sign-in link to it

    out = await commands.formal_check(runtime, COORDINATOR, passing, check(True, ALL_PASS))
    assert out.status == "eligible"
    [(purpose, subject, text)] = await mails(platform, other_address)
    assert subject == "Your application passed the formal check" and "/auth/link?" in text
    with pytest.raises(Refused) as again:
        await commands.formal_check(runtime, COORDINATOR, passing, check(True, ALL_PASS))
    assert refusal_of(again)[:2] == (Kind.CONFLICT, "formal_check.not_submitted")


async def test_the_pool_by_address_invites_reuses_the_subject_and_removes(
    platform: RunningPlatform,
) -> None:
    runtime = platform.runtime
    story = Story()
    uk_texts = {"uk": {"title": "Сусідські гранти", "description": ""}}
    call_id = await a_call(platform, story, translations=uk_texts)
    second_call = await a_call(platform, story)
    who, _, _ = await registered(platform)
    app_id = await a_submitted_application(platform, story, call_id, who, 200_000)
    await commands.formal_check(runtime, COORDINATOR, app_id, check(True, ALL_PASS))

    address = f"oksana-{uuid.uuid4().hex[:6]}@example.org"
    first = await commands.add_evaluator(
        runtime, call_id, evaluator_in("Oksana Ocena", address.upper(), language="uk")
    )
    assert not isinstance(first, Replay) and first.assigned == 1
    subject = await platform.runtime.pool("grants").fetchval(
        "select subject from evaluators where id = $1", first.id
    )
    assert subject.startswith("person:")
    [(purpose, title, text)] = await mails(platform, address)
    assert purpose == "grants.evaluator_invitation"
    assert title == "Ви оцінювач у конкурсі Сусідські гранти"
    assert "Сусідські гранти" in text and "next=%2Fgrants%2Fevaluate" in text
    assert re.search(r"до \d+ \S+ \d{4}", text), text  # by when, in Ukrainian

    # The same address in another call keeps its subject; twice in one pool is refused.
    again = await commands.add_evaluator(runtime, second_call, evaluator_in("Oksana", address))
    assert not isinstance(again, Replay)
    assert (
        await platform.runtime.pool("grants").fetchval(
            "select subject from evaluators where id = $1", again.id
        )
        == subject
    )
    with pytest.raises(Refused) as twice:
        await commands.add_evaluator(runtime, call_id, evaluator_in("Oksana", address))
    assert refusal_of(twice) == (Kind.CONFLICT, "evaluators.already_in_pool", None)

    # Identities: one per pool of an open or evaluating call; an unknown address has none.
    async with platform.runtime.pool("grants").acquire() as conn:
        found = await people_staff.evaluator_identities(conn, f"  {address.upper()} ")
        assert {(i.subject, i.role, i.home, i.language) for i in found} == {
            (subject, "evaluator", "/grants/evaluate", "uk"),
            (subject, "evaluator", "/grants/evaluate", "pl"),
        }
        assert "Сусідські гранти" in {i.what for i in found}
        assert await people_staff.evaluator_identities(conn, "nobody@example.org") == []
        assert await people_staff.evaluator_identities(conn, "not an address") == []
        work = await people_staff.staff_work(
            conn, Principal(subject=subject, roles=("evaluator",)), "pl"
        )
        assert [(w.role, w.count, w.href, w.overdue) for w in work] == [
            ("evaluator", 1, "/grants/evaluate", 0)
        ]

    # A second evaluator makes two; removing the first gives its open work to nobody else
    # (the pool has one left, already assigned) and keeps the row out of the pool.
    second = await commands.add_evaluator(
        runtime, call_id, evaluator_in("Piotr", f"p-{uuid.uuid4().hex[:6]}@example.org")
    )
    assert not isinstance(second, Replay) and second.assigned == 1
    removed = await commands.remove_evaluator(runtime, call_id, first.id)
    assert removed.reassigned == 0
    members = (
        await platform.client.get(
            f"/api/grants/calls/{call_id}/evaluators", headers=platform.auth("coordinator")
        )
    ).json()
    assert [m["name"] for m in members] == ["Piotr"]
    with pytest.raises(Refused) as gone:
        await commands.remove_evaluator(runtime, call_id, first.id)
    assert refusal_of(gone)[:2] == (Kind.NOT_FOUND, "evaluators.not_found")
    with pytest.raises(Refused) as elsewhere:
        await commands.remove_evaluator(runtime, second_call, second.id)
    assert refusal_of(elsewhere)[:2] == (Kind.NOT_FOUND, "evaluators.not_found")
    # Back in the pool: the same row, assigned again.
    back = await commands.add_evaluator(runtime, call_id, evaluator_in("Oksana", address))
    assert not isinstance(back, Replay) and (back.id, back.assigned) == (first.id, 1)


async def test_comments_per_criterion_and_the_review_of_a_final_report(
    platform: RunningPlatform,
) -> None:
    runtime = platform.runtime
    story = Story()
    call_id = await a_call(platform, story)
    who, _, address = await registered(platform)
    app_id = await a_submitted_application(platform, story, call_id, who, 200_000)
    await commands.formal_check(runtime, COORDINATOR, app_id, check(True, ALL_PASS))
    subjects = []
    for n in range(2):
        added = await commands.add_evaluator(
            runtime, call_id, evaluator_in(f"Ewa {n}", f"ewa{n}-{uuid.uuid4().hex[:6]}@x.org")
        )
        assert not isinstance(added, Replay)
        subjects.append(
            await platform.runtime.pool("grants").fetchval(
                "select subject from evaluators where id = $1", added.id
            )
        )
    scores = {"relevance": 8, "feasibility": 4}
    with pytest.raises(Refused) as unknown:
        await commands.evaluate(
            runtime,
            evaluator_of(subjects[0]),
            app_id,
            EvaluationIn(scores=scores, comments={"beauty": "Nice."}),
        )
    assert refusal_of(unknown) == (Kind.INVALID, "evaluation.unknown_criterion", "comments.beauty")
    for subject in subjects:
        await commands.evaluate(
            runtime,
            evaluator_of(subject),
            app_id,
            EvaluationIn(scores=scores, comments={"relevance": " Serves objective 3. "}),
        )
    stored = await platform.runtime.pool("grants").fetch(
        "select comments from assignments where application_id = $1", app_id
    )
    assert [msgspec.json.decode(r["comments"]) for r in stored] == [
        {"relevance": "Serves objective 3."}
    ] * 2
    await commands.publish_decision(runtime, call_id, None)

    with pytest.raises(Refused) as none_yet:
        await commands.review_report(runtime, COORDINATOR, app_id, ReportReviewIn(accepted=True))
    assert refusal_of(none_yet)[:2] == (Kind.NOT_FOUND, "report.not_found")
    report = msgspec.convert(
        {"activities": "Ten workshops held.", "participants_reached": 30, "spent": eur(150_000)},
        ReportIn,
    )
    await commands.submit_report(runtime, who, app_id, report)
    with pytest.raises(Refused) as no_comment:
        await commands.review_report(
            runtime, COORDINATOR, app_id, ReportReviewIn(accepted=False, comment="  ")
        )
    assert refusal_of(no_comment) == (Kind.INVALID, "report.comment_required", "comment")
    returned = await commands.review_report(
        runtime,
        COORDINATOR,
        app_id,
        ReportReviewIn(accepted=False, comment="Add the attendance lists."),
    )
    assert returned.status == "returned"
    purpose, subject, text = (await mails(platform, address))[-1]
    assert purpose == "grants.report_review" and subject == "Your final report needs corrections"
    assert "Add the attendance lists." in text
    assert f"next=%2Fgrants%2Fapplications%2F{app_id}%2Freport" in text
    with pytest.raises(Refused) as twice:
        await commands.review_report(runtime, COORDINATOR, app_id, ReportReviewIn(accepted=True))
    assert refusal_of(twice) == (Kind.CONFLICT, "report.already_reviewed", None)

    # The corrected report replaces the returned one and awaits review again.
    await commands.submit_report(runtime, who, app_id, report)
    async with platform.runtime.pool("grants").acquire() as conn:
        work = await people_staff.staff_work(conn, COORDINATOR, "en")
    reports = [w for w in work if w.label == "Final grant reports to review"]
    assert len(reports) == 1 and reports[0].count >= 1  # other stories' reports may wait too
    assert reports[0].href in (f"/grants/coordinator/reports/{app_id}", "/grants/coordinator")
    accepted = await commands.review_report(
        runtime, COORDINATOR, app_id, ReportReviewIn(accepted=True)
    )
    assert accepted.status == "accepted"
    assert (await mails(platform, address))[-1][1] == "Your final report was accepted"
    with pytest.raises(Refused) as after_acceptance:
        await commands.submit_report(runtime, who, app_id, report)
    assert refusal_of(after_acceptance) == (Kind.CONFLICT, "report.already_submitted", None)
