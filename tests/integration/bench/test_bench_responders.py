"""The Bench's staff (issue 13) told as use cases against PostgreSQL: the coordinator's registry
of responders, an assignment that invites its responder by mail in their language, answer
templates kept, changed and retired, and who an address is (the people hooks) with the work
waiting for them."""

from __future__ import annotations

import email
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from email import policy
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from services.participation.bench import people
from services.participation.bench.commands import questions, staff
from services.participation.bench.schemas import (
    AnswerIn,
    AssignmentIn,
    EditionIn,
    ModerationIn,
    QuestionIn,
    ResponderIn,
    TemplateIn,
)
from shared.auth import Principal
from shared.refusals import Kind
from tests.helpers.platform import RunningPlatform
from tests.integration.bench.test_bench_commands import fetch, refused

COORDINATOR = Principal(subject="coordinator-staff", roles=("coordinator",))


def rt(platform: RunningPlatform) -> Any:
    return platform.runtime


def address() -> str:
    return f"resp-{secrets.token_hex(4)}@krakow.example.org"


async def an_accepted_question(platform: RunningPlatform, **changes: Any) -> Any:
    edition = await staff.create_edition(
        rt(platform),
        EditionIn(
            title="Ławka Dialogu: zespół",
            held_on=(datetime.now(UTC) + timedelta(days=20)).date(),
            venue="Centrum Wielokulturowe",
            audience="foreign residents",
            submissions_close_at=datetime.now(UTC) + timedelta(days=10),
        ),
    )
    fields: dict[str, Any] = {
        "text": "Коли в школах буде більше уроків польської мови для дітей з України?",
        "topic": "education",
        "language": "uk",
        "consent": True,
        "email": f"asker-{secrets.token_hex(4)}@example.org",
        **changes,
    }
    created = await questions.ask(rt(platform), edition["id"], QuestionIn(**fields))
    await staff.moderate(rt(platform), COORDINATOR, created.id, ModerationIn(decision="accepted"))
    return created


async def outgoing(platform: RunningPlatform, to: str) -> list[Any]:
    rows = await fetch(
        platform,
        "select purpose, message from outgoing_mail where recipient = $1 order by created_at",
        to,
    )
    return [
        (r["purpose"], email.message_from_bytes(bytes(r["message"]), policy=policy.default))
        for r in rows
    ]


async def test_a_responder_added_is_assigned_a_question_and_invited_in_their_language(
    platform: RunningPlatform,
) -> None:
    to = address()
    row = await staff.add_responder(
        rt(platform),
        ResponderIn(
            name="Olena Kowalczyk", email=to.upper(), department="Wydział Edukacji", language="uk"
        ),
        by=COORDINATOR.subject,
    )
    assert (row["email"], row["active"]) == (to, True)
    assert row["subject"].startswith("person:")
    question = await an_accepted_question(platform)

    state = await staff.assign(rt(platform), question.id, AssignmentIn(responder_id=row["id"]))
    assert (state.status, state.assigned_to, state.department) == (
        "assigned",
        row["subject"],
        "Wydział Edukacji",
    )
    stored = (await fetch(platform, "select * from bench_questions where id = $1", question.id))[0]
    assert (stored["assigned_to"], stored["responder_email"]) == (row["subject"], to)

    [(purpose, message)] = await outgoing(platform, to)
    assert purpose == "bench.assignment"
    text = message.get_content()
    assert question.reference in str(message["Subject"]) and question.reference in text
    assert "Тема: Освіта" in text  # the topic, in the responder's language
    due = question.due_at.astimezone(ZoneInfo("Europe/Warsaw")).date().isoformat()
    assert f"до {due}" in text
    link = next(word for word in text.split() if "/auth/link?" in word)
    query = parse_qs(urlsplit(link).query)
    assert query["next"] == [f"/bench/staff/questions/{question.id}"]
    claims = platform.runtime.auth.local.verify(query["token"][0], purpose="login-link")
    assert (claims["sub"], claims["roles"]) == (row["subject"], ["responder"])


async def test_an_assignment_by_api_still_takes_a_typed_subject_and_an_address(
    platform: RunningPlatform,
) -> None:
    question = await an_accepted_question(platform)
    to = address()
    state = await staff.assign(
        rt(platform),
        question.id,
        AssignmentIn(responder="resp-typed", department="Wydział Zdrowia", responder_email=to),
    )
    assert (state.assigned_to, state.department) == ("resp-typed", "Wydział Zdrowia")
    [(purpose, message)] = await outgoing(platform, to)
    assert purpose == "bench.assignment" and message["Content-Language"] == "pl"
    # Added to the registry later, the address keeps the subject it was assigned under.
    row = await staff.add_responder(
        rt(platform),
        ResponderIn(name="Jan Nowak", email=to, department="Wydział Zdrowia"),
        by=COORDINATOR.subject,
    )
    assert row["subject"] == "resp-typed"


