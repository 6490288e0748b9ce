"""A visitor with no account finds an answered Bench question in the public archive, in Polish
and in Ukrainian, without JavaScript: a Ukrainian word finds a Polish question through its
Ukrainian translation; the answer, not translated, shows in Polish with a note; the feed is
linked; axe finds no violation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform


async def published_question(platform: RunningPlatform, tag: str) -> str:
    coordinator = platform.auth("coordinator")
    edition = await platform.client.post(
        "/api/bench/editions",
        json={
            "title": f"Ławka Dialogu w Podgórzu {tag}",
            "held_on": (datetime.now(UTC) + timedelta(days=14)).date().isoformat(),
            "venue": "Centrum Wielokulturowe, ul. Józefińska 14",
            "audience": "wszyscy mieszkańcy",
            "submissions_close_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        },
        headers=coordinator,
    )
    assert edition.status_code == 201, edition.text
    asked = await platform.client.post(
        f"/api/bench/editions/{edition.json()['id']}/questions",
        json={
            "text": f"Czy przedszkole Słoneczko{tag} przyjmie we wrześniu dzieci z Ukrainy?",
            "topic": "education",
            "language": "pl",
            "publish": True,
        },
    )
    assert asked.status_code == 201, asked.text
    qid = asked.json()["id"]
    for url, body in (
        (f"/api/bench/questions/{qid}/moderation", {"decision": "accepted"}),
        (
            f"/api/bench/questions/{qid}/answer",
            {"text": "Tak, zapisy trwają do końca sierpnia w sekretariacie.", "language": "pl"},
        ),
    ):
        resp = await platform.client.post(url, json=body, headers=coordinator)
        assert resp.status_code == 200, resp.text
    resp = await platform.client.put(
        f"/api/bench/questions/{qid}/translations",
        json={"question": {"uk": f"Чи прийме дитсадок Сонечко{tag} у вересні дітей з України?"}},
        headers=coordinator,
    )
    assert resp.status_code == 200, resp.text
    return qid


async def test_a_visitor_finds_an_answer_in_ukrainian_and_in_polish(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    qid = await published_question(platform, tag)

    page = await new_page(locale="uk", java_script_enabled=False)
    page.set_default_timeout(8000)
    await page.goto(f"{platform.base_url}/bench?lang=uk")
    await page.get_by_role("link", name="Прочитайте відповіді на попередні запитання").click()
    assert "Відповіді Лавки діалогу" in await page.locator("h1").inner_text()
    feed = page.locator('link[rel="alternate"][type="application/atom+xml"]')
    assert "/bench/answers/feed.atom" in (await feed.get_attribute("href") or "")
    await assert_accessible(page)

    await page.get_by_label("Пошук").fill(f"СОНЕЧКО{tag}")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Пошук").click()
    assert "1 запитання з відповіддю" in await page.locator("#results").inner_text()
    await assert_accessible(page)
    await page.get_by_role("link", name=f"Чи прийме дитсадок Сонечко{tag}").click()
    assert f"Сонечко{tag}" in await page.locator("#question").inner_text()
    answer = page.locator("#answer")
    assert await answer.get_attribute("lang") == "pl"
    assert "zapisy trwają" in await answer.inner_text()
    assert "не перекладено" in await page.locator("main").inner_text()
    await assert_accessible(page)

    # In Polish, a word typed without its diacritics finds the original.
    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(8000)
    await page.goto(f"{platform.base_url}/bench/answers?lang=pl")
    await page.get_by_label("Szukaj").fill(f"sloneczko{tag} wrzesniu")
    await page.get_by_label("Temat").select_option("education")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Szukaj").click()
    link = page.get_by_role("link", name=f"Czy przedszkole Słoneczko{tag}")
    assert await link.get_attribute("href") == f"/bench/answers/{qid}"
    await assert_accessible(page)
    # A wrong filter is explained, not an error page.
    await page.goto(f"{platform.base_url}/bench/answers?lang=pl&topic=pogoda")
    assert "Wybierz jeden z tematów." in await page.locator(".error-summary").inner_text()
    await assert_accessible(page)
    feed_xml = await platform.client.get("/bench/answers/feed.atom", params={"lang": "uk"})
    assert feed_xml.headers["content-type"].startswith("application/atom+xml")
    assert f"Сонечко{tag}" in feed_xml.text
