"""A command's refusal said at each door: problem details with the refusal's code on the API
(the text as before), the translated error page on the pages (never problem JSON)."""

from __future__ import annotations

import re

import httpx
from ambassadors_helpers import close_nominations, new_edition, nominate, nomination_body

from tests.helpers.platform import RunningPlatform, client_ip

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def test_the_api_says_a_refusal_with_its_code_and_the_same_text(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    await close_nominations(platform, edition["id"])
    resp = await platform.client.post(
        f"/api/ambassadors/editions/{edition['id']}/nominations",
        json=nomination_body(),
        headers={"X-Forwarded-For": client_ip()},
    )
    assert resp.status_code == 409
    problem = resp.json()
    assert problem["code"] == "ambassadors.nomination.closed"
    assert problem["detail"].startswith(
        "this edition takes no more nominations: nominations closed"
    )
    refused = await platform.client.post(
        f"/api/ambassadors/editions/{edition['id']}/nominations",
        json=nomination_body(consent=False),
        headers={"X-Forwarded-For": client_ip()},
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "ambassadors.nomination.consent"
    assert refused.json()["errors"] == [
        {
            "field": "consent",
            "message": "must be true: we store the names and e-mail addresses to run the "
            "competition",
        }
    ]


async def test_a_wrong_withdrawal_link_on_the_page_is_the_translated_403_page(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    created, _ = await nominate(platform, edition["id"])
    url = f"/ambassadors/nominations/{created['id']}/withdraw"
    async with httpx.AsyncClient(
        base_url=platform.base_url, headers={"X-Forwarded-For": client_ip()}
    ) as browser:
        page = await browser.get(f"{url}?token=wrong&lang=en")
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        resp = await browser.post(url, data={"token": "wrong", "_csrf_token": csrf})
    assert resp.status_code == 403
    assert resp.headers["content-type"].startswith("text/html")
    status = await platform.runtime.pool("ambassadors").fetchval(
        "select status from nominations where reference = $1", created["reference"]
    )
    assert status == "awaiting_acceptance"
