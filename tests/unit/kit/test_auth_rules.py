"""The rules of shared/auth.py one by one: what the local issuer signs and refuses, how claims
become a Principal, what the guards let through, which tokens the OIDC issuer's checks take.

No network: the OIDC issuer's keys are preloaded (its discovery, JWKS refresh and userinfo are
in tests/integration/kit/test_auth.py). Every claim and text is compared whole, so a changed
lifetime, purpose, audience or refusal shows (`make mutation`, docs/mutation.md).
"""

from __future__ import annotations

import os
import stat
import time
import uuid
from pathlib import Path
from typing import Any

import msgspec
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from shared.auth import (
    LOGIN_LINK_TTL,
    ROLES,
    SESSION_TTL,
    Authenticator,
    InvalidToken,
    LocalIssuer,
    OidcIssuer,
    Principal,
    admit,
    authenticated,
    claim_at,
    current_user,
    load_secret,
    principal_from_claims,
    requires,
)
from shared.config import load_settings

SECRET = b"unit-test-secret-0123456789abcdefghijklmnop"
ORG = uuid.UUID("6f1c1f0e-2b7a-4e4e-9d3e-0c8f2a1b5d11")
ALL_ROLES = ", ".join(ROLES)


def local() -> LocalIssuer:
    return LocalIssuer(SECRET, "openkrakow-local", "openkrakow")


def authenticator(oidc: OidcIssuer | None = None) -> Authenticator:
    return Authenticator(local(), oidc)


