"""The Bench's staff pages over HTTP (session cookie, CSRF, no browser): the queue, a question's
page with its answer, moderation and assignment forms, and the e-mail moderation queue."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from urllib.parse import quote

import httpx

from services.participation.bench.domain import WARSAW
from shared.auth import Principal
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.bench.bench_helpers import (
    ask,
    body_text,
    events_of,
    mail_arrives,
    new_edition,
    send_mail_async,
)

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
ROW = re.compile(r'<tr(?: class="overdue")? id="q-(LD-[0-9-]+)">(.*?)</tr>', re.S)


@contextlib.asynccontextmanager
async def signed_in(
    platform: RunningPlatform, role: str, subject: str | None = None, lang: str = "pl"
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client holding the session cookie a sign-in link would have set."""
    assert platform.runtime.auth is not None
    session = platform.runtime.auth.session_token(
        Principal(subject=subject or f"{role}-{uuid.uuid4().hex[:6]}", roles=(role,))
    )
    async with httpx.AsyncClient(
        base_url=platform.base_url, cookies={"okr_session": session, "lang": lang}
    ) as client:
        yield client


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page has no form with a CSRF field"
    return found.group(1)


def queue_rows(page: httpx.Response) -> list[tuple[str, str]]:
    """(reference, row html) of each question in the queue table, in order."""
    assert page.status_code == 200, page.text
    return ROW.findall(page.text)


