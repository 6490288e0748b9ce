"""The API says a council refusal as before (status, detail, field) and adds its stable code."""

from __future__ import annotations

import uuid

from tests.helpers.platform import RunningPlatform
from tests.integration.council.helpers import SECRETARY, direct_member, held, meeting


async def test_a_refused_request_keeps_its_problem_details_and_gains_the_code(
    platform: RunningPlatform,
) -> None:
    member = await direct_member(platform)
    meeting_id = await meeting(platform)
    attendee = {"name": member["name"], "member_id": member["id"]}
    twice = await held(platform, meeting_id, [attendee, attendee])
    assert twice.status_code == 422
    problem = twice.json()
    assert problem["code"] == "council.attendee.repeated"
    assert problem["errors"] == [
        {"field": "attendees[1].member_id", "message": "this member is already listed"}
    ]
    assert (await held(platform, meeting_id, [attendee])).status_code == 200
    again = await held(platform, meeting_id, [attendee])
    assert again.status_code == 409
    assert again.json()["detail"] == "the meeting is already recorded as held; it counts once"
    assert again.json()["code"] == "council.meeting.already_held"
    missing = await platform.client.post(
        f"/api/council/meetings/{uuid.uuid4()}/cancel", headers=platform.auth(SECRETARY)
    )
    assert missing.status_code == 404 and missing.json()["code"] == "council.meeting.not_found"
