"""Issue 14 for the small grants, over HTTP against the running platform: call texts in pl/en/uk
typed on the coordinator's form and shown to each reader in their language (the untranslated
original marked with its `lang` and a note), the public calls and awards without signing in,
and the open data of the awards and calls (nothing about people)."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec

from services.grants import commands
from services.grants.schemas import ApplicationIn, CallIn
from shared.auth import Principal
from tests.helpers.platform import RunningPlatform
from tests.integration.grants.helpers import (
    CRITERIA,
    application_body,
    award_as_the_city,
    eur,
    new_call,
    new_organisation,
    submitted_application,
)
from tests.integration.grants.page_helpers import Html, browser, post_form, principal, spaced

DOCS = Path(__file__).resolve().parents[3] / "docs" / "personal-data.md"


def warsaw_field(moment: datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Warsaw")).strftime("%Y-%m-%dT%H:%M")


def call_form(tag: str, **fields: str) -> dict[str, str]:
    opens = datetime.now(UTC) + timedelta(days=2)
    return {
        "title": f"Granty sąsiedzkie {tag}",
        "description": "Wspieramy projekty integracyjne.\n\nDrugi akapit opisu.",
        "currency": "PLN",
        "budget_total": "100000",
        "max_per_grant": "5000",
        "opens_at": warsaw_field(opens),
        "closes_at": warsaw_field(opens + timedelta(days=14)),
        "evaluators_per_application": "2",
        "c0_key": "relevance",
        "c0_name": "Znaczenie dla programu",
        "c0_weight": "2",
        "c0_max": "10",
        "c1_key": "feasibility",
        "c1_name": "Wykonalność",
        "c1_weight": "1",
        "c1_max": "5",
        **fields,
    }


async def anonymous_page(platform: RunningPlatform, path: str, lang: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as visitor:
        return await visitor.get(path, params={"lang": lang})


def main_of(page: str) -> str:
    return page[page.index('<main id="main"') : page.index("</main>")]


async def test_call_texts_typed_in_three_languages_reach_each_reader_in_theirs(
    platform: RunningPlatform,
) -> None:
    tag = uuid.uuid4().hex[:6]
    form = call_form(
        tag,
        title__uk=f"Сусідські гранти {tag}",
        description__en="We support inclusion projects.\n\nA second paragraph.",
        c0_name__uk="Значення для програми",
        c0_name__en="Relevance to the programme",
    )
    async with browser(platform, principal("coordinator")) as coordinator:
        created = await post_form(coordinator, "/grants/coordinator", form)
        assert created.status_code == 303, created.text
        call_id = created.headers["location"].rstrip("/").split("/")[-1]
        # The edit form shows each version in its own field, as the kit names them.
        edit = Html((await coordinator.get(f"/grants/coordinator/calls/{call_id}/edit")).text)
        assert edit.value("title__uk") == f"Сусідські гранти {tag}"
        assert edit.value("title__en") == ""
        assert edit.value("c0_name__en") == "Relevance to the programme"
        assert edit.by_id["title__uk"].attrs.get("lang") == "uk"

    row = await platform.runtime.pool("grants").fetchrow(
        "select title_i18n, description_i18n from calls where id = $1", uuid.UUID(call_id)
    )
    assert row["title_i18n"] == {"uk": f"Сусідські гранти {tag}"}
    assert row["description_i18n"] == {
        "en": "We support inclusion projects.\n\nA second paragraph."
    }
    # The API's call carries the versions (and the older `translations` shape still).
    api = (await platform.client.get(f"/api/grants/calls/{call_id}")).json()
    assert api["title_i18n"] == {"uk": f"Сусідські гранти {tag}"}
    assert api["criteria"][0]["name_i18n"] == {
        "en": "Relevance to the programme",
        "uk": "Значення для програми",
    }
    assert api["criteria"][1]["name_i18n"] == {}
    assert api["translations"]["uk"]["title"] == f"Сусідські гранти {tag}"

    # Ukrainian: the title and the first criterion in Ukrainian, unmarked; the description and
    # the second criterion are the Polish originals, marked lang="pl" with a note in Ukrainian.
    uk = await anonymous_page(platform, f"/grants/calls/{call_id}", "uk")
    assert uk.status_code == 200, uk.text
    main = main_of(uk.text)
    assert f"<h1>Сусідські гранти {tag}</h1>" in main
    assert '<div class="content-block" lang="pl">' in main
    assert (
        "<p>Wspieramy projekty integracyjne.</p>" in main and "<p>Drugi akapit opisu.</p>" in main
    )
    assert "польською, ще не перекладено" in main
    assert "<td>Значення для програми</td>" in main
    assert '<span lang="pl">Wykonalność</span>' in main
    # English: the title is the Polish original, marked; the description in English.
    en = main_of((await anonymous_page(platform, f"/grants/calls/{call_id}", "en")).text)
    assert f'<h1><span lang="pl">Granty sąsiedzkie {tag}</span>' in en
    assert "(in Polish, not translated yet)" in en
    assert "<p>We support inclusion projects.</p>" in en and "Wspieramy" not in en
    # Polish: the originals, nothing marked.
    pl = main_of((await anonymous_page(platform, f"/grants/calls/{call_id}", "pl")).text)
    assert f"<h1>Granty sąsiedzkie {tag}</h1>" in pl and 'lang="pl"' not in pl
    assert "nieprzetłumaczone" not in pl

    # The list of calls shows the reader's title too: upcoming, in Ukrainian.
    listed = main_of((await anonymous_page(platform, "/grants/calls", "uk")).text)
    upcoming = listed[listed.index('id="calls-announced"') : listed.index('id="calls-closed"')]
    assert f'<a href="/grants/calls/{call_id}">Сусідські гранти {tag}</a>' in upcoming


async def test_a_translation_too_long_is_refused_at_its_field_and_nothing_is_saved(
    platform: RunningPlatform,
) -> None:
    tag = uuid.uuid4().hex[:6]
    before = await platform.runtime.pool("grants").fetchval("select count(*) from calls")
    async with browser(platform, principal("coordinator")) as coordinator:
        refused = await post_form(
            coordinator,
            "/grants/coordinator",
            call_form(tag, title__en="x" * 201, c1_name__uk="я"),
            lang="en",
        )
    assert refused.status_code == 400
    page = Html(refused.text)
    assert "#title__en" in page.summary and "#c1_name__uk" in page.summary
    assert page.field_error("title__en")
    assert page.value("title__en") == "x" * 201  # what was typed stays
    after = await platform.runtime.pool("grants").fetchval("select count(*) from calls")
    assert after == before


async def test_ngo_pages_show_the_call_in_the_readers_language_or_mark_the_original(
    platform: RunningPlatform,
) -> None:
    tag = uuid.uuid4().hex[:6]
    call_id = await new_call(
        platform,
        title=f"Granty dla sąsiadów {tag}",
        description="Opis tylko po polsku.",
        title_i18n={"uk": f"Гранти для сусідів {tag}"},
        criteria=[{**CRITERIA[0], "name_i18n": {"uk": "Значення"}}, CRITERIA[1]],
    )
    org_id, _ = await new_organisation(platform)
    async with browser(platform, principal("ngo", org=org_id)) as ngo:
        home = main_of((await ngo.get("/grants", params={"lang": "uk"})).text)
        apply = main_of((await ngo.get(f"/grants/calls/{call_id}/apply")).text)
        home_en = main_of((await ngo.get("/grants", params={"lang": "en"})).text)
    assert f'<a href="/grants/calls/{call_id}/apply">Гранти для сусідів {tag}</a>' in home
    assert '<a href="/grants/calls">' in home  # the public list of every call
    assert f"<strong>Гранти для сусідів {tag}</strong>" in apply
    assert '<div class="content-block" lang="pl">' in apply and "Opis tylko po polsku." in apply
    assert "<li>Значення (" in apply
    assert '<span lang="pl">Feasibility and budget</span>' in apply
    # English has no version of the title: the Polish one, marked, with the note.
    assert (
        f'<a href="/grants/calls/{call_id}/apply"><span lang="pl">Granty dla sąsiadów {tag}</span>'
        in home_en
    )


async def decided_call(platform: RunningPlatform, tag: str) -> dict[str, Any]:
    """A call decided through the use cases: one awarded application, one draft never
    submitted, one withdrawn; returns the ids and names."""
    runtime = platform.runtime
    now = datetime.now(UTC)
    body = {
        "title": f"Granty rozstrzygnięte {tag}",
        "title_i18n": {"uk": f"Вирішені гранти {tag}"},
        "budget_total": eur(900_000),
        "max_per_grant": eur(300_000),
        "opens_at": (now - timedelta(days=2)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "criteria": CRITERIA,
    }
    coordinator = Principal(subject="coordinator-public", roles=("coordinator",))
    call = await commands.create_call(runtime, coordinator, msgspec.convert(body, CallIn))
    call_id = str(call.id)  # type: ignore[union-attr]
    awarded_org, awarded = await new_organisation(platform)
    await platform.runtime.pool("grants").execute(
        "update organisations set name = $2, phone = '+48 600 100 200' where id = $1",
        uuid.UUID(awarded_org),
        f"Fundacja Jawna {tag}",
    )
    winner = await submitted_application(platform, call_id, awarded)
    await platform.runtime.pool("grants").execute(
        "update applications set title = $2 where id = $1",
        uuid.UUID(winner),
        f"Warsztaty sąsiedzkie {tag}",
    )
    draft_org, drafting = await new_organisation(platform)
    draft_body = application_body(200_000) | {"title": f"Szkic niezłożony {tag}"}
    draft = await commands.create_application(
        runtime,
        Principal(subject="x", roles=("ngo",), org=uuid.UUID(draft_org)),
        call.id,  # type: ignore[union-attr]
        msgspec.convert(draft_body, ApplicationIn),
    )
    assert draft is not None and drafting
    await award_as_the_city(platform, call_id, [winner], now=now + timedelta(hours=2))
    emails = [
        r["email"]
        for r in await platform.runtime.pool("grants").fetch(
            "select email from organisations where id = any($1::uuid[])",
            [uuid.UUID(awarded_org), uuid.UUID(draft_org)],
        )
    ]
    return {"call_id": call_id, "winner": winner, "emails": emails, "org": awarded_org}


async def test_a_decided_call_shows_its_awards_to_anyone_and_nothing_else(
    platform: RunningPlatform,
) -> None:
    tag = uuid.uuid4().hex[:6]
    decided = await decided_call(platform, tag)
    call_id = decided["call_id"]
    for path in ("/grants/calls", f"/grants/calls/{call_id}"):
        answer = await anonymous_page(platform, path, "pl")
        assert answer.status_code == 200, (path, answer.status_code)
        main = main_of(answer.text)
        if path == "/grants/calls":
            main = main[main.index('id="calls-decided"') :]
            assert f'<a href="/grants/calls/{call_id}">Granty rozstrzygnięte {tag}</a>' in main
        row = re.search(rf"<tr><td>Fundacja Jawna {tag}</td>.*?</tr>", main, re.S)
        assert row, main
        assert f"<td>Warsztaty sąsiedzkie {tag}</td>" in row.group(0)
        assert '<td class="numeric">3 000,00 €</td>' in spaced(row.group(0))  # grosze → euro
        # Never a draft, an address, a phone number.
        assert f"Szkic niezłożony {tag}" not in main
        assert "+48 600" not in main and "@" not in main
        for email in decided["emails"]:
            assert email not in answer.text
    # In Ukrainian, the decided call's page is in Ukrainian and says "decided".
    uk = main_of((await anonymous_page(platform, f"/grants/calls/{call_id}", "uk")).text)
    assert f"<h1>Вирішені гранти {tag}</h1>" in uk and "Вирішені" in uk
    assert "Надані гранти" in uk


async def test_an_unknown_call_is_not_found_and_the_apply_form_still_needs_signing_in(
    platform: RunningPlatform,
) -> None:
    missing = await anonymous_page(platform, f"/grants/calls/{uuid.uuid4()}", "en")
    assert missing.status_code == 404
    call_id = await new_call(platform)
    apply = await anonymous_page(platform, f"/grants/calls/{call_id}/apply", "en")
    assert apply.status_code in (303, 401)
    page = main_of((await anonymous_page(platform, f"/grants/calls/{call_id}", "en")).text)
    assert f'href="/grants/calls/{call_id}/apply"' in page  # open: the form, after signing in
    assert 'href="/grants/register"' in page and 'href="/auth/sign-in"' in page


def documented_columns() -> set[tuple[str, str]]:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Open data") :]
    return {
        (cells[0], cells[1])
        for line in section.splitlines()
        if line.startswith("|")
        and len(cells := [c.strip() for c in line.strip("|").split("|")]) >= 4
        and cells[0] not in ("dataset", "---")
    }


async def test_open_data_holds_the_awards_and_calls_without_anything_about_people(
    platform: RunningPlatform,
) -> None:
    from services.grants.open_data import DATASETS

    tag = uuid.uuid4().hex[:6]
    decided = await decided_call(platform, tag)
    documented = documented_columns()
    for dataset in DATASETS:
        for column in dataset.columns:
            assert (dataset.id, column.name) in documented, (dataset.id, column.name)

    awards = await platform.client.get("/open-data/grant-awards.json")
    assert awards.status_code == 200, awards.text
    body = awards.json()
    assert body["license"] == "https://creativecommons.org/licenses/by/4.0/"
    mine = [i for i in body["items"] if i["call_id"] == decided["call_id"]]
    assert len(mine) == 1  # the draft never submitted is not an award
    item = mine[0]
    assert item["organisation_name"] == f"Fundacja Jawna {tag}"
    assert item["project_title"] == f"Warsztaty sąsiedzkie {tag}"
    assert (item["amount_minor"], item["currency"], item["rank"]) == (300_000, "EUR", 1)
    assert item["decided_on"] and item["year"] >= 2026
    assert len(item["organisation_nip"]) == 10
    calls = (await platform.client.get("/open-data/grant-calls.json")).json()["items"]
    call = next(c for c in calls if c["call_id"] == decided["call_id"])
    assert (call["awards"], call["awarded_minor"], call["applications"]) == (1, 300_000, 1)
    assert call["title_uk"] == f"Вирішені гранти {tag}" and call["title_en"] is None

    csv_text = (await platform.client.get("/open-data/grant-awards.csv")).text
    header = next(csv.reader(io.StringIO(csv_text)))
    assert header == [c.name for c in DATASETS[0].columns]
    everything = (
        awards.text + csv_text + (await platform.client.get("/open-data/grant-calls.csv")).text
    )
    # Nothing about people: no address, phone, representative or evaluator.
    assert "@" not in everything and "+48 600" not in everything
    for email in decided["emails"]:
        assert email not in everything
    people = await platform.runtime.pool("grants").fetch(
        "select name from representatives where name is not null union select name from evaluators"
    )
    for person in people:
        assert person["name"] not in everything, person["name"]
    catalogue = (await platform.client.get("/open-data/catalog.jsonld")).json()
    ids = {d["dct:identifier"] for d in catalogue["dcat:dataset"]}
    assert {"grant-awards", "grant-calls"} <= ids
