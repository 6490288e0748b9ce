"""Machine drafts on the secretariat's forms (issue 14) with a LibreTranslate-compatible
provider (`TRANSLATION_URL`): a real HTTP server of the test's own answers `POST /translate`.
A draft pre-fills the empty translation fields, marked as a draft, and nothing is saved until a
person saves it; a provider that fails leaves the fields empty and the form working."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from litestar import Litestar, Response, post

from services.registry import all_services
from tests.conftest import Servers
from tests.helpers.form_order import assert_save_comes_first
from tests.helpers.platform import running_platform, test_settings
from tests.helpers.server import serve_app
from tests.integration.council.helpers import SECRETARY, meeting, open_call
from tests.integration.council.test_council_staff_pages import csrf_of, signed_in

asked: list[dict[str, Any]] = []


@post("/translate")
async def translate(data: dict[str, Any]) -> Response[dict[str, str]]:
    asked.append(data)
    if "awaria" in data["q"]:
        return Response({"error": "provider down"}, status_code=500)
    return Response({"translatedText": f"[{data['target']}] {data['q']}"}, status_code=200)


async def test_the_secretary_gets_machine_drafts_to_correct_and_nothing_is_saved_by_asking(
    servers: Servers, tmp_path: Path
) -> None:
    async with serve_app(Litestar([translate])) as provider:
        settings = test_settings(
            tmp_path / "drafts",
            servers.database_url,
            servers.nats_url,
            servers.redis_url,
            translation_url=provider,
        )
        async with (
            running_platform(settings, all_services(), frozenset({"web"})) as platform,
            signed_in(platform, SECRETARY, lang="pl") as secretary,
        ):
            page = await secretary.get("/council/staff")
            assert 'name="_action" value="draft"' in page.text
            csrf = csrf_of(page)
            title = f"Posiedzenie marcowe {uuid.uuid4().hex[:6]}"
            drafted = await secretary.post(
                "/council/staff/meetings",
                data={
                    "_csrf_token": csrf,
                    "_action": "draft",
                    "title": title,
                    "title__en": "March meeting (typed by a person)",
                    "place": "Sala Obrad",
                    "date": "2030-03-05",
                    "time": "17:00",
                },
            )
            assert drafted.status_code == 200
            assert f'value="[uk] {title}"' in drafted.text
            assert 'value="[en] Sala Obrad"' in drafted.text
            assert 'value="March meeting (typed by a person)"' in drafted.text  # never overwritten
            assert "Wersja robocza z tłumaczenia maszynowego" in drafted.text
            assert not [a for a in asked if a["q"] == title and a["target"] == "en"]
            assert all(a["source"] == "pl" for a in asked)
            saved = await platform.runtime.pool("participation").fetchval(
                "select count(*) from council_meetings where title = $1", title
            )
            assert saved == 0  # asking for drafts saves nothing

            failing = await secretary.post(
                "/council/staff/meetings",
                data={"_csrf_token": csrf, "_action": "draft", "title": "awaria dostawcy"},
            )
            assert failing.status_code == 200
            assert 'value="[uk] awaria dostawcy"' not in failing.text
            assert "Wersja robocza z tłumaczenia maszynowego" not in failing.text

            # Save comes before "suggest drafts" in every such form: Enter in a field saves.
            assert_save_comes_first(page.text, forms=2)  # a meeting, the monthly meetings
            assert_save_comes_first((await secretary.get("/council/staff/calls")).text)
            call = await open_call(platform)
            call_page = await secretary.get(f"/council/staff/calls/{call['id']}")
            assert_save_comes_first(call_page.text)
            meeting_id = await meeting(platform)
            meeting_page = await secretary.get(f"/council/staff/meetings/{meeting_id}")
            assert_save_comes_first(meeting_page.text)
