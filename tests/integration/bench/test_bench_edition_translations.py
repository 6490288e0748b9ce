"""An edition's title, venue and audience in the reader's language (issue 14): translations typed
on the coordinator's pages (or sent to the API) are saved and shown per language; an untranslated
text shows the Polish original marked `lang="pl"` with a visible note; a too-long translation is
refused with nothing saved; machine drafts come only with a translation provider (a real HTTP
server here), pre-fill the empty fields without saving anything, and a provider that is down
leaves the form working with a notice."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest

from tests.helpers.platform import RunningPlatform, running_platform, test_settings
from tests.helpers.server import free_port
from tests.helpers.translation_provider import translation_provider
from tests.integration.bench.bench_helpers import ask, body_text, mail_arrives, new_edition
from tests.integration.bench.test_bench_new_session_page import form as new_session_form
from tests.integration.bench.test_bench_staff_pages import csrf_of, signed_in

NEW = "/bench/staff/editions/new"
NOTE_UK = "(польською, ще не перекладено)"
NOTE_EN = "(in Polish, not translated yet)"
DRAFT_BUTTON = 'name="_action" value="draft"'


def texts_form(**overrides: str) -> dict[str, str]:
    return {
        "title": "Ławka Dialogu: zdrowie",
        "title__en": "",
        "title__uk": "",
        "venue": "Pałac Krzysztofory, Rynek Główny 35",
        "venue__en": "",
        "venue__uk": "",
        "audience": "mieszkańcy z zagranicy",
        "audience__en": "",
        "audience__uk": "",
        **overrides,
    }


async def stored(platform: RunningPlatform, edition_id: str) -> dict:
    row = await platform.runtime.pool("participation").fetchrow(
        "select title, venue, audience, title_i18n, venue_i18n, audience_i18n "
        "from bench_editions where id = $1",
        uuid.UUID(edition_id),
    )
    assert row is not None
    return dict(row)


async def page_in(platform: RunningPlatform, path: str, lang: str) -> str:
    resp = await platform.client.get(path, params={"lang": lang})
    assert resp.status_code == 200, resp.text
    return resp.text


def listed(page: str, edition_id: str) -> str:
    """The /bench list's entry of one edition."""
    found = re.search(rf'<li>\s*<h3><a href="/bench/editions/{edition_id}">.*?</li>', page, re.S)
    assert found, "the edition is not listed"
    return found.group(0)


