"""Who is asking: JWT bearer tokens, page sessions, one-time sign-in links, roles as guards.

Two issuers are trusted. The local issuer (HS256, key from OPENKRAKOW_SECRET_KEY or a key file
in the data folder) signs what `openkrakow token` and `openkrakow login-link` print and the page
session cookies. An OIDC issuer (OIDC_ISSUER), when configured, signs city staff's tokens; its
keys come from the JWKS named in its discovery document. joserfc verifies signatures; claims are
checked explicitly with a claims registry, because decoding alone validates nothing.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from shared.config import Settings

log = logging.getLogger("openkrakow.auth")

ROLES = (
    "coordinator",
    "responder",
    "evaluator",
    "juror",
    "council_secretary",
    "council_member",
    "ngo",
    "response_team",
)
SESSION_COOKIE = "okr_session"
SESSION_TTL = 8 * 3600
LOGIN_LINK_TTL = 15 * 60


class InvalidToken(Exception):
    """The token is malformed, expired, of an unknown issuer, or its signature is wrong."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: subject id, roles, and the organisation an `ngo` acts for."""

    subject: str
    roles: tuple[str, ...]
    org: uuid.UUID | None = None
    name: str | None = None
    via: str = "bearer"

    def has(self, *roles: str) -> bool:
        """True when the caller holds any of `roles`."""
        return any(r in self.roles for r in roles)


def load_secret(settings: Settings) -> bytes:
    """The local signing key: from the environment, or a random key kept in the data folder."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.data_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_urlsafe(48))
        tmp.chmod(0o600)
        tmp.replace(path)
    return path.read_text().strip().encode()


class LocalIssuer:
    """Signs and verifies the platform's own tokens (API tokens, sessions, sign-in links)."""

    def __init__(self, secret: bytes, issuer: str, audience: str) -> None:
        self.key = OctKey.import_key(secret)
        self.issuer = issuer
        self.audience = audience

    def sign(self, claims: dict[str, Any], *, ttl: int, purpose: str) -> str:
        """A compact JWT for `purpose` (access, session, login-link) valid for `ttl` seconds."""
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": str(uuid.uuid4()),
            "purpose": purpose,
            **claims,
        }
        return jwt.encode({"alg": "HS256", "typ": "JWT"}, body, self.key)

    def verify(self, token: str, *, purpose: str) -> dict[str, Any]:
        """Claims of a valid token of this issuer and purpose; InvalidToken otherwise."""
        try:
            decoded = jwt.decode(token, self.key, algorithms=["HS256"])
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                exp={"essential": True},
                sub={"essential": True},
                purpose={"essential": True, "value": purpose},
                leeway=30,
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise InvalidToken(str(exc)) from exc
        return dict(decoded.claims)


def claim_at(claims: dict[str, Any], path: str) -> Any:
    """The value at a dotted claim path (`realm_access.roles`), or None when it is absent."""
    raw: Any = claims
    for part in path.split("."):
        if not isinstance(raw, dict) or part not in raw:
            return None
        raw = raw[part]
    return raw


def principal_from_claims(
    claims: dict[str, Any], *, roles_claim: str = "roles", via: str
) -> Principal:
    """Map token claims to a Principal; unknown roles are ignored."""
    raw = claim_at(claims, roles_claim)
    if isinstance(raw, str):
        raw = raw.split()
    roles = tuple(r for r in (raw or []) if r in ROLES)
    org = claims.get("org")
    try:
        org_id = uuid.UUID(str(org)) if org else None
    except ValueError as exc:
        raise InvalidToken("org claim is not a UUID") from exc
    return Principal(
        subject=str(claims["sub"]), roles=roles, org=org_id, name=claims.get("name"), via=via
    )


# RFC 9068 §2.1: an OAuth 2.0 access token in JWT form says so in its header.
ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")
# Claims only an ID token carries (OIDC Core §2, §3.1.3.6; Keycloak puts `typ: ID` in the body).
ID_TOKEN_MARKS = ("nonce", "at_hash", "c_hash", "s_hash")


