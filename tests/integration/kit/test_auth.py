"""Who may call what: bearer tokens, roles, sign-in links, sessions, and an OIDC issuer."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey
from litestar import Litestar, Request, get, post
from litestar.response import Redirect

from shared import ports
from shared.auth import Authenticator, InvalidToken, LocalIssuer, OidcIssuer
from shared.auth_pages import ROLE_HOME
from tests.conftest import Servers
from tests.helpers.platform import RunningPlatform, running_platform, test_settings
from tests.helpers.server import free_port, serve_app

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def test_no_token_is_401_and_wrong_role_is_403(platform: RunningPlatform) -> None:
    url = "/api/indicators?year=2026"
    assert (await platform.client.get(url)).status_code == 401
    assert (await platform.client.get(url, headers=platform.auth("juror"))).status_code == 403
    assert (await platform.client.get(url, headers=platform.auth("coordinator"))).status_code == 200


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda auth: "not-a-jwt", id="garbage"),
        pytest.param(lambda auth: auth.access_token("c", "coordinator", ttl=-120), id="expired"),
        pytest.param(
            lambda auth: LocalIssuer(
                b"another-key-entirely-0123456789abcdef", "openkrakow-local", "openkrakow"
            ).sign({"sub": "c", "roles": ["coordinator"]}, ttl=300, purpose="access"),
            id="forged-signature",
        ),
        pytest.param(
            lambda auth: LocalIssuer(b"x" * 40, "https://evil.example", "openkrakow").sign(
                {"sub": "c", "roles": ["coordinator"]}, ttl=300, purpose="access"
            ),
            id="other-issuer",
        ),
        pytest.param(
            lambda auth: auth.local.sign(
                {"sub": "c", "roles": ["coordinator"]}, ttl=300, purpose="session"
            ),
            id="session-token-as-bearer",
        ),
    ],
)
async def test_an_invalid_bearer_token_is_401(platform: RunningPlatform, make_token: Any) -> None:
    token = make_token(platform.runtime.auth)
    resp = await platform.client.get(
        "/api/indicators?year=2026", headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 401
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "WWW-Authenticate" in resp.headers


async def test_the_sign_in_page_speaks_polish_by_default_and_ukrainian_on_request(
    platform: RunningPlatform,
) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url) as fresh:
        assert "Zaloguj" in (await fresh.get("/auth/sign-in")).text
        assert "Увійти" in (await fresh.get("/auth/sign-in", params={"lang": "uk"})).text
        assert "Увійти" in (await fresh.get("/auth/sign-in")).text  # the choice is remembered


async def test_a_sign_in_link_works_once_and_sign_out_revokes_the_session(
    platform: RunningPlatform,
) -> None:
    assert platform.runtime.auth is not None
    token = platform.runtime.auth.login_link_token("ngo-rep-1", "ngo", org=uuid.uuid4())
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        page = await browser.get("/auth/link", params={"token": token})
        assert page.status_code == 200
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        form = {"token": token, "next": "/", "_csrf_token": csrf}
        signed_in = await browser.post("/auth/link", data=form)
        assert signed_in.status_code == 303
        session = browser.cookies.get("okr_session")
        assert session
        assert platform.runtime.auth.from_session(session).subject == "ngo-rep-1"  # type: ignore[union-attr]
        home = await browser.get("/")
        assert "Wyloguj" in home.text  # the header offers sign-out to a signed-in person

        again = await browser.post("/auth/link", data=form)
        assert again.status_code == 409

        csrf = CSRF.search(home.text).group(1)  # type: ignore[union-attr]
        out = await browser.post("/auth/sign-out", data={"_csrf_token": csrf})
        assert out.status_code == 303
    # The old cookie value no longer signs anyone in, even if it was copied before sign-out.
    async with httpx.AsyncClient(
        base_url=platform.base_url, cookies={"okr_session": session}
    ) as thief:
        assert "Wyloguj" not in (await thief.get("/")).text


@pytest.mark.parametrize("role", sorted(ROLE_HOME))
async def test_a_sign_in_link_without_a_target_leads_to_the_roles_own_page(
    platform: RunningPlatform, role: str
) -> None:
    assert platform.runtime.auth is not None
    org = uuid.uuid4() if role == "ngo" else None
    token = platform.runtime.auth.login_link_token(f"{role}-home", role, org=org)
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        page = await browser.get("/auth/link", params={"token": token})
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        hidden_next = re.search(r'name="next" value="([^"]*)"', page.text)
        assert hidden_next is not None and hidden_next.group(1) == ROLE_HOME[role]
        signed_in = await browser.post(
            "/auth/link", data={"token": token, "next": hidden_next.group(1), "_csrf_token": csrf}
        )
        assert signed_in.headers["location"].endswith(ROLE_HOME[role])
        home = await browser.get(ROLE_HOME[role])
        assert home.status_code == 200, (role, ROLE_HOME[role], home.status_code)


async def test_a_form_post_without_the_csrf_token_is_refused(platform: RunningPlatform) -> None:
    token = platform.runtime.auth.login_link_token("x", "juror")  # type: ignore[union-attr]
    resp = await platform.client.post("/auth/link", data={"token": token})
    assert resp.status_code == 403


async def test_an_expired_or_tampered_link_is_refused(platform: RunningPlatform) -> None:
    auth = platform.runtime.auth
    assert auth is not None
    expired = auth.login_link_token("x", "juror", ttl=-120)
    assert (await platform.client.get("/auth/link", params={"token": expired})).status_code == 400
    assert (
        await platform.client.get("/auth/link", params={"token": expired[:-3] + "abc"})
    ).status_code == 400


def test_unknown_roles_are_refused_when_issuing() -> None:
    auth = Authenticator(LocalIssuer(b"k" * 40, "i", "a"), None)
    with pytest.raises(ValueError, match="unknown role"):
        auth.access_token("s", "mayor")


# --- OIDC: a real (small) issuer served over HTTP ---------------------------------------


class FakeIdP:
    """An OpenID Connect issuer with the authorization-code + PKCE flow and a JWKS."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
        self.base = ""
        self.codes: dict[str, dict[str, Any]] = {}
        self.roles = ["coordinator"]
        # Claims to change in the ID tokens it issues (None leaves the claim out).
        self.tamper: dict[str, Any] = {}
        self.hits: Counter[str] = Counter()  # requests per path
        self.published: list[Any] = [self.key]  # the keys its JWKS lists
        self.jwks_override: Any = None  # a JWKS body to serve instead (a broken one)
        # Keys to add to the discovery document (None removes one); no userinfo by default.
        self.discovery_extra: dict[str, Any] = {}
        self.userinfo_body: Any = {"sub": "staff-17", "roles": ["responder"]}
        self.userinfo_tokens: list[str] = []

    def token(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        body = {"iss": self.base, "iat": now, "exp": now + 300, **claims}
        return jwt.encode({"alg": "RS256", "kid": "k1"}, body, self.key)

    def app(self) -> Litestar:
        idp = self

        @get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, str]:
            idp.hits["discovery"] += 1
            doc = {
                "issuer": idp.base,
                "authorization_endpoint": f"{idp.base}/authorize",
                "token_endpoint": f"{idp.base}/token",
                "jwks_uri": f"{idp.base}/jwks",
                **idp.discovery_extra,
            }
            return {k: v for k, v in doc.items() if v is not None}

        @get("/jwks")
        async def jwks() -> Any:
            idp.hits["jwks"] += 1
            if idp.jwks_override is not None:
                return idp.jwks_override
            return KeySet(idp.published).as_dict(private=False)

        @get("/userinfo")
        async def userinfo(request: Request[Any, Any, Any]) -> Any:
            idp.userinfo_tokens.append(request.headers.get("authorization", ""))
            return idp.userinfo_body

        @get("/authorize")
        async def authorize(request: Request[Any, Any, Any]) -> Redirect:
            q = request.query_params
            code = uuid.uuid4().hex
            idp.codes[code] = {
                "challenge": q["code_challenge"],
                "nonce": q.get("nonce"),
                "client": q["client_id"],
            }
            return Redirect(f"{q['redirect_uri']}?code={code}&state={q['state']}")

        @post("/token", status_code=200)
        async def token(request: Request[Any, Any, Any]) -> dict[str, Any]:
            form = await request.form()
            grant = idp.codes.pop(str(form["code"]))
            digest = hashlib.sha256(str(form["code_verifier"]).encode()).digest()
            assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == grant["challenge"], (
                "PKCE mismatch"
            )
            claims = {
                "sub": "staff-17",
                "aud": grant["client"],
                "nonce": grant["nonce"],
                "roles": idp.roles,
                **idp.tamper,
            }
            id_token = idp.token({k: v for k, v in claims.items() if v is not None})
            return {
                "access_token": "at",
                "token_type": "Bearer",
                "id_token": id_token,
                "expires_in": 300,
            }

        return Litestar([discovery, jwks, userinfo, authorize, token])


