"""OIDC against a real, certified provider (`oidc-provider` 9 from package.json, run by Node).

The provider (tests/helpers/oidc_provider/) checks what the thin test issuer in test_auth.py
does not: client authentication and its encoding, exact redirect URIs, PKCE, single-use codes,
RFC 9068 JWT access tokens for a resource, claims conformed to the userinfo endpoint, key
rotation and RP-initiated logout. A test person drives it as a browser would: the platform's
sign-in link, the provider's login form, back to the platform.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit

import httpx
import msgspec
import pytest
from authlib.common.security import generate_token

from shared.auth_pages import ROLE_HOME
from tests.conftest import Servers
from tests.helpers.oidc_provider import (
    API_RESOURCE,
    BASIC_CLIENT,
    BASIC_SECRET,
    POST_CLIENT,
    POST_SECRET,
    OidcProvider,
    need_node,
)
from tests.helpers.platform import RunningPlatform, running_platform, test_settings

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
INDICATORS = "/api/indicators?year=2026"


@pytest.fixture
async def provider(tmp_path: Path) -> AsyncIterator[OidcProvider]:
    need_node()
    op = OidcProvider(tmp_path / "op")
    try:
        yield op
    finally:
        op.stop()


@pytest.fixture
async def site(
    servers: Servers, provider: OidcProvider, tmp_path: Path
) -> AsyncIterator[RunningPlatform]:
    """The web part with the provider as OIDC issuer; OIDC_AUDIENCE is left unset."""
    from services.registry import all_services

    settings = test_settings(tmp_path, servers.database_url, servers.nats_url, servers.redis_url)
    settings = msgspec.structs.replace(
        settings,
        oidc_issuer=provider.issuer,
        oidc_client_id=BASIC_CLIENT,
        oidc_client_secret=BASIC_SECRET,
        oidc_roles_claim="realm_access.roles",
    )
    async with running_platform(settings, all_services(), parts=frozenset({"web"})) as running:
        running.runtime.settings = msgspec.structs.replace(
            running.settings, public_url=running.base_url
        )
        provider.redirect_base = running.base_url
        await provider.start()
        yield running


def _callback_of(resp: httpx.Response) -> httpx.Response | None:
    for step in [*resp.history, resp]:
        if step.url.path == "/auth/oidc/callback":
            return step
    return None


async def sign_in(
    browser: httpx.AsyncClient, site: RunningPlatform, user: str, next: str | None = None
) -> httpx.Response:
    """Start at the platform, log in as `user` on the provider's form; the callback's answer."""
    params = {"next": next} if next else {}
    login_page = await browser.get(f"{site.base_url}/auth/oidc/start", params=params)
    assert login_page.status_code == 200 and 'name="login"' in login_page.text, login_page.text
    action = FORM_ACTION.search(login_page.text).group(1)  # type: ignore[union-attr]
    done = await browser.post(
        f"{login_page.url.scheme}://{login_page.url.netloc.decode()}{action}", data={"login": user}
    )
    callback = _callback_of(done)
    assert callback is not None, (done.status_code, done.url, done.text[:500])
    return callback


def _session_of(browser: httpx.AsyncClient, site: RunningPlatform) -> Any:
    cookie = browser.cookies.get("okr_session")
    return site.runtime.auth.from_session(cookie) if cookie else None  # type: ignore[union-attr]


async def tokens_for(
    provider: OidcProvider, user: str, *, client_id: str = BASIC_CLIENT, resource: bool = True
) -> dict[str, Any]:
    """The authorization code flow run by the test as the client itself (PKCE, a resource)."""
    verifier = generate_token(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    redirect_uri = f"{provider.redirect_base}/auth/oidc/callback"
    query = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "openid api" if resource else "openid",
        "redirect_uri": redirect_uri,
        "state": generate_token(16),
        "nonce": generate_token(16),
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    if resource:
        query["resource"] = API_RESOURCE
    async with httpx.AsyncClient(timeout=10) as browser:
        meta = (await browser.get(f"{provider.issuer}/.well-known/openid-configuration")).json()
        resp = await browser.get(f"{meta['authorization_endpoint']}?{urlencode(query)}")
        for _ in range(10):
            if resp.status_code == 200 and 'name="login"' in resp.text:
                action = FORM_ACTION.search(resp.text).group(1)  # type: ignore[union-attr]
                resp = await browser.post(f"{provider.issuer}{action}", data={"login": user})
                continue
            location = resp.headers.get("location", "")
            assert resp.is_redirect, (resp.status_code, resp.text[:500])
            if location.startswith(redirect_uri):
                break
            resp = await browser.get(httpx.URL(str(resp.url)).join(location))
        code = parse_qs(urlsplit(location).query)["code"][0]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        if resource:
            form["resource"] = API_RESOURCE
        # RFC 6749 §2.3.1: id and secret form-urlencoded, then base64
        pair = ":".join(quote_plus(v) for v in (client_id, BASIC_SECRET))
        token = await browser.post(
            meta["token_endpoint"],
            data=form,
            headers={"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()},
        )
    assert token.status_code == 200, token.text
    return token.json()


# --- sign-in at the provider -----------------------------------------------------------------


async def test_sign_in_with_pkce_and_nested_roles_lands_on_the_roles_home(
    site: RunningPlatform, provider: OidcProvider
) -> None:
    """The ID token carries `realm_access.roles`; the secret (client_secret_basic) has `+`."""
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
        start = await browser.get(f"{site.base_url}/auth/oidc/start", follow_redirects=False)
        query = parse_qs(urlsplit(start.headers["location"]).query)
        assert query["code_challenge_method"] == ["S256"] and query["nonce"]
        callback = await sign_in(browser, site, "anna")
        assert callback.status_code == 303, callback.text[:500]
        assert callback.headers["location"] == ROLE_HOME["coordinator"] == "/work"
        user = _session_of(browser, site)
        assert user.subject == "anna" and user.roles == ("coordinator",)
        assert user.name == "Anna Nowak"

    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
        callback = await sign_in(browser, site, "anna", next="/grants")
        assert callback.headers["location"] == "/grants"  # an asked-for page wins
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
        callback = await sign_in(browser, site, "anna", next="//evil.example/")
        assert callback.headers["location"] == "/work"  # never another site


async def test_roles_given_only_at_userinfo_sign_in(
    site: RunningPlatform, provider: OidcProvider
) -> None:
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
        callback = await sign_in(browser, site, "bogdan")
        assert callback.status_code == 303, callback.text[:500]
        assert callback.headers["location"] == ROLE_HOME["responder"]
        user = _session_of(browser, site)
        assert user.subject == "bogdan" and user.roles == ("responder",)


async def test_a_person_with_no_role_gets_403_and_a_log_line(
    site: RunningPlatform, provider: OidcProvider, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="openkrakow.auth"):
        async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
            browser.cookies.set("lang", "en")
            callback = await sign_in(browser, site, "celina")
            assert callback.status_code == 403
            assert "no role on this platform" in callback.text
            assert _session_of(browser, site) is None
    refusals = [r.getMessage() for r in caplog.records if r.name == "openkrakow.auth"]
    assert any("celina" in m and "no role" in m for m in refusals), refusals


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("pl", "Logowanie zostało anulowane"),
        ("en", "The sign-in was cancelled or refused"),
        ("uk", "Вхід скасовано"),
    ],
)
async def test_a_refusal_at_the_provider_is_explained_and_logged(
    site: RunningPlatform,
    provider: OidcProvider,
    caplog: pytest.LogCaptureFixture,
    lang: str,
    text: str,
) -> None:
    with caplog.at_level(logging.WARNING, logger="openkrakow.auth"):
        async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
            browser.cookies.set("lang", lang)
            login_page = await browser.get(f"{site.base_url}/auth/oidc/start")
            cancel = FORM_ACTION.findall(login_page.text)[-1]
            assert cancel.endswith("/abort")
            done = await browser.post(f"{provider.issuer}{cancel}")
            callback = _callback_of(done)
            assert callback is not None and callback.url.params["error"] == "access_denied"
            assert callback.status_code == 400
            assert text in callback.text
            assert _session_of(browser, site) is None
    logged = [r.getMessage() for r in caplog.records if r.name == "openkrakow.auth"]
    assert any("access_denied" in m for m in logged), logged


# --- client authentication -------------------------------------------------------------------


async def test_client_secret_post_when_configured(
    site: RunningPlatform, provider: OidcProvider
) -> None:
    """OIDC_CLIENT_AUTH=client_secret_post sends the secret (with `+` and `%`) in the body."""
    site.runtime.settings = msgspec.structs.replace(
        site.runtime.settings,
        oidc_client_id=POST_CLIENT,
        oidc_client_secret=POST_SECRET,
        oidc_client_auth="client_secret_post",
    )
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
        callback = await sign_in(browser, site, "anna")
        assert callback.status_code == 303, callback.text[:500]
        assert _session_of(browser, site).subject == "anna"
        seen = (await browser.get(f"{provider.issuer}/test/token-requests")).json()
    assert seen == [{"client_id": POST_CLIENT, "method": "client_secret_post", "status": 200}]


async def test_client_secret_basic_form_encodes_the_secret(
    site: RunningPlatform, provider: OidcProvider
) -> None:
    """The default method, with a secret holding `+`, `%`, `:`, `/`, `=` and a space."""
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
        callback = await sign_in(browser, site, "anna")
        assert callback.status_code == 303, callback.text[:500]
        seen = (await browser.get(f"{provider.issuer}/test/token-requests")).json()
    assert seen == [{"client_id": BASIC_CLIENT, "method": "client_secret_basic", "status": 200}]


# --- the API: access tokens only -------------------------------------------------------------


async def test_the_api_takes_the_access_token_and_refuses_the_id_token(
    site: RunningPlatform, provider: OidcProvider
) -> None:
    """OIDC_AUDIENCE is unset: the ID token's audience is the client id, as the API expects."""
    tokens = await tokens_for(provider, "anna")
    assert _peek(tokens["id_token"])[1]["aud"] == BASIC_CLIENT
    assert _peek(tokens["access_token"])[0]["typ"] == "at+jwt"

    ok = await site.client.get(INDICATORS, headers=_bearer(tokens["access_token"]))
    assert ok.status_code == 200, ok.text
    refused = await site.client.get(INDICATORS, headers=_bearer(tokens["id_token"]))
    assert refused.status_code == 401, refused.text[:300]