class OidcIssuer:
    """An external OpenID Connect issuer: discovery, JWKS (cached, refreshed on unknown kid).

    The API takes only access tokens of this issuer, never its ID tokens (which any client of
    the issuer holds, with the client id as audience): a token whose header `typ` is `at+jwt`
    (RFC 9068) is an access token; any other token is taken only when an API audience of its own
    (OIDC_AUDIENCE, not the client id) is configured and the token bears no mark of an ID token.
    """

    #: Seconds between two JWKS fetches asked for by a token with an unknown key.
    refresh_cooldown = 60.0
    #: Seconds to wait for the issuer (discovery, JWKS, userinfo) before giving up on it.
    http_timeout = 10.0

    def __init__(
        self,
        issuer: str,
        audience: str | None,
        roles_claim: str,
        client_id: str | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.client_id = client_id
        self.roles_claim = roles_claim
        self.metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._keys_at = 0.0

    async def discover(self) -> dict[str, Any]:
        """The issuer's discovery document (fetched once)."""
        if self.metadata is None:
            async with httpx.AsyncClient(timeout=self.http_timeout) as client:
                resp = await client.get(f"{self.issuer}/.well-known/openid-configuration")
                resp.raise_for_status()
                self.metadata = resp.json()
        return self.metadata

    async def keys(self, *, refresh: bool = False) -> KeySet:
        """The issuer's signing keys; refreshed at most once a minute on demand, else hourly."""
        age = time.monotonic() - self._keys_at
        if self._keys is None or age > 3600 or (refresh and age > self.refresh_cooldown):
            meta = await self.discover()
            async with httpx.AsyncClient(timeout=self.http_timeout) as client:
                resp = await client.get(meta["jwks_uri"])
                resp.raise_for_status()
            self._keys = KeySet.import_key_set(resp.json())
            self._keys_at = time.monotonic()
        return self._keys

    async def _decode(
        self, token: str, *, audience: str | None, nonce: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        algs = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
        try:
            try:
                decoded = jwt.decode(token, await self.keys(), algorithms=algs)
            except JoseError:
                decoded = jwt.decode(token, await self.keys(refresh=True), algorithms=algs)
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": self.issuer},
                "exp": {"essential": True},
                "sub": {"essential": True},
            }
            if audience:
                options["aud"] = {"essential": True, "value": audience}
            if nonce:
                options["nonce"] = {"essential": True, "value": nonce}
            jwt.JWTClaimsRegistry(leeway=30, **options).validate(decoded.claims)
        except (JoseError, ValueError, KeyError, httpx.HTTPError) as exc:
            raise InvalidToken(str(exc)) from exc
        return dict(decoded.header), dict(decoded.claims)

    async def verify(
        self, token: str, *, audience: str | None = None, nonce: str | None = None
    ) -> dict[str, Any]:
        """Claims of a valid token of this issuer (signature, iss, exp, sub, aud, nonce)."""
        _, claims = await self._decode(
            token, audience=audience or self.audience or self.client_id, nonce=nonce
        )
        return claims

    async def verify_id_token(self, token: str, *, client_id: str, nonce: str) -> dict[str, Any]:
        """Claims of an ID token issued to `client_id` for the sign-in that sent `nonce`."""
        header, claims = await self._decode(token, audience=client_id, nonce=nonce)
        if str(header.get("typ", "")).lower() in ACCESS_TOKEN_TYPES:
            raise InvalidToken("an access token is not an ID token")
        return claims

    async def verify_access_token(self, token: str) -> dict[str, Any]:
        """Claims of an access token for this platform's API; ID tokens are refused."""
        audience = self.audience or self.client_id
        header, claims = await self._decode(token, audience=audience, nonce=None)
        if str(header.get("typ", "")).lower() in ACCESS_TOKEN_TYPES:
            return claims
        if audience is None or audience == self.client_id:
            raise InvalidToken(
                "not an access token: without an API audience of its own (OIDC_AUDIENCE) "
                "only RFC 9068 tokens (typ at+jwt) are taken"
            )
        if any(mark in claims for mark in ID_TOKEN_MARKS) or claims.get("typ") == "ID":
            raise InvalidToken("an ID token is not an access token")
        return claims

    async def userinfo(self, access_token: str) -> dict[str, Any]:
        """The claims the issuer's userinfo endpoint gives for `access_token`."""
        meta = await self.discover()
        endpoint = meta.get("userinfo_endpoint")
        if not endpoint:
            raise InvalidToken("the issuer has no userinfo endpoint")
        async with httpx.AsyncClient(timeout=self.http_timeout) as client:
            resp = await client.get(endpoint, headers={"Authorization": f"Bearer {access_token}"})
            resp.raise_for_status()
        body = resp.json()
        if not isinstance(body, dict):
            raise InvalidToken("userinfo is not a JSON object")
        return body


class Authenticator:
    """Turns a bearer token or a session cookie into a Principal."""

    def __init__(self, local: LocalIssuer, oidc: OidcIssuer | None):
        self.local = local
        self.oidc = oidc  # which claim holds its roles is the issuer's (`oidc.roles_claim`)

    @classmethod
    def from_settings(cls, settings: Settings) -> Authenticator:
        """Local issuer always; OIDC issuer when OIDC_ISSUER is set."""
        local = LocalIssuer(load_secret(settings), settings.token_issuer, settings.token_audience)
        oidc = (
            OidcIssuer(
                settings.oidc_issuer,
                settings.oidc_audience,
                settings.oidc_roles_claim,
                client_id=settings.oidc_client_id,
            )
            if settings.oidc_issuer
            else None
        )
        return cls(local, oidc)

    def _unverified_issuer(self, token: str) -> str | None:
        try:
            body = token.split(".")[1]
            return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))).get("iss")
        except Exception as exc:  # noqa: BLE001 - any garbage is simply an invalid token
            raise InvalidToken("malformed token") from exc

    async def from_bearer(self, token: str) -> Principal:
        """Verify an API access token of either issuer."""
        issuer = self._unverified_issuer(token)
        if issuer == self.local.issuer:
            return principal_from_claims(self.local.verify(token, purpose="access"), via="bearer")
        if self.oidc and issuer == self.oidc.issuer:
            claims = await self.oidc.verify_access_token(token)
            return principal_from_claims(claims, roles_claim=self.oidc.roles_claim, via="bearer")
        raise InvalidToken("token of an unknown issuer")

    def from_session(self, cookie: str) -> Principal | None:
        """The signed-in person of a page session cookie, or None when it is not valid."""
        try:
            claims = self.local.verify(cookie, purpose="session")
        except InvalidToken:
            return None
        return principal_from_claims(claims, via="session")

    def access_token(
        self, subject: str, role: str, *, org: uuid.UUID | None = None, ttl: int = 3600
    ) -> str:
        """An API token of the local issuer (what `openkrakow token` prints)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        claims: dict[str, Any] = {"sub": subject, "roles": [role]}
        if org:
            claims["org"] = str(org)
        return self.local.sign(claims, ttl=ttl, purpose="access")

    def session_token(self, principal: Principal, *, id_token: str | None = None) -> str:
        """The value of the page session cookie for a signed-in person.

        `id_token` (a sign-in at the OIDC issuer) is kept as `idt` for the logout hint.
        """
        claims: dict[str, Any] = {"sub": principal.subject, "roles": list(principal.roles)}
        if id_token:
            claims["idt"] = id_token
        if principal.org:
            claims["org"] = str(principal.org)
        if principal.name:
            claims["name"] = principal.name
        return self.local.sign(claims, ttl=SESSION_TTL, purpose="session")

    def login_link_token(
        self,
        subject: str,
        role: str,
        *,
        org: uuid.UUID | None = None,
        ttl: int = LOGIN_LINK_TTL,
        name: str | None = None,
    ) -> str:
        """A single-use sign-in token to e-mail (or print) as a link (`name`: shown when signed in)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        claims: dict[str, Any] = {"sub": subject, "roles": [role]}
        if org:
            claims["org"] = str(org)
        if name:
            claims["name"] = name
        return self.local.sign(claims, ttl=ttl, purpose="login-link")


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The caller of this request, or None for an anonymous one."""
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


def admit(connection: ASGIConnection[Any, Any, Any, Any], roles: tuple[str, ...]) -> Principal:
    """The caller when they hold one of `roles`: 401 without a valid identity, 403 without one."""
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException("sign in first: send a bearer token")
    if not user.has(*roles):
        raise PermissionDeniedException(f"this needs the role {' or '.join(roles)}")
    return user


def requires(*roles: str):  # type: ignore[no-untyped-def]
    """A Litestar guard: 401 without a valid identity, 403 without one of `roles`.

    Guards are made when a service's module is imported; the check itself (`admit`) is looked up
    at each request, so the routes of an imported service always run the module's current check
    (`make mutation` forks every mutant's run from one import: see docs/mutation.md).
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        admit(connection, roles)

    guard.__name__ = f"requires_{'_or_'.join(roles)}"
    guard.roles = frozenset(roles)  # type: ignore[attr-defined]  # read by the authorization matrix test
    return guard


def authenticated(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard admitting any signed-in caller."""
    if current_user(connection) is None:
        raise NotAuthorizedException("sign in first: send a bearer token")
