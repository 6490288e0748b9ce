"""The jury on real servers: blindness, links and recusals enforced by the server, reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ambassadors_helpers import (
    accepted_nomination,
    appoint,
    mail_to,
    new_edition,
    nominate,
    outbox_events,
    score,
)

from services.ambassadors.jobs import remind_jurors
from tests.helpers.platform import RunningPlatform


async def test_a_juror_sees_no_other_scores_until_submitting_their_own(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    nomination = await accepted_nomination(platform, edition["id"])
    _, first = await appoint(platform, edition["id"])
    _, second = await appoint(platform, edition["id"])
    scores_url = f"/api/ambassadors/nominations/{nomination['id']}/scores"
    assert (await score(platform, nomination["id"], first, 9, 8)).status_code == 201

    blind = await platform.client.get(scores_url, headers=second)
    assert blind.status_code == 403 and "submit your own scores first" in blind.text

    assert (await score(platform, nomination["id"], second, 3, 4)).status_code == 201
    seen = await platform.client.get(scores_url, headers=second)
    assert seen.status_code == 200
    assert sorted(i["scores"]["impact"] for i in seen.json()["items"]) == [3, 9]

    again = await score(platform, nomination["id"], second, 10, 10)
    assert again.status_code == 409 and "already submitted" in again.text


async def test_a_juror_linked_to_a_candidate_never_sees_the_nomination(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    linked = await accepted_nomination(platform, edition["id"])
    other = await accepted_nomination(platform, edition["id"])
    _, juror = await appoint(platform, edition["id"], linked_nominations=[linked["id"]])

    listed = await platform.client.get(
        f"/api/ambassadors/editions/{edition['id']}/jury/me/nominations", headers=juror
    )
    assert [n["id"] for n in listed.json()["items"]] == [other["id"]]
    assert listed.json()["items"][0]["supporters"][0]["justification"]
    assert (await score(platform, linked["id"], juror, 5, 5)).status_code == 403
    hidden = await platform.client.get(
        f"/api/ambassadors/nominations/{linked['id']}/scores", headers=juror
    )
    assert hidden.status_code == 403 and "link" in hidden.text

    stranger = platform.auth("juror")
    assert (await score(platform, other["id"], stranger, 5, 5)).status_code == 403


async def test_a_recused_juror_is_counted_but_never_scores_or_sees_scores(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    nomination = await accepted_nomination(platform, edition["id"])
    _, juror = await appoint(platform, edition["id"])
    _, colleague = await appoint(platform, edition["id"])
    url = f"/api/ambassadors/nominations/{nomination['id']}/scores"
    mixed = await platform.client.post(
        url, json={"scores": {"impact": 5}, "conflict_of_interest": True}, headers=juror
    )
    assert mixed.status_code == 422
    recused = await platform.client.post(url, json={"conflict_of_interest": True}, headers=juror)
    assert recused.status_code == 201 and recused.json()["recused"] is True
    assert (await score(platform, nomination["id"], colleague, 6, 6)).status_code == 201
    assert (await platform.client.get(url, headers=juror)).status_code == 403

    ranking = await platform.client.get(
        f"/api/ambassadors/editions/{edition['id']}/ranking", headers=platform.auth("coordinator")
    )
    item = ranking.json()["items"][0]
    assert (item["weighted_mean"], item["jurors_scored"], item["recusals"]) == (6.0, 1, 1)
    events = await outbox_events(platform, nomination_id=nomination["id"])
    assert [e.payload.recused for e in events if e.type == "ambassadors.score_submitted"] == [
        True,
        False,
    ]


async def test_scores_are_refused_for_unaccepted_nominations_and_bad_scorecards(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    waiting, _ = await nominate(platform, edition["id"])
    accepted = await accepted_nomination(platform, edition["id"])
    _, juror = await appoint(platform, edition["id"])
    before = len(await outbox_events(platform, nomination_id=accepted["id"]))

    unaccepted = await score(platform, waiting["id"], juror, 5, 5)
    assert unaccepted.status_code == 409 and "not accepted" in unaccepted.text
    out_of_range = await score(platform, accepted["id"], juror, 11, 5)
    assert out_of_range.status_code == 400 and "scores" in out_of_range.text
    partial = await platform.client.post(
        f"/api/ambassadors/nominations/{accepted['id']}/scores",
        json={"scores": {"impact": 5}},
        headers=juror,
    )
    assert partial.status_code == 422 and "engagement" in partial.text
    assert len(await outbox_events(platform, nomination_id=accepted["id"])) == before


async def test_jurors_with_pending_nominations_are_reminded_once_before_the_deadline(
    platform: RunningPlatform,
) -> None:
    now = datetime.now(UTC)
    edition = await new_edition(
        platform,
        nominations_close_at=(now + timedelta(hours=1)).isoformat(),
        jury_deadline_at=(now + timedelta(days=2)).isoformat(),
    )
    await accepted_nomination(platform, edition["id"])
    email = f"busy-{edition['id'][:8]}@example.org"
    await appoint(platform, edition["id"], email=email)
    ctx = {"runtime": platform.runtime}
    assert await remind_jurors(ctx) >= 1
    await remind_jurors(ctx)
    messages = await mail_to(platform, email, count=2)  # the appointment and one reminder
    assert sum("Przypomnienie" in str(m["Subject"]) for m in messages) == 1
