"""The Council's public pages over HTTP without a browser: members, minutes, a member's invitation."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.council.helpers import (
    SECRETARY,
    direct_member,
    held_with_quorum,
    mails_to,
    meeting,
    now,
    rsvp_token,
)


async def test_a_member_replies_and_proposes_from_the_invitation_page(
    platform: RunningPlatform,
) -> None:
    member = await direct_member(platform, name="Halyna Shevchenko")
    meeting_id = await meeting(
        platform, starts_at=now() + timedelta(days=5), title="Posiedzenie czerwcowe"
    )

    async def invitation() -> list:
        return [
            m for m in mails_to(platform, member["email"]) if "Zaproszenie" in str(m["Subject"])
        ]

    token = rsvp_token((await eventually(invitation, what="invitation"))[0])
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        page = await browser.get("/council/invitation", params={"token": token, "lang": "uk"})
        assert (
            page.status_code == 200
            and "Posiedzenie czerwcowe" in page.text
            and "Чи візьмете ви участь?" in page.text
        )
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        missing = await browser.post(
            "/council/invitation", data={"_csrf_token": csrf, "token": token, "action": "rsvp"}
        )
        assert missing.status_code == 400 and "Оберіть, чи візьмете ви участь" in missing.text
        reply = await browser.post(
            "/council/invitation",
            data={"_csrf_token": csrf, "token": token, "action": "rsvp", "response": "maybe"},
        )
        assert reply.status_code == 200 and "Дякуємо: вашу відповідь збережено." in reply.text
        proposal = await browser.post(
            "/council/invitation",
            data={
                "_csrf_token": csrf,
                "token": token,
                "action": "propose",
                "title": "Tłumacze w przychodniach",
            },
        )
        assert proposal.status_code == 200 and "Tłumacze w przychodniach" in proposal.text
        forged = await browser.get("/council/invitation", params={"token": "forged-token-123"})
        assert forged.status_code == 403

    detail = (
        await platform.client.get(
            f"/api/council/meetings/{meeting_id}", headers=platform.auth(SECRETARY)
        )
    ).json()
    assert {"member_id": member["id"], "name": "Halyna Shevchenko", "response": "maybe"} in detail[
        "rsvps"
    ]
    assert [a["status"] for a in detail["agenda"]] == ["proposed"]


async def test_members_and_approved_minutes_are_public_in_three_languages(
    platform: RunningPlatform,
) -> None:
    member = await direct_member(platform, name="Tomasz Wójcik")
    first = await meeting(platform, starts_at=now() - timedelta(days=2))
    await held_with_quorum(platform, first, guests=1)
    secretary = platform.auth(SECRETARY)
    await platform.client.put(
        f"/api/council/meetings/{first}/minutes",
        json={"text": "Rada omówiła dostęp do tłumaczy."},
        headers=secretary,
    )
    await platform.client.post(
        f"/api/council/meetings/{first}/resolutions",
        headers=secretary,
        json={
            "kind": "resolution",
            "title": "Uchwała o tłumaczach",
            "text": "Rada wnosi o tłumaczy.",
            "votes_for": 1,
            "votes_against": 0,
            "votes_abstaining": 0,
        },
    )
    second = await meeting(platform, starts_at=now() - timedelta(days=1))
    await held_with_quorum(platform, second)
    approved = await platform.client.post(
        f"/api/council/meetings/{first}/minutes/approval",
        json={"at_meeting_id": second},
        headers=secretary,
    )
    assert approved.status_code == 200, approved.text

    for lang, heading in (
        ("pl", "Zatwierdzone protokoły i uchwały"),
        ("en", "Approved minutes and resolutions"),
        ("uk", "Затверджені протоколи та ухвали"),
    ):
        minutes = await platform.client.get("/council/minutes", params={"lang": lang})
        assert minutes.status_code == 200 and heading in minutes.text
        assert (
            "Rada omówiła dostęp do tłumaczy." in minutes.text
            and "Uchwała o tłumaczach" in minutes.text
        )
    home = await platform.client.get("/council", params={"lang": "en"})
    assert (
        home.status_code == 200
        and "Tomasz Wójcik" in home.text
        and member["email"] not in home.text
    )