async def test_translations_typed_on_the_new_session_page_are_shown_per_language(
    platform: RunningPlatform,
) -> None:
    title = f"Ławka Dialogu: szkoła {uuid.uuid4().hex[:6]}"
    async with signed_in(platform, "coordinator") as coordinator:
        page = await coordinator.get(NEW)
        assert 'name="title__en"' in page.text and 'name="audience__uk"' in page.text
        assert 'lang="uk"' in page.text  # each translation field says its language
        sent = await coordinator.post(
            NEW,
            data={
                "_csrf_token": csrf_of(page),
                **new_session_form(title=title),
                "title__en": f"Dialogue Bench: school {title[-6:]}",
                "title__uk": f"Лавка діалогу: школа {title[-6:]}",
                "venue__uk": "Багатокультурний центр, вул. Юзефінська 14",
                "audience__en": "  ",  # empty once trimmed: not a translation
            },
        )
        assert sent.status_code == 303, sent.text
        edition_id = sent.headers["location"].split("/")[4].split("?")[0]
        session = await coordinator.get(f"/bench/staff/editions/{edition_id}")
        assert re.search(r'id="edition-translations">[^<]*angielski', session.text)

    row = await stored(platform, edition_id)
    assert row["title"] == title
    assert row["title_i18n"] == {
        "en": f"Dialogue Bench: school {title[-6:]}",
        "uk": f"Лавка діалогу: школа {title[-6:]}",
    }
    assert row["venue_i18n"] == {"uk": "Багатокультурний центр, вул. Юзефінська 14"}
    assert row["audience_i18n"] == {}

    # Ukrainian: title and venue translated (no note), the audience is the marked original.
    uk = await page_in(platform, f"/bench/editions/{edition_id}", "uk")
    assert f"<h1>Лавка діалогу: школа {title[-6:]}</h1>" in uk
    assert f"<title>Лавка діалогу: школа {title[-6:]}" in uk
    assert "<dd>Багатокультурний центр, вул. Юзефінська 14</dd>" in uk
    assert '<dd><span lang="pl">mieszkańcy z zagranicy i organizacje mniejszości</span>' in uk
    assert NOTE_UK in uk
    # English: the title translated, venue and audience the original marked Polish.
    en = await page_in(platform, f"/bench/editions/{edition_id}", "en")
    assert f"<h1>Dialogue Bench: school {title[-6:]}</h1>" in en
    assert '<dd><span lang="pl">Centrum Wielokulturowe, ul. Józefińska 14</span>' in en
    assert en.count(NOTE_EN) == 2
    # Polish: the original, unmarked, no note.
    pl = await page_in(platform, f"/bench/editions/{edition_id}", "pl")
    assert f"<h1>{title}</h1>" in pl and 'span lang="pl"' not in pl
    assert "nieprzetłumaczone" not in pl

    # The residents' list, in each language.
    entry = listed(await page_in(platform, "/bench", "uk"), edition_id)
    assert f"Лавка діалогу: школа {title[-6:]}</a>" in entry
    assert "Багатокультурний центр" in entry and NOTE_UK not in entry
    entry = listed(await page_in(platform, "/bench", "en"), edition_id)
    assert f"Dialogue Bench: school {title[-6:]}</a>" in entry
    assert '<span lang="pl">Centrum Wielokulturowe, ul. Józefińska 14</span>' in entry
    assert NOTE_EN in entry
    entry = listed(await page_in(platform, "/bench", "pl"), edition_id)
    assert f">{title}</a>" in entry and "lang=" not in entry

    # The API shows the translations too.
    api = (await platform.client.get(f"/api/bench/editions/{edition_id}")).json()
    assert api["title_i18n"]["uk"] == f"Лавка діалогу: школа {title[-6:]}"
    assert api["audience_i18n"] == {}


async def test_an_untranslated_edition_shows_the_marked_original_with_a_note(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform, title=f"Ławka bez tłumaczeń {uuid.uuid4().hex[:6]}")
    uk = await page_in(platform, f"/bench/editions/{edition['id']}", "uk")
    assert (
        f'<h1><span lang="pl">{edition["title"]}</span> <span class="content-note">{NOTE_UK}</span></h1>'
        in uk
    )
    en = listed(await page_in(platform, "/bench", "en"), edition["id"])
    assert (
        f'<span lang="pl">{edition["title"]}</span> <span class="content-note">{NOTE_EN}</span>'
        in en
    )


