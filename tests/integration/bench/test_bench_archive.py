"""The public archive of answered Bench questions (issue 14): only questions whose asker agreed,
that staff did not withhold and that were not erased appear — on the search page, a question's
page, the JSON API and the Atom feed; search finds a question by a word of its translation in
another script and by a Polish word typed without diacritics; e-mail addresses, phone numbers
and the asker's name are masked; bad parameters are refused with a clear 400."""

from __future__ import annotations

import uuid

import httpx

from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.bench.bench_helpers import ask, body_text, mail_arrives, new_edition
from tests.integration.bench.test_bench_staff_pages import csrf_of, signed_in

COORDINATOR = {"role": "coordinator"}


def word() -> str:
    """A made-up word no other test writes (letters only: the search splits on the rest)."""
    return "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


async def answered(
    platform: RunningPlatform, edition_id: str, *, text: str, answer: str, **overrides: object
) -> dict:
    """A question asked by API, accepted by moderation and answered in Polish."""
    created = await ask(platform, edition_id, text=text, **overrides)
    coordinator = platform.auth("coordinator")
    resp = await platform.client.post(
        f"/api/bench/questions/{created['id']}/moderation",
        json={"decision": "accepted"},
        headers=coordinator,
    )
    assert resp.status_code == 200, resp.text
    resp = await platform.client.post(
        f"/api/bench/questions/{created['id']}/answer",
        json={"text": answer, "language": "pl"},
        headers=coordinator,
    )
    assert resp.status_code == 200, resp.text
    return created


async def visible_everywhere(platform: RunningPlatform, question_id: str, term: str) -> dict:
    """Where the question shows: page list, its page, JSON, feed (each True/False)."""
    listing = await platform.client.get("/bench/answers", params={"q": term, "lang": "en"})
    assert listing.status_code == 200, listing.text
    page = await platform.client.get(f"/bench/answers/{question_id}", params={"lang": "en"})
    assert page.status_code in (200, 404)
    data = await platform.client.get("/api/public/bench/answers", params={"q": term})
    assert data.status_code == 200, data.text
    feed = await platform.client.get("/bench/answers/feed.atom")
    assert feed.status_code == 200
    open_data = await platform.client.get("/open-data/bench-answers.json")
    assert open_data.status_code == 200
    return {
        "list": question_id in listing.text,
        "page": page.status_code == 200,
        "json": any(i["id"] == question_id for i in data.json()["items"]),
        "feed": question_id in feed.text,
        "open data": any(i["id"] == question_id for i in open_data.json()["items"]),
    }


EVERYWHERE = {"list": True, "page": True, "json": True, "feed": True, "open data": True}
NOWHERE = {"list": False, "page": False, "json": False, "feed": False, "open data": False}


