"""Which tokens of the OIDC issuer the API takes (access tokens, never ID tokens) and the
OIDC_CLIENT_AUTH setting. Keys are preloaded: no network (the real provider is in
tests/integration/kit/test_oidc_provider.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from shared.auth import InvalidToken, OidcIssuer
from shared.config import load_settings

ISSUER = "https://login.krakow.test"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})


def issuer(audience: str | None) -> OidcIssuer:
    oidc = OidcIssuer(ISSUER, audience, "roles", client_id="openkrakow-web")
    oidc._keys, oidc._keys_at = KeySet([KEY]), time.monotonic()
    return oidc


def token(header_typ: str, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "staff-1", "iat": now, "exp": now + 300, **claims}
    return jwt.encode({"alg": "RS256", "kid": "k1", "typ": header_typ}, body, KEY)


async def test_without_an_api_audience_only_rfc9068_access_tokens_pass() -> None:
    oidc = issuer(None)
    assert (await oidc.verify_access_token(token("at+jwt", aud="openkrakow-web")))["sub"]
    assert await oidc.verify_access_token(token("application/at+jwt", aud="openkrakow-web"))
    for id_token in (
        token("JWT", aud="openkrakow-web"),
        token("JWT", aud="openkrakow-web", nonce="n"),
    ):
        with pytest.raises(InvalidToken, match="not an access token"):
            await oidc.verify_access_token(id_token)


async def test_an_audience_equal_to_the_client_id_is_no_api_audience() -> None:
    with pytest.raises(InvalidToken, match="not an access token"):
        await issuer("openkrakow-web").verify_access_token(token("JWT", aud="openkrakow-web"))


@pytest.mark.parametrize(
    "marks",
    [{"nonce": "n"}, {"at_hash": "x"}, {"c_hash": "x"}, {"typ": "ID"}],
    ids=["nonce", "at_hash", "c_hash", "keycloak-typ-ID"],
)
async def test_with_an_api_audience_id_token_marks_are_refused(marks: dict[str, str]) -> None:
    oidc = issuer("openkrakow-api")
    assert await oidc.verify_access_token(token("JWT", aud="openkrakow-api", typ="Bearer"))
    with pytest.raises(InvalidToken, match="ID token"):
        await oidc.verify_access_token(token("JWT", aud="openkrakow-api", **marks))


async def test_an_access_token_is_no_id_token() -> None:
    oidc = issuer(None)
    with pytest.raises(InvalidToken, match="not an ID token"):
        await oidc.verify_id_token(
            token("at+jwt", aud="openkrakow-web", nonce="n"), client_id="openkrakow-web", nonce="n"
        )
    claims = await oidc.verify_id_token(
        token("JWT", aud="openkrakow-web", nonce="n"), client_id="openkrakow-web", nonce="n"
    )
    assert claims["sub"] == "staff-1"


def test_oidc_client_auth_is_one_of_two_methods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OIDC_CLIENT_AUTH", raising=False)
    assert load_settings().oidc_client_auth == "client_secret_basic"
    monkeypatch.setenv("OIDC_CLIENT_AUTH", "client_secret_post")
    assert load_settings().oidc_client_auth == "client_secret_post"
    monkeypatch.setenv("OIDC_CLIENT_AUTH", "private_key_jwt")
    with pytest.raises(ValueError, match="OIDC_CLIENT_AUTH"):
        load_settings()
