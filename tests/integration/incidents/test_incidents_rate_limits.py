"""Incident reports under the public forms' limits: per client (form and API) and per address
we would write to. A platform of its own with low limits; clients through X-Forwarded-For."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.conftest import Servers
from tests.helpers.platform import client_ip, limited_platform

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
WHAT = "Someone spat at a man speaking Belarusian and shouted at him to go home."


def body(**extra: str) -> dict[str, str]:
    today = datetime.now(UTC).date().isoformat()
    return {"what": WHAT, "where": "Plac Centralny", "when": today, "language": "be", **extra}


async def test_the_api_and_the_form_over_the_limit_say_when_and_keep_what_was_typed(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path, forms="1/minute") as platform:
        team = platform.auth("response_team")
        before = (await platform.client.get("/api/incidents", headers=team)).json()["total"]
        client = {"X-Forwarded-For": client_ip()}
        first = await platform.client.post("/api/incidents", json=body(), headers=client)
        assert first.status_code == 201, first.text
        second = await platform.client.post("/api/incidents", json=body(), headers=client)
        assert second.status_code == 429 and int(second.headers["retry-after"]) >= 1
        async with httpx.AsyncClient(
            base_url=platform.base_url, headers={"X-Forwarded-For": client_ip()}
        ) as browser:
            page = await browser.get("/incidents?lang=be")
            form = {
                "_csrf_token": CSRF.search(page.text).group(1),  # type: ignore[union-attr]
                "language": "be",
                "what": WHAT,
                "where": "Plac Centralny",
                "district": "d18_nowa_huta",
                "when_date": datetime.now(UTC).date().isoformat(),
                "reported_to_police": "unsure",
            }
            sent = await browser.post("/incidents", data=form)
            assert sent.status_code == 201, sent.text[-1000:]
            again = await browser.post("/incidents", data=form)
        assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1
        assert WHAT in again.text and 'lang="be"' in again.text
        listed = await platform.client.get("/api/incidents", headers=team)
        assert listed.json()["total"] == before + 2  # nothing stored over the limit


async def test_an_address_we_would_write_to_is_counted(servers: Servers, tmp_path: Path) -> None:
    async with limited_platform(servers, tmp_path, mail_address="1/hour") as platform:
        mail = "someone-else@example.org"
        first = await platform.client.post(
            "/api/incidents", json=body(email=mail), headers={"X-Forwarded-For": client_ip()}
        )
        assert first.status_code == 201
        second = await platform.client.post(
            "/api/incidents",
            json=body(email=mail.upper()),
            headers={"X-Forwarded-For": client_ip()},
        )
        assert second.status_code == 429 and "e-mail address" in second.json()["detail"]
        anonymous = await platform.client.post(
            "/api/incidents", json=body(), headers={"X-Forwarded-For": client_ip()}
        )
        assert anonymous.status_code == 201