async def test_assigning_to_a_deactivated_responder_is_refused_and_changes_nothing(
    platform: RunningPlatform,
) -> None:
    to = address()
    row = await staff.add_responder(
        rt(platform),
        ResponderIn(name="Piotr Wiśniewski", email=to, department="Wydział Mieszkalnictwa"),
        by=COORDINATOR.subject,
    )
    gone = await staff.deactivate_responder(rt(platform), row["id"])
    assert gone["active"] is False and gone["deactivated_at"] is not None
    exc = await refused(staff.deactivate_responder(rt(platform), row["id"]))
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "bench.responder_already_inactive")

    question = await an_accepted_question(platform)
    exc = await refused(
        staff.assign(rt(platform), question.id, AssignmentIn(responder_id=row["id"]))
    )
    assert (exc.kind, exc.code, exc.field) == (
        Kind.INVALID,
        "bench.responder_inactive",
        "responder_id",
    )
    assert str(exc) == "the responder Piotr Wiśniewski was deactivated"
    stored = (await fetch(platform, "select * from bench_questions where id = $1", question.id))[0]
    assert (stored["status"], stored["assigned_to"]) == ("accepted", None)
    assert await outgoing(platform, to) == []

    exc = await refused(
        staff.assign(rt(platform), question.id, AssignmentIn(responder_id=uuid.uuid4()))
    )
    assert (exc.kind, exc.code) == (Kind.NOT_FOUND, "bench.responder_unknown")
    exc = await refused(staff.assign(rt(platform), question.id, AssignmentIn(department="X Y")))
    assert (exc.kind, exc.code, exc.field) == (Kind.INVALID, "bench.responder_needed", "responder")
    exc = await refused(staff.assign(rt(platform), question.id, AssignmentIn(responder="r-1")))
    assert (exc.code, exc.field) == ("bench.department_needed", "department")

    # Added again, the person keeps their subject: one person, one subject.
    again = await staff.add_responder(
        rt(platform),
        ResponderIn(name="Piotr Wiśniewski", email=to, department="Wydział Mieszkalnictwa"),
        by=COORDINATOR.subject,
    )
    assert again["subject"] == row["subject"] and again["id"] != row["id"]


async def test_a_second_responder_with_the_same_address_is_refused(
    platform: RunningPlatform,
) -> None:
    to = address()
    await staff.add_responder(
        rt(platform),
        ResponderIn(name="Anna Zielińska", email=to, department="Wydział Kultury"),
        by=COORDINATOR.subject,
    )
    exc = await refused(
        staff.add_responder(
            rt(platform),
            ResponderIn(name="A. Zielińska", email=f"  {to.upper()} ", department="Kultura"),
            by=COORDINATOR.subject,
        )
    )
    assert (exc.kind, exc.code, exc.field) == (Kind.INVALID, "bench.responder_duplicate", "email")
    rows = await fetch(platform, "select name from bench_responders where email = $1", to)
    assert [r["name"] for r in rows] == ["Anna Zielińska"]


async def test_templates_are_kept_changed_and_retired(platform: RunningPlatform) -> None:
    template = await staff.create_template(
        rt(platform),
        TemplateIn(title="Lekcje polskiego", language="uk", text="Дякуємо за запитання. " * 3),
        by=COORDINATOR.subject,
    )
    changed = await staff.update_template(
        rt(platform),
        template.id,
        TemplateIn(
            title="Lekcje polskiego (szkoły)",
            language="uk",
            topic="education",
            text="Дякуємо за запитання про школи.",
        ),
    )
    assert (changed.title, changed.topic) == ("Lekcje polskiego (szkoły)", "education")
    listed = await staff_templates(platform, "uk")
    assert template.id in listed
    retired = await staff.retire_template(rt(platform), template.id)
    assert retired.retired_at is not None
    assert template.id not in await staff_templates(platform, "uk")
    exc = await refused(
        staff.update_template(
            rt(platform), template.id, TemplateIn(title="Nowy", language="pl", text="x" * 20)
        )
    )
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "bench.template_retired")
    exc = await refused(staff.retire_template(rt(platform), uuid.uuid4()))
    assert (exc.kind, exc.code) == (Kind.NOT_FOUND, "bench.template_not_found")