@pytest.fixture
async def idp() -> AsyncIterator[FakeIdP]:
    fake = FakeIdP()
    async with serve_app(fake.app()) as base:
        fake.base = base
        yield fake


@pytest.fixture
async def oidc_platform(
    servers: Servers, idp: FakeIdP, tmp_path: Any
) -> AsyncIterator[RunningPlatform]:
    from services.registry import all_services

    settings = test_settings(tmp_path, servers.database_url, servers.nats_url, servers.redis_url)
    settings = msgspec.structs.replace(
        settings, oidc_issuer=idp.base, oidc_client_id="openkrakow-web", oidc_client_secret="s3cret"
    )
    async with running_platform(settings, all_services(), parts=frozenset({"web"})) as running:
        running.runtime.settings = msgspec.structs.replace(
            running.settings, public_url=running.base_url
        )
        yield running


async def test_city_staff_sign_in_through_oidc_with_pkce(
    oidc_platform: RunningPlatform, idp: FakeIdP
) -> None:
    async with httpx.AsyncClient(
        base_url=oidc_platform.base_url, follow_redirects=False
    ) as browser:
        start = await browser.get("/auth/oidc/start", params={"next": "/dashboard"})
        assert start.status_code == 303
        authorize_url = start.headers["location"]
        query = parse_qs(urlsplit(authorize_url).query)
        assert query["code_challenge_method"] == ["S256"] and query["nonce"]
        back = await httpx.AsyncClient().get(authorize_url)
        callback = back.headers["location"]
        done = await browser.get(urlsplit(callback).path + "?" + urlsplit(callback).query)
        assert done.status_code == 303 and done.headers["location"] == "/dashboard"
        session = browser.cookies.get("okr_session")
        user = oidc_platform.runtime.auth.from_session(session)  # type: ignore[union-attr]
        assert user is not None and user.subject == "staff-17" and user.roles == ("coordinator",)


