"""No redirect or link the platform builds from a request leads to another site.

`GET /auth/sign-in?next=/%09/evil.example/phish` used to offer a "Continue" link that Chromium
resolves to http://evil.example/phish (browsers drop tabs and newlines from URLs, and read "\\"
as "/"). Every target taken from input now passes one kit check, `same_origin_path`. The table
below goes through the sign-in page, the sign-in link's page and its POST (303 Location), and the
language links of a page whose own path is hostile; the strings are checked as served, and then
Chromium itself resolves every link on those pages and every Location header.
"""

from __future__ import annotations

import html
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from shared.auth import Principal
from shared.auth_pages import ROLE_HOME
from tests.helpers.platform import RunningPlatform

# Each would send a browser (or a layer that decodes once more) to another origin.
HOSTILE = [
    "/%09/evil.example/phish",
    "/\t/evil.example/phish",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "\\\\evil.example",
    "//evil.example",
    "///evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "%2F%2Fevil.example",
    "/%252F/evil.example",
    "/%0A/evil.example",
    "/%00/evil.example",
    "/\x7f/evil.example",
    "/\x00/evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "/\u3000/evil.example",
    "/\uff0f/evil.example",
]
# Paths on this site stay as they are.
LOCAL = ["/", "/grants", "/bench/staff?edition=1&lang=en", "/grants/applications/x#part", "/a%20b"]

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.is_file()
HREF = re.compile(r'href="([^"]*)"')
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
HIDDEN_NEXT = re.compile(r'name="next" value="([^"]*)"')


@pytest.mark.parametrize("target", HOSTILE)
def test_a_hostile_target_is_refused(target: str) -> None:
    from shared.auth_pages import safe_next
    from shared.http import same_origin_path

    assert same_origin_path(target) is None
    assert safe_next(target) == "/"
    assert safe_next(target, Principal(subject="j", roles=("juror",))) == ROLE_HOME["juror"]


@pytest.mark.parametrize("target", LOCAL)
def test_a_path_on_this_site_is_kept(target: str) -> None:
    from shared.auth_pages import safe_next

    assert safe_next(target) == target


def session_cookie(platform: RunningPlatform, role: str = "juror") -> str:
    assert platform.runtime.auth is not None
    return platform.runtime.auth.session_token(
        Principal(subject=f"{role}-{uuid.uuid4().hex[:6]}", roles=(role,))
    )


async def served_targets(platform: RunningPlatform, target: str) -> dict[str, str]:
    """Every link or redirect the platform builds from `target`, as served (name → value)."""
    auth = platform.runtime.auth
    assert auth is not None
    found: dict[str, str] = {}
    cookies = {"okr_session": session_cookie(platform), "lang": "en"}
    async with httpx.AsyncClient(base_url=platform.base_url, cookies=cookies) as signed_in:
        page = await signed_in.get("/auth/sign-in", params={"next": target})
        assert page.status_code == 200, page.text
        continue_link = re.search(r'<a href="([^"]*)">Continue</a>', page.text)
        hrefs = [html.unescape(h) for h in HREF.findall(page.text)]
        found |= {f"sign-in page link {i}": h for i, h in enumerate(hrefs)}
        assert continue_link, page.text
        found["continue"] = html.unescape(continue_link.group(1))
    token = auth.login_link_token(f"juror-{uuid.uuid4().hex[:6]}", "juror")
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        link = await browser.get("/auth/link", params={"token": token, "next": target})
        hidden = HIDDEN_NEXT.search(link.text)
        assert hidden, link.text
        found["link page's next"] = html.unescape(hidden.group(1))
        csrf = CSRF.search(link.text)
        assert csrf
        used = await browser.post(
            "/auth/link", data={"token": token, "next": target, "_csrf_token": csrf.group(1)}
        )
        assert used.status_code == 303, used.text
        found["sign-in Location"] = used.headers["location"]
    return found


async def test_no_link_or_redirect_built_from_next_leaves_the_site(
    platform: RunningPlatform,
) -> None:
    wrong = []
    for target in HOSTILE:
        for name, value in (await served_targets(platform, target)).items():
            if name == "continue" and value != "/":
                wrong.append((target, name, value))
            if name in ("link page's next", "sign-in Location") and value != ROLE_HOME["juror"]:
                wrong.append((target, name, value))
            if value.startswith("#"):  # the skip link
                continue
            if not value.startswith("/") or value.startswith("//") or not value.isprintable():
                wrong.append((target, name, value))
            if "\\" in value or ("evil" in value and not name.startswith("sign-in page link")):
                wrong.append((target, name, value))
    assert not wrong, wrong
    for target in LOCAL:
        served = await served_targets(platform, target)
        assert served["continue"] == target and served["sign-in Location"] == target


HOSTILE_PATHS = [b"//evil.example/phish", b"/%09/evil.example/phish", b"/%5Cevil.example/phish"]


async def test_a_hostile_path_does_not_become_a_language_link_elsewhere(
    platform: RunningPlatform,
) -> None:
    wrong = []
    async with httpx.AsyncClient() as client:
        for raw in HOSTILE_PATHS:
            url = httpx.URL(platform.base_url).copy_with(raw_path=raw)
            page = await client.get(url)
            for href in (html.unescape(h) for h in HREF.findall(page.text)):
                if "evil" in href and (href.startswith("//") or not href.startswith("/")):
                    wrong.append((raw, href))
                if "\t" in href or "\\" in href:
                    wrong.append((raw, href))
    assert not wrong, wrong


@pytest.mark.browser
async def test_chromium_resolves_every_link_and_redirect_on_this_site(
    platform: RunningPlatform,
) -> None:
    """The browser is the judge: its own URL parser resolves what the pages and Locations say."""
    playwright_api = pytest.importorskip("playwright.async_api")
    if not HAVE_CHROMIUM:
        pytest.skip("Debian's chromium is not installed")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(platform.base_url))
    served = {t: await served_targets(platform, t) for t in HOSTILE + LOCAL}
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = await browser.new_context(java_script_enabled=True)
            host = urlsplit(platform.base_url).hostname
            await context.add_cookies(
                [
                    {
                        "name": "okr_session",
                        "value": session_cookie(platform),
                        "domain": host,
                        "path": "/",
                    }
                ]
            )
            page = await context.new_page()
            wrong: list[Any] = []
            for target in HOSTILE + LOCAL:
                await page.goto(f"{origin}/auth/sign-in?next={quote(target, safe='')}")
                links = await page.eval_on_selector_all(
                    "a[href], link[href]", "els => els.map(e => e.href)"
                )
                values = list(served[target].values())
                resolved = await page.evaluate(
                    "vs => vs.map(v => new URL(v, location.href).origin)", values
                )
                for href in links:
                    if not href.startswith(origin + "/"):
                        wrong.append((target, "link on the sign-in page", href))
                for value, seen in zip(values, resolved, strict=True):
                    if seen != origin:
                        wrong.append((target, value, seen))
            for raw in HOSTILE_PATHS:
                await page.goto(origin + raw.decode())
                links = await page.eval_on_selector_all(
                    "a[href], link[href]", "els => els.map(e => e.href)"
                )
                wrong += [(raw, href) for href in links if not href.startswith(origin + "/")]
            assert not wrong, wrong
        finally:
            await browser.close()