async def assign(platform: RunningPlatform, question_id: str, responder: str) -> None:
    resp = await platform.client.post(
        f"/api/bench/questions/{question_id}/assignment",
        json={"responder": responder, "department": "Wydział Edukacji"},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text


async def question_row(platform: RunningPlatform, question_id: str) -> dict:
    row = await platform.runtime.pool("participation").fetchrow(
        "select * from bench_questions where id = $1", uuid.UUID(question_id)
    )
    assert row is not None
    return dict(row)


async def answer_count(platform: RunningPlatform, question_id: str) -> int:
    return await platform.runtime.pool("participation").fetchval(
        "select count(*) from bench_answers where question_id = $1", uuid.UUID(question_id)
    )


def warsaw(moment: datetime) -> str:
    return moment.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M")


# --- Who may come in --------------------------------------------------------------------


async def test_anonymous_visitors_are_sent_to_sign_in_and_other_roles_are_refused(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    question = await ask(platform, edition["id"])
    paths = [
        f"/bench/staff?edition={edition['id']}",
        f"/bench/staff/questions/{question['id']}",
        "/bench/staff/inbound-mail",
        f"/bench/staff/inbound-mail/{uuid.uuid4()}",
    ]
    async with httpx.AsyncClient(base_url=platform.base_url) as anonymous:
        for path in paths:
            resp = await anonymous.get(path)
            assert resp.status_code == 303, path
            assert resp.headers["location"] == f"/auth/sign-in?next={quote(path, safe='')}"

    async with signed_in(platform, "evaluator") as evaluator:
        for path in paths:
            resp = await evaluator.get(path)
            assert resp.status_code == 403, path
            assert "Nie możesz tego zrobić" in resp.text

    async with signed_in(platform, "responder") as responder:
        queue = await responder.get(paths[0])
        assert queue.status_code == 200
        # Not assigned to them: the queue shows it, its page does not open.
        assert (await responder.get(paths[1])).status_code == 403
        assert (await responder.get(paths[2])).status_code == 403
        csrf = csrf_of(queue)
        for action, form in [
            ("moderation", {"decision": "rejected", "reason": "not for a responder"}),
            ("assignment", {"responder": "me", "department": "Wydział Edukacji"}),
            ("answer", {"text": "Відповідь від когось іншого.", "language": "uk"}),
        ]:
            resp = await responder.post(
                f"/bench/staff/questions/{question['id']}/{action}",
                data={"_csrf_token": csrf, **form},
            )
            assert resp.status_code == 403, action
    row = await question_row(platform, question["id"])
    assert (row["status"], row["assigned_to"]) == ("received", None)
    assert await answer_count(platform, question["id"]) == 0

    # Bearer tokens work on pages as well as the session cookie.
    bearer = await platform.client.get(paths[0], headers=platform.auth("coordinator"))
    assert bearer.status_code == 200 and question["reference"] in bearer.text


# --- The queue --------------------------------------------------------------------------


async def test_the_queue_lists_overdue_questions_first_in_warsaw_time_with_filters_and_pages(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    school = await ask(platform, edition["id"])  # Ukrainian, education
    clinic = await ask(
        platform,
        edition["id"],
        text="Czy w Nowej Hucie powstanie nowa przychodnia dla dzieci?",
        topic="health_care",
        language="pl",
    )
    late = await ask(
        platform,
        edition["id"],
        text="Gdzie mogę złożyć wniosek o kartę pobytu dla żony?",
        topic="legal_stay",
        language="pl",
    )
    await assign(platform, clinic["id"], "resp-queue")
    await platform.runtime.pool("participation").execute(
        "update bench_questions set due_at = now() - interval '1 day' where id = $1",
        uuid.UUID(late["id"]),
    )
    url = "/bench/staff"
    async with signed_in(platform, "coordinator", lang="en") as coordinator:
        rows = queue_rows(await coordinator.get(url, params={"edition": edition["id"]}))
        assert rows[0][0] == late["reference"]
        assert {ref for ref, _ in rows} == {
            school["reference"],
            clinic["reference"],
            late["reference"],
        }
        by_ref = dict(rows)
        assert "Overdue" in by_ref[late["reference"]]
        assert "Overdue" not in by_ref[school["reference"]]
        stored = await question_row(platform, late["id"])
        assert warsaw(stored["received_at"]) in by_ref[late["reference"]]
        assert stored["due_at"].astimezone(WARSAW).date().isoformat() in by_ref[late["reference"]]
        assert "resp-queue" in by_ref[clinic["reference"]]
        assert "E-mail held for moderation" in (await coordinator.get(url)).text

        for params, expected in [
            ({"topic": "health_care"}, [clinic["reference"]]),
            ({"language": "uk"}, [school["reference"]]),
            ({"status": "assigned"}, [clinic["reference"]]),
            ({"channel": "email"}, []),
        ]:
            page = await coordinator.get(url, params={"edition": edition["id"], **params})
            assert [ref for ref, _ in queue_rows(page)] == expected, params

        second = await coordinator.get(
            url, params={"edition": edition["id"], "limit": 1, "offset": 1}
        )
        assert [ref for ref, _ in queue_rows(second)] == [rows[1][0]]
        assert "Previous page" in second.text and "Next page" in second.text
        assert "Questions 2–2 of 3" in second.text

        assert (await coordinator.get(url, params={"status": "lost"})).status_code == 400
        assert (await coordinator.get(url, params={"edition": "x"})).status_code == 400
        assert (
            await coordinator.get(url, params={"edition": str(uuid.uuid4())})
        ).status_code == 404

    async with signed_in(platform, "responder", subject="resp-queue") as responder:
        mine = await responder.get(url, params={"edition": edition["id"]})
        assert [ref for ref, _ in queue_rows(mine)] == [clinic["reference"]]
        assert "Wiadomości e-mail wstrzymane do moderacji" not in mine.text
        everyone = await responder.get(url, params={"edition": edition["id"], "assigned": "all"})
        assert len(queue_rows(everyone)) == 3
        # Only their own question opens.
        assert f'href="/bench/staff/questions/{clinic["id"]}"' in everyone.text
        assert f'href="/bench/staff/questions/{late["id"]}"' not in everyone.text


# --- Answering --------------------------------------------------------------------------


async def test_a_responder_answers_and_every_refusal_is_explained_and_changes_nothing(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    asker = f"asker-{uuid.uuid4().hex[:8]}@example.org"
    question = await ask(
        platform,
        edition["id"],
        email=asker,
        text="Чи будуть у школах <script>alert(1)</script> додаткові уроки польської мови?",
    )
    await assign(platform, question["id"], "resp-answer")
    page_url = f"/bench/staff/questions/{question['id']}"
    url = f"{page_url}/answer"
    answer = "Так, з вересня в кожній школі будуть додаткові уроки польської мови."
    async with signed_in(platform, "responder", subject="resp-answer", lang="uk") as responder:
        page = await responder.get(page_url)
        assert page.status_code == 200
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<script" not in page.text
        assert 'lang="uk" id="question-text"' in page.text
        csrf = csrf_of(page)

        no_csrf = await responder.post(url, data={"text": answer, "language": "uk"})
        assert no_csrf.status_code == 403

        empty = await responder.post(
            url, data={"_csrf_token": csrf, "text": "  ", "language": "uk"}
        )
        assert empty.status_code == 400
        assert "Напишіть відповідь: від 10 до 10000 символів." in empty.text

        too_long = "Дуже довга відповідь. " * 500
        long = await responder.post(
            url, data={"_csrf_token": csrf, "text": too_long, "language": "uk"}
        )
        assert long.status_code == 400
        assert "Напишіть відповідь: від 10 до 10000 символів." in long.text
        assert too_long.strip() in long.text  # what was typed is kept

        english = await responder.post(
            url, data={"_csrf_token": csrf, "text": "An answer in English.", "language": "en"}
        )
        assert english.status_code == 422
        assert "Відповідайте мовою автора запитання (українська) або польською." in english.text
        assert "An answer in English." in english.text
        assert await answer_count(platform, question["id"]) == 0
        assert (await question_row(platform, question["id"]))["status"] == "assigned"

        sent = await responder.post(
            url, data={"_csrf_token": csrf, "text": answer, "language": "uk"}
        )
        assert sent.status_code == 303
        assert sent.headers["location"] == f"{page_url}?done=answered#done"
        confirmation = await responder.get(sent.headers["location"])
        assert "Вашу відповідь збережено." in confirmation.text
        assert answer in confirmation.text

        again = await responder.post(
            url, data={"_csrf_token": csrf, "text": "Друга відповідь на те саме.", "language": "uk"}
        )
        assert again.status_code == 409
        assert "На це запитання вже відповіли" in again.text
        assert "Друга відповідь на те саме." in again.text
    assert await answer_count(platform, question["id"]) == 1

    tracked = await platform.client.get(
        f"/api/bench/questions/{question['reference']}",
        params={"token": question["tracking_token"]},
    )
    assert tracked.json()["answer"]["text"] == answer
    assert answer in body_text((await mail_arrives(platform, asker, count=2))[-1])


# --- Moderation and routing -------------------------------------------------------------


async def test_the_coordinator_merges_accepts_and_assigns_on_the_question_page(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    first = await ask(
        platform, edition["id"], text="Kiedy będzie więcej lekcji polskiego dla dzieci z Ukrainy?"
    )
    second = await ask(
        platform,
        edition["id"],
        text="Kiedy będzie więcej lekcji polskiego dla dzieci z Ukrainy w szkołach?",
    )
    third = await ask(
        platform, edition["id"], text="Gdzie szukać mieszkania na wynajem dla rodziny?"
    )
    second_url = f"/bench/staff/questions/{second['id']}"
    async with signed_in(platform, "coordinator", lang="en") as coordinator:

        async def suggested() -> httpx.Response | None:
            page = await coordinator.get(second_url)
            return page if first["reference"] in page.text.split('id="duplicates"')[-1] else None

        page = await eventually(suggested, what="the first question suggested as a duplicate")
        csrf = csrf_of(page)
        moderation = f"{second_url}/moderation"

        for form, message in [
            ({"decision": "rejected"}, "Say why the question is rejected."),
            ({}, "Choose what to do with the question."),
            ({"decision": "rejected", "reason": "no"}, "Write the reason in 3 to 500 characters."),
            (
                {"decision": "merged", "merged_into": "LD-1999-01-0001"},
                "Enter the reference of a question of this session",
            ),
            (
                {"decision": "merged", "merged_into": second["reference"]},
                "A question cannot be merged into itself.",
            ),
        ]:
            refused = await coordinator.post(moderation, data={"_csrf_token": csrf, **form})
            assert refused.status_code in (400, 409, 422), form
            assert message in refused.text, form
        assert (await question_row(platform, second["id"]))["status"] == "received"

        merged = await coordinator.post(
            moderation,
            data={
                "_csrf_token": csrf,
                "decision": "merged",
                "merged_into": first["reference"].lower(),
            },
        )
        assert merged.status_code == 303
        assert merged.headers["location"] == f"{second_url}?done=moderated#done"
        shown = await coordinator.get(merged.headers["location"])
        assert "Your decision was saved." in shown.text
        assert f'href="/bench/staff/questions/{first["id"]}">{first["reference"]}</a>' in shown.text
        assert "Merged into another question" in shown.text.split('id="history"')[1]
        stored = await question_row(platform, second["id"])
        assert (stored["status"], str(stored["merged_into"])) == ("merged", first["id"])
        events = await events_of(platform, "bench.question_moderated", "question_id", second["id"])
        assert [e["decision"] for e in events] == ["merged"]

        third_url = f"/bench/staff/questions/{third['id']}"
        accepted = await coordinator.post(
            f"{third_url}/moderation",
            data={"_csrf_token": csrf, "decision": "accepted", "new_topic": "housing"},
        )
        assert accepted.status_code == 303
        assert (await question_row(platform, third["id"]))["status"] == "accepted"
        twice = await coordinator.post(
            f"{third_url}/moderation", data={"_csrf_token": csrf, "decision": "accepted"}
        )
        assert twice.status_code == 409 and "moderated in the meantime" in twice.text

        bad = await coordinator.post(
            f"{third_url}/assignment",
            data={"_csrf_token": csrf, "responder": "", "department": "x", "responder_email": "no"},
        )
        assert bad.status_code == 400
        for message in (
            "Choose a responder from the list.",
            "Enter the department: 2 to 200 characters.",
            "Enter an e-mail address like name@krakow.pl, or leave it empty.",
        ):
            assert message in bad.text
        assert (await question_row(platform, third["id"]))["assigned_to"] is None

        assigned = await coordinator.post(
            f"{third_url}/assignment",
            data={
                "_csrf_token": csrf,
                "responder": "resp-housing",
                "department": "Wydział Mieszkalnictwa",
                "responder_email": "mieszkania@krakow.example",
            },
        )
        assert assigned.status_code == 303
        shown = await coordinator.get(assigned.headers["location"])
        assert "The question was assigned." in shown.text
        history = shown.text.split('id="history"')[1]
        assert "Assigned" in history and "resp-housing" in history
        stored = await question_row(platform, third["id"])
        assert (stored["status"], stored["assigned_to"]) == ("assigned", "resp-housing")

        closed = await coordinator.post(
            f"{second_url}/assignment",
            data={"_csrf_token": csrf, "responder": "resp-x", "department": "Wydział Edukacji"},
        )
        assert closed.status_code == 409 and "The question is already closed" in closed.text
        assert (await question_row(platform, second["id"]))["assigned_to"] is None


# --- E-mail held for moderation ---------------------------------------------------------


async def _held(platform: RunningPlatform, edition_id: str, raw: bytes, sender: str) -> dict:
    await send_mail_async(
        platform,
        raw,
        sender=sender,
        rcpt=f"bench+{edition_id}@{platform.settings.intake_domain}",
    )
    pool = platform.runtime.pool("participation")

    async def held() -> dict | None:
        row = await pool.fetchrow("select * from bench_inbound_mail where mail_from = $1", sender)
        return dict(row) if row and row["status"] == "moderation" else None

    return await eventually(held, what="the message held for moderation")


async def test_held_mail_is_shown_as_escaped_text_and_made_a_question_or_discarded(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    sender = f"resident-{uuid.uuid4().hex[:8]}@example.net"
    raw = (
        f"From: {sender}\r\nSubject: <img src=x onerror=alert(1)>\r\n\r\n".encode()
        + "<script>alert(1)</script>\u202e Gdzie jest urząd? ".encode()
        + b"http://spam.example/ " * 8
    )
    held = await _held(platform, edition["id"], raw, sender)
    other_sender = f"resident-{uuid.uuid4().hex[:8]}@example.net"
    other = await _held(
        platform,
        edition["id"],
        f"Subject: Pytanie\r\nFrom: {other_sender}\r\n\r\n\r\n-- \r\nJan\r\n".encode(),
        other_sender,
    )
    mail_url = f"/bench/staff/inbound-mail/{held['id']}"
    resolution = f"{mail_url}/resolution"
    pool = platform.runtime.pool("participation")
    async with signed_in(platform, "coordinator", lang="pl") as coordinator:
        listed = await coordinator.get("/bench/staff/inbound-mail", params={"limit": 500})
        assert f'href="{mail_url}"' in listed.text
        row = listed.text.split(f'id="mail-{held["id"]}"')[1].split("</tr>")[0]
        assert sender in row and "Wygląda na spam lub nadużycie" in row

        page = await coordinator.get(mail_url)
        assert page.status_code == 200
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
        assert "<script" not in page.text and "<img" not in page.text
        # A direction override would show the text in another order than it was written.
        assert "\u202e" not in page.text and "\ufffd" in page.text
        assert "Gdzie jest urząd?" in page.text.split('id="text"')[1]  # the form is filled in
        csrf = csrf_of(page)

        assert (
            await coordinator.post(resolution, data={"action": "discard", "reason": "spam"})
        ).status_code == 403
        no_reason = await coordinator.post(
            resolution, data={"_csrf_token": csrf, "action": "discard", "reason": ""}
        )
        assert no_reason.status_code == 422
        assert "Napisz, dlaczego wiadomość jest odrzucana." in no_reason.text
        short = await coordinator.post(
            resolution,
            data={
                "_csrf_token": csrf,
                "action": "question",
                "edition_id": edition["id"],
                "text": "Urząd?",
                "topic": "other",
                "language": "pl",
            },
        )
        assert short.status_code == 400
        assert "Wpisz pytanie tak, jak je odczytujesz: od 10 do 2000 znaków." in short.text
        assert "Urząd?" in short.text
        assert (
            await pool.fetchval("select status from bench_inbound_mail where id = $1", held["id"])
            == "moderation"
        )

        made = await coordinator.post(
            resolution,
            data={
                "_csrf_token": csrf,
                "action": "question",
                "edition_id": edition["id"],
                "text": "Gdzie jest urząd dla cudzoziemców?",
                "topic": "legal_stay",
                "language": "pl",
            },
        )
        assert made.status_code == 303
        question_id = await pool.fetchval(
            "select question_id from bench_inbound_mail where id = $1", held["id"]
        )
        assert made.headers["location"] == (
            f"/bench/staff/inbound-mail?done=resolved&question={question_id}#done"
        )
        done = await coordinator.get(made.headers["location"])
        assert "Wiadomość jest teraz pytaniem." in done.text
        assert f'href="/bench/staff/questions/{question_id}"' in done.text
        assert f'id="mail-{held["id"]}"' not in done.text
        question = await question_row(platform, str(question_id))
        assert (question["edition_id"], question["asker_email"]) == (
            uuid.UUID(edition["id"]),
            sender,
        )

        settled = await coordinator.get(mail_url)
        assert "Koordynator zrobił z niej pytanie" in settled.text
        assert "Odrzuć wiadomość" not in settled.text and 'id="raw-mail"' not in settled.text
        again = await coordinator.post(
            resolution, data={"_csrf_token": csrf, "action": "discard", "reason": "twice"}
        )
        assert again.status_code == 409
        assert "Tę wiadomość już obsłużył ktoś inny" in again.text

        discarded = await coordinator.post(
            f"/bench/staff/inbound-mail/{other['id']}/resolution",
            data={"_csrf_token": csrf, "action": "discard", "reason": "no question in it"},
        )
        assert discarded.status_code == 303
        assert (
            "Wiadomość została odrzucona."
            in (await coordinator.get(discarded.headers["location"])).text
        )
    assert (
        await pool.fetchval("select status from bench_inbound_mail where id = $1", other["id"])
        == "discarded"
    )