async def test_alg_confusion_and_unsigned_tokens_are_refused(
    site: RunningPlatform, provider: OidcProvider
) -> None:
    tokens = await tokens_for(provider, "anna")
    good = tokens["access_token"]
    assert (await site.client.get(INDICATORS, headers=_bearer(good))).status_code == 200
    header = _peek(good)[0]
    claims = _peek(good)[1]
    public_pem = provider.keys[0].as_pem(private=False)
    forged = {
        "hs256-with-the-public-key": _compact(
            {**header, "alg": "HS256"},
            claims,
            lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
        ),
        "alg-none": _compact({**header, "alg": "none"}, claims, lambda data: b""),
    }
    for name, token in forged.items():
        resp = await site.client.get(INDICATORS, headers=_bearer(token))
        assert resp.status_code == 401, (name, resp.status_code)


async def test_a_token_signed_by_a_new_key_is_taken_after_a_jwks_refresh(
    site: RunningPlatform, provider: OidcProvider
) -> None:
    before = (await tokens_for(provider, "anna"))["access_token"]
    assert (await site.client.get(INDICATORS, headers=_bearer(before))).status_code == 200

    new_key = await provider.rotate_keys()
    after = (await tokens_for(provider, "anna"))["access_token"]
    assert _peek(after)[0]["kid"] == new_key.kid
    oidc = site.runtime.auth.oidc  # type: ignore[union-attr]
    # A minute passes: the cache may be refreshed again for a key it does not know.
    oidc._keys_at -= oidc.refresh_cooldown + 1
    assert (await site.client.get(INDICATORS, headers=_bearer(after))).status_code == 200
    # The old key is still published: a token it signed stays good until it expires.
    assert (await site.client.get(INDICATORS, headers=_bearer(before))).status_code == 200


