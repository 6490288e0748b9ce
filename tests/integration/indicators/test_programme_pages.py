"""The coordinator's pages of the programme's year (real servers, no JavaScript): tasks by
objective with filters, a task's note form (refusals next to the field, the status changed),
the risk table with a raised risk, the report with its narrative, approval behind a
confirmation, the PDF; in Polish, English and Ukrainian; other roles refused."""

from __future__ import annotations

import html

import pytest

from tests.helpers.platform import RunningPlatform
from tests.integration.bench.test_bench_staff_pages import csrf_of, signed_in

YEAR = 2048


@pytest.mark.parametrize(
    ("lang", "heading"),
    [("pl", "Zadania Programu"), ("en", "Programme tasks"), ("uk", "Завдання Програми")],
)
async def test_the_tasks_page_speaks_each_language(
    platform: RunningPlatform, lang: str, heading: str
) -> None:
    async with signed_in(platform, "coordinator", lang=lang) as browser:
        page = await browser.get("/programme/tasks")
        assert page.status_code == 200, page.text
        assert f"<h1>{heading}</h1>" in page.text
        assert 'href="/programme/tasks"' in page.text  # in the header's areas


async def test_filters_a_note_and_a_status_change(platform: RunningPlatform) -> None:
    async with signed_in(platform, "coordinator", "coordinator-pages", lang="en") as browser:
        four = await browser.get("/programme/tasks?objective=4&status=")
        assert four.status_code == 200
        assert "Krakow Ambassador of Multiculturalism" in four.text
        assert "welcome package" not in four.text  # objective 1's task is filtered out
        assert 'id="objective-1"' not in four.text
        of_2024 = await browser.get("/programme/tasks?year=2024&objective=2")
        assert "separate unit in the Office" in of_2024.text
        of_2030 = await browser.get("/programme/tasks?year=2030&objective=2")
        assert "separate unit in the Office" not in of_2030.text  # its deadline was 2024

        tasks = (
            await platform.client.get("/api/programme/tasks", headers=platform.auth("coordinator"))
        ).json()["tasks"]
        task = next(t for t in tasks if t["objective"] == 4 and t["number"] == 4)
        url = f"/programme/tasks/{task['id']}"
        page = await browser.get(url)
        assert page.status_code == 200
        csrf = csrf_of(page)
        refused = await browser.post(
            f"{url}/notes", data={"_csrf_token": csrf, "text": "  ", "status": ""}
        )
        assert refused.status_code == 400
        assert 'id="text-error"' in refused.text
        taken = await browser.post(
            f"{url}/notes",
            data={"_csrf_token": csrf, "text": "Three patronages granted", "status": "in_progress"},
        )
        assert taken.status_code == 303 and taken.headers["location"].startswith(url)
        after = await browser.get(url)
        assert "Three patronages granted" in after.text
        assert 'id="task-status">in progress' in after.text
        missing = await browser.get("/programme/tasks/999999")
        assert missing.status_code == 404

        # Edit the task: a wrong deadline is said next to it; then taken.
        wrong = await browser.post(
            url,
            data={
                "_csrf_token": csrf,
                "title_pl": "Patronaty",
                "title_en": "Patronage",
                "units": "Kancelaria Prezydenta",
                "deadline": "31.12.2028",
            },
        )
        assert wrong.status_code == 400 and 'id="deadline-error"' in wrong.text
        edited = await browser.post(
            url,
            data={
                "_csrf_token": csrf,
                "title_pl": "Patronaty Prezydenta",
                "title_en": "The Mayor's patronage",
                "units": "Kancelaria Prezydenta",
                "deadline": "2028-12-31",
            },
        )
        assert edited.status_code == 303
        shown = await browser.get(url)
        assert "The Mayor&#39;s patronage" in shown.text and "2028-12-31" in shown.text

        # A new task from the list's form: refused without a title and an objective, then added.
        refused_new = await browser.post(
            "/programme/tasks",
            data={"_csrf_token": csrf, "objective": "", "title_pl": "", "units": "x"},
        )
        assert refused_new.status_code == 400
        assert (
            'id="objective-error"' in refused_new.text and 'id="title_pl-error"' in refused_new.text
        )
        added = await browser.post(
            "/programme/tasks",
            data={
                "_csrf_token": csrf,
                "objective": "5",
                "title_pl": "Warsztaty dla rodziców",
                "title_en": "Workshops for parents",
                "units": "Wydział Edukacji",
                "deadline": "",
            },
        )
        assert added.status_code == 303
        new_page = await browser.get(added.headers["location"])
        assert "Workshops for parents" in new_page.text
        assert "every year (continuous action)" in new_page.text
        overdue_only = await browser.get("/programme/tasks?overdue=1")
        assert overdue_only.status_code == 200


