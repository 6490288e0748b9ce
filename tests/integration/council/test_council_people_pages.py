"""The secretariat's people pages and the member's own page over HTTP (issue 13): who may come
in, what a refused form says and keeps (also after a language switch), and that a refusal
changes nothing."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import httpx

from shared.auth import Principal
from tests.helpers.platform import RunningPlatform
from tests.integration.council.helpers import SECRETARY, direct_member, meeting, now
from tests.integration.council.test_council_staff_pages import csrf_of, signed_in

REPLAY = re.compile(r'name="page" value="([^"]+)"')
PAGES = [
    "/council/staff/calls",
    "/council/staff/members",
]


async def test_each_page_admits_only_its_roles(platform: RunningPlatform) -> None:
    member = await direct_member(platform, name=f"Anna Kowalska {uuid.uuid4().hex[:4]}")
    staff_pages = [*PAGES, f"/council/staff/members/{member['id']}"]
    for role in ("responder", "evaluator", "ngo", "juror", "council_member"):
        async with signed_in(platform, role) as other:
            for path in [*staff_pages, "/council/staff/secretaries"]:
                assert (await other.get(path)).status_code == 403, (role, path)
    for role in ("responder", SECRETARY, "coordinator"):
        async with signed_in(platform, role) as other:
            assert (await other.get("/council/my")).status_code == 403, role
    async with signed_in(platform, SECRETARY) as secretary:
        for path in staff_pages:
            assert (await secretary.get(path)).status_code == 200, path
        # The register of secretaries is the coordinator's.
        assert (await secretary.get("/council/staff/secretaries")).status_code == 403
        csrf = csrf_of(await secretary.get(PAGES[0]))
        added = await secretary.post(
            "/council/staff/secretaries",
            data={"_csrf_token": csrf, "name": "Ktoś Obcy", "email": "obcy@example.org"},
        )
        assert added.status_code == 403
    assert (
        await platform.runtime.pool("participation").fetchval(
            "select count(*) from council_secretaries where email = 'obcy@example.org'"
        )
        == 0
    )
    async with httpx.AsyncClient(base_url=platform.base_url) as anonymous:
        assert (await anonymous.get("/council/my")).status_code == 303


async def test_ending_a_term_needs_the_confirmation_and_happens_once(
    platform: RunningPlatform,
) -> None:
    member = await direct_member(platform, name=f"Jan Nowak {uuid.uuid4().hex[:4]}")
    path = f"/council/staff/members/{member['id']}"
    async with signed_in(platform, SECRETARY) as secretary:
        csrf = csrf_of(await secretary.get(path))
        unconfirmed = await secretary.post(
            f"{path}/leave", data={"_csrf_token": csrf, "reason": "resigned"}
        )
        assert unconfirmed.status_code == 400
        assert "Zaznacz pole, aby potwierdzić: miejsce się zwolni" in unconfirmed.text
        assert (
            'value="resigned"\n        checked' in unconfirmed.text or "checked" in unconfirmed.text
        )
        left_on = await platform.runtime.pool("participation").fetchval(
            "select left_on from council_members where id = $1", uuid.UUID(member["id"])
        )
        assert left_on is None
        done = await secretary.post(
            f"{path}/leave", data={"_csrf_token": csrf, "reason": "resigned", "confirm": "yes"}
        )
        assert done.status_code == 303
        shown = await secretary.get(done.headers["location"])
        assert "Kadencja została zakończona." in shown.text
        again = await secretary.post(
            f"{path}/leave", data={"_csrf_token": csrf, "reason": "resigned", "confirm": "yes"}
        )
        assert again.status_code == 409
        assert "Członek odszedł już" in again.text


async def test_a_refused_call_keeps_what_was_typed_in_another_language(
    platform: RunningPlatform,
) -> None:
    title = f"Nabór {uuid.uuid4().hex[:6]}"
    async with signed_in(platform, SECRETARY) as secretary:
        csrf = csrf_of(await secretary.get("/council/staff/calls"))
        form = {
            "_csrf_token": csrf,
            "title": title,
            "description": "Krótki",  # under 10 characters
            "term_start": (date.today() + timedelta(days=30)).isoformat(),
            "term_end": date.today().isoformat(),  # before the start
            "opens_date": date.today().isoformat(),
            "closes_date": (date.today() + timedelta(days=10)).isoformat(),
            "seats_resident": "many",
        }
        refused = await secretary.post("/council/staff/calls", data=form)
        assert refused.status_code == 400
        assert "Opisz nabór: od 10 do 20000 znaków." in refused.text
        assert "Wpisz liczbę miejsc" in refused.text
        assert f'value="{title}"' in refused.text
        sealed = REPLAY.search(refused.text)
        assert sealed, "the refused form's language switch replays it"
        switched = await secretary.post(
            "/page-language?lang=uk", data={"_csrf_token": csrf, "page": sealed.group(1)}
        )
        assert switched.status_code == 200
        assert "Опишіть набір: від 10 до 20000 символів." in switched.text
        assert f'value="{title}"' in switched.text
        # The term in the wrong order is the command's refusal, said at its field (in the
        # language the switch chose, which the site now remembers).
        form.update({"description": "Szukamy osób do Rady.", "seats_resident": "2"})
        wrong_order = await secretary.post("/council/staff/calls", data=form)
        assert wrong_order.status_code == 422
        assert "Каденція має закінчуватися після її початку." in wrong_order.text
        assert 'id="term_end-error"' in wrong_order.text
    assert (
        await platform.runtime.pool("participation").fetchval(
            "select count(*) from council_calls where title = $1", title
        )
        == 0
    )


async def test_the_member_page_answers_for_its_own_member_only(
    platform: RunningPlatform,
) -> None:
    auth = platform.runtime.auth
    assert auth is not None
    member = await direct_member(platform, name=f"Oksana {uuid.uuid4().hex[:4]}")
    upcoming = await meeting(platform, now() + timedelta(days=3), title="Posiedzenie przyszłe")
    subject = await platform.runtime.pool("participation").fetchval(
        "select subject from council_members where id = $1", uuid.UUID(member["id"])
    )
    session = auth.session_token(Principal(subject=subject, roles=("council_member",)))
    async with httpx.AsyncClient(
        base_url=platform.base_url, cookies={"okr_session": session, "lang": "pl"}
    ) as mine:
        page = await mine.get("/council/my")
        assert page.status_code == 200 and upcoming in page.text
        csrf = csrf_of(page)
        nothing = await mine.post(
            f"/council/my/meetings/{upcoming}/rsvp", data={"_csrf_token": csrf}
        )
        assert nothing.status_code == 400
        assert "Wybierz, czy weźmiesz udział" in nothing.text
        elsewhere = uuid.uuid4()  # a meeting the member is not invited to
        stranger = await mine.post(
            f"/council/my/meetings/{elsewhere}/rsvp",
            data={"_csrf_token": csrf, f"response-{elsewhere}": "yes"},
        )
        assert stranger.status_code == 403
        yes = await mine.post(
            f"/council/my/meetings/{upcoming}/rsvp",
            data={"_csrf_token": csrf, f"response-{upcoming}": "yes"},
        )
        assert yes.status_code == 303
    assert (
        await platform.runtime.pool("participation").fetchval(
            "select response from council_invitations where meeting_id = $1 and member_id = $2",
            uuid.UUID(upcoming),
            uuid.UUID(member["id"]),
        )
        == "yes"
    )


async def test_the_member_api_replies_and_proposes_for_the_signed_in_member(
    platform: RunningPlatform,
) -> None:
    member = await direct_member(platform, name=f"Iryna {uuid.uuid4().hex[:4]}")
    upcoming = await meeting(platform, now() + timedelta(days=4), title="Posiedzenie API")
    subject = await platform.runtime.pool("participation").fetchval(
        "select subject from council_members where id = $1", uuid.UUID(member["id"])
    )
    headers = platform.auth("council_member", subject=subject)
    reply = await platform.client.post(
        "/api/council/my/rsvp", json={"meeting_id": upcoming, "response": "no"}, headers=headers
    )
    assert reply.status_code == 200 and reply.json()["response"] == "no"
    proposed = await platform.client.post(
        "/api/council/my/proposals",
        json={"meeting_id": upcoming, "title": "Dostępność stron miasta"},
        headers=headers,
    )
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed"
    # Another person's subject is not invited: 403, nothing stored.
    other = await platform.client.post(
        "/api/council/my/rsvp",
        json={"meeting_id": upcoming, "response": "yes"},
        headers=platform.auth("council_member", subject="person:someone-else"),
    )
    assert other.status_code == 403
    assert (
        await platform.runtime.pool("participation").fetchval(
            "select response from council_invitations where meeting_id = $1 and member_id = $2",
            uuid.UUID(upcoming),
            uuid.UUID(member["id"]),
        )
        == "no"
    )
    secretary = await platform.client.post(
        "/api/council/my/rsvp",
        json={"meeting_id": upcoming, "response": "yes"},
        headers=platform.auth(SECRETARY),
    )
    assert secretary.status_code == 403