# --- sign-out ends the provider's session ----------------------------------------------------


async def test_sign_out_ends_the_session_at_the_provider(
    site: RunningPlatform, provider: OidcProvider
) -> None:
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
        callback = await sign_in(browser, site, "anna")
        assert callback.status_code == 303
        home = await browser.get(f"{site.base_url}/")
        csrf = CSRF.search(home.text).group(1)  # type: ignore[union-attr]
        out = await browser.post(
            f"{site.base_url}/auth/sign-out",
            data={"_csrf_token": csrf},
            follow_redirects=False,
        )
        assert out.status_code == 303
        meta = (await browser.get(f"{provider.issuer}/.well-known/openid-configuration")).json()
        location = out.headers["location"]
        assert location.startswith(meta["end_session_endpoint"] + "?")
        query = parse_qs(urlsplit(location).query)
        assert query["post_logout_redirect_uri"] == [f"{site.base_url}/"]
        assert _peek(query["id_token_hint"][0])[1]["sub"] == "anna"

        confirm = await browser.get(location)
        assert confirm.status_code == 200
        xsrf = re.search(r'name="xsrf" value="([^"]+)"', confirm.text).group(1)  # type: ignore[union-attr]
        action = FORM_ACTION.search(confirm.text).group(1)  # type: ignore[union-attr]
        back = await browser.post(
            httpx.URL(str(confirm.url)).join(action), data={"xsrf": xsrf, "logout": "yes"}
        )
        assert str(back.url) == f"{site.base_url}/"
        assert _session_of(browser, site) is None
        # The provider forgot her: signing in again asks for the login form.
        again = await browser.get(f"{site.base_url}/auth/oidc/start")
        assert 'name="login"' in again.text