async def test_a_callback_with_a_wrong_state_signs_nobody_in(
    oidc_platform: RunningPlatform, idp: FakeIdP
) -> None:
    async with httpx.AsyncClient(base_url=oidc_platform.base_url) as browser:
        await browser.get("/auth/oidc/start")
        resp = await browser.get("/auth/oidc/callback", params={"code": "x", "state": "forged"})
        assert resp.status_code == 400
        assert browser.cookies.get("okr_session") is None


@pytest.mark.parametrize(
    "nonce", ["not-the-nonce-sent", None], ids=["wrong nonce", "missing nonce"]
)
async def test_an_id_token_without_the_nonce_sent_signs_nobody_in(
    oidc_platform: RunningPlatform, idp: FakeIdP, nonce: str | None
) -> None:
    """A replayed or injected ID token carries another nonce, or none: it must not sign in."""
    idp.tamper = {"nonce": nonce}
    async with httpx.AsyncClient(
        base_url=oidc_platform.base_url, follow_redirects=False
    ) as browser:
        start = await browser.get("/auth/oidc/start", params={"next": "/dashboard"})
        back = await httpx.AsyncClient().get(start.headers["location"])
        callback = urlsplit(back.headers["location"])
        done = await browser.get(callback.path + "?" + callback.query)
        assert done.status_code == 400
        assert browser.cookies.get("okr_session") is None