async def test_the_texts_page_saves_changes_and_refuses_a_too_long_translation(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform, title_i18n={"en": "Old English title"})
    path = f"/bench/staff/editions/{edition['id']}/texts"
    before = await stored(platform, edition["id"])
    async with signed_in(platform, "coordinator", lang="uk") as coordinator:
        session = await coordinator.get(f"/bench/staff/editions/{edition['id']}")
        assert f'href="{path}"' in session.text
        page = await coordinator.get(path)
        assert page.status_code == 200
        assert 'value="Old English title"' in page.text  # stored translations pre-fill the form
        assert DRAFT_BUTTON not in page.text  # no TRANSLATION_URL on this platform

        too_long = await coordinator.post(
            path,
            data={
                "_csrf_token": csrf_of(page),
                **texts_form(title__uk="Д" * 201, venue__en="Krzysztofory Palace"),
            },
        )
        assert too_long.status_code == 400
        assert "Переклад може містити щонайбільше 200 символів" in too_long.text
        assert 'href="#title__uk"' in too_long.text  # the summary leads to the field
        assert 'value="Krzysztofory Palace"' in too_long.text  # what was typed is kept
        assert await stored(platform, edition["id"]) == before  # nothing saved

        empty = await coordinator.post(
            path, data={"_csrf_token": csrf_of(page), **texts_form(title="  ")}
        )
        assert empty.status_code == 400
        assert await stored(platform, edition["id"]) == before

        saved = await coordinator.post(
            path,
            data={
                "_csrf_token": csrf_of(page),
                **texts_form(title__uk="Лавка діалогу: здоров'я", venue__en="Krzysztofory Palace"),
            },
        )
        assert saved.status_code == 303
        assert saved.headers["location"].endswith("?done=texts#done")
        done = await coordinator.get(saved.headers["location"])
        assert "Тексти та їхні переклади збережено." in done.text

    after = await stored(platform, edition["id"])
    assert after["title"] == "Ławka Dialogu: zdrowie"
    assert after["title_i18n"] == {"uk": "Лавка діалогу: здоров'я"}  # the emptied en is gone
    assert after["venue_i18n"] == {"en": "Krzysztofory Palace"}
    uk = await page_in(platform, f"/bench/editions/{edition['id']}", "uk")
    assert "<h1>Лавка діалогу: здоров&#39;я</h1>" in uk