# --- helpers ---------------------------------------------------------------------------------


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A token's header and claims, unverified (the test only looks)."""
    head, body = (
        json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        for part in token.split(".")[:2]
    )
    return head, body


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _compact(header: dict[str, Any], claims: dict[str, Any], sign: Any) -> str:
    signing_input = _b64(json.dumps(header).encode()) + b"." + _b64(json.dumps(claims).encode())
    return (signing_input + b"." + _b64(sign(signing_input))).decode()


async def test_a_code_used_twice_signs_nobody_in_the_second_time(
    site: RunningPlatform, provider: OidcProvider, caplog: pytest.LogCaptureFixture
) -> None:
    """The provider refuses a spent code (`invalid_grant`); the platform says so, with a 400."""
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
        login_page = await browser.get(f"{site.base_url}/auth/oidc/start")
        flow_cookie = browser.cookies.get("okr_oidc")
        action = FORM_ACTION.search(login_page.text).group(1)  # type: ignore[union-attr]
        resp = await browser.post(
            f"{provider.issuer}{action}", data={"login": "anna"}, follow_redirects=False
        )
        while not str(resp.headers.get("location", "")).startswith(site.base_url):
            resp = await browser.get(
                resp.url.join(resp.headers["location"]), follow_redirects=False
            )
        callback_url = resp.headers["location"]
        first = await browser.get(callback_url, follow_redirects=False)
        assert first.status_code == 303

    with caplog.at_level(logging.WARNING, logger="openkrakow.auth"):
        async with httpx.AsyncClient(timeout=30, cookies={"okr_oidc": flow_cookie}) as replay:
            second = await replay.get(callback_url, follow_redirects=False)
            assert second.status_code == 400
            assert replay.cookies.get("okr_session") is None
    assert any("invalid_grant" in r.getMessage() for r in caplog.records)