async def test_api_accepts_tokens_of_the_oidc_issuer_and_refuses_other_keys(
    idp: FakeIdP, tmp_path: Any
) -> None:
    auth = Authenticator(
        LocalIssuer(b"k" * 40, "openkrakow-local", "openkrakow"),
        OidcIssuer(idp.base, "openkrakow-api", "roles"),
    )
    good = idp.token({"sub": "staff-1", "aud": "openkrakow-api", "roles": ["responder", "mayor"]})
    principal = await auth.from_bearer(good)
    assert principal.subject == "staff-1" and principal.roles == ("responder",)

    wrong_audience = idp.token({"sub": "staff-1", "aud": "someone-else", "roles": ["responder"]})
    other_key = jwt.encode(
        {"alg": "HS256", "kid": "k1"},
        {"iss": idp.base, "sub": "x", "exp": int(time.time()) + 60, "aud": "openkrakow-api"},
        OctKey.generate_key(256),
    )
    for bad in (wrong_audience, other_key):
        with pytest.raises(InvalidToken):
            await auth.from_bearer(bad)


async def test_the_discovery_document_is_fetched_once_and_the_keys_are_cached(
    idp: FakeIdP,
) -> None:
    oidc = OidcIssuer(idp.base + "/", "api", "roles")
    assert (await oidc.discover())["jwks_uri"] == f"{idp.base}/jwks"
    first = await oidc.keys()
    assert await oidc.keys() is first and await oidc.keys(refresh=True) is first
    assert idp.hits == {"discovery": 1, "jwks": 1}
    # A token with an unknown key asks again, at most once a minute.
    oidc._keys_at = time.monotonic() - 30
    assert await oidc.keys(refresh=True) is first and idp.hits["jwks"] == 1
    oidc._keys_at = time.monotonic() - 60.5
    second = await oidc.keys(refresh=True)
    assert second is not first and idp.hits["jwks"] == 2
    # Otherwise the keys are fetched again after an hour.
    oidc._keys_at = time.monotonic() - 3500
    assert await oidc.keys() is second and idp.hits["jwks"] == 2
    oidc._keys_at = time.monotonic() - 3600.5
    assert await oidc.keys() is not second and idp.hits == {"discovery": 1, "jwks": 3}


async def test_a_rotated_key_is_fetched_when_a_token_names_it(idp: FakeIdP) -> None:
    oidc = OidcIssuer(idp.base, "api", "roles")
    assert await oidc.verify(idp.token({"sub": "s", "aud": "api"}))
    idp.key = RSAKey.generate_key(2048, parameters={"kid": "k2", "use": "sig"})
    idp.published = [idp.key]
    rotated = jwt.encode(  # RS384: the second look, with the new keys, takes each algorithm too
        {"alg": "RS384", "kid": "k2"},
        {"iss": idp.base, "sub": "s", "aud": "api", "exp": int(time.time()) + 60},
        idp.key,
        algorithms=["RS384"],
    )
    oidc._keys_at = time.monotonic()
    with pytest.raises(InvalidToken):  # keys fetched less than a minute ago: not again
        await oidc.verify(rotated)
    assert idp.hits["jwks"] == 1
    oidc._keys_at = time.monotonic() - 61
    assert (await oidc.verify(rotated))["sub"] == "s"
    assert idp.hits["jwks"] == 2