async def staff_templates(platform: RunningPlatform, language: str) -> list[uuid.UUID]:
    from services.participation.bench import queries

    return [t.id for t in await queries.templates(rt(platform), None, language)]


async def test_a_template_in_an_unknown_language_is_refused(platform: RunningPlatform) -> None:
    before = await fetch(platform, "select count(*) as n from bench_answer_templates")
    exc = await refused(
        staff.create_template(
            rt(platform),
            TemplateIn(title="Po niemiecku", language="de", text="Vielen Dank für Ihre Frage."),  # type: ignore[arg-type]
            by=COORDINATOR.subject,
        )
    )
    assert (exc.kind, exc.code, exc.field) == (Kind.INVALID, "bench.template_language", "language")
    after = await fetch(platform, "select count(*) as n from bench_answer_templates")
    assert after[0]["n"] == before[0]["n"]


async def test_an_active_responder_is_known_by_address_with_their_work(
    platform: RunningPlatform,
) -> None:
    to = address()
    row = await staff.add_responder(
        rt(platform),
        ResponderIn(name="Iryna Bondar", email=to, department="Wydział Edukacji", language="uk"),
        by=COORDINATOR.subject,
    )
    pool = platform.runtime.pool("participation")
    async with pool.acquire() as conn:
        [identity] = await people.identities(conn, f" {to.upper()} ")
        assert await people.identities(conn, "nobody-" + to) == []
    assert (identity.subject, identity.role, identity.language, identity.home) == (
        row["subject"],
        "responder",
        "uk",
        "/bench/staff",
    )
    assert identity.name == "Iryna Bondar"

    question = await an_accepted_question(platform)
    await staff.assign(rt(platform), question.id, AssignmentIn(responder_id=row["id"]))
    me = Principal(subject=row["subject"], roles=("responder",))
    async with pool.acquire() as conn:
        work = await people.open_work(conn, me, "pl")
    assert [(w.role, w.label, w.count, w.overdue) for w in work] == [
        ("responder", "Pytania z Ławki Dialogu do odpowiedzi", 1, 0)
    ]
    async with pool.acquire() as conn:
        coordinator_work = await people.open_work(conn, COORDINATOR, "en")
    assert all(w.role == "coordinator" for w in coordinator_work)

    await staff.answer(
        rt(platform), me, question.id, AnswerIn(text="Відповідь для вас тут.", language="uk")
    )
    async with pool.acquire() as conn:
        assert await people.open_work(conn, me, "pl") == []

    await staff.deactivate_responder(rt(platform), row["id"])
    async with pool.acquire() as conn:
        assert await people.identities(conn, to) == []


async def test_a_responder_asking_for_their_data_gets_it_and_is_erased_from_the_registry(
    platform: RunningPlatform,
) -> None:
    from services.participation.bench import privacy
    from shared.privacy import Person

    to = address()
    row = await staff.add_responder(
        rt(platform),
        ResponderIn(name="Marta Lis", email=to, department="Wydział Kultury"),
        by=COORDINATOR.subject,
    )
    pool = platform.runtime.pool("participation")
    async with pool.acquire() as conn:
        exported = await privacy.export(conn, Person(email=to))
        assert [r["name"] for r in exported["bench_responders"]] == ["Marta Lis"]
        async with conn.transaction():
            erased = await privacy.erase(conn, Person(email=to))
        assert erased.counts["bench_responders_erased"] == 1
        assert await people.identities(conn, to) == []
    stored = (await fetch(platform, "select * from bench_responders where id = $1", row["id"]))[0]
    assert (stored["name"], stored["email"], stored["active"]) == ("[erased]", "", False)


async def test_the_api_assigns_to_a_registry_responder_and_says_a_deactivated_one(
    platform: RunningPlatform,
) -> None:
    to = address()
    row = await staff.add_responder(
        rt(platform),
        ResponderIn(name="Ewa Mazur", email=to, department="Wydział Zdrowia", language="en"),
        by=COORDINATOR.subject,
    )
    question = await an_accepted_question(platform)
    url = f"/api/bench/questions/{question.id}/assignment"
    resp = await platform.client.post(
        url, json={"responder_id": str(row["id"])}, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["assigned_to"] == row["subject"]
    [(_, message)] = await outgoing(platform, to)
    assert message["Content-Language"] == "en"
    assert "Topic: Education" in message.get_content()

    await staff.deactivate_responder(rt(platform), row["id"])
    resp = await platform.client.post(
        url, json={"responder_id": str(row["id"])}, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "bench.responder_inactive"