def decoded(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a local token, signature checked, claims not."""
    d = jwt.decode(token, OctKey.import_key(SECRET), algorithms=["HS256"])
    return dict(d.header), dict(d.claims)


def raw_local(claims: dict[str, Any]) -> str:
    """A token of the local key with exactly `claims` (to leave one out)."""
    return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(SECRET))


def full_claims(**over: Any) -> dict[str, Any]:
    """Claims the local issuer takes, but for `over` (None leaves a claim out). Some are made
    when the tests are collected: an hour of validity outlasts any wait on a busy machine."""
    now = int(time.time())
    body = {
        "iss": "openkrakow-local",
        "aud": "openkrakow",
        "sub": "s-1",
        "exp": now + 3600,
        "purpose": "access",
        **over,
    }
    return {k: v for k, v in body.items() if v is not None}


# --- Principal, claims ------------------------------------------------------------------


def test_a_principal_has_any_of_the_roles_asked() -> None:
    p = Principal("s", ("juror", "ngo"))
    assert p.has("coordinator", "ngo")
    assert p.has("juror")
    assert not p.has("coordinator", "evaluator")
    assert not p.has()
    assert p.org is None and p.name is None and p.via == "bearer"


def test_claim_at_follows_a_dotted_path_and_stops_at_anything_else() -> None:
    claims = {"roles": ["ngo"], "realm_access": {"roles": ["juror"]}, "list": ["roles"]}
    assert claim_at(claims, "roles") == ["ngo"]
    assert claim_at(claims, "realm_access.roles") == ["juror"]
    assert claim_at(claims, "realm_access") == {"roles": ["juror"]}
    assert claim_at(claims, "realm_access.missing") is None
    assert claim_at(claims, "missing.roles") is None
    assert claim_at(claims, "list.roles") is None  # a list holding the name is no object
    assert claim_at({"a": "roles"}, "a.roles") is None


def test_claims_become_a_principal_with_known_roles_only() -> None:
    p = principal_from_claims(
        {"sub": 17, "roles": ["juror", "mayor", "ngo"], "org": str(ORG), "name": "Ala"},
        via="session",
    )
    assert p == Principal("17", ("juror", "ngo"), ORG, "Ala", "session")
    spaced = principal_from_claims({"sub": "s", "roles": "coordinator  mayor evaluator"}, via="x")
    assert spaced.roles == ("coordinator", "evaluator")
    nested = principal_from_claims(
        {"sub": "s", "roles": ["ngo"], "realm_access": {"roles": ["responder"]}},
        roles_claim="realm_access.roles",
        via="bearer",
    )
    assert nested.roles == ("responder",)
    bare = principal_from_claims({"sub": "s", "org": ""}, via="bearer")
    assert bare == Principal("s", (), None, None, "bearer")
    assert principal_from_claims({"sub": "s", "roles": None}, via="b").roles == ()


def test_an_org_that_is_no_uuid_is_an_invalid_token() -> None:
    with pytest.raises(InvalidToken, match=r"^org claim is not a UUID$"):
        principal_from_claims({"sub": "s", "roles": ["ngo"], "org": "acme"}, via="bearer")


# --- the local issuer ---------------------------------------------------------------------


def test_a_local_token_carries_every_claim_and_its_lifetime() -> None:
    before = int(time.time())
    token = local().sign({"sub": "s-1", "purpose": "ignored-not"}, ttl=120, purpose="session")
    after = int(time.time())
    header, claims = decoded(token)
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert before <= claims["iat"] <= after
    assert claims["nbf"] == claims["iat"] and claims["exp"] == claims["iat"] + 120
    assert str(uuid.UUID(claims["jti"])) == claims["jti"]
    assert {k: v for k, v in claims.items() if k not in ("iat", "nbf", "exp", "jti")} == {
        "iss": "openkrakow-local",
        "aud": "openkrakow",
        "sub": "s-1",
        "purpose": "ignored-not",  # the caller's claims come last
    }
    assert decoded(local().sign({"sub": "a"}, ttl=1, purpose="x"))[1]["jti"] != claims["jti"]


def test_the_local_issuer_verifies_its_own_tokens() -> None:
    claims = local().verify(
        local().sign({"sub": "s-1"}, ttl=60, purpose="access"), purpose="access"
    )
    assert claims["sub"] == "s-1" and claims["purpose"] == "access" and isinstance(claims, dict)
    assert local().verify(raw_local(full_claims()), purpose="access")["sub"] == "s-1"


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        (full_claims(iss="https://evil.example"), "iss"),
        (full_claims(iss=None), "iss"),
        (full_claims(aud="someone-else"), "aud"),
        (full_claims(aud=None), "aud"),
        (full_claims(exp=None), "exp"),
        (full_claims(sub=None), "sub"),
        (full_claims(purpose="session"), "purpose"),
        (full_claims(purpose=None), "purpose"),
        (full_claims(exp=int(time.time()) - 3600), "exp"),
    ],
    ids=[
        "other-issuer",
        "no-issuer",
        "other-audience",
        "no-audience",
        "no-expiry",
        "no-subject",
        "other-purpose",
        "no-purpose",
        "expired",
    ],
)
def test_the_local_issuer_refuses_a_token_lacking_a_claim(
    claims: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidToken, match=message):
        local().verify(raw_local(claims), purpose="access")


def test_the_local_issuer_allows_thirty_seconds_of_clock_skew() -> None:
    now = int(time.time())
    assert local().verify(raw_local(full_claims(exp=now - 15)), purpose="access")
    with pytest.raises(InvalidToken, match="exp"):
        local().verify(raw_local(full_claims(exp=now - 30)), purpose="access")


def test_the_local_issuer_refuses_other_keys_and_algorithms() -> None:
    other = LocalIssuer(b"another-key-entirely-0123456789abcdef", "openkrakow-local", "openkrakow")
    with pytest.raises(InvalidToken):
        local().verify(other.sign({"sub": "s"}, ttl=60, purpose="access"), purpose="access")
    hs512 = jwt.encode(
        {"alg": "HS512"}, full_claims(), OctKey.import_key(SECRET), algorithms=["HS512"]
    )
    with pytest.raises(InvalidToken):
        local().verify(hs512, purpose="access")
    for garbage in ("not-a-jwt", "a.b!.c", ""):
        with pytest.raises(InvalidToken, match="."):
            local().verify(garbage, purpose="access")


def test_the_secret_comes_from_the_settings_or_a_key_file(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data" / "deeper", secret_key="from-env")
    assert load_secret(settings) == b"from-env"
    assert not (tmp_path / "data").exists()

    settings = msgspec.structs.replace(settings, secret_key=None)
    first = load_secret(settings)
    path = tmp_path / "data" / "deeper" / "secret.key"
    assert first == path.read_text().encode() and len(first) == 64  # token_urlsafe(48)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]
    assert load_secret(settings) == first  # kept

    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "secret.key").write_text("  written-by-hand\n")
    assert load_secret(load_settings(data_dir=existing, secret_key=None)) == b"written-by-hand"
    fresh = load_secret(load_settings(data_dir=tmp_path, secret_key=None))
    assert fresh != first and len(fresh) == 64


# --- Authenticator: the local tokens ------------------------------------------------------


def test_an_access_token_names_one_role_and_lasts_an_hour() -> None:
    header, claims = decoded(authenticator().access_token("s-1", "ngo", org=ORG))
    assert claims["exp"] - claims["iat"] == 3600
    assert (claims["sub"], claims["roles"], claims["org"], claims["purpose"]) == (
        "s-1",
        ["ngo"],
        str(ORG),
        "access",
    )
    _, short = decoded(authenticator().access_token("s-2", "juror", ttl=5))
    assert short["exp"] - short["iat"] == 5 and "org" not in short and short["roles"] == ["juror"]


@pytest.mark.parametrize("issue", ["access_token", "login_link_token"])
def test_tokens_are_issued_for_known_roles_only(issue: str) -> None:
    with pytest.raises(ValueError) as refused:
        getattr(authenticator(), issue)("s", "mayor")
    assert str(refused.value) == f"unknown role 'mayor'; one of {ALL_ROLES}"


def test_a_session_token_keeps_the_person_for_eight_hours() -> None:
    auth = authenticator()
    token = auth.session_token(
        Principal("s-1", ("ngo", "juror"), ORG, "Ala"), id_token="the.id.token"
    )
    _, claims = decoded(token)
    assert claims["exp"] - claims["iat"] == SESSION_TTL == 8 * 3600
    assert (claims["sub"], claims["roles"], claims["org"], claims["name"], claims["idt"]) == (
        "s-1",
        ["ngo", "juror"],
        str(ORG),
        "Ala",
        "the.id.token",
    )
    assert claims["purpose"] == "session"
    _, plain = decoded(auth.session_token(Principal("s-2", ("coordinator",))))
    assert not {"org", "name", "idt"} & set(plain)
    assert auth.from_session(token) == Principal("s-1", ("ngo", "juror"), ORG, "Ala", "session")


def test_a_session_cookie_of_another_kind_signs_nobody_in() -> None:
    auth = authenticator()
    assert auth.from_session(auth.access_token("s", "coordinator")) is None
    assert auth.from_session(auth.login_link_token("s", "coordinator")) is None
    assert auth.from_session("garbage") is None


def test_a_sign_in_link_lasts_fifteen_minutes_and_names_its_person() -> None:
    auth = authenticator()
    _, claims = decoded(auth.login_link_token("s-1", "ngo", org=ORG, name="Ala"))
    assert claims["exp"] - claims["iat"] == LOGIN_LINK_TTL == 15 * 60
    assert (claims["sub"], claims["roles"], claims["org"], claims["name"], claims["purpose"]) == (
        "s-1",
        ["ngo"],
        str(ORG),
        "Ala",
        "login-link",
    )
    _, bare = decoded(auth.login_link_token("s-2", "juror", ttl=7))
    assert bare["exp"] - bare["iat"] == 7 and not {"org", "name"} & set(bare)
    assert auth.local.verify(auth.login_link_token("s", "juror"), purpose="login-link")


async def test_a_bearer_token_of_the_local_issuer_is_an_access_token() -> None:
    auth = authenticator()
    p = await auth.from_bearer(auth.access_token("s-1", "evaluator", org=ORG))
    assert p == Principal("s-1", ("evaluator",), ORG, None, "bearer")
    for other in (
        auth.session_token(Principal("s", ("coordinator",))),
        auth.login_link_token("s", "coordinator"),
    ):
        with pytest.raises(InvalidToken, match="purpose"):
            await auth.from_bearer(other)


async def test_a_bearer_token_of_an_unknown_issuer_or_no_token_at_all_is_refused() -> None:
    stranger = LocalIssuer(SECRET, "https://evil.example", "openkrakow")
    with pytest.raises(InvalidToken, match="^token of an unknown issuer$"):
        await authenticator().from_bearer(stranger.sign({"sub": "s"}, ttl=60, purpose="access"))
    for garbage in ("not-a-jwt", "a.%%%.c", "a.e30", "x"):
        with pytest.raises(InvalidToken, match="^(malformed token|token of an unknown issuer)$"):
            await authenticator().from_bearer(garbage)
    with pytest.raises(InvalidToken, match="^malformed token$"):
        await authenticator().from_bearer("a.bm90LWpzb24.c")


@pytest.mark.parametrize("issuer", ["i", "is", "iss", "issu", "https://login.krakow.test/r/x"])
def test_the_issuer_is_read_from_a_body_of_any_length(issuer: str) -> None:
    """Base64url drops the padding; bodies of every length modulo 4 must decode."""
    for extra in ("", "a", "ab", "abc"):
        token = LocalIssuer(SECRET, issuer, "a").sign({"sub": extra}, ttl=60, purpose="p")
        assert authenticator()._unverified_issuer(token) == issuer


def test_authenticator_from_settings(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path,
        secret_key="k" * 40,
        token_issuer="iss-x",
        token_audience="aud-y",
        oidc_issuer=None,
        oidc_roles_claim="realm_access.roles",
    )
    auth = Authenticator.from_settings(settings)
    assert (auth.local.issuer, auth.local.audience, auth.oidc) == ("iss-x", "aud-y", None)
    assert auth.local.verify(
        LocalIssuer(b"k" * 40, "iss-x", "aud-y").sign({"sub": "s"}, ttl=60, purpose="p"),
        purpose="p",
    )
    with_oidc = Authenticator.from_settings(
        msgspec.structs.replace(
            settings,
            oidc_issuer="https://login.krakow.test/",
            oidc_audience="api",
            oidc_client_id="web",
        )
    )
    assert with_oidc.oidc is not None
    assert (
        with_oidc.oidc.issuer,
        with_oidc.oidc.audience,
        with_oidc.oidc.client_id,
        with_oidc.oidc.roles_claim,
    ) == ("https://login.krakow.test", "api", "web", "realm_access.roles")


# --- guards -------------------------------------------------------------------------------


def connection(user: Any) -> ASGIConnection[Any, Any, Any, Any]:
    scope: dict[str, Any] = {"type": "http"}
    if user is not ...:
        scope["user"] = user
    return ASGIConnection(scope=scope)  # type: ignore[arg-type]


def test_the_current_user_is_a_principal_or_nobody() -> None:
    p = Principal("s", ("ngo",))
    assert current_user(connection(p)) is p
    assert current_user(connection(...)) is None
    assert current_user(connection({"sub": "s", "roles": ["ngo"]})) is None


def test_a_guard_needs_a_signed_in_caller_with_one_of_its_roles() -> None:
    guard = requires("ngo", "coordinator")
    assert guard.__name__ == "requires_ngo_or_coordinator"
    assert guard.roles == frozenset({"ngo", "coordinator"})
    assert guard(connection(Principal("s", ("coordinator",))), None) is None  # type: ignore[func-returns-value]
    assert guard(connection(Principal("s", ("juror", "ngo"))), None) is None  # type: ignore[func-returns-value]
    with pytest.raises(PermissionDeniedException) as denied:
        guard(connection(Principal("s", ("juror",))), None)
    assert denied.value.detail == "this needs the role ngo or coordinator"
    for nobody in (..., None, "s"):
        with pytest.raises(NotAuthorizedException) as unknown:
            guard(connection(nobody), None)
        assert unknown.value.detail == "sign in first: send a bearer token"
    one = requires("juror")
    assert one.__name__ == "requires_juror" and one.roles == frozenset({"juror"})
    with pytest.raises(PermissionDeniedException) as juror_only:
        one(connection(Principal("s", ("ngo", "coordinator"))), None)
    assert juror_only.value.detail == "this needs the role juror"


def test_admit_returns_the_admitted_caller() -> None:
    p = Principal("s", ("evaluator",))
    assert admit(connection(p), ("evaluator",)) is p
    with pytest.raises(PermissionDeniedException):
        admit(connection(p), ())


def test_a_guard_for_an_unknown_role_cannot_be_made() -> None:
    with pytest.raises(ValueError, match=r"^unknown roles \{'mayor'\}$"):
        requires("ngo", "mayor")
    assert requires(*ROLES).roles == frozenset(ROLES)


def test_authenticated_admits_anyone_signed_in() -> None:
    assert authenticated(connection(Principal("s", ())), None) is None  # type: ignore[func-returns-value]
    for nobody in (..., None):
        with pytest.raises(NotAuthorizedException) as refused:
            authenticated(connection(nobody), None)
        assert refused.value.detail == "sign in first: send a bearer token"


# --- the OIDC issuer, keys preloaded ----------------------------------------------------

ISSUER = "https://login.krakow.test"
RSA = RSAKey.generate_key(2048, parameters={"kid": "rsa"})
EC256 = ECKey.generate_key("P-256", parameters={"kid": "ec256"})
EC384 = ECKey.generate_key("P-384", parameters={"kid": "ec384"})


def oidc(audience: str | None = "api", client_id: str | None = "web") -> OidcIssuer:
    issuer = OidcIssuer(ISSUER + "/", audience, "roles", client_id=client_id)
    issuer._keys, issuer._keys_at = KeySet([RSA, EC256, EC384]), time.monotonic()
    return issuer


def op_token(alg: str = "RS256", header_typ: str | None = "at+jwt", **over: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "staff-1", "aud": "api", "iat": now, "exp": now + 300, **over}
    key = {"ES256": EC256, "ES384": EC384}.get(alg, RSA)
    header = {"alg": alg, "kid": key.kid}
    if header_typ:
        header["typ"] = header_typ
    claims = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(header, claims, key, algorithms=[alg])


def test_the_issuer_is_kept_without_its_trailing_slash() -> None:
    issuer = OidcIssuer(ISSUER + "/", "api", "realm_access.roles", client_id="web")
    assert (issuer.issuer, issuer.audience, issuer.client_id, issuer.roles_claim) == (
        ISSUER,
        "api",
        "web",
        "realm_access.roles",
    )
    assert issuer.metadata is None and issuer._keys is None
    assert OidcIssuer(ISSUER, None, "roles").client_id is None
    # Only slashes go: a realm's last letters are the issuer's (Keycloak: /realms/NAME).
    assert OidcIssuer(ISSUER + "/realms/KRAKOW-X//", None, "roles").issuer == (
        ISSUER + "/realms/KRAKOW-X"
    )


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"])
async def test_each_asymmetric_algorithm_of_the_issuer_is_taken(alg: str) -> None:
    claims = await oidc().verify_access_token(op_token(alg))
    assert claims["sub"] == "staff-1"


async def test_symmetric_or_unsigned_tokens_are_refused() -> None:
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "x", "aud": "api", "exp": now + 60}
    for token in (
        jwt.encode({"alg": "HS256", "typ": "at+jwt"}, body, OctKey.generate_key(256)),
        jwt.encode({"alg": "PS384", "kid": "rsa"}, body, RSA, algorithms=["PS384"]),
    ):
        with pytest.raises(InvalidToken):
            await oidc().verify_access_token(token)


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"iss": ISSUER + "/other"}, "iss"),
        ({"iss": None}, "iss"),
        ({"exp": None}, "exp"),
        ({"sub": None}, "sub"),
        ({"aud": "web-2"}, "aud"),
        ({"aud": None}, "aud"),
        ({"exp": int(time.time()) - 3600}, "exp"),
    ],
    ids=["other-issuer", "no-issuer", "no-expiry", "no-subject", "other-aud", "no-aud", "expired"],
)
async def test_an_issuer_token_lacking_a_claim_is_refused(
    over: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidToken, match=message):
        await oidc().verify_access_token(op_token(**over))
    with pytest.raises(InvalidToken, match=message):
        await oidc().verify(op_token(**over))


async def test_the_issuer_allows_thirty_seconds_of_clock_skew() -> None:
    now = int(time.time())
    assert await oidc().verify(op_token(exp=now - 15))
    with pytest.raises(InvalidToken, match="exp"):
        await oidc().verify(op_token(exp=now - 30))


async def test_verify_takes_the_audience_asked_else_the_api_audience_else_the_client_id() -> None:
    assert (await oidc().verify(op_token(aud="other"), audience="other"))["aud"] == "other"
    with pytest.raises(InvalidToken, match="aud"):
        await oidc().verify(op_token(aud="api"), audience="other")
    assert await oidc("api", "web").verify(op_token(aud="api"))
    with pytest.raises(InvalidToken, match="aud"):
        await oidc("api", "web").verify(op_token(aud="web"))
    assert await oidc(None, "web").verify(op_token(aud="web"))
    with pytest.raises(InvalidToken, match="aud"):
        await oidc(None, "web").verify(op_token(aud="api"))
    assert await oidc(None, None).verify(op_token(aud=None))


async def test_verify_checks_a_nonce_only_when_one_is_asked() -> None:
    assert await oidc().verify(op_token(nonce="n-1"), nonce="n-1")
    assert await oidc().verify(op_token(nonce="anything"))
    for nonce in ("n-2", None):
        with pytest.raises(InvalidToken, match="nonce"):
            await oidc().verify(op_token(nonce=nonce), nonce="n-1")


async def test_an_id_token_is_checked_for_its_client_and_nonce() -> None:
    issuer = oidc("api", "web")
    claims = await issuer.verify_id_token(
        op_token(header_typ="JWT", aud="web", nonce="n-1"), client_id="web", nonce="n-1"
    )
    assert claims["sub"] == "staff-1" and claims["nonce"] == "n-1"
    assert await issuer.verify_id_token(
        op_token(header_typ=None, aud="web", nonce="n-1"), client_id="web", nonce="n-1"
    )
    with pytest.raises(InvalidToken, match="aud"):
        await issuer.verify_id_token(
            op_token(header_typ="JWT", aud="api", nonce="n-1"), client_id="web", nonce="n-1"
        )
    for nonce in ("n-2", None):
        with pytest.raises(InvalidToken, match="nonce"):
            await issuer.verify_id_token(
                op_token(header_typ="JWT", aud="web", nonce=nonce), client_id="web", nonce="n-1"
            )
    for typ in ("at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"):
        with pytest.raises(InvalidToken, match="^an access token is not an ID token$"):
            await issuer.verify_id_token(
                op_token(header_typ=typ, aud="web", nonce="n-1"), client_id="web", nonce="n-1"
            )


async def test_an_access_token_says_so_in_any_case() -> None:
    for typ in ("AT+JWT", "Application/At+Jwt"):
        assert await oidc(None, "web").verify_access_token(op_token(header_typ=typ, aud="web"))
    assert await oidc("api", "web").verify_access_token(op_token(header_typ="AT+JWT", nonce="n"))


async def test_without_an_api_audience_other_tokens_are_refused_with_the_reason() -> None:
    for issuer, aud in ((oidc(None, "web"), "web"), (oidc("web", "web"), "web")):
        with pytest.raises(InvalidToken) as refused:
            await issuer.verify_access_token(op_token(header_typ="JWT", aud=aud))
        assert str(refused.value) == (
            "not an access token: without an API audience of its own (OIDC_AUDIENCE) "
            "only RFC 9068 tokens (typ at+jwt) are taken"
        )
    with pytest.raises(InvalidToken, match="not an access token"):
        await oidc(None, None).verify_access_token(op_token(header_typ=None, aud=None))


async def test_with_an_api_audience_a_plain_jwt_passes_unless_it_is_an_id_token() -> None:
    issuer = oidc("api", "web")
    claims = await issuer.verify_access_token(op_token(header_typ="JWT"))
    assert claims["sub"] == "staff-1"
    assert await issuer.verify_access_token(op_token(header_typ=None, typ="Bearer"))
    for marks in (
        {"nonce": "n"},
        {"at_hash": "x"},
        {"c_hash": "x"},
        {"s_hash": "x"},
        {"typ": "ID"},
    ):
        with pytest.raises(InvalidToken, match="^an ID token is not an access token$"):
            await issuer.verify_access_token(op_token(header_typ="JWT", **marks))


async def test_a_bearer_token_of_the_oidc_issuer_reads_its_roles_claim() -> None:
    issuer = oidc("api", "web")
    issuer.roles_claim = "realm_access.roles"
    auth = Authenticator(local(), issuer)
    p = await auth.from_bearer(
        op_token(roles=["ngo"], realm_access={"roles": ["responder", "mayor"]}, org=str(ORG))
    )
    assert p == Principal("staff-1", ("responder",), ORG, None, "bearer")
    with pytest.raises(InvalidToken, match="not an access token"):
        await Authenticator(local(), oidc(None, "web")).from_bearer(
            op_token(header_typ="JWT", aud="web", nonce="n")
        )
    with pytest.raises(InvalidToken, match="^token of an unknown issuer$"):
        await authenticator(None).from_bearer(op_token())
