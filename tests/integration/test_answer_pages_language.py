"""Switching language on a POST's answer page keeps what it shows (issue 15).

The Bench slip answered `…/questions?lang=uk` with a 400 page and its one-time tracking code was
lost for good. Each answer page's language switch now re-POSTs a sealed copy of the page
(shared/web/replay.py): same page, other language, nothing in an address.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

import httpx

from services.participation.bench.pages.public import catalogs as bench_catalogs
from services.participation.council.pages import catalogs as council_catalogs
from shared.web import replay
from tests.helpers.platform import RunningPlatform, client_ip
from tests.helpers.waiting import eventually
from tests.integration.ambassadors.ambassadors_helpers import new_edition as new_ambassadors_edition
from tests.integration.ambassadors.ambassadors_helpers import nomination_body
from tests.integration.bench.bench_helpers import new_edition
from tests.integration.bench.test_bench_staff_pages import csrf_of, signed_in
from tests.integration.council.helpers import (
    application,
    direct_member,
    mails_to,
    meeting,
    now,
    open_call,
    rsvp_token,
)

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
SWITCH = re.compile(
    r'<form method="post" action="(/page-language\?lang=(\w+))" class="language-form">\s*'
    r'<input type="hidden" name="_csrf_token" value="([^"]*)">\s*'
    r'<input type="hidden" name="page" value="([^"]+)">'
)


def switches(page: str) -> dict[str, dict[str, str]]:
    """The language switch of an answer page: per language, where it posts and what."""
    found = {
        lang: {"action": action, "_csrf_token": csrf, "page": html.unescape(sealed)}
        for action, lang, csrf, sealed in SWITCH.findall(page)
    }
    assert set(found) == {"pl", "en", "uk"}, "the language switch re-posts the page"
    return found


async def switch(browser: httpx.AsyncClient, page: str, lang: str) -> httpx.Response:
    target = switches(page)[lang]
    return await browser.post(
        target["action"], data={"_csrf_token": target["_csrf_token"], "page": target["page"]}
    )


def browser_for(platform: RunningPlatform) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=platform.base_url, headers={"X-Forwarded-For": client_ip()})


async def test_the_bench_slip_changes_language_and_keeps_its_tracking_code(
    platform: RunningPlatform,
) -> None:
    edition = (await new_edition(platform))["id"]
    async with browser_for(platform) as browser:
        form = await browser.get(f"/bench/editions/{edition}", params={"lang": "pl"})
        sent = await browser.post(
            f"/bench/editions/{edition}/questions",
            data={
                "_csrf_token": CSRF.search(form.text).group(1),  # type: ignore[union-attr]
                "text": "Jak zapisać dziecko do przedszkola bez numeru PESEL?",
                "topic": "education",
                "language": "pl",
                "nonce": uuid.uuid4().hex,
            },
        )
        assert sent.status_code == 200 and sent.headers["content-language"] == "pl"
        code = re.search(r'<code id="tracking-token">([^<]+)</code>', sent.text).group(1)  # type: ignore[union-attr]
        reference = re.search(r'id="reference">([^<]+)<', sent.text).group(1)  # type: ignore[union-attr]
        # The plain link the old page had (…/questions?lang=uk) is gone from the switch.
        assert f'href="/bench/editions/{edition}/questions?lang=' not in sent.text
        for link in switches(sent.text).values():
            assert code not in link["action"] and code not in link["page"]  # sealed, not readable

        uk = await switch(browser, sent.text, "uk")
        assert uk.status_code == 200, uk.text
        assert uk.headers["content-language"] == "uk"
        assert uk.headers["cache-control"] == "no-store"
        assert uk.headers["referrer-policy"] == "no-referrer"
        assert f'<code id="tracking-token">{code}</code>' in uk.text
        assert reference in uk.text and "Ваше запитання надіслано" in uk.text
        assert code not in str(uk.url)  # the address (and so the history) never holds it
        # And on again, from the page the switch gave.
        en = await switch(browser, uk.text, "en")
        assert en.status_code == 200 and en.headers["content-language"] == "en"
        assert f'<code id="tracking-token">{code}</code>' in en.text

        # A forged or altered copy shows nothing of anyone's page.
        sealed = switches(sent.text)["uk"]
        forged = await browser.post(
            sealed["action"],
            data={"_csrf_token": sealed["_csrf_token"], "page": sealed["page"][:-4] + "AAAA"},
        )
        assert forged.status_code == 400 and code not in forged.text
        assert "Цю сторінку більше не можна показати" in forged.text


async def test_a_sealed_page_expires(platform: RunningPlatform) -> None:
    sealed = replay.seal(platform.runtime, "bench.slip", {"reference": "LD-1"}, ttl=-1)
    assert replay.unseal(platform.runtime, sealed) is None
    fresh = replay.seal(platform.runtime, "bench.slip", {"reference": "LD-1"})
    assert replay.unseal(platform.runtime, fresh) == ("bench.slip", {"reference": "LD-1"})
    assert replay.unseal(platform.runtime, "not-a-token") is None


async def test_the_refused_bench_form_changes_language_and_keeps_what_was_typed(
    platform: RunningPlatform,
) -> None:
    edition = (await new_edition(platform))["id"]
    async with browser_for(platform) as browser:
        form = await browser.get(f"/bench/editions/{edition}", params={"lang": "pl"})
        refused = await browser.post(
            f"/bench/editions/{edition}/questions",
            data={
                "_csrf_token": CSRF.search(form.text).group(1),  # type: ignore[union-attr]
                "text": "Za krótko",
                "topic": "education",
                "language": "pl",
                "name": "Oksana Melnyk",
            },
        )
        assert refused.status_code == 400
        uk = await switch(browser, refused.text, "uk")
    assert uk.status_code == 200 and uk.headers["content-language"] == "uk"
    assert ">Za krótko</textarea>" in uk.text and 'value="Oksana Melnyk"' in uk.text
    assert catalogs_bench("uk", "Write your question: at least 10 characters.") in uk.text


def catalogs_bench(lang: str, msgid: str) -> str:
    return html.escape(bench_catalogs.gettext(lang, msgid))


async def test_the_council_receipt_and_invitation_reply_change_language(
    platform: RunningPlatform,
) -> None:
    call = (await open_call(platform))["id"]
    async with browser_for(platform) as browser:
        form = await browser.get(f"/council/calls/{call}/apply", params={"lang": "pl"})
        body = application()
        sent = await browser.post(
            f"/council/calls/{call}/apply",
            data={
                **{k: v for k, v in body.items() if k != "consent"},
                "consent": "yes",
                "_csrf_token": CSRF.search(form.text).group(1),  # type: ignore[union-attr]
            },
        )
        assert sent.status_code == 201, sent.text
        en = await switch(browser, sent.text, "en")
        assert en.status_code == 200 and en.headers["content-language"] == "en"
        assert f"We sent a confirmation to {body['email']}" in en.text
        reference = re.search(r"Thank you. Your reference is ([^<]+?)\.</p>", en.text)
        assert reference and reference.group(1) in sent.text  # the same receipt

    member = await direct_member(platform, name="Halyna Shevchenko")
    await meeting(platform, starts_at=now() + timedelta(days=5), title="Posiedzenie lipcowe")

    async def invitation() -> list:
        return [
            m for m in mails_to(platform, member["email"]) if "Zaproszenie" in str(m["Subject"])
        ]

    token = rsvp_token((await eventually(invitation, what="invitation"))[0])
    async with browser_for(platform) as browser:
        page = await browser.get("/council/invitation", params={"token": token, "lang": "uk"})
        reply = await browser.post(
            "/council/invitation",
            data={
                "_csrf_token": CSRF.search(page.text).group(1),  # type: ignore[union-attr]
                "token": token,
                "action": "rsvp",
                "response": "yes",
            },
        )
        assert reply.status_code == 200 and "Дякуємо: вашу відповідь збережено." in reply.text
        pl = await switch(browser, reply.text, "pl")
    assert pl.status_code == 200 and pl.headers["content-language"] == "pl"
    assert "Posiedzenie lipcowe" in pl.text and token not in str(pl.url)
    assert catalogs_council("pl", "Thank you: your reply is saved.") in pl.text


def catalogs_council(lang: str, msgid: str) -> str:
    return html.escape(council_catalogs.gettext(lang, msgid))


async def test_the_nomination_receipt_changes_language(platform: RunningPlatform) -> None:
    edition = (await new_ambassadors_edition(platform))["id"]
    async with browser_for(platform) as browser:
        page = await browser.get(f"/ambassadors/editions/{edition}/nominate?lang=en")
        body = nomination_body()
        sent = await browser.post(
            f"/ambassadors/editions/{edition}/nominate",
            data={
                **{k: v for k, v in body.items() if k != "consent"},
                "consent": "yes",
                "_csrf_token": CSRF.search(page.text).group(1),  # type: ignore[union-attr]
            },
        )
        assert sent.status_code == 200, sent.text
        reference = re.search(r"Your reference is ([^.<]+)\.", sent.text).group(1)  # type: ignore[union-attr]
        uk = await switch(browser, sent.text, "uk")
    assert uk.status_code == 200 and uk.headers["content-language"] == "uk"
    assert reference in uk.text and "Your reference is" not in uk.text


async def test_the_entered_question_slip_changes_language_for_coordinators_only(
    platform: RunningPlatform,
) -> None:
    edition = (await new_edition(platform))["id"]
    page = f"/bench/staff/editions/{edition}"
    async with signed_in(platform, "coordinator", lang="pl") as coordinator:
        shown = await coordinator.get(page)
        entered = await coordinator.post(
            f"{page}/entered-questions",
            data={
                "_csrf_token": csrf_of(shown),
                "channel": "paper",
                "text": "Gdzie można zgłosić dziurę w chodniku na Kazimierzu?",
                "topic": "urban_infrastructure",
                "language": "pl",
            },
        )
        assert entered.status_code == 201 and "Kod do śledzenia" in entered.text
        code = re.search(r"<dd><code>([^<]+)</code></dd>", entered.text)
        assert code, "the slip shows the tracking code"
        en = await switch(coordinator, entered.text, "en")
        assert en.status_code == 200 and en.headers["content-language"] == "en"
        assert code.group(1) in en.text and "Tracking code" in en.text
    async with signed_in(platform, "responder") as responder:
        target = switches(entered.text)["uk"]
        csrf = csrf_of(await responder.get("/bench/staff"))
        other = await responder.post(
            target["action"], data={"_csrf_token": csrf, "page": target["page"]}
        )
        assert other.status_code == 403 and code.group(1) not in other.text


async def test_the_answer_of_a_closed_edition_changes_language(
    platform: RunningPlatform,
) -> None:
    edition = (await new_edition(platform))["id"]
    async with browser_for(platform) as browser:
        form = await browser.get(f"/bench/editions/{edition}", params={"lang": "en"})
        closed = await platform.client.post(
            f"/api/bench/editions/{edition}/submissions/close",
            headers=platform.auth("coordinator"),
        )
        assert closed.status_code == 200, closed.text
        text = "Kiedy otworzą nowy punkt informacyjny dla cudzoziemców?"
        refused = await browser.post(
            f"/bench/editions/{edition}/questions",
            data={
                "_csrf_token": CSRF.search(form.text).group(1),  # type: ignore[union-attr]
                "text": text,
                "topic": "education",
                "language": "pl",
            },
        )
        assert refused.status_code == 409
        pl = await switch(browser, refused.text, "pl")
    assert pl.status_code == 200 and pl.headers["content-language"] == "pl"
    closed_text = catalogs_bench("pl", "Questions are no longer accepted for this session.")
    assert closed_text in pl.text and closed_text not in refused.text
