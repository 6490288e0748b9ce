"""The coordinator's "suggest machine drafts" button against a real LibreTranslate-compatible
provider (tests/helpers/translation_provider.py) on a second platform process configured with
TRANSLATION_URL: drafts pre-fill only the empty translation fields, marked as drafts, and
nothing is saved until the coordinator saves; a failing provider leaves the form as typed;
without a provider the button is not there."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from services.registry import all_services
from tests.helpers.form_order import assert_save_comes_first
from tests.helpers.platform import RunningPlatform, running_platform, test_settings
from tests.helpers.translation_provider import TranslationProvider, translation_provider
from tests.integration.grants.page_helpers import Html, browser, post_form, principal
from tests.integration.grants.test_public_calls import call_form

DRAFT_HINT = "Machine draft: check and correct it before saving."


@contextlib.asynccontextmanager
async def platform_with(
    servers: Any, tmp: Path, provider: TranslationProvider
) -> AsyncIterator[RunningPlatform]:
    settings = test_settings(
        tmp / f"drafts-{uuid.uuid4().hex[:6]}",
        servers.database_url,
        servers.nats_url,
        servers.redis_url,
        translation_url=provider.url,
    )
    async with running_platform(settings, all_services(), frozenset({"web"})) as running:
        yield running


async def calls_count(platform: RunningPlatform) -> int:
    return int(await platform.runtime.pool("grants").fetchval("select count(*) from calls"))


async def test_drafts_fill_the_empty_translations_and_save_nothing(
    servers: Any, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    canned = {(f"Granty sąsiedzkie {tag}", "uk"): f"Сусідські гранти {tag}"}
    async with (
        translation_provider(canned=canned) as provider,
        platform_with(servers, tmp_path, provider) as platform,
        browser(platform, principal("coordinator")) as coordinator,
    ):
        page = Html((await coordinator.get("/grants/coordinator", params={"lang": "en"})).text)
        new_page = (await coordinator.get("/grants/coordinator")).text
        assert "Suggest machine drafts" in new_page
        assert_save_comes_first(new_page)  # Enter in a field publishes, never asks for drafts
        assert "title__uk" in page.by_id
        before = await calls_count(platform)
        typed = call_form(tag, title__en="Neighbourhood grants (typed)", _action="draft")
        drafted = await post_form(coordinator, "/grants/coordinator", typed)
        assert drafted.status_code == 200, drafted.text
        form = Html(drafted.text)
        # What the coordinator typed stays; the empty fields hold the provider's drafts.
        assert form.value("title__en") == "Neighbourhood grants (typed)"
        assert form.value("title__uk") == f"Сусідські гранти {tag}"
        assert form.value("c0_name__en") == "[en] Znaczenie dla programu"
        assert form.value("c1_name__uk") == "[uk] Wykonalność"
        assert form.value("description__en").startswith("[en] Wspieramy")
        assert DRAFT_HINT in form.text("title__uk-hint")
        assert DRAFT_HINT not in form.text("title__en-hint")
        assert form.value("title") == f"Granty sąsiedzkie {tag}"
        assert await calls_count(platform) == before  # a draft saves nothing
        # Polish is the original: it is never asked for; the typed English is not either.
        asked = {(r["q"], r["source"], r["target"]) for r in provider.requests}
        assert (f"Granty sąsiedzkie {tag}", "pl", "uk") in asked
        assert all(r["source"] == "pl" and r["target"] in ("en", "uk") for r in provider.requests)
        assert (f"Granty sąsiedzkie {tag}", "pl", "en") not in asked

        # Saving the form as shown (drafts corrected by a person) publishes those texts.
        fields = {
            name: form.value(name)
            for name in form.by_id
            if form.by_id[name].tag in ("input", "textarea")
            and form.by_id[name].attrs.get("type") not in ("checkbox", "hidden")
        }
        fields |= {"currency": "PLN", "title__uk": f"Сусідські гранти {tag} (перевірено)"}
        saved = await post_form(coordinator, "/grants/coordinator", fields)
        assert saved.status_code == 303, saved.text
        call_id = uuid.UUID(saved.headers["location"].rstrip("/").split("/")[-1])
        row = await platform.runtime.pool("grants").fetchrow(
            "select title_i18n from calls where id = $1", call_id
        )
        assert row["title_i18n"] == {
            "en": "Neighbourhood grants (typed)",
            "uk": f"Сусідські гранти {tag} (перевірено)",
        }
        edit = await coordinator.get(f"/grants/coordinator/calls/{call_id}/edit")
        assert edit.status_code == 200
        assert_save_comes_first(edit.text)


@pytest.mark.parametrize("trouble", ["failing", "wrong key"])
async def test_a_provider_that_fails_leaves_the_form_as_typed(
    servers: Any, tmp_path: Path, trouble: str
) -> None:
    tag = uuid.uuid4().hex[:6]
    options: dict[str, Any] = {"failing": True} if trouble == "failing" else {"api_key": "k"}
    async with (
        translation_provider(**options) as provider,
        platform_with(servers, tmp_path, provider) as platform,
        browser(platform, principal("coordinator")) as coordinator,
    ):
        drafted = await post_form(
            coordinator, "/grants/coordinator", call_form(tag, _action="draft"), lang="en"
        )
        assert drafted.status_code == 200, drafted.text
        form = Html(drafted.text)
        assert provider.requests  # it was asked
        assert form.value("title__uk") == "" and form.value("c0_name__en") == ""
        assert form.value("title") == f"Granty sąsiedzkie {tag}"
        assert DRAFT_HINT not in drafted.text


async def test_without_a_provider_there_is_no_draft_button(platform: RunningPlatform) -> None:
    async with browser(platform, principal("coordinator")) as coordinator:
        page = await coordinator.get("/grants/coordinator", params={"lang": "en"})
    assert page.status_code == 200
    assert 'value="draft"' not in page.text and "Suggest machine drafts" not in page.text