async def test_an_issuer_that_fails_makes_its_tokens_invalid_not_errors(idp: FakeIdP) -> None:
    token = idp.token({"sub": "s", "aud": "api"})
    idp.discovery_extra = {"jwks_uri": f"{idp.base}/no-such-jwks"}
    with pytest.raises(httpx.HTTPStatusError):
        await OidcIssuer(idp.base, "api", "roles").keys()
    with pytest.raises(InvalidToken, match="404"):
        await OidcIssuer(idp.base, "api", "roles").verify(token)
    idp.discovery_extra = {"jwks_uri": None}
    with pytest.raises(InvalidToken, match="jwks_uri"):
        await OidcIssuer(idp.base, "api", "roles").verify(token)
    idp.discovery_extra = {}
    idp.jwks_override = {"keys": [{"kty": "RSA", "kid": "k1", "n": "!!", "e": "AQAB"}]}
    with pytest.raises(InvalidToken):
        await OidcIssuer(idp.base, "api", "roles").verify(token)
    with pytest.raises(httpx.HTTPStatusError):
        await OidcIssuer(idp.base + "/nowhere", "api", "roles").discover()
    with pytest.raises(InvalidToken):
        await OidcIssuer(idp.base + "/nowhere", "api", "roles").verify(token)
    unreachable = OidcIssuer(f"http://127.0.0.1:{free_port()}", "api", "roles")
    with pytest.raises(InvalidToken):
        await unreachable.verify(token)


async def test_userinfo_is_asked_with_the_access_token(idp: FakeIdP) -> None:
    with pytest.raises(InvalidToken, match="^the issuer has no userinfo endpoint$"):
        await OidcIssuer(idp.base, None, "roles").userinfo("at-1")
    idp.discovery_extra = {"userinfo_endpoint": f"{idp.base}/userinfo"}
    oidc = OidcIssuer(idp.base, None, "roles", client_id="web")
    assert await oidc.userinfo("at-1") == {"sub": "staff-17", "roles": ["responder"]}
    assert idp.userinfo_tokens == ["Bearer at-1"]
    idp.userinfo_body = ["not", "an", "object"]
    with pytest.raises(InvalidToken, match="^userinfo is not a JSON object$"):
        await oidc.userinfo("at-1")
    idp.discovery_extra = {"userinfo_endpoint": f"{idp.base}/no-such-userinfo"}
    with pytest.raises(httpx.HTTPStatusError):
        await OidcIssuer(idp.base, None, "roles").userinfo("at-1")


async def test_an_issuer_that_does_not_answer_is_given_up_on() -> None:
    """A hung issuer must not hold a request (or a sign-in) for ever: each call has a timeout."""
    silent = ports.bound_socket()
    silent.listen(8)  # connections are taken by the kernel and never answered
    try:
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        oidc = OidcIssuer(base, "api", "roles")
        oidc.http_timeout = 0.5
        with pytest.raises(httpx.TimeoutException):
            await asyncio.wait_for(oidc.discover(), 10)
        oidc.metadata = {"jwks_uri": f"{base}/jwks", "userinfo_endpoint": f"{base}/userinfo"}
        with pytest.raises(httpx.TimeoutException):
            await asyncio.wait_for(oidc.keys(), 10)
        with pytest.raises(httpx.TimeoutException):
            await asyncio.wait_for(oidc.userinfo("at"), 10)
    finally:
        silent.close()
    assert OidcIssuer(base, "api", "roles").http_timeout == 10.0


async def test_a_token_of_a_known_key_fetches_no_keys(idp: FakeIdP) -> None:
    """Only a token the cached keys cannot verify asks the issuer again (even when a refresh
    would be allowed): a valid token costs no request, whatever its algorithm."""
    rs384 = RSAKey.generate_key(2048, parameters={"kid": "k384", "use": "sig"})
    idp.published = [idp.key, rs384]
    oidc = OidcIssuer(idp.base, "api", "roles")
    await oidc.keys()
    oidc._keys_at = time.monotonic() - 61
    claims = {"iss": idp.base, "sub": "s", "aud": "api", "exp": int(time.time()) + 300}
    for key, alg in ((idp.key, "RS256"), (rs384, "RS384")):
        token = jwt.encode({"alg": alg, "kid": key.kid}, claims, key, algorithms=[alg])
        assert (await oidc.verify(token))["sub"] == "s"
    assert idp.hits["jwks"] == 1
