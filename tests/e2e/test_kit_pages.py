"""The web kit's pages in a real browser: three languages, WCAG 2.1 AA, forms without JavaScript."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, Request, Response, get, post
from litestar.config.csrf import CSRFConfig

from shared.web.i18n import KIT_LOCALE_DIR, LANGUAGES, Catalogs
from shared.web.templates import PageRenderer, security_headers, static_files_router
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.server import serve_app

DEMO_TEMPLATE = """\
{% extends "base.html" %}
{% import "forms.html" as forms with context %}
{% block title %}{{ _("Ask the Dialogue Bench") }}{% endblock %}
{% block content %}
<div class="container">
  <h1>{{ _("Ask the Dialogue Bench") }}</h1>
  {% call forms.form("/", errors=errors) %}
    {{ forms.text_input("name", _("Your name"), value=values.get("name"), error=errors.get("name"),
                        required=True, autocomplete="name") }}
    {{ forms.textarea("question", _("Your question"), value=values.get("question"),
                      hint=_("Write in any language."), maxlength=1000) }}
    {{ forms.select("district", _("District"), [("", "–"), ("I", "Stare Miasto"), ("II", "Grzegórzki")],
                    value=values.get("district")) }}
    {{ forms.radio_group("reply_by", _("How should we reply?"), [("email", _("E-mail")), ("post", _("Post"))],
                         value=values.get("reply_by"), error=errors.get("reply_by"), required=True) }}
    {{ forms.checkbox("consent", _("I agree to the processing of my data"), checked=values.get("consent")) }}
    {{ forms.submit(_("Send")) }}
  {% endcall %}
</div>
{% endblock %}
"""


def build_demo_app(template_dir: Path) -> Litestar:
    """One page with a kit form; POST re-renders it with errors when required fields are empty."""
    (template_dir / "demo.html").write_text(DEMO_TEMPLATE, encoding="utf-8")
    renderer = PageRenderer([template_dir], Catalogs([KIT_LOCALE_DIR]))

    @get("/")
    async def show_form(request: Request[Any, Any, Any]) -> Response[str]:
        return renderer.render(request, "demo.html", errors={}, values={})

    @post("/")
    async def submit_form(request: Request[Any, Any, Any]) -> Response[str]:
        values = dict(await request.form())
        errors = {}
        if not str(values.get("name", "")).strip():
            errors["name"] = "Enter your name"
        if values.get("reply_by") not in ("email", "post"):
            errors["reply_by"] = "Choose how we should reply"
        status = 400 if errors else 200
        return renderer.render(request, "demo.html", status, errors=errors, values=values)

    return Litestar(
        route_handlers=[show_form, submit_form, static_files_router()],
        before_send=[security_headers],
        csrf_config=CSRFConfig(secret="test-secret-of-32-characters-ok!"),
        exception_handlers=renderer.exception_handlers(),
    )


@pytest.fixture(scope="module")
async def base_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    async with serve_app(build_demo_app(tmp_path_factory.mktemp("templates"))) as url:
        yield url


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_form_page_meets_wcag_aa_in_each_language(
    new_page: NewPage, base_url: str, lang: str
) -> None:
    page = await new_page()
    response = await page.goto(f"{base_url}/?lang={lang}")
    assert response is not None and response.status == 200
    assert response.headers["content-language"] == lang
    assert await page.get_attribute("html", "lang") == lang
    await assert_accessible(page)


async def test_page_without_lang_follows_the_browser_language(
    new_page: NewPage, base_url: str
) -> None:
    page = await new_page(locale="uk-UA")
    await page.goto(f"{base_url}/")
    assert await page.get_attribute("html", "lang") == "uk"


async def test_language_switcher_changes_html_lang_and_is_remembered(
    new_page: NewPage, base_url: str
) -> None:
    page = await new_page(locale="pl-PL")
    await page.goto(f"{base_url}/")
    assert await page.get_attribute("html", "lang") == "pl"
    switcher = page.locator("nav.language-switcher")
    assert await switcher.locator("[aria-current='true']").get_attribute("lang") == "pl"

    await switcher.get_by_role("link", name="English").click()
    await page.wait_for_url("**lang=en")
    assert await page.get_attribute("html", "lang") == "en"
    assert await switcher.locator("[aria-current='true']").inner_text() == "English"

    await page.goto(f"{base_url}/")  # no ?lang: the cookie remembers the choice
    assert await page.get_attribute("html", "lang") == "en"


async def test_empty_required_field_shows_error_summary_without_javascript(
    new_page: NewPage, base_url: str
) -> None:
    page = await new_page(java_script_enabled=False)
    await page.goto(f"{base_url}/?lang=pl")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Send").click()

    summary = page.get_by_role("alert")
    # The POST got through CSRF (the hidden token works) and came back with the summary.
    assert await summary.get_by_role("heading").inner_text() == "Wystąpił problem"
    links = summary.get_by_role("link")
    assert await links.all_inner_texts() == ["Enter your name", "Choose how we should reply"]
    assert await links.first.get_attribute("href") == "#name"
    name_input = page.locator("#name")
    assert await name_input.get_attribute("aria-invalid") == "true"
    assert "name-error" in (await name_input.get_attribute("aria-describedby") or "")


async def test_error_state_meets_wcag_aa(new_page: NewPage, base_url: str) -> None:
    page = await new_page()  # axe needs scripts; the form itself needs none
    await page.goto(f"{base_url}/?lang=uk")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Send").click()
    assert await page.get_by_role("alert").is_visible()
    await assert_accessible(page)


async def test_accessibility_check_reports_serious_violations(
    new_page: NewPage, base_url: str
) -> None:
    page = await new_page()
    await page.goto(f"{base_url}/")
    # An unlabelled field and an image without alt text: both "critical" in axe.
    await page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<input type="text" id="nolabel"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">')"""
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        await assert_accessible(page)
    assert "image-alt" in str(failure.value)
    assert "#nolabel" in str(failure.value)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_not_found_page_is_translated_and_accessible(
    new_page: NewPage, base_url: str, lang: str
) -> None:
    page = await new_page()
    response = await page.goto(f"{base_url}/no-such-page?lang={lang}")
    assert response is not None and response.status == 404
    assert await page.get_attribute("html", "lang") == lang
    expected = {"pl": "Nie znaleziono strony", "en": "Page not found", "uk": "Сторінку не знайдено"}
    assert await page.locator("h1").inner_text() == expected[lang]
    await assert_accessible(page)


async def test_pages_carry_security_headers(new_page: NewPage, base_url: str) -> None:
    page = await new_page()
    response = await page.goto(f"{base_url}/")
    assert response is not None
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