async def test_risks_report_narrative_approval_and_pdf(platform: RunningPlatform) -> None:
    async with signed_in(platform, "coordinator", "coordinator-pages", lang="en") as browser:
        risks = await browser.get(f"/programme/risks?year={YEAR}")
        assert risks.status_code == 200
        row = risks.text[risks.text.index('data-risk="4"') :]
        row = row[: row.index("</tr>")]
        assert "raised" in row and "not raised" not in row

        report = await browser.get(f"/programme/report/{YEAR}")
        assert report.status_code == 200
        csrf = csrf_of(report)
        too_long = await browser.post(
            f"/programme/report/{YEAR}/narrative",
            data={"_csrf_token": csrf, "narrative_2_en": "x" * 20001},
        )
        assert too_long.status_code == 400 and 'id="narrative_2_en-error"' in too_long.text
        saved = await browser.post(
            f"/programme/report/{YEAR}/narrative",
            data={
                "_csrf_token": csrf,
                "narrative_2_en": "The Bench met four times.",
                "narrative_2_pl": "Ławka spotkała się cztery razy.",
            },
        )
        assert saved.status_code == 303
        printable = await browser.get(f"/programme/report/{YEAR}/print?lang=pl")
        assert "Ławka spotkała się cztery razy." in printable.text

        confirm = await browser.get(f"/programme/report/{YEAR}/approve")
        assert confirm.status_code == 200 and 'name="confirm" value="yes"' in confirm.text
        not_confirmed = await browser.post(
            f"/programme/report/{YEAR}/approve", data={"_csrf_token": csrf}
        )
        assert not_confirmed.status_code == 303
        assert (
            await platform.runtime.pool("indicators").fetchval(
                "select count(*) from approved_reports where year = $1", YEAR
            )
        ) == 0
        approved = await browser.post(
            f"/programme/report/{YEAR}/approve", data={"_csrf_token": csrf, "confirm": "yes"}
        )
        assert approved.status_code == 303
        again = await browser.post(
            f"/programme/report/{YEAR}/approve", data={"_csrf_token": csrf, "confirm": "yes"}
        )
        assert again.status_code == 409
        frozen = await browser.post(
            f"/programme/report/{YEAR}/narrative",
            data={"_csrf_token": csrf, "narrative_2_en": "changed"},
        )
        assert frozen.status_code == 409
        pdf = await browser.get(f"/programme/report/{YEAR}/pdf?lang=en")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        public = await platform.client.get(f"/indicators/programme-report/{YEAR}?lang=en")
        assert "The Bench met four times." in html.unescape(public.text)


@pytest.mark.parametrize(
    "path", ["/programme/tasks", "/programme/risks", f"/programme/report/{YEAR}"]
)
async def test_other_roles_are_refused(platform: RunningPlatform, path: str) -> None:
    async with signed_in(platform, "responder") as browser:
        assert (await browser.get(path)).status_code == 403
    assert (await platform.client.get(path)).status_code in (302, 303, 401)


async def test_tasks_and_risks_in_ukrainian_with_the_polish_original_as_fallback(
    platform: RunningPlatform,
) -> None:
    coordinator = platform.auth("coordinator")
    # A task added with a Polish title only: Ukrainian readers see it in Polish, marked.
    resp = await platform.client.post(
        "/api/programme/tasks",
        json={"objective": 3, "title": "Spacer bez przekładu", "units": "NGO"},
        headers=coordinator,
    )
    assert resp.status_code == 201, resp.text
    bare = resp.json()
    assert bare["title_uk"] is None
    resp = await platform.client.post(
        "/api/programme/tasks",
        json={
            "objective": 3,
            "title": "Spacer z przekładem",
            "title_en": "A walk, translated",
            "title_uk": "Прогулянка з перекладом",
            "units": "NGO",
        },
        headers=coordinator,
    )
    assert resp.status_code == 201, resp.text
    full = resp.json()

    listing = await platform.client.get("/api/programme/tasks?lang=uk", headers=coordinator)
    titles = {t["id"]: t["title"] for t in listing.json()["tasks"]}
    assert titles[bare["id"]] == "Spacer bez przekładu"
    assert titles[full["id"]] == "Прогулянка з перекладом"
    assert any(t.startswith("Конкурс на звання «Краківський амбасадор") for t in titles.values())

    async with signed_in(platform, "coordinator", lang="uk") as browser:
        page = await browser.get("/programme/tasks?objective=4&status=")
        assert "Краківський амбасадор мультикультурності" in page.text
        assert "Krakow Ambassador" not in page.text  # no longer the English title
        untranslated = await browser.get(f"/programme/tasks/{bare['id']}")
        assert '<span lang="pl">Spacer bez przekładu</span>' in untranslated.text
        assert "польською, ще не перекладено" in untranslated.text
        translated = await browser.get(f"/programme/tasks/{full['id']}")
        assert "Прогулянка з перекладом</h1>" in translated.text
        risks = await browser.get("/programme/risks")
        assert "Недостатні фінансові ресурси" in risks.text
        assert "Запобігання (аналіз потреб, фінансові плани)" in risks.text
    async with signed_in(platform, "coordinator", lang="en") as browser:
        english = await browser.get(f"/programme/tasks/{bare['id']}")
        # Added without an English title: the Polish one stands in for it (as before).
        assert "Spacer bez przekładu</h1>" in english.text
        risks = await browser.get("/programme/risks")
        assert "Insufficient financial resources" in risks.text

    # The edit form keeps, changes or clears the Ukrainian title.
    async with signed_in(platform, "coordinator", lang="uk") as browser:
        url = f"/programme/tasks/{bare['id']}"
        form = await browser.get(url)
        assert 'name="title_uk"' in form.text
        edited = await browser.post(
            url,
            data={
                "_csrf_token": csrf_of(form),
                "title_pl": "Spacer bez przekładu",
                "title_en": "A walk",
                "title_uk": "Прогулянка",
                "units": "NGO",
                "deadline": "",
            },
        )
        assert edited.status_code == 303, edited.text
        assert "Прогулянка</h1>" in (await browser.get(url)).text
