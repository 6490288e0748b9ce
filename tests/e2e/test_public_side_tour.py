"""Issue 14's walk through the public side: a visitor with no account, in Polish, English and
Ukrainian, without JavaScript, finds an answered Bench question by a word typed in another
language's script and opens it and its feed; then opens a grant call and its awards, the next
council meeting and its agenda, the laureates and the programme's indicators. Every page passes
axe (WCAG 2.1 AA)."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

from services.ambassadors.commands import laureates
from tests.e2e.conftest import NewPage, assert_accessible
from tests.e2e.test_ambassadors_public_page import past_edition_with_laureates
from tests.e2e.test_bench_archive import published_question
from tests.e2e.test_council_public_record import _record as council_record
from tests.e2e.test_grants_public_calls import a_decided_call
from tests.helpers.platform import RunningPlatform

# What each reader types: a word of the question in the script of another language (the
# question is Polish with a Ukrainian translation).
SEARCH = {"pl": "Сонечко{tag}", "en": "Сонечко{tag}", "uk": "Słoneczko{tag}"}
SEARCH_BUTTON = {"pl": "Szukaj", "en": "Search", "uk": "Пошук"}


async def _go(page: Any, selector: str) -> None:
    async with page.expect_navigation():
        await page.locator(selector).first.click()
    await assert_accessible(page)


async def test_a_visitor_without_an_account_walks_the_public_side_in_each_language(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    question_id = await published_question(platform, tag)
    call_id, organisation = await a_decided_call(platform, tag)
    council = await council_record(platform, tag)
    edition, publication, _ = await past_edition_with_laureates(platform)
    link = urlparse(publication)
    nomination_id = link.path.split("/")[3]
    token = parse_qs(link.query)["token"][0]
    agreed = await laureates.decide_publication(
        platform.runtime,
        uuid.UUID(nomination_id),
        token,
        agree=True,
        name=f"Mariam {tag}",
        justification="Uczy dzieci z Syrii i Ukrainy gry na skrzypcach w Podgórzu.",
        language="pl",
    )
    assert agreed == "agreed"

    for lang in ("pl", "en", "uk"):
        page = await new_page(locale=lang, java_script_enabled=False)
        page.set_default_timeout(10000)
        await page.goto(f"{platform.base_url}/?lang={lang}")
        await assert_accessible(page)

        # The archive of answers: found by a word in another script, opened, its feed linked.
        await _go(page, "main a[href='/bench/answers']")
        feed = page.locator('link[rel="alternate"][type="application/atom+xml"]')
        feed_url = await feed.get_attribute("href")
        assert feed_url and "/bench/answers/feed.atom" in feed_url
        await page.locator("input[name=q]").fill(SEARCH[lang].format(tag=tag))
        async with page.expect_navigation():
            await page.get_by_role("button", name=SEARCH_BUTTON[lang]).click()
        await assert_accessible(page)
        await _go(page, f"a[href='/bench/answers/{question_id}']")
        assert f"{tag}" in await page.locator("#question").inner_text()
        assert "zapisy trwają" in await page.locator("#answer").inner_text()
        subscribed = await platform.client.get(
            feed_url if feed_url.startswith("/") else urlparse(feed_url).path, params={"lang": lang}
        )
        assert subscribed.status_code == 200
        assert subscribed.headers["content-type"].startswith("application/atom+xml")
        assert f"/bench/answers/{question_id}" in subscribed.text

        # A grant call and its awards.
        await page.goto(f"{platform.base_url}/?lang={lang}")
        await _go(page, "main a[href='/grants/calls']")
        await _go(page, f"main a[href='/grants/calls/{call_id}']")
        assert organisation in await page.locator("main").inner_text()

        # The next council meeting and its agenda.
        await page.goto(f"{platform.base_url}/?lang={lang}")
        await _go(page, "main a[href='/council']")
        await _go(page, f"main a[href='/council/meetings/{council['next']}']")
        assert re.search(
            rf"(Tłumacze w szkołach|Перекладачі в школах) {tag}",
            await page.locator("main").inner_text(),
        )

        # The laureates who agreed to be named.
        await page.goto(f"{platform.base_url}/?lang={lang}")
        await _go(page, "main a[href='/ambassadors']")
        assert f"Mariam {tag}" in await page.locator(f"#laureates-{edition}").inner_text()

        # The programme's indicators.
        await page.goto(f"{platform.base_url}/?lang={lang}")
        await _go(page, "main a[href='/indicators']")
        assert await page.locator("main table").count() >= 6
