"""The Observatory's publications in a real browser, without JavaScript: the coordinator signs in
by e-mail, adds a study with its PDF and a Ukrainian translation of the title and summary (a
missing file type explained first, beside its field); a visitor reading Ukrainian finds it from
the front page by a Ukrainian word, reads it in Ukrainian and downloads the PDF. axe-core
(WCAG 2.1 AA) checks every page both of them saw."""

from __future__ import annotations

import uuid

from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import COORDINATOR_EMAIL, RunningPlatform
from tests.helpers.signin import sign_in_by_email

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def test_the_coordinator_publishes_and_a_ukrainian_reader_finds_it(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    word = uuid.uuid4().hex[:8]
    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(10000)
    await sign_in_by_email(page, platform, COORDINATOR_EMAIL, next="/observatory/staff")
    assert await page.locator("h1").inner_text() == "Publikacje Obserwatorium"
    assert await page.locator('header a[href="/observatory/staff"]').count() == 1
    await assert_accessible(page)

    async with page.expect_navigation():
        await page.get_by_role("link", name="Dodaj publikację").click()
    await assert_accessible(page)
    await page.get_by_label("Rodzaj").select_option("study")
    await page.get_by_label("Temat").select_option("housing")
    await page.get_by_label("Cel szczegółowy programu").select_option("1")
    await page.fill("#published_on", "2025-10-15")
    await page.fill("#title", f"Sytuacja mieszkaniowa cudzoziemców w Krakowie {word}")
    await page.fill("#title__uk", f"Житлова ситуація іноземців у Кракові {word}")
    await page.fill("#summary", "Badanie cen najmu i dyskryminacji na rynku mieszkań w Krakowie.")
    await page.fill("#summary__uk", "Дослідження цін на оренду та дискримінації на ринку житла.")
    # A file that is not a PDF first: said beside its field, what was typed kept.
    await page.set_input_files(
        "#document",
        files=[{"name": "raport.pdf", "mimeType": "application/pdf", "buffer": b"hello"}],
    )
    async with page.expect_navigation():
        await page.get_by_role("button", name="Opublikuj").click()
    assert "Wybierz plik PDF" in await page.inner_text("#document-error")
    assert await page.input_value("#title__uk") == f"Житлова ситуація іноземців у Кракові {word}"
    await assert_accessible(page)
    await page.set_input_files(
        "#document",
        files=[{"name": "mieszkania.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    async with page.expect_navigation():
        await page.get_by_role("button", name="Opublikuj").click()
    assert "Publikacja jest teraz publiczna." in await page.inner_text("#done")
    await assert_accessible(page)

    reader = await new_page(locale="uk", java_script_enabled=False)
    reader.set_default_timeout(10000)
    await reader.goto(f"{platform.base_url}/?lang=uk")
    async with reader.expect_navigation():
        await reader.get_by_role(
            "link", name="Обсерваторія мультикультурності та міграції: звіти та дослідження"
        ).click()
    assert await reader.locator("h1").inner_text() == "Обсерваторія мультикультурності та міграції"
    await assert_accessible(reader)
    await reader.get_by_label(
        "Шукати в назвах і резюме (польською, англійською чи українською)"
    ).fill(f"житлова {word}")
    await reader.get_by_label("Вид").select_option("study")
    async with reader.expect_navigation():
        await reader.get_by_role("button", name="Шукати").click()
    assert "Знайдено 1 публікацію" in await reader.inner_text("main")
    await assert_accessible(reader)
    async with reader.expect_navigation():
        await reader.get_by_role(
            "link", name=f"Житлова ситуація іноземців у Кракові {word}"
        ).click()
    assert await reader.locator("h1").inner_text() == f"Житлова ситуація іноземців у Кракові {word}"
    assert "Дослідження цін на оренду" in await reader.inner_text("main")
    await assert_accessible(reader)
    async with reader.expect_download() as download_info:
        await reader.get_by_role("link", name="Завантажити документ (PDF, 0.0 MiB)").click()
    download = await download_info.value
    assert download.suggested_filename == "mieszkania.pdf"
