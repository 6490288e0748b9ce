"""The jury's pages over HTTP (session cookie, CSRF, no browser): the juror's candidacies with
their progress, and a candidacy's page with the score form and the recusal. The pages call the
same functions as the jury API, so what they store is read back through the API."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
from ambassadors_helpers import accepted_nomination, appoint, new_edition, outbox_events, score

from shared.auth import Principal
from tests.helpers.platform import RunningPlatform

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@contextlib.asynccontextmanager
async def signed_in(
    platform: RunningPlatform, role: str, subject: str | None = None, lang: str = "pl"
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client holding the session cookie a sign-in link would have set."""
    assert platform.runtime.auth is not None
    session = platform.runtime.auth.session_token(
        Principal(subject=subject or f"{role}-{uuid.uuid4().hex[:6]}", roles=(role,))
    )
    async with httpx.AsyncClient(
        base_url=platform.base_url, cookies={"okr_session": session, "lang": lang}
    ) as client:
        yield client


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page has no form with a CSRF field"
    return found.group(1)


async def decisions(platform: RunningPlatform, edition_id: str) -> list[dict]:
    resp = await platform.client.get(
        f"/api/ambassadors/editions/{edition_id}/jury", headers=platform.auth("coordinator")
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


async def test_anonymous_visitors_are_sent_to_sign_in_and_other_roles_are_refused(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    nomination = await accepted_nomination(platform, edition["id"])
    subject, _ = await appoint(platform, edition["id"])
    paths = ["/ambassadors/jury", f"/ambassadors/jury/nominations/{nomination['id']}"]
    async with httpx.AsyncClient(base_url=platform.base_url) as anonymous:
        for path in paths:
            resp = await anonymous.get(path)
            assert resp.status_code == 303, path
            assert resp.headers["location"] == f"/auth/sign-in?next={quote(path, safe='')}"

    async with signed_in(platform, "juror", subject, lang="en") as juror:
        page = await juror.get(paths[0])
        assert page.status_code == 200
        # The header leads the juror to their page.
        assert '<a href="/ambassadors/jury" aria-current="page">Ambassadors jury</a>' in page.text
        csrf = csrf_of(page)
    for role in ("coordinator", "evaluator", "council_secretary"):
        async with signed_in(platform, role) as other:
            for path in paths:
                resp = await other.get(path)
                assert resp.status_code == 403, (role, path)
                assert "Nie możesz tego zrobić" in resp.text
            resp = await other.post(
                f"{paths[1]}/scores",
                data={"_csrf_token": csrf, "score_impact": "5", "score_engagement": "5"},
            )
            assert resp.status_code == 403, role
    # A juror of another edition is not on this jury: the same 403 as the API's.
    async with signed_in(platform, "juror") as stranger:
        assert (await stranger.get(paths[1])).status_code == 403
    assert [d["scored"] for d in await decisions(platform, edition["id"])] == [0]


async def test_the_juror_sees_their_candidacies_and_progress(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    linked = await accepted_nomination(platform, edition["id"], candidate_name="Linked Person")
    first = await accepted_nomination(platform, edition["id"], candidate_name="Maria Ivanova")
    second = await accepted_nomination(platform, edition["id"], candidate_name="Ahmed Nouri")
    subject, headers = await appoint(platform, edition["id"], linked_nominations=[linked["id"]])
    assert (await score(platform, first["id"], headers, 7, 6)).status_code == 201
    async with signed_in(platform, "juror", subject, lang="en") as juror:
        page = await juror.get("/ambassadors/jury")
        assert page.status_code == 200
        assert f"Edition {edition['year']}" in page.text
        assert "Your progress: 1 scored, 1 to score, 0 with a conflict of interest." in page.text
        assert f'href="/ambassadors/jury/nominations/{first["id"]}"' in page.text
        assert f'href="/ambassadors/jury/nominations/{second["id"]}"' in page.text
        # Linked to the candidate at appointment: never listed, never shown (as the API).
        assert "Linked Person" not in page.text
        hidden = await juror.get(f"/ambassadors/jury/nominations/{linked['id']}")
        assert hidden.status_code == 403 and "Linked Person" not in hidden.text
        polish = await juror.get("/ambassadors/jury?lang=pl")
        assert "Twoje postępy" in polish.text


async def test_scoring_through_the_page_is_blind_final_and_seen_by_the_api(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    nomination = await accepted_nomination(platform, edition["id"], candidate_name="Olena K")
    subject, headers = await appoint(platform, edition["id"])
    _, colleague = await appoint(platform, edition["id"])
    path = f"/ambassadors/jury/nominations/{nomination['id']}"
    # A colleague's comment stays hidden until this juror sends their own scores.
    resp = await platform.client.post(
        f"/api/ambassadors/nominations/{nomination['id']}/scores",
        json={"scores": {"impact": 2, "engagement": 3}, "comment": "Colleague-secret-note"},
        headers=colleague,
    )
    assert resp.status_code == 201
    async with signed_in(platform, "juror", subject, lang="en") as juror:
        page = await juror.get(path)
        assert page.status_code == 200
        assert "Runs Polish lessons for Ukrainian children" in page.text  # the justification
        assert "Colleague-secret-note" not in page.text

        # No CSRF token: refused, nothing stored.
        forged = await juror.post(
            f"{path}/scores", data={"score_impact": "5", "score_engagement": "5"}
        )
        assert forged.status_code == 403
        csrf = csrf_of(page)

        # Out of range and not a number: localized errors, what was typed kept, nothing stored.
        bad = await juror.post(
            f"{path}/scores",
            data={
                "_csrf_token": csrf,
                "score_impact": "11",
                "score_engagement": "many",
                "comment": "Kept-comment",
            },
        )
        assert bad.status_code == 400
        assert "Give “Impact on the community” a whole number of points from 0 to 10." in bad.text
        assert "Give “Long-term engagement” a whole number of points from 0 to 10." in bad.text
        assert "Kept-comment" in bad.text
        polish = await juror.post(
            f"{path}/scores?lang=pl",
            data={"_csrf_token": csrf, "score_impact": "", "score_engagement": "4"},
        )
        assert polish.status_code == 400 and "liczbę punktów" in polish.text
        assert (await juror.get(f"{path}?lang=en")).status_code == 200  # back to English
        assert (await decisions(platform, edition["id"]))[0]["scored"] == 0
        blind = await platform.client.get(
            f"/api/ambassadors/nominations/{nomination['id']}/scores", headers=headers
        )
        assert blind.status_code == 403

        done = await juror.post(
            f"{path}/scores",
            data={
                "_csrf_token": csrf,
                "score_impact": "9",
                "score_engagement": "8",
                "comment": "Strong community work",
            },
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"{path}?done=scored#done"
        shown = await juror.get(done.headers["location"])
        assert "Your scores were saved" in shown.text
        assert "Colleague-secret-note" in shown.text  # now they may see the others

        again = await juror.post(
            f"{path}/scores",
            data={"_csrf_token": csrf, "score_impact": "1", "score_engagement": "1"},
        )
        assert again.status_code == 409
        assert "You have already submitted your decision on this candidacy" in again.text

    seen = await platform.client.get(
        f"/api/ambassadors/nominations/{nomination['id']}/scores", headers=headers
    )
    assert seen.status_code == 200
    mine = [i for i in seen.json()["items"] if i["comment"] == "Strong community work"]
    assert [i["scores"] for i in mine] == [{"impact": 9, "engagement": 8}]
    progress = {d["subject"]: d for d in await decisions(platform, edition["id"])}
    assert (progress[subject]["scored"], progress[subject]["pending"]) == (1, 0)


async def test_a_juror_recuses_through_the_page_and_never_sees_the_scores(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    nomination = await accepted_nomination(platform, edition["id"])
    subject, headers = await appoint(platform, edition["id"])
    _, colleague = await appoint(platform, edition["id"])
    assert (await score(platform, nomination["id"], colleague, 6, 6)).status_code == 201
    path = f"/ambassadors/jury/nominations/{nomination['id']}"
    async with signed_in(platform, "juror", subject, lang="en") as juror:
        csrf = csrf_of(await juror.get(path))
        unconfirmed = await juror.post(f"{path}/recusal", data={"_csrf_token": csrf})
        assert unconfirmed.status_code == 400
        assert "Tick the box to confirm that you have a conflict of interest." in unconfirmed.text
        assert (await decisions(platform, edition["id"]))[0]["recused"] == 0

        done = await juror.post(f"{path}/recusal", data={"_csrf_token": csrf, "confirm": "yes"})
        assert done.status_code == 303
        shown = await juror.get(done.headers["location"])
        assert "Your conflict of interest was recorded" in shown.text
        assert "Solid work." not in shown.text  # the colleague's comment stays hidden
        assert 'action="/ambassadors/jury/nominations' not in shown.text  # no forms left
        index = await juror.get("/ambassadors/jury")
        assert "0 scored, 0 to score, 1 with a conflict of interest" in index.text

        late = await juror.post(
            f"{path}/scores",
            data={"_csrf_token": csrf, "score_impact": "5", "score_engagement": "5"},
        )
        assert late.status_code == 409
    hidden = await platform.client.get(
        f"/api/ambassadors/nominations/{nomination['id']}/scores", headers=headers
    )
    assert hidden.status_code == 403
    progress = {d["subject"]: d for d in await decisions(platform, edition["id"])}
    assert (progress[subject]["recused"], progress[subject]["scored"]) == (1, 0)
    events = await outbox_events(platform, nomination_id=nomination["id"])
    assert [e.payload.recused for e in events if e.type == "ambassadors.score_submitted"] == [
        False,
        True,
    ]


async def test_after_the_deadline_the_page_offers_no_form_and_refuses_scores(
    platform: RunningPlatform,
) -> None:
    now = datetime.now(UTC)
    edition = await new_edition(platform)
    nomination = await accepted_nomination(platform, edition["id"])
    subject, _ = await appoint(platform, edition["id"])
    path = f"/ambassadors/jury/nominations/{nomination['id']}"
    async with signed_in(platform, "juror", subject, lang="en") as juror:
        csrf = csrf_of(await juror.get("/ambassadors/jury"))
        await platform.runtime.pool("ambassadors").execute(
            "update editions set nominations_close_at = $2, jury_deadline_at = $2 where id = $1",
            uuid.UUID(edition["id"]),
            now - timedelta(minutes=1),  # the deadline passes
        )
        page = await juror.get(path)
        assert "Scoring is closed" in page.text and f"{path}/scores" not in page.text
        refused = await juror.post(
            f"{path}/scores",
            data={"_csrf_token": csrf, "score_impact": "5", "score_engagement": "5"},
        )
        assert refused.status_code == 409 and "Scoring is closed" in refused.text
    assert [d["scored"] for d in await decisions(platform, edition["id"])] == [0]
