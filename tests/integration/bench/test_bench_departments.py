"""The Bench's departments (issue 16): the coordinator's registry over the API, questions
proposed to the department of their topic, assignment by department, and the escalation ladder
(reminder, head, coordinator) driven with the clock moved, each step once."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from services.participation.bench import domain
from services.participation.bench.commands import deadlines, staff
from services.participation.bench.schemas import ResponderIn
from tests.helpers.platform import COORDINATOR_EMAIL, RunningPlatform
from tests.integration.bench.bench_helpers import ask, body_text, new_edition
from tests.integration.bench.test_bench_commands import fetch
from tests.integration.bench.test_bench_responders import COORDINATOR, outgoing
from tests.integration.bench.test_bench_staff_pages import csrf_of, queue_rows, signed_in


def address(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}@krakow.example.org"


async def a_responder(platform: RunningPlatform, language: str = "uk") -> Any:
    return await staff.add_responder(
        platform.runtime,
        ResponderIn(
            name="Olena Kowalczyk",
            email=address("resp"),
            department="Wydział Zdrowia",
            language=language,
        ),
        by=COORDINATOR.subject,
    )


async def a_department(platform: RunningPlatform, **changes: Any) -> dict:
    body = {
        "name": {
            "pl": "Wydział Polityki Społecznej i Zdrowia",
            "en": "Social Policy and Health Department",
            "uk": "Відділ соціальної політики та охорони здоров'я",
        },
        "email": address("wz"),
        "head_email": address("head"),
        "topics": ["health_care"],
        "responders": [],
        "reminder_days": 2,
        **changes,
    }
    resp = await platform.client.post(
        "/api/bench/departments", json=body, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_the_coordinator_keeps_departments_and_bad_input_is_refused(
    platform: RunningPlatform,
) -> None:
    responder = await a_responder(platform)
    created = await a_department(platform, responders=[str(responder["id"])])
    assert created["name"]["uk"].startswith("Відділ")
    assert created["responders"] == [str(responder["id"])]
    assert created["reminder_days"] == 2 and created["review_required"] is False
    listed = (
        await platform.client.get("/api/bench/departments", headers=platform.auth("coordinator"))
    ).json()
    assert created["id"] in [d["id"] for d in listed]

    coordinator = platform.auth("coordinator")
    good = {"name": {"pl": "Wydział"}, "email": address("a"), "head_email": address("b")}
    for body, status in [
        ({**good, "name": {"en": "Department"}}, 400),  # no Polish name
        ({**good, "name": {"pl": "Wydział", "de": "Amt"}}, 400),
        ({**good, "topics": ["astrology"]}, 400),
        ({**good, "reminder_days": 61}, 400),
        ({**good, "email": "not an address"}, 400),
        ({**good, "head_email": "x@localhost"}, 400),
        ({**good, "name": {"pl": "   "}}, 422),
        ({**good, "responders": [str(uuid.uuid4())]}, 422),
        ({**good, "extra": 1}, 400),
    ]:
        resp = await platform.client.post("/api/bench/departments", json=body, headers=coordinator)
        assert resp.status_code == status, (body, resp.text)
    for role in ("responder", "ngo"):
        resp = await platform.client.post(
            "/api/bench/departments", json=good, headers=platform.auth(role)
        )
        assert resp.status_code == 403
        resp = await platform.client.get("/api/bench/departments", headers=platform.auth(role))
        assert resp.status_code == 403


async def test_a_question_is_proposed_to_its_topics_department_and_assigned_by_department(
    platform: RunningPlatform,
) -> None:
    responder = await a_responder(platform)
    department = await a_department(platform, responders=[str(responder["id"])])
    edition = await new_edition(platform)
    question = await ask(
        platform,
        edition["id"],
        topic="health_care",
        text="Чи буде в Новій Гуті нова дитяча поліклініка найближчим часом?",
    )
    coordinator = platform.auth("coordinator")
    detail = (
        await platform.client.get(
            f"/api/bench/questions/{question['id']}/detail", headers=coordinator
        )
    ).json()
    # health_care may be taken by a department of an earlier test: the oldest one is proposed.
    assert detail["proposed_department"] is not None and detail["department_id"] is None

    unknown = await platform.client.post(
        f"/api/bench/questions/{question['id']}/assignment",
        json={"responder_id": str(responder["id"]), "department_id": str(uuid.uuid4())},
        headers=coordinator,
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "bench.department_unknown"
    bad = await platform.client.post(
        f"/api/bench/questions/{question['id']}/assignment",
        json={"responder_id": str(responder["id"]), "department_id": "nope"},
        headers=coordinator,
    )
    assert bad.status_code == 400

    resp = await platform.client.post(
        f"/api/bench/questions/{question['id']}/assignment",
        json={"responder_id": str(responder["id"]), "department_id": department["id"]},
        headers=coordinator,
    )
    assert resp.status_code == 200, resp.text
    detail = (
        await platform.client.get(
            f"/api/bench/questions/{question['id']}/detail", headers=coordinator
        )
    ).json()
    assert detail["department_id"] == department["id"]
    assert detail["department"] == "Wydział Polityki Społecznej i Zdrowia"
    assert detail["proposed_department"] is None
    [(purpose, message)] = await outgoing(platform, responder["email"])
    assert purpose == "bench.assignment"
    link = next(w for w in body_text(message).split() if "/auth/link?" in w)
    assert parse_qs(urlsplit(link).query)["next"] == [f"/bench/staff/questions/{question['id']}"]


async def test_the_ladder_reminds_the_responder_then_the_head_then_the_coordinators_once_each(
    platform: RunningPlatform,
) -> None:
    responder = await a_responder(platform, language="uk")
    department = await a_department(platform, responders=[str(responder["id"])], reminder_days=2)
    edition_coordinator = address("edycja")
    edition = await new_edition(platform, coordinator_email=edition_coordinator)
    question = await ask(platform, edition["id"], topic="health_care")
    coordinator = platform.auth("coordinator")
    resp = await platform.client.post(
        f"/api/bench/questions/{question['id']}/assignment",
        json={"responder_id": str(responder["id"]), "department_id": department["id"]},
        headers=coordinator,
    )
    assert resp.status_code == 200, resp.text
    [due_at] = [
        r["due_at"]
        for r in await fetch(
            platform,
            "select due_at from bench_questions where id = $1",
            uuid.UUID(question["id"]),
        )
    ]
    due_day = due_at.astimezone(domain.WARSAW).date()

    def warsaw(day_offset: int, hour: int) -> datetime:
        local = datetime.combine(
            due_day + timedelta(days=day_offset), datetime.min.time(), tzinfo=domain.WARSAW
        ) + timedelta(hours=hour)
        return local.astimezone(UTC)

    async def purposes(to: str) -> list[str]:
        return [
            p for p, m in await outgoing(platform, to) if question["reference"] in str(m["Subject"])
        ]

    async def run(at: datetime) -> None:
        await deadlines.flag_overdue(platform.runtime, at)
        await deadlines.flag_overdue(platform.runtime, at)  # a second run sends nothing

    await run(warsaw(-3, 12))  # three days before: nothing yet
    assert await purposes(responder["email"]) == ["bench.assignment"]

    await run(warsaw(-2, 9))  # reminder_days before the due day
    assert await purposes(responder["email"]) == ["bench.assignment", "bench.escalation_reminder"]
    [(_, reminder)] = [
        (p, m) for p, m in await outgoing(platform, responder["email"]) if "reminder" in p
    ]
    assert "Нагадування" in str(reminder["Subject"])  # in the responder's language (uk)
    assert "/auth/link?" in body_text(reminder)
    assert await purposes(department["head_email"]) == []

    await run(warsaw(0, 8))  # the due day: the head
    assert await purposes(department["head_email"]) == ["bench.escalation_head"]
    head_mail = (await outgoing(platform, department["head_email"]))[0][1]
    assert f"/bench/staff/questions/{question['id']}" in body_text(head_mail)
    assert await purposes(edition_coordinator) == []

    await run(warsaw(1, 8))  # after the due date: the coordinators
    assert await purposes(edition_coordinator) == ["bench.escalation_coordinator"]
    assert await purposes(COORDINATOR_EMAIL) == ["bench.escalation_coordinator"]
    assert await purposes(department["head_email"]) == ["bench.escalation_head"]
    assert await purposes(responder["email"]) == ["bench.assignment", "bench.escalation_reminder"]

    history = (
        await platform.client.get(
            f"/api/bench/questions/{question['id']}/detail", headers=coordinator
        )
    ).json()["history"]
    events = [h["event"] for h in history]
    for step in ("escalation_reminder", "escalation_head", "escalation_coordinator"):
        assert events.count(step) == 1


async def test_an_answered_question_climbs_no_further(platform: RunningPlatform) -> None:
    department = await a_department(platform, reminder_days=1)
    edition = await new_edition(platform)
    question = await ask(platform, edition["id"], topic="health_care", language="pl")
    await platform.client.post(
        f"/api/bench/questions/{question['id']}/answer",
        json={"text": "Odpowiedź na pytanie o przychodnię.", "language": "pl"},
        headers=platform.auth("coordinator"),
    )
    assert department["head_email"]
    await deadlines.flag_overdue(platform.runtime, datetime.now(UTC) + timedelta(days=40))
    assert await outgoing(platform, department["head_email"]) == []
    steps = await fetch(
        platform,
        "select step from bench_escalations where question_id = $1",
        uuid.UUID(question["id"]),
    )
    assert steps == []


# --- Pages ---------------------------------------------------------------------------------


async def test_departments_are_kept_on_pages_in_each_language(platform: RunningPlatform) -> None:
    responder = await a_responder(platform)
    head = address("head")
    for lang, heading in (("pl", "Wydziały"), ("en", "Departments"), ("uk", "Відділи")):
        async with signed_in(platform, "coordinator", lang=lang) as client:
            page = await client.get("/bench/staff/departments")
            assert page.status_code == 200 and f"<h1>{heading}</h1>" in page.text
    async with signed_in(platform, "coordinator", lang="pl") as client:
        page = await client.get("/bench/staff/departments")
        form = {
            "_csrf_token": csrf_of(page),
            "name": "Wydział Mieszkalnictwa",
            "name__en": "Housing Department",
            "name__uk": "",
            "email": address("wm"),
            "head_email": "not an address",
            "reminder_days": "seventy",
            "topics": ["housing", "legal_stay"],
            "responders": [str(responder["id"])],
        }
        refused = await client.post("/bench/staff/departments", data=form)
        assert refused.status_code == 400
        assert "Wpisz liczbę całkowitą dni od 0 do 60." in refused.text
        assert 'value="Housing Department"' in refused.text  # what was typed stays
        bad = await client.post("/bench/staff/departments", data={**form, "topics": ["astrology"]})
        assert bad.status_code == 400
        saved = await client.post(
            "/bench/staff/departments",
            data={**form, "head_email": head, "reminder_days": "5", "review_required": "yes"},
        )
        assert saved.status_code == 303, saved.text
        listed = await client.get(saved.headers["location"])
        assert "Wydział Mieszkalnictwa" in listed.text and head in listed.text
        [department] = [
            d
            for d in (
                await platform.client.get(
                    "/api/bench/departments", headers=platform.auth("coordinator")
                )
            ).json()
            if d["head_email"] == head
        ]
        assert department["topics"] == ["housing", "legal_stay"]
        assert department["reminder_days"] == 5 and department["review_required"] is True
        assert department["responders"] == [str(responder["id"])]
        assert department["name"] == {"pl": "Wydział Mieszkalnictwa", "en": "Housing Department"}

        edit = await client.get(f"/bench/staff/departments/{department['id']}")
        assert 'value="Housing Department"' in edit.text
        changed = await client.post(
            f"/bench/staff/departments/{department['id']}",
            data={
                **form,
                "_csrf_token": csrf_of(edit),
                "head_email": head,
                "reminder_days": "1",
                "name__uk": "Відділ житлової політики",
            },
        )
        assert changed.status_code == 303, changed.text
        missing = await client.get(f"/bench/staff/departments/{uuid.uuid4()}")
        assert missing.status_code == 404
    async with signed_in(platform, "responder") as client:
        assert (await client.get("/bench/staff/departments")).status_code == 403


async def test_the_proposal_is_accepted_in_one_click_on_the_question_page(
    platform: RunningPlatform,
) -> None:
    responder = await a_responder(platform, language="pl")
    department = await a_department(platform, topics=["culture"], responders=[str(responder["id"])])
    edition = await new_edition(platform)
    question = await ask(
        platform,
        edition["id"],
        topic="culture",
        language="pl",
        text="Czy miasto wesprze festiwal kultur mniejszości w przyszłym roku?",
    )
    async with signed_in(platform, "coordinator", lang="uk") as client:
        page = await client.get(f"/bench/staff/questions/{question['id']}")
        assert page.status_code == 200
        assert 'id="proposed-department"' in page.text
        proposed_name = (
            await platform.client.get(
                f"/api/bench/questions/{question['id']}/detail",
                headers=platform.auth("coordinator"),
            )
        ).json()["proposed_department"]
        assert proposed_name["name"] in page.text
        not_uuid = await client.post(
            f"/bench/staff/questions/{question['id']}/assignment",
            data={
                "_csrf_token": csrf_of(page),
                "department_id": "x",
                "responder_id": str(responder["id"]),
            },
        )
        assert not_uuid.status_code == 400
        assert "Виберіть відділ зі списку." in not_uuid.text
        done = await client.post(
            f"/bench/staff/questions/{question['id']}/assignment",
            data={
                "_csrf_token": csrf_of(page),
                "department_id": department["id"],
                "responder_id": str(responder["id"]),
            },
        )
        assert done.status_code == 303, done.text
    detail = (
        await platform.client.get(
            f"/api/bench/questions/{question['id']}/detail", headers=platform.auth("coordinator")
        )
    ).json()
    assert detail["department_id"] == department["id"] and detail["status"] == "assigned"
    [(purpose, _)] = await outgoing(platform, responder["email"])
    assert purpose == "bench.assignment"


async def test_a_department_heads_address_is_exported_and_erased(platform: RunningPlatform) -> None:
    from services.participation.bench import privacy
    from shared.privacy import Person

    department = await a_department(platform)
    head = department["head_email"]
    async with platform.runtime.pool("participation").acquire() as conn:
        exported = await privacy.export(conn, Person(email=head))
        assert [str(r["id"]) for r in exported["bench_departments"]] == [department["id"]]
        async with conn.transaction():
            await privacy.erase(conn, Person(email=head))
    [stored] = await fetch(
        platform,
        "select email, head_email from bench_departments where id = $1",
        uuid.UUID(department["id"]),
    )
    assert stored["head_email"] == "" and stored["email"] == department["email"]


# --- Answer review -------------------------------------------------------------------------


async def test_an_answer_is_returned_then_approved_and_only_then_reaches_the_asker(
    platform: RunningPlatform,
) -> None:
    responder = await a_responder(platform, language="pl")
    department = await a_department(
        platform, topics=["work"], responders=[str(responder["id"])], review_required=True
    )
    edition = await new_edition(platform)
    asker = address("asker")
    question = await ask(platform, edition["id"], topic="work", language="pl", email=asker)
    coordinator = platform.auth("coordinator")
    await platform.client.post(
        f"/api/bench/questions/{question['id']}/assignment",
        json={"responder_id": str(responder["id"]), "department_id": department["id"]},
        headers=coordinator,
    )
    as_responder = platform.auth("responder", subject=responder["subject"])
    url = f"/api/bench/questions/{question['id']}"
    first = await platform.client.post(
        f"{url}/answer",
        json={"text": "Pierwsza wersja odpowiedzi o pracy.", "language": "pl"},
        headers=as_responder,
    )
    assert first.status_code == 200 and first.json()["status"] == "answer_in_review"
    from services.participation.bench import people
    from shared.auth import Principal

    async with platform.runtime.pool("participation").acquire() as conn:
        work = await people.open_work(conn, Principal(subject="c", roles=("coordinator",)), "pl")
    assert any("?status=answer_in_review" in str(item) for item in work)
    again = await platform.client.post(
        f"{url}/answer",
        json={"text": "Druga próba przed decyzją.", "language": "pl"},
        headers=as_responder,
    )
    assert again.status_code == 409
    assert [p for p, _ in await outgoing(platform, asker)] == ["bench.acknowledgement"]

    for body, status in [({}, 400), ({"comment": "x"}, 400), ({"comment": "   "}, 422)]:
        bad = await platform.client.post(f"{url}/review/return", json=body, headers=coordinator)
        assert bad.status_code == status, (body, bad.text)
    assert (
        await platform.client.post(
            f"{url}/review/return", json={"comment": "Dodaj adres urzędu."}, headers=as_responder
        )
    ).status_code == 403
    returned = await platform.client.post(
        f"{url}/review/return", json={"comment": "Dodaj adres urzędu pracy."}, headers=coordinator
    )
    assert returned.status_code == 200 and returned.json()["status"] == "assigned"
    twice = await platform.client.post(f"{url}/review/approve", headers=coordinator)
    assert twice.status_code == 409 and twice.json()["code"] == "bench.no_answer_in_review"

    async with signed_in(platform, "responder", subject=responder["subject"], lang="uk") as client:
        page = await client.get(f"/bench/staff/questions/{question['id']}")
        assert "Dodaj adres urzędu pracy." in page.text and 'id="returned"' in page.text
        sent = await client.post(
            f"/bench/staff/questions/{question['id']}/answer",
            data={
                "_csrf_token": csrf_of(page),
                "text": "Urząd Pracy, ul. Mogilska 1, zaprasza w dni robocze.",
                "language": "pl",
            },
        )
        assert sent.status_code == 303 and "done=in_review" in sent.headers["location"]

    async with signed_in(platform, "coordinator", lang="pl") as client:
        page = await client.get(f"/bench/staff/questions/{question['id']}")
        assert "Zatwierdź i wyślij osobie pytającej" in page.text
        empty = await client.post(
            f"/bench/staff/questions/{question['id']}/review/return",
            data={"_csrf_token": csrf_of(page), "comment": ""},
        )
        assert empty.status_code == 400 and "Napisz, co zmienić" in empty.text
        approved = await client.post(
            f"/bench/staff/questions/{question['id']}/review/approve",
            data={"_csrf_token": csrf_of(page)},
        )
        assert approved.status_code == 303, approved.text
    detail = (await platform.client.get(f"{url}/detail", headers=coordinator)).json()
    assert detail["status"] == "answered"
    assert [a["text"] for a in detail["answers"]] == [
        "Urząd Pracy, ul. Mogilska 1, zaprasza w dni robocze."
    ]
    assert detail["answers"][0]["answered_by"] == responder["subject"]
    events = [h["event"] for h in detail["history"]]
    assert events.count("answer_in_review") == 2
    assert events.count("review_returned") == 1 and events.count("review_approved") == 1
    assert [p for p, _ in await outgoing(platform, asker)] == [
        "bench.acknowledgement",
        "bench.answer",
    ]


async def test_a_department_without_review_sends_the_answer_at_once(
    platform: RunningPlatform,
) -> None:
    responder = await a_responder(platform, language="pl")
    department = await a_department(platform, topics=[], responders=[str(responder["id"])])
    edition = await new_edition(platform)
    question = await ask(platform, edition["id"], topic="work", language="pl")
    await platform.client.post(
        f"/api/bench/questions/{question['id']}/assignment",
        json={"responder_id": str(responder["id"]), "department_id": department["id"]},
        headers=platform.auth("coordinator"),
    )
    resp = await platform.client.post(
        f"/api/bench/questions/{question['id']}/answer",
        json={"text": "Odpowiedź bez zatwierdzania.", "language": "pl"},
        headers=platform.auth("responder", subject=responder["subject"]),
    )
    assert resp.status_code == 200 and resp.json()["status"] == "answered"


# --- The queue and the statistics --------------------------------------------------------


async def test_the_queue_shows_first_line_age_and_department_filters_by_it_and_counts_per_department(
    platform: RunningPlatform,
) -> None:
    responder = await a_responder(platform, language="pl")
    department = await a_department(platform, topics=[], responders=[str(responder["id"])])
    edition = await new_edition(platform)
    routed = await ask(
        platform,
        edition["id"],
        language="pl",
        text="Gdzie złożyć wniosek o kartę pobytu?\nDruga linia z dodatkowymi szczegółami.",
    )
    other = await ask(platform, edition["id"], language="pl")
    coordinator = platform.auth("coordinator")
    await platform.client.post(
        f"/api/bench/questions/{routed['id']}/assignment",
        json={"responder_id": str(responder["id"]), "department_id": department["id"]},
        headers=coordinator,
    )
    pool = platform.runtime.pool("participation")
    await pool.execute(
        "update bench_questions set received_at = now() - interval '5 days',"
        " due_at = now() - interval '1 hour' where id = $1",
        uuid.UUID(routed["id"]),
    )
    api = (
        await platform.client.get(
            f"/api/bench/editions/{edition['id']}/questions",
            params={"department_id": department["id"]},
            headers=coordinator,
        )
    ).json()
    assert [q["id"] for q in api["items"]] == [routed["id"]]
    assert api["items"][0]["excerpt"] == "Gdzie złożyć wniosek o kartę pobytu? …"
    assert api["items"][0]["age_days"] == 5 and api["items"][0]["overdue"] is True
    bad = await platform.client.get(
        f"/api/bench/editions/{edition['id']}/questions",
        params={"department_id": "nope"},
        headers=coordinator,
    )
    assert bad.status_code == 400

    async with signed_in(platform, "coordinator", lang="en") as client:
        page = await client.get("/bench/staff", params={"edition": edition["id"]})
        rows = [ref for ref, _ in queue_rows(page)]
        assert rows[0] == routed["reference"] and other["reference"] in rows  # overdue first
        filtered = await client.get(
            "/bench/staff", params={"edition": edition["id"], "department": department["id"]}
        )
        [(ref, row)] = queue_rows(filtered)
        assert ref == routed["reference"] and "Wydział Polityki" in row
        assert '<td class="age">5</td>' in row
        assert (await client.get("/bench/staff", params={"department": "x"})).status_code == 400
        # Filters by status and language too.
        by_status = await client.get(
            "/bench/staff", params={"edition": edition["id"], "status": "assigned"}
        )
        assert [ref for ref, _ in queue_rows(by_status)] == [routed["reference"]]
        by_language = await client.get(
            "/bench/staff", params={"edition": edition["id"], "language": "uk"}
        )
        assert queue_rows(by_language) == []

        await platform.client.post(
            f"/api/bench/questions/{routed['id']}/answer",
            json={"text": "Odpowiedź o karcie pobytu.", "language": "pl"},
            headers=coordinator,
        )
        stats = await client.get("/bench/staff/departments/statistics")
        assert stats.status_code == 200 and "Median days to answer" in stats.text
        [row] = [r for r in await fetch_stats(platform) if r["department_id"] == department["id"]]
        assert (row["received"], row["answered"], row["answered_on_time"]) == (1, 1, 0)
        assert 4.9 < row["median_days"] < 5.1
        # The askers' verdicts: counted per department, the share shown from 5 of them on.
        from services.participation.bench.commands import questions as bench_questions

        assert await bench_questions.record_verdict_tracked(
            platform.runtime, routed["reference"], routed["tracking_token"], True
        )
        [row] = [r for r in await fetch_stats(platform) if r["department_id"] == department["id"]]
        assert (row["verdicts"], row["helpful"]) == (1, 1)
        stats = await client.get("/bench/staff/departments/statistics")
        assert "Answers found helpful" in stats.text and "fewer than 5 verdicts" in stats.text
        assert (
            await client.get("/bench/staff/departments/statistics", params={"year": "x"})
        ).status_code == 400
    async with signed_in(platform, "responder") as client:
        assert (await client.get("/bench/staff/departments/statistics")).status_code == 403


async def fetch_stats(platform: RunningPlatform) -> list[dict]:
    from services.participation.bench import store_departments

    async with platform.runtime.pool("participation").acquire() as conn:
        return [
            {**dict(r), "department_id": str(r["department_id"])}
            for r in await store_departments.statistics(conn, None)
        ]


async def test_approving_when_nothing_waits_is_explained_on_the_page(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    question = await ask(platform, edition["id"], language="pl")
    async with signed_in(platform, "coordinator", lang="pl") as client:
        page = await client.get(f"/bench/staff/questions/{question['id']}")
        resp = await client.post(
            f"/bench/staff/questions/{question['id']}/review/approve",
            data={"_csrf_token": csrf_of(page)},
        )
        assert resp.status_code == 409
        assert "Żadna odpowiedź na to pytanie nie czeka na zatwierdzenie." in resp.text


async def test_a_returned_answer_mails_its_responder_the_comment_and_a_sign_in_link(
    platform: RunningPlatform,
) -> None:
    """Issue 16: the responder whose answer was returned is told by mail, in their language,
    with the reviewer's comment and a one-time link to the question's page; the history says so."""
    responder = await a_responder(platform, language="uk")
    department = await a_department(
        platform, topics=["housing"], responders=[str(responder["id"])], review_required=True
    )
    edition = await new_edition(platform)
    question = await ask(platform, edition["id"], topic="housing", language="pl")
    coordinator = platform.auth("coordinator")
    url = f"/api/bench/questions/{question['id']}"
    assigned = await platform.client.post(
        f"{url}/assignment",
        json={"responder_id": str(responder["id"]), "department_id": department["id"]},
        headers=coordinator,
    )
    assert assigned.status_code == 200, assigned.text
    as_responder = platform.auth("responder", subject=responder["subject"])
    first = await platform.client.post(
        f"{url}/answer",
        json={"text": "Mieszkania komunalne przydziela Wydział Mieszkalnictwa.", "language": "pl"},
        headers=as_responder,
    )
    assert first.json()["status"] == "answer_in_review"
    assert [p for p, _ in await outgoing(platform, responder["email"])] == ["bench.assignment"]
    returned = await platform.client.post(
        f"{url}/review/return",
        json={"comment": "Podaj adres i godziny otwarcia."},
        headers=coordinator,
    )
    assert returned.status_code == 200, returned.text
    sent = await outgoing(platform, responder["email"])
    assert [p for p, _ in sent] == ["bench.assignment", "bench.answer_returned"]
    message = sent[-1][1]
    text = body_text(message)
    assert message["Content-Language"] == "uk"
    assert question["reference"] in str(message["Subject"])
    assert "Рецензент повернув вашу відповідь" in str(message["Subject"])
    assert "Podaj adres i godziny otwarcia." in text and "Коментар рецензента:" in text
    link = next(w for w in text.split() if "/auth/link?" in w)
    query = parse_qs(urlsplit(link).query)
    assert query["next"] == [f"/bench/staff/questions/{question['id']}"]
    claims = platform.runtime.auth.local.verify(query["token"][0], purpose="login-link")
    assert (claims["sub"], claims["roles"]) == (responder["subject"], ["responder"])
    detail = (await platform.client.get(f"{url}/detail", headers=coordinator)).json()
    events = [h["event"] for h in detail["history"]]
    assert events[-2:] == ["review_returned", "review_returned_mailed"]
    async with signed_in(platform, "coordinator", lang="pl") as client:
        page = await client.get(f"/bench/staff/questions/{question['id']}")
        assert "Odpowiadający dostał uwagi recenzenta e-mailem" in page.text
