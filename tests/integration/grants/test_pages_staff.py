"""The coordinator's call edit page over HTTP like a browser without JavaScript: the form shows
the call as published (money in złoty, times in Warsaw, each language's texts) and saving it
through `commands.update_call` keeps what the form does not show (objectives, eligible kinds,
the report's due day); once the call has opened the page only says it can no longer change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers.platform import RunningPlatform
from tests.integration.grants.helpers import new_call
from tests.integration.grants.page_helpers import Html, browser, post_form, principal


async def test_editing_an_announced_call_keeps_what_the_form_does_not_show(
    platform: RunningPlatform,
) -> None:
    opens = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    call_id = await new_call(
        platform,
        opens_at=opens.isoformat(),
        closes_in=10 * 86400,
        objectives=[3, 6],
        eligible_kinds=["minority_organisation"],
        report_due_on="2099-01-31",
        translations={"uk": {"title": "Гранти для інтеграції", "description": ""}},
        budget_total={"amount": 10_000_000, "currency": "PLN"},
        max_per_grant={"amount": 500_000, "currency": "PLN"},
    )
    path = f"/grants/coordinator/calls/{call_id}/edit"
    async with browser(platform, principal("coordinator")) as client:
        page = Html((await client.get(path)).text)
        assert (page.value("budget_total"), page.value("title__uk")) == (
            "100000.00",
            "Гранти для інтеграції",
        )
        form = {
            name: page.value(name)
            for name in (
                "title",
                "title__uk",
                "currency",
                "budget_total",
                "max_per_grant",
                "opens_at",
                "closes_at",
                "evaluators_per_application",
                "c0_key",
                "c0_name",
                "c0_weight",
                "c0_max",
                "c1_key",
                "c1_name",
                "c1_weight",
                "c1_max",
            )
        }
        saved = await post_form(client, path, {**form, "budget_total": "120 000,50"})
        assert saved.status_code == 303, saved.text
    call = (await platform.client.get(f"/api/grants/calls/{call_id}")).json()
    assert call["budget_total"] == {"amount": 12_000_050, "currency": "PLN"}
    assert (call["objectives"], call["eligible_kinds"], call["report_due_on"]) == (
        [3, 6],
        ["minority_organisation"],
        "2099-01-31",
    )
    assert call["opens_at"].startswith(opens.strftime("%Y-%m-%dT%H:%M"))
    assert call["translations"]["uk"]["title"] == "Гранти для інтеграції"

    opened = await new_call(platform)  # opened a day ago
    async with browser(platform, principal("coordinator")) as client:
        shown = Html((await client.get(f"/grants/coordinator/calls/{opened}/edit")).text)
    assert "nie można go zmienić" in shown.text("main")
