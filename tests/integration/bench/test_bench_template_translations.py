"""Answer templates in several languages (issue 14): a template keeps its original (in its
`language`) and versions typed in pl/en/uk; a responder answering a question in Ukrainian is
offered, and gets in the answer form, the Ukrainian version of a Polish template. A too-long
version is refused with nothing saved."""

from __future__ import annotations

import html
import re
import uuid

from tests.helpers.platform import RunningPlatform
from tests.integration.bench.bench_helpers import ask, new_edition
from tests.integration.bench.test_bench_staff_pages import csrf_of, signed_in

NEW = "/bench/staff/templates/new"
CREATE = "/bench/staff/templates"


def template_form(**overrides: str) -> dict[str, str]:
    return {
        "title": f"Szkoły {uuid.uuid4().hex[:6]}",
        "language": "pl",
        "topic": "education",
        "text": "Dziękujemy za pytanie o lekcje polskiego w szkołach.",
        "text__pl": "",
        "text__en": "",
        "text__uk": "",
        **overrides,
    }


async def stored(platform: RunningPlatform, title: str) -> list[dict]:
    rows = await platform.runtime.pool("participation").fetch(
        "select id, language, text, text_i18n from bench_answer_templates where title = $1", title
    )
    return [dict(r) for r in rows]


def answer_text(page: str) -> str:
    found = re.search(r'<textarea[^>]*id="text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no answer form"
    return html.unescape(found.group(1)).strip()


def answer_language(page: str) -> str:
    found = re.search(r'<select[^>]*id="language"[^>]*>(.*?)</select>', page, re.S)
    assert found, "no language choice"
    chosen = re.search(r'<option value="(\w+)" selected', found.group(1))
    assert chosen, found.group(1)
    return chosen.group(1)


async def test_a_polish_template_gives_its_ukrainian_version_to_a_ukrainian_question(
    platform: RunningPlatform,
) -> None:
    form = template_form(
        text__uk="Дякуємо за запитання про уроки польської мови в школах.",
        text__en="  ",
    )
    async with signed_in(platform, "coordinator") as coordinator:
        page = await coordinator.get(NEW)
        assert 'name="text__uk"' in page.text and 'name="text__pl"' not in page.text
        sent = await coordinator.post(CREATE, data={"_csrf_token": csrf_of(page), **form})
        assert sent.status_code == 303, sent.text
        listing = await coordinator.get("/bench/staff/templates?language=uk")
        assert form["title"] in listing.text  # offered for Ukrainian: it has a version in it
        assert "Również w: Українська" in listing.text

    [row] = await stored(platform, form["title"])
    assert row["text_i18n"] == {"uk": "Дякуємо за запитання про уроки польської мови в школах."}

    edition = await new_edition(platform)
    uk_question = await ask(platform, edition["id"], language="uk", topic="education")
    be_question = await ask(platform, edition["id"], language="be", topic="education")
    async with signed_in(platform, "coordinator") as coordinator:
        page = await coordinator.get(f"/bench/staff/questions/{uk_question['id']}")
        assert f"{form['title']} (Українська)" in page.text
        chosen = await coordinator.get(
            f"/bench/staff/questions/{uk_question['id']}", params={"template": str(row["id"])}
        )
        assert answer_text(chosen.text) == row["text_i18n"]["uk"]
        assert answer_language(chosen.text) == "uk"

        # A Belarusian question: no Belarusian version, so the Polish original.
        chosen = await coordinator.get(
            f"/bench/staff/questions/{be_question['id']}", params={"template": str(row["id"])}
        )
        assert answer_text(chosen.text) == form["text"]
        assert answer_language(chosen.text) == "pl"


async def test_a_too_long_version_is_refused_and_nothing_is_saved(
    platform: RunningPlatform,
) -> None:
    form = template_form(language="uk", text="Дякуємо за ваше запитання.", text__pl="x" * 10001)
    async with signed_in(platform, "coordinator", lang="en") as coordinator:
        page = await coordinator.get(NEW)
        refused = await coordinator.post(CREATE, data={"_csrf_token": csrf_of(page), **form})
        assert refused.status_code == 400
        assert "A translation can have at most 10000 characters" in refused.text
        assert 'href="#text__pl"' in refused.text
    assert await stored(platform, form["title"]) == []


async def test_the_api_takes_versions_and_lists_them_by_language(
    platform: RunningPlatform,
) -> None:
    title = f"Mieszkania {uuid.uuid4().hex[:6]}"
    created = await platform.client.post(
        "/api/bench/answer-templates",
        json={
            "title": title,
            "language": "uk",
            "text": "Дякуємо за запитання про житло.",
            "text_i18n": {"uk": "ignored: the original's language", "en": "Thank you, housing."},
        },
        headers=platform.auth("coordinator"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["text_i18n"] == {"en": "Thank you, housing."}
    listed = await platform.client.get(
        "/api/bench/answer-templates", params={"language": "en"}, headers=platform.auth("responder")
    )
    assert title in [t["title"] for t in listed.json()]
    listed = await platform.client.get(
        "/api/bench/answer-templates", params={"language": "pl"}, headers=platform.auth("responder")
    )
    assert title not in [t["title"] for t in listed.json()]
    bad = await platform.client.post(
        "/api/bench/answer-templates",
        json={"title": title, "language": "pl", "text": "Dziękujemy.", "text_i18n": {"de": "x"}},
        headers=platform.auth("coordinator"),
    )
    assert bad.status_code == 400


async def test_an_erasure_redacts_the_person_in_a_templates_versions(
    platform: RunningPlatform,
) -> None:
    from services.participation.bench import privacy
    from shared.privacy import Person

    edition = await new_edition(platform)
    address = f"olena-{uuid.uuid4().hex[:6]}@example.org"
    await ask(platform, edition["id"], email=address, name="Olena Kovalenko")
    title = f"Przykład {uuid.uuid4().hex[:6]}"
    created = await platform.client.post(
        "/api/bench/answer-templates",
        json={
            "title": title,
            "language": "pl",
            "text": "Dziękujemy za pytanie o kursy językowe.",
            "text_i18n": {
                "uk": "Як запитала Olena Kovalenko, курси безкоштовні.",
                "en": f"Write to {address} for details.",
            },
        },
        headers=platform.auth("coordinator"),
    )
    assert created.status_code == 201, created.text
    pool = platform.runtime.pool("participation")
    async with pool.acquire() as conn, conn.transaction():
        erased = await privacy.erase(conn, Person(email=address))
    assert erased.counts["bench_mentions_redacted"] >= 1
    [row] = await stored(platform, title)
    assert row["text_i18n"] == {
        "uk": "Як запитала [erased], курси безкоштовні.",
        "en": "Write to [erased] for details.",
    }
