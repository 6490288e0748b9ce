"""The coordinator's live-session pages over HTTP (session cookie, CSRF, no browser): an edition's
page with opening/closing submissions and recording it held, questions entered from the room or
on paper, and "answered live" on a question's page."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx

from services.participation.bench.domain import hash_token
from tests.helpers.platform import RunningPlatform
from tests.integration.bench.bench_helpers import (
    ask,
    body_text,
    events_of,
    mail_arrives,
    new_edition,
)
from tests.integration.bench.test_bench_staff_pages import csrf_of, question_row, signed_in

NONCE = re.compile(r'name="nonce" value="([^"]+)"')


async def edition_row(platform: RunningPlatform, edition_id: str) -> dict:
    row = await platform.runtime.pool("participation").fetchrow(
        "select * from bench_editions where id = $1", uuid.UUID(edition_id)
    )
    assert row is not None
    return dict(row)


async def questions_of(platform: RunningPlatform, edition_id: str) -> list[dict]:
    rows = await platform.runtime.pool("participation").fetch(
        "select * from bench_questions where edition_id = $1 order by received_at",
        uuid.UUID(edition_id),
    )
    return [dict(r) for r in rows]


async def events(platform: RunningPlatform, event_type: str, key: str, value: str) -> list[dict]:
    return await events_of(platform, event_type, key, value)


# --- Who may come in --------------------------------------------------------------------


async def test_only_the_coordinator_uses_the_session_pages_and_csrf_is_required(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    question = await ask(platform, edition["id"])
    page = f"/bench/staff/editions/{edition['id']}"
    posts = {
        f"{page}/submissions/close": {"confirm_close": "yes"},
        f"{page}/submissions/open": {"confirm_open": "yes"},
        f"{page}/held": {"confirm_held": "yes"},
        f"{page}/entered-questions": {
            "channel": "live",
            "text": "Czy będzie więcej miejsc w przedszkolach?",
            "topic": "education",
            "language": "pl",
        },
        f"/bench/staff/questions/{question['id']}/answered-live": {},
    }
    async with httpx.AsyncClient(base_url=platform.base_url) as anonymous:
        resp = await anonymous.get(page)
        assert resp.status_code == 303
        assert resp.headers["location"] == f"/auth/sign-in?next={quote(page, safe='')}"

    async with signed_in(platform, "responder") as responder:
        queue = await responder.get("/bench/staff", params={"edition": edition["id"]})
        csrf = csrf_of(queue)
        assert f'href="{page}"' not in queue.text  # the link is the coordinator's
        assert (await responder.get(page)).status_code == 403
        for path, form in posts.items():
            assert (
                await responder.post(path, data={"_csrf_token": csrf, **form})
            ).status_code == 403, path

    async with signed_in(platform, "evaluator") as evaluator:
        assert (await evaluator.get(page)).status_code == 403

    async with signed_in(platform, "coordinator", lang="en") as coordinator:
        queue = await coordinator.get("/bench/staff", params={"edition": edition["id"]})
        assert f'href="{page}"' in queue.text
        shown = await coordinator.get(page)
        assert shown.status_code == 200
        for path, form in posts.items():
            assert (await coordinator.post(path, data=form)).status_code == 403, path
        assert (await coordinator.get(f"/bench/staff/editions/{uuid.uuid4()}")).status_code == 404

    assert (await edition_row(platform, edition["id"]))["status"] == "open"
    assert len(await questions_of(platform, edition["id"])) == 1
    assert (await question_row(platform, question["id"]))["answered_live_at"] is None
    assert (
        await events(platform, "bench.question_answered_live", "question_id", question["id"]) == []
    )


# --- Opening, closing, held -------------------------------------------------------------


async def test_the_coordinator_closes_reopens_and_records_the_session_held_with_confirmation(
    platform: RunningPlatform,
) -> None:
    today = datetime.now(UTC).date()
    edition = await new_edition(platform, held_on=today.isoformat())
    eid = edition["id"]
    page = f"/bench/staff/editions/{eid}"
    async with signed_in(platform, "coordinator", lang="pl") as coordinator:
        shown = await coordinator.get(page)
        assert "Przyjmuje pytania przez stronę i e-mailem" in shown.text
        assert 'name="confirm_close"' in shown.text and 'name="confirm_open"' not in shown.text
        csrf = csrf_of(shown)

        unconfirmed = await coordinator.post(
            f"{page}/submissions/close", data={"_csrf_token": csrf}
        )
        assert unconfirmed.status_code == 400
        assert "Zaznacz pole, aby potwierdzić." in unconfirmed.text
        assert (await edition_row(platform, eid))["status"] == "open"

        reopened = await coordinator.post(
            f"{page}/submissions/open", data={"_csrf_token": csrf, "confirm_open": "yes"}
        )
        assert reopened.status_code == 409
        assert "Przyjmowanie pytań jest już otwarte: niczego nie zmieniono." in reopened.text

        closed = await coordinator.post(
            f"{page}/submissions/close", data={"_csrf_token": csrf, "confirm_close": "yes"}
        )
        assert closed.status_code == 303
        assert closed.headers["location"] == f"{page}?done=closed#done"
        confirmation = await coordinator.get(closed.headers["location"])
        assert "Przyjmowanie pytań jest zamknięte" in confirmation.text
        assert 'id="edition-status">Przyjmowanie pytań zamknięte' in confirmation.text
        assert (await edition_row(platform, eid))["status"] == "closed"
        assert (
            len(await events(platform, "bench.edition_submissions_closed", "edition_id", eid)) == 1
        )
        # The web form now refuses questions, as the API does.
        refused = await platform.client.post(
            f"/api/bench/editions/{eid}/questions",
            json={"text": "Czy zdążę jeszcze zapytać?", "topic": "other", "language": "pl"},
        )
        assert refused.status_code == 409

        again = await coordinator.post(
            f"{page}/submissions/close", data={"_csrf_token": csrf, "confirm_close": "yes"}
        )
        assert again.status_code == 409
        assert "Przyjmowanie pytań jest już zamknięte" in again.text

        opened = await coordinator.post(
            f"{page}/submissions/open", data={"_csrf_token": csrf, "confirm_open": "yes"}
        )
        assert opened.status_code == 303
        assert (
            "Przyjmowanie pytań jest znów otwarte"
            in (await coordinator.get(opened.headers["location"])).text
        )
        assert (await edition_row(platform, eid))["status"] == "open"
        assert (
            len(await events(platform, "bench.edition_submissions_opened", "edition_id", eid)) == 2
        )

        held = await coordinator.post(
            f"{page}/held", data={"_csrf_token": csrf, "confirm_held": "yes"}
        )
        assert held.status_code == 303
        after = await coordinator.get(held.headers["location"])
        assert "Spotkanie zapisano jako odbyte." in after.text
        assert 'name="confirm_held"' not in after.text and 'name="confirm_open"' not in after.text
        assert (await edition_row(platform, eid))["status"] == "held"
        assert len(await events(platform, "bench.edition_held", "edition_id", eid)) == 1
        # Held while open: submissions closed too, as the API does.
        assert (
            len(await events(platform, "bench.edition_submissions_closed", "edition_id", eid)) == 2
        )

        twice = await coordinator.post(
            f"{page}/held", data={"_csrf_token": csrf, "confirm_held": "yes"}
        )
        assert twice.status_code == 409
        assert "To spotkanie już zapisano jako odbyte: niczego nie zmieniono." in twice.text
    assert len(await events(platform, "bench.edition_held", "edition_id", eid)) == 1


async def test_refusals_of_the_domain_are_explained_in_the_pages_language(
    platform: RunningPlatform,
) -> None:
    future = (datetime.now(UTC) + timedelta(days=20)).date()
    edition = await new_edition(platform, held_on=future.isoformat())
    eid = edition["id"]
    page = f"/bench/staff/editions/{eid}"
    async with signed_in(platform, "coordinator", lang="uk") as coordinator:
        csrf = csrf_of(await coordinator.get(page))
        early = await coordinator.post(
            f"{page}/held", data={"_csrf_token": csrf, "confirm_held": "yes"}
        )
        assert early.status_code == 409
        assert f"Цю зустріч заплановано на {future.isoformat()}" in early.text
        assert (await edition_row(platform, eid))["status"] == "open"

        # Past its closing time an edition cannot be reopened.
        await platform.runtime.pool("participation").execute(
            "update bench_editions set status = 'closed', "
            "submissions_close_at = now() - interval '1 hour' where id = $1",
            uuid.UUID(eid),
        )
        late = await coordinator.post(
            f"{page}/submissions/open", data={"_csrf_token": csrf, "confirm_open": "yes"}
        )
        assert late.status_code == 409
        assert "Термін приймання запитань на цю зустріч" in late.text
        assert (await edition_row(platform, eid))["status"] == "closed"
    assert await events(platform, "bench.edition_held", "edition_id", eid) == []
    assert len(await events(platform, "bench.edition_submissions_opened", "edition_id", eid)) == 1


# --- Questions from the room or on paper ------------------------------------------------


async def test_a_question_from_the_room_is_entered_with_a_slip_and_bad_input_changes_nothing(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    eid = edition["id"]
    page = f"/bench/staff/editions/{eid}"
    url = f"{page}/entered-questions"
    asker = f"asker-{uuid.uuid4().hex[:8]}@example.org"
    async with signed_in(platform, "coordinator", subject="coord-live", lang="en") as coordinator:
        # Submissions closed: questions from the room are still taken.
        closed = await coordinator.post(
            f"{page}/submissions/close",
            data={"_csrf_token": csrf_of(await coordinator.get(page)), "confirm_close": "yes"},
        )
        assert closed.status_code == 303
        shown = await coordinator.get(page)
        csrf = csrf_of(shown)
        nonce = NONCE.search(shown.text)
        assert nonce

        bad = await coordinator.post(
            url,
            data={
                "_csrf_token": csrf,
                "nonce": nonce.group(1),
                "channel": "stage",
                "text": "Short?",
                "topic": "weather",
                "language": "de",
                "group": "aliens",
                "name": "N" * 201,
                "email": "not an address",
            },
        )
        assert bad.status_code == 400
        for message in (
            "Choose where the question was asked: in the room or on paper.",
            "Write the question as it was asked: 10 to 2000 characters.",
            "Choose one of the topics.",
            "Choose one of the languages.",
            "Choose one of the options, or leave it empty.",
            "The name is too long: at most 200 characters.",
            "Enter an e-mail address like name@example.com, or leave it empty.",
        ):
            assert message in bad.text, message
        assert "Short?" in bad.text and "not an address" in bad.text  # what was typed is kept

        no_consent = await coordinator.post(
            url,
            data={
                "_csrf_token": csrf,
                "nonce": nonce.group(1),
                "channel": "live",
                "text": "Чи буде більше місць у дитячих садках на Подґужі?",
                "topic": "education",
                "language": "uk",
                "email": asker,
            },
        )
        assert no_consent.status_code == 422
        assert "The asker must agree that we use the address to answer" in no_consent.text
        assert "Чи буде більше місць у дитячих садках на Подґужі?" in no_consent.text
        assert await questions_of(platform, eid) == []

        form = {
            "_csrf_token": csrf,
            "nonce": nonce.group(1),
            "channel": "live",
            "text": "Чи буде більше місць у дитячих садках на Подґужі?",
            "topic": "education",
            "language": "uk",
            "group": "forced_migrant",
            "name": "Olena",
            "email": asker,
            "consent": "yes",
            "answered_live": "yes",
        }
        entered = await coordinator.post(url, data=form)
        # The slip is the answer to the POST itself: the code never travels in an address.
        assert entered.status_code == 201
        assert "location" not in entered.headers
        slip = entered
        assert slip.headers["cache-control"] == "no-store"
        assert slip.headers["referrer-policy"] == "no-referrer"
        stored = await question_row(platform, str((await questions_of(platform, eid))[0]["id"]))
        assert f"The question was entered as {stored['reference']}." in slip.text
        token = re.search(r"<code>([A-Za-z0-9_\-]+)</code>", slip.text.split('id="slip"')[1])
        assert token is not None and hash_token(token.group(1)) == stored["tracking_token_hash"]
        question_id = str(stored["id"])
        assert (stored["channel"], stored["entered_by"], stored["asker_email"]) == (
            "live",
            "coord-live",
            asker,
        )
        assert (stored["topic"], stored["language"], stored["grp"]) == (
            "education",
            "uk",
            "forced_migrant",
        )
        assert stored["answered_live_at"] is not None
        # A code in the address is not a thing the page reads: nothing of it is shown.
        forged = await coordinator.get(
            page, params={"done": "entered", "question": question_id, "token": "forged-token-x"}
        )
        assert "<code>forged-token-x" not in forged.text
        assert "Tracking code" not in forged.text
        assert f"The question was entered as {stored['reference']}." in forged.text

        # The same form sent twice: the first question, not another.
        twice = await coordinator.post(url, data=form)
        assert twice.status_code == 303
        assert twice.headers["location"] == f"{page}?done=entered&question={question_id}#done"
        assert "sent twice" in (await coordinator.get(twice.headers["location"])).text
    assert len(await questions_of(platform, eid)) == 1

    received = await events(platform, "bench.question_received", "question_id", question_id)
    assert [(e["channel"], e["has_email"]) for e in received] == [("live", True)]
    assert asker not in str(received) and "Olena" not in str(received)
    assert (
        len(await events(platform, "bench.question_answered_live", "question_id", question_id)) == 1
    )
    # The asker is acknowledged by e-mail with the same reference, as through the API.
    assert stored["reference"] in body_text((await mail_arrives(platform, asker))[0])

    # The API's queue sees it as any other entered question.
    listed = await platform.client.get(
        f"/api/bench/editions/{eid}/questions",
        params={"channel": "live"},
        headers=platform.auth("coordinator"),
    )
    assert [q["id"] for q in listed.json()["items"]] == [question_id]


async def test_a_paper_question_without_address_is_entered(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    eid = edition["id"]
    page = f"/bench/staff/editions/{eid}"
    async with signed_in(platform, "coordinator", lang="pl") as coordinator:
        csrf = csrf_of(await coordinator.get(page))
        entered = await coordinator.post(
            f"{page}/entered-questions",
            data={
                "_csrf_token": csrf,
                "channel": "paper",
                "text": "Gdzie można zgłosić dziurę w chodniku na Kazimierzu?",
                "topic": "urban_infrastructure",
                "language": "pl",
            },
        )
        assert entered.status_code == 201
        assert "Kod do śledzenia" in entered.text
    (row,) = await questions_of(platform, eid)
    question_id = str(row["id"])
    stored = await question_row(platform, question_id)
    assert (
        stored["channel"],
        stored["asker_email"],
        stored["grp"],
        stored["answered_live_at"],
    ) == (
        "paper",
        None,
        "undisclosed",
        None,
    )
    assert await events(platform, "bench.question_answered_live", "question_id", question_id) == []


# --- Answered live ----------------------------------------------------------------------


async def test_the_coordinator_marks_a_question_answered_live_once(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    question = await ask(platform, edition["id"])
    rejected = await ask(platform, edition["id"], text="To nie jest pytanie do prezydenta miasta.")
    moderated = await platform.client.post(
        f"/api/bench/questions/{rejected['id']}/moderation",
        json={"decision": "rejected", "reason": "not a question"},
        headers=platform.auth("coordinator"),
    )
    assert moderated.status_code == 200
    page = f"/bench/staff/questions/{question['id']}"
    async with signed_in(platform, "coordinator", lang="uk") as coordinator:
        shown = await coordinator.get(page)
        assert f'action="{page}/answered-live#answered-live"' in shown.text
        csrf = csrf_of(shown)
        rejected_page = await coordinator.get(f"/bench/staff/questions/{rejected['id']}")
        assert "/answered-live" not in rejected_page.text

        marked = await coordinator.post(f"{page}/answered-live", data={"_csrf_token": csrf})
        assert marked.status_code == 303
        assert marked.headers["location"] == f"{page}?done=answered_live#done"
        after = await coordinator.get(marked.headers["location"])
        assert "Запитання позначено як відповідене в залі." in after.text
        assert "/answered-live#" not in after.text
        assert "Відповідь надано в залі" in after.text.split('id="history"')[1]
        stored = await question_row(platform, question["id"])
        assert stored["answered_live_at"] is not None
        assert stored["status"] == "received"  # a written answer still follows

        twice = await coordinator.post(f"{page}/answered-live", data={"_csrf_token": csrf})
        assert twice.status_code == 409
        assert "Це запитання вже позначено як відповідене в залі." in twice.text
        assert (await question_row(platform, question["id"]))["answered_live_at"] == stored[
            "answered_live_at"
        ]

        refused = await coordinator.post(
            f"/bench/staff/questions/{rejected['id']}/answered-live", data={"_csrf_token": csrf}
        )
        assert refused.status_code == 409
        assert "Це запитання відхилено або об&#39;єднано" in refused.text
    assert (await question_row(platform, rejected["id"]))["answered_live_at"] is None
    assert (
        len(await events(platform, "bench.question_answered_live", "question_id", question["id"]))
        == 1
    )
    assert (
        await events(platform, "bench.question_answered_live", "question_id", rejected["id"]) == []
    )
    detail = await platform.client.get(
        f"/api/bench/questions/{question['id']}/detail", headers=platform.auth("coordinator")
    )
    assert "answered_live" in [h["event"] for h in detail.json()["history"]]
