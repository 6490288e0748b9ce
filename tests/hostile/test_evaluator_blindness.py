"""Grants evaluation stays blind for an evaluator who steps aside for a conflict of interest.

Declaring a conflict records `submitted_at` like a submitted evaluation, and the list of an
application's evaluations took any `submitted_at` as "has scored, may see the others": the
recused evaluator then read every other evaluator's scores and comments. Now only one's own
scores end the blindness, and a recused evaluator sees none of that application's evaluations
(403, as a recused Ambassadors juror), on the API or on the evaluator's pages.
"""

from __future__ import annotations

import uuid
from typing import Any

from shared.auth import Principal
from tests.helpers.platform import RunningPlatform
from tests.integration.grants.helpers import new_call, new_organisation, submitted_application
from tests.integration.grants.page_helpers import browser

SECRET = "comment-only-the-jury-may-read"


async def assigned_subjects(
    platform: RunningPlatform, app_id: str, subjects: list[str]
) -> list[str]:
    """The subjects (of `subjects`) the application is assigned to, in the queue's words."""
    found = []
    for s in subjects:
        queue = await platform.client.get(
            "/api/grants/evaluations/queue", headers=platform.auth("evaluator", subject=s)
        )
        assert queue.status_code == 200, queue.text
        if any(i["application_id"] == app_id for i in queue.json()["items"]):
            found.append(s)
    return found


async def evaluations(platform: RunningPlatform, app_id: str, subject: str) -> Any:
    return await platform.client.get(
        f"/api/grants/applications/{app_id}/evaluations",
        headers=platform.auth("evaluator", subject=subject),
    )


async def test_an_evaluator_who_steps_aside_sees_none_of_the_others_evaluations(
    platform: RunningPlatform,
) -> None:
    call_id = await new_call(platform)
    _, ngo = await new_organisation(platform)
    app_id = await submitted_application(platform, call_id, ngo)
    coordinator = platform.auth("coordinator")
    pool = [f"ev-{uuid.uuid4().hex[:6]}" for _ in range(3)]
    for s in pool:
        added = await platform.client.post(
            f"/api/grants/calls/{call_id}/evaluators",
            headers=coordinator,
            json={"subject": s, "name": "Ewa Nowak", "email": f"{s}@example.org"},
        )
        assert added.status_code == 201, added.text
    checked = await platform.client.post(
        f"/api/grants/applications/{app_id}/formal-check",
        headers=coordinator,
        json={"eligible": True},
    )
    assert checked.status_code == 200, checked.text
    first, second = await assigned_subjects(platform, app_id, pool)
    url = f"/api/grants/applications/{app_id}/evaluations"

    scored = await platform.client.post(
        url,
        headers=platform.auth("evaluator", subject=first),
        json={"scores": {"relevance": 9, "feasibility": 4}, "comment": SECRET},
    )
    assert scored.status_code == 201, scored.text
    recused = await platform.client.post(
        url, headers=platform.auth("evaluator", subject=second), json={"conflict_of_interest": True}
    )
    assert recused.status_code == 201 and recused.json()["status"] == "conflict_declared"

    # The recused evaluator: nothing of the evaluations, neither by the API nor on a page.
    seen = await evaluations(platform, app_id, second)
    assert seen.status_code == 403, seen.text
    assert SECRET not in seen.text and "relevance" not in seen.text
    assert "conflict of interest" in seen.json()["detail"]
    async with browser(platform, Principal(subject=second, roles=("evaluator",))) as pages:
        for path in ("/grants/evaluate", f"/grants/evaluate/{app_id}"):
            page = await pages.get(path)
            assert page.status_code == 200, (path, page.status_code)
            assert SECRET not in page.text, path

    # The replacement is still blind until they score; the coordinator and the scorer see all.
    (replacement,) = set(await assigned_subjects(platform, app_id, pool)) - {first, second}
    blind = (await evaluations(platform, app_id, replacement)).json()
    assert [v["comment"] for v in blind] == [None] and [v["scores"] for v in blind] == [None]
    everything = await platform.client.get(url, headers=coordinator)
    assert SECRET in everything.text
    own_done = await evaluations(platform, app_id, first)
    assert own_done.status_code == 200 and SECRET in own_done.text
