"""The asker's verdict (issue 16 part 5): the answer mail's two links, no sign-in; a GET only asks
to confirm, the POST records it once; a wrong or used token says so and changes nothing."""

from __future__ import annotations

import re
import uuid

import httpx

from tests.helpers.platform import RunningPlatform
from tests.integration.bench.bench_helpers import ask, body_text, mail_arrives, new_edition
from tests.integration.bench.test_bench_staff_pages import csrf_of


async def _answered(platform: RunningPlatform, asker: str) -> tuple[str, str]:
    edition = await new_edition(platform)
    coordinator = platform.auth("coordinator")
    created = await ask(platform, edition["id"], email=asker, language="uk")
    await mail_arrives(platform, asker)
    qid = created["id"]
    for path, body in (
        ("moderation", {"decision": "accepted"}),
        (
            "answer",
            {"text": "Від вересня будуть додаткові уроки польської мови.", "language": "uk"},
        ),
    ):
        resp = await platform.client.post(
            f"/api/bench/questions/{qid}/{path}", json=body, headers=coordinator
        )
        assert resp.status_code == 200, resp.text
    text = body_text((await mail_arrives(platform, asker, count=2))[-1])
    links = re.findall(r"https?://\S+/bench/feedback/(\S+)/(helpful|not-helpful)", text)
    assert [v for _, v in links] == ["helpful", "not-helpful"]
    assert links[0][0] == links[1][0]
    return qid, links[0][0]


async def _verdict(platform: RunningPlatform, qid: str) -> tuple:
    row = await platform.runtime.pool("participation").fetchrow(
        "select helpful, feedback_at from bench_questions where id = $1", uuid.UUID(qid)
    )
    return row["helpful"], row["feedback_at"]


async def test_helpful_is_confirmed_by_post_and_counted_once(platform: RunningPlatform) -> None:
    qid, token = await _answered(platform, "halyna.f@example.org")
    async with httpx.AsyncClient(base_url=platform.base_url, cookies={"lang": "uk"}) as browser:
        page = await browser.get(f"/bench/feedback/{token}/helpful")
        assert page.status_code == 200
        assert 'id="feedback-ask"' in page.text and "Підтвердити" in page.text
        # A GET (a mail scanner opening the link) changes nothing.
        assert await _verdict(platform, qid) == (None, None)
        form = {"_csrf_token": csrf_of(page)}

        done = await browser.post(f"/bench/feedback/{token}/helpful", data=form)
        assert done.status_code == 200, done.text
        assert 'id="feedback-done"' in done.text
        helpful, at = await _verdict(platform, qid)
        assert helpful is True and at is not None

        # A second click, even on the other link, changes nothing and says so.
        again = await browser.post(f"/bench/feedback/{token}/not-helpful", data=form)
        assert 'id="feedback-used"' in again.text
        assert "уже записано" in again.text
        assert await _verdict(platform, qid) == (True, at)
        page = await browser.get(f"/bench/feedback/{token}/helpful")
        assert 'id="feedback-used"' in page.text


async def test_a_wrong_token_or_verdict_is_a_clear_page_and_changes_nothing(
    platform: RunningPlatform,
) -> None:
    qid, token = await _answered(platform, "roman.t@example.org")
    async with httpx.AsyncClient(base_url=platform.base_url, cookies={"lang": "uk"}) as browser:
        form = {"_csrf_token": csrf_of(await browser.get(f"/bench/feedback/{token}/helpful"))}
        for path in (f"/bench/feedback/{'x' * 32}/helpful", f"/bench/feedback/{token}/maybe"):
            page = await browser.get(path)
            assert page.status_code == 404
            assert "Це посилання недійсне" in page.text
            posted = await browser.post(path, data=form)
            assert posted.status_code == 404
            assert 'id="feedback-unknown"' in posted.text
    assert await _verdict(platform, qid) == (None, None)


async def test_the_tracking_page_offers_the_verdict_once_and_then_shows_it(
    platform: RunningPlatform,
) -> None:
    """An asker without an address (or who lost the mail) answers on the tracking page: two
    POST buttons while the question is answered and no verdict is recorded, then what was."""
    from tests.integration.bench.bench_helpers import events_of

    edition = await new_edition(platform)
    created = await ask(platform, edition["id"], language="uk")
    params = {"reference": created["reference"], "token": created["tracking_token"]}
    qid = created["id"]
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        page = await browser.get("/bench/track", params={**params, "lang": "uk"})
        assert "Так, допомогла" not in page.text  # not answered: nothing to judge
        coordinator = platform.auth("coordinator")
        for path, body in (
            ("moderation", {"decision": "accepted"}),
            ("answer", {"text": "Так, у Кракові є безкоштовні курси мови.", "language": "uk"}),
        ):
            resp = await platform.client.post(
                f"/api/bench/questions/{qid}/{path}", json=body, headers=coordinator
            )
            assert resp.status_code == 200, resp.text
        for lang, words in (
            ("pl", ("Czy ta odpowiedź pomogła", "Tak, pomogła", "Nie, nie pomogła")),
            ("en", ("Did this answer your question?", "Yes, it helped", "No, it did not help")),
            ("uk", ("Чи відповідь допомогла вам?", "Так, допомогла", "Ні, не допомогла")),
        ):
            page = await browser.get("/bench/track", params={**params, "lang": lang})
            assert all(w in page.text for w in words), lang
            assert 'action="/bench/track/verdict"' in page.text
        form = {"_csrf_token": csrf_of(page), **params}
        wrong = await browser.post(
            "/bench/track/verdict", data={**form, "token": "wrong-1", "verdict": "helpful"}
        )
        assert wrong.status_code == 303 and "done=" not in wrong.headers["location"]
        odd = await browser.post("/bench/track/verdict", data={**form, "verdict": "maybe"})
        assert odd.status_code == 303 and "done=" not in odd.headers["location"]
        assert await _verdict(platform, qid) == (None, None)

        done = await browser.post("/bench/track/verdict", data={**form, "verdict": "helpful"})
        assert done.status_code == 303 and "done=verdict" in done.headers["location"]
        helpful, at = await _verdict(platform, qid)
        assert helpful is True and at is not None
        again = await browser.post("/bench/track/verdict", data={**form, "verdict": "not-helpful"})
        assert "done=" not in again.headers["location"]
        assert await _verdict(platform, qid) == (True, at)
        page = await browser.get("/bench/track", params={**params, "lang": "uk"})
        assert (
            'id="verdict"' in page.text
            and "Ви повідомили нам, що відповідь допомогла." in page.text
        )
        assert 'action="/bench/track/verdict"' not in page.text
    assert len(await events_of(platform, "bench.answer_verdict_given", "question_id", qid)) == 1
