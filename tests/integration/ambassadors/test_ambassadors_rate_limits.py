"""Nominations under their rate limits: per client, per address we write to, wrong tokens.

A platform of its own with low limits on the session's servers; clients through X-Forwarded-For.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import Servers
from tests.helpers.platform import RunningPlatform, client_ip, limited_platform
from tests.integration.ambassadors.ambassadors_helpers import address, new_edition, nomination_body

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _nominate(platform: RunningPlatform, edition: str, **body: Any) -> httpx.Response:
    return await platform.client.post(
        f"/api/ambassadors/editions/{edition}/nominations",
        json=nomination_body(**body),
        headers={"X-Forwarded-For": client_ip()},
    )


async def test_a_new_candidacy_counts_the_candidates_address_and_a_refusal_stores_nothing(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path, mail_address="1/hour") as platform:
        edition = (await new_edition(platform))["id"]
        busy, candidate = address("busy"), address("candidate")
        first = await _nominate(platform, edition, nominator_email=busy, candidate_email=candidate)
        assert first.status_code == 201

        # A new candidacy would write to `busy` again within the hour: refused and rolled back.
        refused = await _nominate(platform, edition, candidate_email=busy)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 60
        assert "e-mail address" in refused.json()["detail"]
        listed = await platform.client.get(
            f"/api/ambassadors/editions/{edition}/nominations", headers=platform.auth("coordinator")
        )
        assert listed.json()["total"] == 1

        # Supporting an existing candidacy writes nothing to the candidate: still welcome.
        supporting = await _nominate(platform, edition, candidate_email=candidate)
        assert supporting.status_code == 201 and supporting.json()["status"] == "merged"


async def test_wrong_acceptance_tokens_are_limited_per_client(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path, token_failures="2/minute") as platform:
        edition = (await new_edition(platform))["id"]
        nomination = (await _nominate(platform, edition)).json()
        url = f"/api/ambassadors/nominations/{nomination['id']}/acceptance"
        guesser = {"X-Forwarded-For": client_ip()}
        for _ in range(2):
            wrong = await platform.client.post(url, json={"token": "x" * 30}, headers=guesser)
            assert wrong.status_code == 403
        stopped = await platform.client.post(url, json={"token": "x" * 30}, headers=guesser)
        assert stopped.status_code == 429 and stopped.json()["status"] == 429
        elsewhere = await platform.client.post(
            url, json={"token": "x" * 30}, headers={"X-Forwarded-For": client_ip()}
        )
        assert elsewhere.status_code == 403


async def test_the_nomination_form_over_the_limit_keeps_what_was_typed(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path, forms="1/minute") as platform:
        edition = (await new_edition(platform))["id"]
        async with httpx.AsyncClient(
            base_url=platform.base_url, headers={"X-Forwarded-For": client_ip()}
        ) as browser:
            page = await browser.get(f"/ambassadors/editions/{edition}/nominate?lang=en")
            csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
            body = nomination_body()
            form = {**{k: v for k, v in body.items() if k != "consent"}, "consent": "yes"}
            url = f"/ambassadors/editions/{edition}/nominate"
            first = await browser.post(url, data={**form, "_csrf_token": csrf})
            assert first.status_code == 200
            second = await browser.post(
                url, data={**form, "_csrf_token": csrf, "candidate_email": address("second")}
            )
    assert second.status_code == 429 and int(second.headers["retry-after"]) >= 1
    assert "Please wait a little" in second.text
    assert (
        body["justification"] in second.text and f'value="{body["nominator_email"]}"' in second.text
    )
