"""Sign-in by e-mail (handbook/contract.md, "Sign-in by e-mail"): a form with one `email` field;
a known address gets a one-time link within a minute; any other address the same answer and no
mail; bad input a clear error and no mail; the link signs in once, leading to the asked page."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from shared import signin
from shared.people import Identity, PeopleHooks
from shared.runtime import ServiceSpec
from tests.helpers.platform import COORDINATOR_EMAIL, RunningPlatform
from tests.helpers.signin import link_in, mail_files, mail_to, messages_to, text_of


def _csrf(page: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert match, "the page has no form"
    return match.group(1)


async def _ask(client: httpx.AsyncClient, address: str, **extra: str) -> httpx.Response:
    page = await client.get("/auth/sign-in", params={"lang": "en"})
    assert page.status_code == 200
    return await client.post(
        "/auth/sign-in", data={"_csrf_token": _csrf(page.text), "email": address, **extra}
    )


def _answer(response: httpx.Response) -> str:
    """The page without what differs per request (the CSRF token)."""
    return re.sub(r'name="_csrf_token" value="[^"]+"', "", response.text)


async def test_the_form_has_one_email_field_and_a_csrf_field(platform: RunningPlatform) -> None:
    page = await platform.client.get("/auth/sign-in", params={"lang": "pl"})
    assert page.status_code == 200
    form = re.search(r'<form action="/auth/sign-in".*?</form>', page.text, re.S)
    assert form, "no e-mail sign-in form"
    names = set(re.findall(r'name="([^"]+)"', form.group(0)))
    assert names == {"_csrf_token", "email"}
    assert 'autocomplete="email"' in form.group(0)


async def test_a_known_address_gets_a_link_that_signs_in_once(platform: RunningPlatform) -> None:
    before = mail_files(platform)
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as browser:
        answer = await _ask(browser, COORDINATOR_EMAIL.upper(), next="/dashboard?year=2026")
        assert answer.status_code == 200
        assert "Check your e-mail" in answer.text
        message = await mail_to(platform, COORDINATOR_EMAIL, since=before)
        assert message["Subject"] == "Your sign-in link to Open Kraków"
        assert "programme coordinator" in text_of(message).lower()
        link = link_in(message)
        assert "next=%2Fdashboard%3Fyear%3D2026" in link
        page = await browser.get(link.removeprefix(platform.settings.public_url))
        assert page.status_code == 200
        token = re.search(r'name="token" value="([^"]+)"', page.text)
        target = re.search(r'name="next" value="([^"]+)"', page.text)
        assert token and target and target.group(1) == "/dashboard?year=2026"
        form = {"_csrf_token": _csrf(page.text), "token": token.group(1), "next": target.group(1)}
        signed_in = await browser.post("/auth/link", data=form)
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/dashboard?year=2026"
        assert (await browser.get("/dashboard")).status_code == 200
        again = await browser.post("/auth/link", data=form)
        assert again.status_code == 409
        # The used link's page offers a new one, to the same page.
        assert 'action="/auth/sign-in"' in again.text
        assert 'name="next" value="/dashboard?year=2026"' in again.text


async def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    platform: RunningPlatform,
) -> None:
    stranger = f"stranger-{uuid.uuid4().hex[:8]}@example.org"
    before = mail_files(platform)
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as browser:
        unknown = await _ask(browser, stranger)
        known = await _ask(browser, COORDINATOR_EMAIL)
    assert unknown.status_code == known.status_code == 200
    assert _answer(unknown) == _answer(known)
    # The known address's job was queued after the unknown one's: once its mail is written,
    # the unknown one's lookup has been made too.
    await mail_to(platform, COORDINATOR_EMAIL, since=before)
    assert messages_to(platform, stranger) == []
    assert await signin.sign_in_mail({"runtime": platform.runtime}, stranger, "en") == "unknown"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your e-mail address, for example name@example.org."),
        ("not an address", "Enter an e-mail address in the form name@example.org."),
        ("a@b@example.org", "Enter an e-mail address in the form name@example.org."),
    ],
)
async def test_bad_input_is_explained_and_sends_nothing(
    platform: RunningPlatform, typed: str, message: str
) -> None:
    before = mail_files(platform)
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as browser:
        answer = await _ask(browser, typed)
    assert answer.status_code == 400
    assert message in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert f'value="{typed}"' in answer.text if typed else True
    assert mail_files(platform) == before


async def test_without_the_csrf_field_nothing_is_sent(platform: RunningPlatform) -> None:
    before = mail_files(platform)
    answer = await platform.client.post("/auth/sign-in", data={"email": COORDINATOR_EMAIL})
    assert answer.status_code == 403
    assert mail_files(platform) == before


async def test_a_service_names_the_roles_and_each_gets_its_link(platform: RunningPlatform) -> None:
    """Every service's PeopleHooks are asked; one message holds a link per role, in the person's
    language, each signing in as that role with that organisation and leading to its page."""
    address = f"anna-{uuid.uuid4().hex[:6]}@example.org"
    org = uuid.uuid4()

    async def identities(conn: Any, email: str) -> list[Identity]:
        assert await conn.fetchval("select 1") == 1  # asked on the service's own pool
        if email != address:
            return []
        return [
            Identity("person:a", "evaluator", language="uk", what="Call 2027", home="/grants"),
            Identity("person:a", "ngo", org=org, language="uk", name="Anna", home="/grants"),
            Identity("person:a", "ngo", org=org, language="uk", name="Anna", home="/grants"),
        ]

    async def broken(conn: Any, email: str) -> list[Identity]:
        raise RuntimeError("this service is down")

    runtime = platform.runtime
    schema = runtime.services[0].schema
    extra = [
        ServiceSpec(
            name="test-people", schema=schema, migrations=(), people=PeopleHooks(identities)
        ),
        ServiceSpec(name="test-broken", schema=schema, migrations=(), people=PeopleHooks(broken)),
    ]
    runtime.services = [*runtime.services, *extra]
    before = mail_files(platform)
    try:
        assert await signin.sign_in_mail({"runtime": runtime}, address.upper(), "pl") == "sent"
    finally:
        runtime.services = [s for s in runtime.services if s not in extra]
    message = await mail_to(platform, address, since=before)
    assert message["Subject"] == "Ваше посилання для входу — «Відкритий Краків»"
    text = text_of(message)
    assert "Оцінювач грантових заявок: Call 2027" in text
    assert "Представник організації" in text
    assert len(re.findall(r"/auth/link\?", text)) == 2  # the duplicate NGO role merged
    assert runtime.auth is not None
    claims = runtime.auth.local.verify(
        re.search(r"token=([^&\s]+)", link_in(message, 1)).group(1),  # type: ignore[union-attr]
        purpose="login-link",
    )
    assert claims["roles"] == ["ngo"] and claims["org"] == str(org) and claims["name"] == "Anna"