async def test_the_api_takes_translations_and_refuses_bad_ones(platform: RunningPlatform) -> None:
    coordinator = platform.auth("coordinator")
    edition = await new_edition(
        platform, title_i18n={"uk": " Лавка "}, venue_i18n={"en": "Town Hall", "uk": ""}
    )
    assert edition["title_i18n"] == {"uk": "Лавка"}
    assert edition["venue_i18n"] == {"en": "Town Hall"}
    url = f"/api/bench/editions/{edition['id']}"
    for bad in (
        {"title_i18n": {"de": "Dialogbank"}},  # not a content language
        {"title_i18n": {"pl": "Ławka"}},  # the original's language
        {"venue_i18n": {"uk": "М" * 301}},
        {"title": "  "},
    ):
        refused = await platform.client.patch(url, json=bad, headers=coordinator)
        assert refused.status_code in (400, 422), (bad, refused.text)
    assert (await platform.client.get(url)).json()["venue_i18n"] == {"en": "Town Hall"}
    anonymous = await platform.client.patch(url, json={"audience_i18n": {"en": "Everyone"}})
    assert anonymous.status_code == 401

    changed = await platform.client.patch(
        url, json={"audience_i18n": {"en": "Everyone"}, "venue": "Ratusz"}, headers=coordinator
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["venue"] == "Ratusz" and body["title"] == edition["title"]
    assert body["title_i18n"] == {"uk": "Лавка"}  # not given: kept
    assert body["audience_i18n"] == {"en": "Everyone"}
    missing = await platform.client.patch(
        f"/api/bench/editions/{uuid.uuid4()}", json={"venue": "Ratusz"}, headers=coordinator
    )
    assert missing.status_code == 404


async def test_mail_and_tracking_name_the_edition_in_the_askers_language(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(
        platform,
        title="Ławka Dialogu: praca",
        title_i18n={"uk": "Лавка діалогу: робота", "en": "Dialogue Bench: work"},
    )
    asked = await ask(platform, edition["id"], language="uk")
    address = await platform.runtime.pool("participation").fetchval(
        "select asker_email from bench_questions where reference = $1", asked["reference"]
    )
    [ack] = await mail_arrives(platform, address)
    text = body_text(ack)
    assert "(Лавка діалогу: робота)" in text
    assert "Ławka Dialogu: praca" not in text

    # A Belarusian asker's mail is framed in English and Ukrainian: each names its own version.
    asked_be = await ask(platform, edition["id"], language="be")
    address_be = await platform.runtime.pool("participation").fetchval(
        "select asker_email from bench_questions where reference = $1", asked_be["reference"]
    )
    [ack_be] = await mail_arrives(platform, address_be)
    text_be = body_text(ack_be)
    assert "(Dialogue Bench: work)" in text_be and "(Лавка діалогу: робота)" in text_be

    track = await platform.client.get(
        "/bench/track",
        params={"reference": asked["reference"], "token": asked["tracking_token"], "lang": "uk"},
    )
    assert 'id="edition">Зустріч: Лавка діалогу: робота</p>' in track.text
    track_en = await platform.client.get(
        "/bench/track",
        params={"reference": asked["reference"], "token": asked["tracking_token"], "lang": "en"},
    )
    assert "Dialogue Bench: work" in track_en.text


async def test_the_confirmation_names_the_edition_in_the_readers_language(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(
        platform, title="Ławka: kultura", title_i18n={"uk": "Лавка: культура"}
    )
    async with httpx.AsyncClient(base_url=platform.base_url, cookies={"lang": "uk"}) as resident:
        page = await resident.get(f"/bench/editions/{edition['id']}")
        sent = await resident.post(
            f"/bench/editions/{edition['id']}/questions",
            data={
                "_csrf_token": csrf_of(page),
                "text": "Чи буде у місті більше українських вистав для дітей?",
                "topic": "culture",
                "language": "uk",
            },
        )
        assert sent.status_code == 200, sent.text
        assert 'id="edition">Зустріч: Лавка: культура</p>' in sent.text


async def test_no_draft_button_without_a_provider_and_a_draft_request_saves_nothing(
    platform: RunningPlatform,
) -> None:
    async with signed_in(platform, "coordinator", lang="en") as coordinator:
        page = await coordinator.get(NEW)
        assert DRAFT_BUTTON not in page.text
        count = await platform.runtime.pool("participation").fetchval(
            "select count(*) from bench_editions"
        )
        asked = await coordinator.post(
            NEW, data={"_csrf_token": csrf_of(page), "_action": "draft", **new_session_form()}
        )
        assert asked.status_code == 200
        assert 'id="draft-notice"' in asked.text
        assert "No machine drafts could be made" in asked.text
        assert (
            await platform.runtime.pool("participation").fetchval(
                "select count(*) from bench_editions"
            )
            == count
        )


@pytest.fixture
async def with_provider(servers, tmp_path: Path):
    """A platform process with TRANSLATION_URL pointing at a tiny real provider."""
    async with translation_provider() as provider:
        settings = test_settings(
            tmp_path,
            servers.database_url,
            servers.nats_url,
            servers.redis_url,
            translation_url=provider.url,
        )
        from services.registry import all_services

        async with running_platform(settings, all_services(), frozenset({"web"})) as running:
            yield running, provider


async def test_machine_drafts_fill_the_empty_translations_and_save_nothing(
    with_provider: tuple[RunningPlatform, object],
) -> None:
    platform, provider = with_provider
    count_sql = "select count(*) from bench_editions"
    pool = platform.runtime.pool("participation")
    async with signed_in(platform, "coordinator", lang="en") as coordinator:
        page = await coordinator.get(NEW)
        assert DRAFT_BUTTON in page.text
        before = await pool.fetchval(count_sql)
        drafted = await coordinator.post(
            NEW,
            data={
                "_csrf_token": csrf_of(page),
                "_action": "draft",
                **new_session_form(title="Ławka Dialogu: sport"),
                "title__uk": "Лавка діалогу: спорт",  # typed: never overwritten
            },
        )
        assert drafted.status_code == 200, drafted.text
        assert await pool.fetchval(count_sql) == before  # nothing saved
        assert 'value="[en] Ławka Dialogu: sport"' in drafted.text
        assert 'value="Лавка діалогу: спорт"' in drafted.text
        assert "[uk] Ławka Dialogu: sport" not in drafted.text
        assert 'value="[uk] Centrum Wielokulturowe, ul. Józefińska 14"' in drafted.text
        assert "Machine draft: check and correct it before saving." in drafted.text
        assert 'id="draft-notice"' not in drafted.text
        asked = [(r["q"], r["source"], r["target"]) for r in provider.requests]  # type: ignore[attr-defined]
        assert ("Ławka Dialogu: sport", "pl", "en") in asked
        assert ("Ławka Dialogu: sport", "pl", "uk") not in asked

        # Saved as the coordinator corrected it: what reaches residents is what was saved.
        saved = await coordinator.post(
            NEW,
            data={
                "_csrf_token": csrf_of(drafted),
                **new_session_form(title="Ławka Dialogu: sport"),
                "title__en": "Dialogue Bench: sport",
                "title__uk": "Лавка діалогу: спорт",
            },
        )
        assert saved.status_code == 303
        edition_id = saved.headers["location"].split("/")[4].split("?")[0]
        texts = f"/bench/staff/editions/{edition_id}/texts"
        page = await coordinator.get(texts)
        assert DRAFT_BUTTON in page.text
        drafted = await coordinator.post(
            texts,
            data={
                "_csrf_token": csrf_of(page),
                "_action": "draft",
                **texts_form(title="Ławka Dialogu: sport", title__en="Dialogue Bench: sport"),
            },
        )
        assert 'value="[uk] Pałac Krzysztofory, Rynek Główny 35"' in drafted.text
        assert 'value="Dialogue Bench: sport"' in drafted.text
    row = await stored(platform, edition_id)
    assert row["title_i18n"] == {"en": "Dialogue Bench: sport", "uk": "Лавка діалогу: спорт"}
    assert row["venue_i18n"] == {}  # the drafts were shown, not saved

    # An answer template's versions, drafted from its own language (Ukrainian here).
    async with signed_in(platform, "coordinator", lang="en") as coordinator:
        page = await coordinator.get("/bench/staff/templates/new")
        assert DRAFT_BUTTON in page.text
        title = f"Sport {uuid.uuid4().hex[:6]}"
        drafted = await coordinator.post(
            "/bench/staff/templates",
            data={
                "_csrf_token": csrf_of(page),
                "_action": "draft",
                "title": title,
                "language": "uk",
                "topic": "",
                "text": "Дякуємо за запитання про спорт.",
                "text__pl": "",
                "text__en": "Thank you for asking about sport.",
            },
        )
        assert drafted.status_code == 200
        assert ">[pl] Дякуємо за запитання про спорт.</textarea>" in drafted.text
        assert ">Thank you for asking about sport.</textarea>" in drafted.text
        assert ("Дякуємо за запитання про спорт.", "uk", "en") not in [
            (r["q"], r["source"], r["target"])
            for r in provider.requests  # type: ignore[attr-defined]
        ]
    assert (
        await pool.fetchval("select count(*) from bench_answer_templates where title = $1", title)
        == 0
    )


async def test_a_provider_that_is_down_leaves_the_form_working_with_a_notice(
    servers, tmp_path: Path
) -> None:
    settings = test_settings(
        tmp_path,
        servers.database_url,
        servers.nats_url,
        servers.redis_url,
        translation_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
    )
    from services.registry import all_services

    async with running_platform(settings, all_services(), frozenset({"web"})) as platform:
        async with signed_in(platform, "coordinator", lang="uk") as coordinator:
            page = await coordinator.get(NEW)
            assert DRAFT_BUTTON in page.text
            title = f"Ławka Dialogu: awaria {uuid.uuid4().hex[:6]}"
            drafted = await coordinator.post(
                NEW,
                data={
                    "_csrf_token": csrf_of(page),
                    "_action": "draft",
                    **new_session_form(title=title),
                },
            )
            assert drafted.status_code == 200
            assert 'id="draft-notice"' in drafted.text
            assert "Не вдалося підготувати машинні чернетки" in drafted.text
            assert f'value="{title}"' in drafted.text  # what was typed is kept
            assert "Машинна чернетка" not in drafted.text
            saved = await coordinator.post(
                NEW,
                data={"_csrf_token": csrf_of(drafted), **new_session_form(title=title)},
            )
            assert saved.status_code == 303
        assert (
            await platform.runtime.pool("participation").fetchval(
                "select count(*) from bench_editions where title = $1", title
            )
            == 1
        )