async def test_only_consented_answered_questions_are_public_and_staff_can_withhold(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    term = word()
    agreed = await answered(
        platform,
        edition["id"],
        text=f"Czy {term} będzie dostępny w Nowej Hucie?",
        answer=f"Tak, {term} będzie dostępny od marca.",
        publish=True,
    )
    silent = await answered(
        platform,
        edition["id"],
        text=f"Czy {term} będzie też w Podgórzu?",
        answer=f"Nie, {term} nie jest planowany.",
    )
    assert await visible_everywhere(platform, agreed["id"], term) == EVERYWHERE
    assert await visible_everywhere(platform, silent["id"], term) == NOWHERE
    # Agreed but not answered yet: nowhere either.
    waiting = await ask(platform, edition["id"], text=f"Kiedy {term} w Bieżanowie?", publish=True)
    assert await visible_everywhere(platform, waiting["id"], term) == NOWHERE

    # Staff withhold it with a reason (API): nowhere; twice is a conflict; put back: everywhere.
    url = f"/api/bench/questions/{agreed['id']}/withholding"
    coordinator = platform.auth("coordinator")
    no_reason = await platform.client.post(url, json={"withheld": True}, headers=coordinator)
    assert no_reason.status_code == 422, no_reason.text
    resident = await platform.client.post(url, json={"withheld": True, "reason": "nazwisko"})
    assert resident.status_code == 401
    held = await platform.client.post(
        url, json={"withheld": True, "reason": "a neighbour's name"}, headers=coordinator
    )
    assert held.status_code == 200, held.text
    assert held.json()["withheld"] is True and held.json()["published"] is False
    assert await visible_everywhere(platform, agreed["id"], term) == NOWHERE
    again = await platform.client.post(
        url, json={"withheld": True, "reason": "again"}, headers=coordinator
    )
    assert again.status_code == 409
    back = await platform.client.post(url, json={"withheld": False}, headers=coordinator)
    assert back.status_code == 200 and back.json()["published"] is True
    assert await visible_everywhere(platform, agreed["id"], term) == EVERYWHERE

    # The same on the staff page: the form, then the question is gone from the archive.
    async with signed_in(platform, "coordinator", lang="en") as staff:
        page = await staff.get(f"/bench/staff/questions/{agreed['id']}")
        assert page.status_code == 200
        assert 'id="publication"' in page.text
        form_url = f"/bench/staff/questions/{agreed['id']}/withholding"
        empty = await staff.post(
            form_url, data={"_csrf_token": csrf_of(page), "withheld": "yes", "withheld_reason": ""}
        )
        assert empty.status_code == 400
        assert "Say why the question is kept out of the public archive" in empty.text
        done = await staff.post(
            form_url,
            data={"_csrf_token": csrf_of(page), "withheld": "yes", "withheld_reason": "a name"},
        )
        assert done.status_code == 303
        assert await visible_everywhere(platform, agreed["id"], term) == NOWHERE
        page = await staff.get(f"/bench/staff/questions/{agreed['id']}")
        assert "Withheld from the archive" in page.text
        done = await staff.post(form_url, data={"_csrf_token": csrf_of(page), "withheld": "no"})
        assert done.status_code == 303
    assert await visible_everywhere(platform, agreed["id"], term) == EVERYWHERE


async def test_the_asker_agrees_on_the_tracking_page_and_changes_their_mind(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    term = word()
    email = f"track-{uuid.uuid4().hex[:8]}@example.org"
    created = await answered(
        platform,
        edition["id"],
        text=f"Gdzie jest {term} w Krakowie?",
        answer=f"{term} jest przy ul. Józefińskiej.",
        email=email,
    )
    assert await visible_everywhere(platform, created["id"], term) == NOWHERE
    # The acknowledgement (in the asker's Ukrainian) said how to agree: on the tracking page.
    (ack, *_) = await mail_arrives(platform, email)
    assert "Опублікуйте моє запитання" in body_text(ack)
    async with httpx.AsyncClient(base_url=platform.base_url, cookies={"lang": "en"}) as browser:
        params = {"reference": created["reference"], "token": created["tracking_token"]}
        page = await browser.get("/bench/track", params=params)
        assert "Your question and its answer are not published." in page.text
        wrong = await browser.post(
            "/bench/track/publication",
            data={
                "_csrf_token": csrf_of(page),
                **params,
                "token": "wrong-token-1",
                "publish": "yes",
            },
        )
        assert wrong.status_code == 303 and "done=" not in wrong.headers["location"]
        assert await visible_everywhere(platform, created["id"], term) == NOWHERE
        agreed = await browser.post(
            "/bench/track/publication",
            data={"_csrf_token": csrf_of(page), **params, "publish": "yes"},
        )
        assert agreed.status_code == 303 and "done=publication" in agreed.headers["location"]
        page = await browser.get("/bench/track", params=params)
        assert "are published in the archive of answers" in page.text
        assert await visible_everywhere(platform, created["id"], term) == EVERYWHERE
        withdrawn = await browser.post(
            "/bench/track/publication",
            data={"_csrf_token": csrf_of(page), **params, "publish": "no"},
        )
        assert withdrawn.status_code == 303
    assert await visible_everywhere(platform, created["id"], term) == NOWHERE


async def test_the_web_form_takes_consent(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    async with httpx.AsyncClient(base_url=platform.base_url, cookies={"lang": "pl"}) as browser:
        form = await browser.get(f"/bench/editions/{edition['id']}")
        assert 'name="publish"' in form.text
        sent = await browser.post(
            f"/bench/editions/{edition['id']}/questions",
            data={
                "_csrf_token": csrf_of(form),
                "text": "Czy będzie więcej kursów języka polskiego?",
                "topic": "education",
                "language": "pl",
                "publish": "yes",
            },
        )
        assert sent.status_code == 200, sent.text
    row = await platform.runtime.pool("participation").fetchrow(
        "select publish from bench_questions where edition_id = $1", uuid.UUID(edition["id"])
    )
    assert row["publish"] is True


async def test_search_across_scripts_translations_and_diacritics(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    term = word()
    created = await answered(
        platform,
        edition["id"],
        text=f"Czy przedszkole {term} przyjmie dzieci z Ukrainy we wrześniu?",
        answer=f"Tak, przedszkole {term} przyjmuje zgłoszenia od sierpnia.",
        language="pl",
        publish=True,
    )
    ukrainian = f"дитсадок{term}"
    resp = await platform.client.put(
        f"/api/bench/questions/{created['id']}/translations",
        json={
            "question": {"uk": f"Чи прийме {ukrainian} дітей з України у вересні?"},
            "answers": {},
        },
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    # A translation in the question's own language is refused.
    same = await platform.client.put(
        f"/api/bench/questions/{created['id']}/translations",
        json={"question": {"pl": "Po polsku jeszcze raz, inaczej."}},
        headers=platform.auth("coordinator"),
    )
    assert same.status_code == 422, same.text

    # A Ukrainian word of the translation finds the Polish original.
    found = await platform.client.get(
        "/api/public/bench/answers", params={"q": ukrainian.upper(), "lang": "uk"}
    )
    assert found.status_code == 200
    items = found.json()["items"]
    assert [i["id"] for i in items] == [created["id"]]
    assert items[0]["question"]["lang"] == "uk" and items[0]["question"]["translated"] is True
    # The answer has no Ukrainian version: the Polish original, marked as such.
    assert items[0]["answer"]["lang"] == "pl" and items[0]["answer"]["translated"] is False
    page = await platform.client.get("/bench/answers", params={"q": ukrainian, "lang": "uk"})
    assert created["id"] in page.text and 'lang="uk"' in page.text
    # A Polish word with diacritics typed without them ("wrzesniu" for "wrześniu").
    found = await platform.client.get(
        "/api/public/bench/answers", params={"q": f"wrzesniu {term}", "lang": "en"}
    )
    assert [i["id"] for i in found.json()["items"]] == [created["id"]]
    # Every word must match.
    found = await platform.client.get(
        "/api/public/bench/answers", params={"q": f"{term} {word()}", "lang": "en"}
    )
    assert found.json() == {"items": [], "total": 0}


async def test_addresses_phone_numbers_and_the_askers_name_are_masked(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    term = word()
    created = await answered(
        platform,
        edition["id"],
        text=(
            f"Nazywam się Oksana Melnyk, {term}: proszę o kontakt pod oksana.m@example.org "
            "lub +48 601 234 567. Czy urząd działa w 2026 roku?"
        ),
        answer=f"Pani Oksano, {term}: zapraszamy, tel. 12 616 12 34 567 w dni robocze.",
        name="Oksana Melnyk",
        publish=True,
    )
    for url, params in (
        ("/api/public/bench/answers", {"q": term}),
        (f"/bench/answers/{created['id']}", {}),
        ("/bench/answers/feed.atom", {}),
    ):
        resp = await platform.client.get(url, params=params)
        assert resp.status_code == 200
        for secret in ("oksana.m@example.org", "601 234 567", "Melnyk", "616 12 34", "asker-"):
            assert secret not in resp.text, (url, secret)
        assert "2026" in resp.text, url  # a year is no phone number
    # Nor can a search confirm what was masked.
    for probe in ("example.org", "601", "melnyk"):
        found = await platform.client.get(
            "/api/public/bench/answers", params={"q": f"{term} {probe}"}
        )
        assert found.json()["total"] == 0, probe
    data = await platform.client.get("/api/public/bench/answers", params={"q": term})
    item = data.json()["items"][0]
    assert set(item) == {
        "id", "url", "edition_id", "edition", "edition_lang", "held_on", "topic", "language", "received_on",
        "answered_at", "question", "answer",
    }  # fmt: skip


async def test_pagination_and_filters(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    term = word()
    ids = []
    for n in range(23):
        created = await answered(
            platform,
            edition["id"],
            text=f"Pytanie numer {n} o {term} i komunikację?",
            answer=f"Odpowiedź numer {n} o {term}.",
            topic="urban_infrastructure" if n % 2 else "education",
            language="pl",
            publish=True,
        )
        ids.append(created["id"])
    first = await platform.client.get("/api/public/bench/answers", params={"q": term, "limit": 10})
    assert first.json()["total"] == 23
    assert [i["id"] for i in first.json()["items"]] == ids[::-1][:10]  # newest first
    last = await platform.client.get(
        "/api/public/bench/answers", params={"q": term, "limit": 10, "offset": 20}
    )
    assert [i["id"] for i in last.json()["items"]] == ids[::-1][20:]
    topic = await platform.client.get(
        "/api/public/bench/answers",
        params={"q": term, "topic": "education", "edition": edition["id"], "language": "pl"},
    )
    assert topic.json()["total"] == 12
    other = await platform.client.get(
        "/api/public/bench/answers", params={"q": term, "language": "uk"}
    )
    assert other.json()["total"] == 0
    page1 = await platform.client.get("/bench/answers", params={"q": term, "lang": "en"})
    assert "Page 1 of 2" in page1.text and 'rel="next"' in page1.text
    assert ids[-1] in page1.text and ids[0] not in page1.text
    page2 = await platform.client.get("/bench/answers", params={"q": term, "lang": "en", "page": 2})
    assert ids[0] in page2.text and 'rel="prev"' in page2.text and 'rel="next"' not in page2.text
    assert 'type="application/atom+xml"' in page1.text


async def test_bad_parameters_are_refused_with_a_clear_message(platform: RunningPlatform) -> None:
    for params, field in (
        ({"topic": "weather"}, "topic"),
        ({"language": "de"}, "language"),
        ({"edition": "not-a-uuid"}, "edition"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "x"}, "offset"),
        ({"lang": "de"}, "lang"),
        ({"q": "a" * 201}, "q"),
    ):
        resp = await platform.client.get("/api/public/bench/answers", params=params)
        assert resp.status_code == 400, (params, resp.text)
        assert resp.json()["errors"][0]["field"] == field, resp.text
        assert field in resp.json()["detail"]
    for params, message in (
        ({"topic": "weather", "lang": "en"}, "Choose one of the topics."),
        ({"page": "0", "lang": "en"}, "There is no such page of results."),
        ({"edition": "x", "lang": "en"}, "Choose one of the sessions."),
    ):
        resp = await platform.client.get("/bench/answers", params=params)
        assert resp.status_code == 400, params
        assert message in resp.text
    missing = await platform.client.get(f"/bench/answers/{uuid.uuid4()}")
    assert missing.status_code == 404


async def test_an_erased_askers_question_leaves_the_archive(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    term = word()
    email = f"erase-{uuid.uuid4().hex[:8]}@example.org"
    created = await answered(
        platform,
        edition["id"],
        text=f"Czy {term} jest bezpłatny dla seniorów?",
        answer=f"Tak, {term} jest bezpłatny.",
        email=email,
        publish=True,
    )
    resp = await platform.client.put(
        f"/api/bench/questions/{created['id']}/translations",
        json={"question": {"en": f"Is {term} free for seniors?"}},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    assert await visible_everywhere(platform, created["id"], term) == EVERYWHERE
    resp = await platform.client.post(
        "/api/privacy/erasures",
        json={"email": email},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 202, resp.text
    request_id = resp.json()["id"]

    async def completed() -> dict | None:
        got = await platform.client.get(
            f"/api/privacy/erasures/{request_id}", headers=platform.auth("coordinator")
        )
        return got.json() if got.json().get("status") == "completed" else None

    await eventually(completed, timeout=30, what="the erasure completed")
    assert await visible_everywhere(platform, created["id"], term) == NOWHERE
    row = await platform.runtime.pool("participation").fetchrow(
        "select publish, text_i18n, search_vector = ''::tsvector as unsearchable"
        " from bench_questions where id = $1",
        uuid.UUID(created["id"]),
    )
    assert (row["publish"], row["text_i18n"], row["unsearchable"]) == (False, {}, True)


async def test_staff_translate_on_the_question_page_and_readers_see_their_language(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    term = word()
    created = await answered(
        platform,
        edition["id"],
        text=f"Czy biblioteka {term} ma książki po ukraińsku?",
        answer=f"Tak, biblioteka {term} ma dział ukraiński.",
        language="pl",
        publish=True,
    )
    async with signed_in(platform, "coordinator", lang="en") as staff:
        page = await staff.get(f"/bench/staff/questions/{created['id']}")
        assert 'name="question__uk"' in page.text and 'name="question__pl"' not in page.text
        assert 'name="answer_0__en"' in page.text
        url = f"/bench/staff/questions/{created['id']}/translations"
        too_long = await staff.post(
            url, data={"_csrf_token": csrf_of(page), "question__en": "x" * 10_001}
        )
        assert too_long.status_code == 400
        saved = await staff.post(
            url,
            data={
                "_csrf_token": csrf_of(page),
                "question__uk": f"Чи має бібліотека {term} книжки українською?",
                "question__en": "",
                "answer_0__uk": f"Так, бібліотека {term} має український відділ. Пишіть на a@b.pl",
            },
        )
        assert saved.status_code == 303, saved.text
        page = await staff.get(f"/bench/staff/questions/{created['id']}")
        assert "Чи має бібліотека" in page.text
    uk = await platform.client.get(f"/bench/answers/{created['id']}", params={"lang": "uk"})
    assert "Чи має бібліотека" in uk.text and "Так, бібліотека" in uk.text
    assert "a@b.pl" not in uk.text  # masked in translations too
    en = await platform.client.get(f"/bench/answers/{created['id']}", params={"lang": "en"})
    # No English version: the Polish original, in an element marked lang="pl", with a note.
    assert 'lang="pl"' in en.text and "książki po ukraińsku" in en.text
    assert "not translated yet" in en.text
    # The open data set holds it, masked, with the translations; nothing of the asker.
    data = await platform.client.get("/open-data/bench-answers.json")
    assert data.status_code == 200, data.text
    assert created["id"] in data.text and "a@b.pl" not in data.text
    assert "asker-" not in data.text and created["reference"] not in data.text
    csv = await platform.client.get("/open-data/bench-answers.csv")
    assert csv.status_code == 200 and created["id"] in csv.text


def test_every_column_of_the_bench_dataset_is_in_personal_data_md() -> None:
    import re
    from pathlib import Path

    from services.participation.bench.open_data import BENCH_ANSWERS

    text = (Path(__file__).parents[3] / "docs" / "personal-data.md").read_text()
    section = text[text.index("## Open data") :]
    pattern = r"^\| `?bench-answers`? \| `?([a-z0-9_]+)`? \|"
    listed = {m.group(1) for m in re.finditer(pattern, section, re.M)}
    assert {c.name for c in BENCH_ANSWERS.columns} == listed


async def test_an_erased_person_named_in_anothers_translation_is_redacted_there(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    term = word()
    surname = "Zarichna" + word()[2:8].capitalize()
    email = f"named-{uuid.uuid4().hex[:8]}@example.org"
    # She asked a question of her own (so the erasure knows her name) ...
    await ask(platform, edition["id"], name=f"Olena {surname}", email=email)
    # ... and staff translated someone else's published question that names her.
    other = await answered(
        platform,
        edition["id"],
        text=f"Czy {term} może prowadzić sąsiadka?",
        answer=f"Tak, {term} prowadzą wolontariusze.",
        publish=True,
    )
    resp = await platform.client.put(
        f"/api/bench/questions/{other['id']}/translations",
        json={"question": {"en": f"Can Olena {surname} run {term} with us?"}},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    found = await platform.client.get("/api/public/bench/answers", params={"q": surname})
    assert found.json()["total"] == 1
    resp = await platform.client.post(
        "/api/privacy/erasures", json={"email": email}, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 202, resp.text
    request_id = resp.json()["id"]

    async def completed() -> dict | None:
        got = await platform.client.get(
            f"/api/privacy/erasures/{request_id}", headers=platform.auth("coordinator")
        )
        return got.json() if got.json().get("status") == "completed" else None

    await eventually(completed, timeout=30, what="the erasure completed")
    page = await platform.client.get(f"/bench/answers/{other['id']}", params={"lang": "en"})
    assert page.status_code == 200 and surname not in page.text and term in page.text
    found = await platform.client.get("/api/public/bench/answers", params={"q": surname})
    assert found.json()["total"] == 0
