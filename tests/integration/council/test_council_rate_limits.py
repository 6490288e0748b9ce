"""The Council's anonymous doors under their rate limits: applications, RSVP and proposals.

A platform of its own with low limits on the session's servers; clients through X-Forwarded-For.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Servers
from tests.helpers.platform import client_ip, limited_platform
from tests.integration.council.helpers import application, open_call


async def test_applications_are_limited_per_client_and_per_address(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(
        servers, tmp_path, forms="2/minute", mail_address="1/hour"
    ) as platform:
        call = (await open_call(platform))["id"]
        url = f"/api/council/calls/{call}/applications"
        same_address = application()
        first = await platform.client.post(
            url, json=same_address, headers={"X-Forwarded-For": client_ip()}
        )
        assert first.status_code == 201
        again = await platform.client.post(
            url, json=same_address, headers={"X-Forwarded-For": client_ip()}
        )
        assert again.status_code == 429 and "e-mail address" in again.json()["detail"]

        busy = {"X-Forwarded-For": client_ip()}
        for expected in (201, 201, 429):
            resp = await platform.client.post(url, json=application(), headers=busy)
            assert resp.status_code == expected, resp.text
        listed = await platform.client.get(url, headers=platform.auth("coordinator"))
        assert listed.json()["total"] == 3


async def test_wrong_invitation_tokens_are_limited_per_client(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path, token_failures="2/minute") as platform:
        guesser = {"X-Forwarded-For": client_ip()}
        wrong = {"token": "not-a-real-invitation-token", "response": "yes"}
        for _ in range(2):
            resp = await platform.client.post("/api/council/rsvp", json=wrong, headers=guesser)
            assert resp.status_code == 403
        # Proposals share the budget: the same client is stopped there too.
        proposal = {"token": wrong["token"], "title": "Tłumacze w przychodniach"}
        stopped = await platform.client.post(
            "/api/council/proposals", json=proposal, headers=guesser
        )
        assert stopped.status_code == 429 and int(stopped.headers["retry-after"]) >= 1
        page = await platform.client.get(
            "/council/invitation", params={"token": wrong["token"], "lang": "en"}, headers=guesser
        )
        assert page.status_code == 429 and "Please wait a little" in page.text
