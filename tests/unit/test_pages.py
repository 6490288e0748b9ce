"""Page rendering through a Litestar test client: language, CSRF field, headers, error pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.testing import TestClient

from shared.web.i18n import KIT_LOCALE_DIR, Catalogs
from shared.web.templates import PageRenderer, security_headers, static_files_router

FORM_PAGE = """{% extends "base.html" %}{% import "forms.html" as forms with context %}
{% block title %}Form{% endblock %}
{% block content %}{% call forms.form("/") %}{{ forms.submit("Send") }}{% endcall %}{% endblock %}"""


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient[Litestar]]:
    (tmp_path / "form.html").write_text(FORM_PAGE, encoding="utf-8")
    pages = PageRenderer([tmp_path], Catalogs([KIT_LOCALE_DIR]))

    @get("/")
    async def form_page(request: Request[Any, Any, Any]) -> Response[str]:
        return pages.render(request, "form.html")

    app = Litestar(
        [form_page, static_files_router()],
        before_send=[security_headers],
        csrf_config=CSRFConfig(secret="unit-test-secret-32-characters!!"),
        exception_handlers=pages.exception_handlers(),
    )
    with TestClient(app) as test_client:
        yield test_client


def test_form_carries_the_csrf_token_litestar_expects(client: TestClient[Litestar]) -> None:
    response = client.get("/")
    token = response.cookies["csrftoken"]
    assert f'<input type="hidden" name="_csrf_token" value="{token}">' in response.text


def test_a_forged_csrf_cookie_is_escaped_not_injected(client: TestClient[Litestar]) -> None:
    # Litestar copies the raw cookie into the scope on GET (cf. CVE-2026-48060 for csrf_input).
    client.cookies.set("csrftoken", '"><script>alert(1)</script>')
    response = client.get("/")
    assert "<script>alert(1)" not in response.text
    assert "&#34;&gt;&lt;script&gt;" in response.text


@pytest.mark.parametrize("path", ["/", "/missing", "/static/site.css"])
def test_every_response_has_security_headers(client: TestClient[Litestar], path: str) -> None:
    headers = client.get(path).headers
    assert headers["content-security-policy"].startswith("default-src 'self'")
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_lang_query_sets_content_language_and_cookie(client: TestClient[Litestar]) -> None:
    response = client.get("/?lang=en")
    assert response.headers["content-language"] == "en"
    assert response.cookies["lang"] == "en"
    assert response.headers["cache-control"] == "no-store"
    assert '<html lang="en">' in response.text


@pytest.mark.parametrize(
    ("lang", "title"),
    [("pl", "Nie znaleziono strony"), ("en", "Page not found"), ("uk", "Сторінку не знайдено")],
)
def test_not_found_page_speaks_the_residents_language(
    client: TestClient[Litestar], lang: str, title: str
) -> None:
    response = client.get(f"/nowhere?lang={lang}")
    assert response.status_code == 404
    assert f"<h1>{title}</h1>" in response.text
