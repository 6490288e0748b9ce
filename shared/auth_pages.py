"""Sign-in for pages: one-time links, OIDC authorization code with PKCE, sign-out.

City staff sign in at the city's OpenID Connect issuer (when OIDC_ISSUER is set); people outside
the city (NGO representatives, evaluators, jurors) get a one-time link by e-mail, valid for
minutes. Opening a link shows a confirmation button: mail scanners that prefetch links must not
spend them, so only the POST signs in. Either way the result is a session cookie (HttpOnly,
SameSite=Lax, Secure on https) holding a token of the local issuer.

At the OIDC issuer the platform is a confidential client (OIDC_CLIENT_AUTH: secret by HTTP Basic,
form-urlencoded first, or in the body). Roles come from the ID token or the userinfo endpoint;
a refusal (no role, an error from the issuer) is a translated page and a log line. Sign-out ends
the issuer's session too when it offers an end_session_endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from typing import Any
from urllib.parse import quote_plus, urlencode

from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException
from litestar.params import Parameter
from litestar.response import Redirect

from shared import addresses
from shared.auth import (
    LOGIN_LINK_TTL,
    SESSION_COOKIE,
    SESSION_TTL,
    InvalidToken,
    Principal,
    claim_at,
    current_user,
    principal_from_claims,
)
from shared.http import same_origin_path
from shared.ratelimit import RateLimited
from shared.runtime import Runtime
from shared.web.forms import N_
from shared.web.i18n import negotiate_language
from shared.web.pages import kit_pages, rate_limited_page

log = logging.getLogger("openkrakow.auth")

OIDC_COOKIE = "okr_oidc"
NO_ADDRESS = N_("Enter your e-mail address, for example name@example.org.")
BAD_ADDRESS = N_("Enter an e-mail address in the form name@example.org.")
ROLE_HOME = {
    # Every role starts at "Your work" (shared/work_pages.py): its open work in every service,
    # and the header's links to each area the role may use.
    "coordinator": "/work",
    "responder": "/work",
    "council_secretary": "/work",
    "council_member": "/work",
    "ngo": "/work",
    "evaluator": "/work",
    "juror": "/work",
    "response_team": "/work",
}


def safe_next(target: str | None, principal: Principal | None = None) -> str:
    """A local path to go to after sign-in; never another site (open-redirect guard).

    Whatever `next` says passes `shared.http.same_origin_path` or is replaced by the role's
    home page (or `/`).
    """
    if (path := same_origin_path(target)) is not None:
        return path
    if principal and principal.roles:
        return ROLE_HOME.get(principal.roles[0], "/")
    return "/"


def _session_cookie(runtime: Runtime, value: str, max_age: int = SESSION_TTL) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=runtime.settings.public_url.startswith("https://"),
        path="/",
    )


def _signed_in(
    runtime: Runtime, principal: Principal, target: str, id_token: str | None = None
) -> Response[Any]:
    assert runtime.auth is not None
    response: Response[Any] = Redirect(target, status_code=303)
    token = runtime.auth.session_token(principal, id_token=id_token)
    response.set_cookie(_session_cookie(runtime, token))
    return response


@get("/auth/sign-in", include_in_schema=False)
async def sign_in_page(
    request: Request[Any, Any, Any], runtime: Runtime, next: str | None = None
) -> Response[str]:
    """Both ways in: the city account (OIDC) and a one-time link by e-mail for everyone else."""
    return _sign_in_form(request, runtime, next=safe_next(next) if next else "")


def _sign_in_form(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    *,
    next: str,
    status_code: int = 200,
    template: str = "auth/sign_in.html",
    **context: Any,
) -> Response[str]:
    return kit_pages.render(
        request,
        template,
        status_code,
        next=next,
        oidc=runtime.settings.oidc_issuer is not None
        and runtime.settings.oidc_client_id is not None,
        user=current_user(request),
        **context,
    )


@post("/auth/sign-in", include_in_schema=False, status_code=200)
async def request_link(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """Mails one-time links to a known address; the same answer for any address.

    A malformed address is explained (that reveals nothing). Too many requests from one client
    answer 429; too many for one address are dropped silently, with the same answer, so the
    limit cannot be used to learn whether an address is known. Who is known is decided by the
    worker (shared/signin.py), after this answer: its timing does not depend on the address.
    """
    form = await request.form()
    typed = str(form.get("email", ""))
    target = str(form.get("next", ""))
    target = safe_next(target) if target else ""
    try:
        address = addresses.normalise(typed)
    except addresses.BadAddress:
        message = NO_ADDRESS if not typed.strip() else BAD_ADDRESS
        return _sign_in_form(
            request,
            runtime,
            next=target,
            status_code=400,
            email=typed,
            errors={"email": kit_pages.catalogs.gettext(negotiate_language(request), message)},
        )
    try:
        await runtime.limiter.check_client(request, "forms")
    except RateLimited as exc:
        context = _form_context(runtime, request, target, typed)
        return rate_limited_page(request, exc, template="auth/sign_in.html", **context)
    try:
        await runtime.limiter.check_address(address)
    except RateLimited:
        log.info("sign-in link not sent: the address's limit is used up")
        return _sign_in_form(request, runtime, next=target, template="auth/link_sent.html")
    queued = runtime.jobs is not None and await runtime.jobs.enqueue(
        "sign_in_mail", address, negotiate_language(request), target
    )
    if not queued:
        raise HTTPException(status_code=503, detail="sign-in by e-mail is unavailable")
    return _sign_in_form(request, runtime, next=target, template="auth/link_sent.html")


def _form_context(
    runtime: Runtime, request: Request[Any, Any, Any], target: str, typed: str
) -> dict[str, Any]:
    return {
        "next": target,
        "oidc": runtime.settings.oidc_issuer is not None
        and runtime.settings.oidc_client_id is not None,
        "user": current_user(request),
        "email": typed,
    }


@get("/auth/link", include_in_schema=False)
async def link_page(
    request: Request[Any, Any, Any], runtime: Runtime, token: str = "", next: str | None = None
) -> Response[str]:
    """Shows who the link signs in, with a button; the link is spent only by that button."""
    assert runtime.auth is not None
    try:
        claims = runtime.auth.local.verify(token, purpose="login-link")
        principal = principal_from_claims(claims, via="session")
    except InvalidToken:
        return _sign_in_form(
            request,
            runtime,
            next=safe_next(next) if next else "",
            status_code=400,
            template="auth/link_invalid.html",
        )
    return kit_pages.render(
        request,
        "auth/link.html",
        token=token,
        role=principal.roles[0] if principal.roles else "",
        # No target given: the button's POST sends the person to their role's home page.
        next=safe_next(next, principal),
    )


@post("/auth/link", include_in_schema=False, status_code=303)
async def use_link(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """Spends a one-time link and signs its holder in (wrong links count as token failures)."""
    assert runtime.auth is not None and runtime.redis is not None
    form = await request.form()
    token = str(form.get("token", ""))
    async with runtime.limiter.token_attempt(request) as attempt:
        try:
            claims = runtime.auth.local.verify(token, purpose="login-link")
            principal = principal_from_claims(claims, via="session")
        except InvalidToken:
            await attempt.failed()
            return _sign_in_form(
                request,
                runtime,
                next=_kept_target(form),
                status_code=400,
                template="auth/link_invalid.html",
            )
    ttl = max(1, int(claims["exp"]) - int(time.time()) + 60)
    try:
        first_use = await runtime.redis.set(f"okr:used-link:{claims['jti']}", "1", nx=True, ex=ttl)
    except Exception as exc:  # noqa: BLE001 - without Redis we cannot promise single use
        log.warning("sign-in link refused: redis unavailable (%s)", exc)
        raise HTTPException(status_code=503, detail="sign-in is unavailable for a moment") from exc
    if not first_use:
        return _sign_in_form(
            request,
            runtime,
            next=_kept_target(form),
            status_code=409,
            template="auth/link_invalid.html",
        )
    return _signed_in(runtime, principal, safe_next(str(form.get("next", "")), principal))


def _kept_target(form: Any) -> str:
    target = str(form.get("next", ""))
    return safe_next(target) if target else ""


@post("/auth/sign-out", include_in_schema=False, status_code=303)
async def sign_out(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """Ends the session: the cookie is cleared and its token revoked until it would expire.

    A session begun at the OIDC issuer is ended there too (RP-initiated logout) when the issuer
    names an `end_session_endpoint`: the browser goes there with the ID token as a hint and
    comes back to the platform's front page.
    """
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and runtime.redis is not None:
        key = "okr:revoked:" + hashlib.sha256(cookie.encode()).hexdigest()
        try:
            await runtime.redis.set(key, "1", ex=SESSION_TTL)
        except Exception as exc:  # noqa: BLE001 - the cookie is still cleared below
            log.warning("could not record sign-out: %s", exc)
    response: Response[Any] = Redirect(await _after_sign_out(runtime, cookie), status_code=303)
    response.set_cookie(_session_cookie(runtime, "", max_age=0))
    return response


async def _after_sign_out(runtime: Runtime, cookie: str | None) -> str:
    """Where the browser goes after sign-out: the issuer's logout endpoint, or the front page."""
    auth = runtime.auth
    if not cookie or auth is None or auth.oidc is None:
        return "/"
    try:
        id_token = auth.local.verify(cookie, purpose="session").get("idt")
        if not id_token:
            return "/"
        endpoint = (await auth.oidc.discover()).get("end_session_endpoint")
    except Exception as exc:  # noqa: BLE001 - the platform's own session is ended regardless
        log.warning("OIDC sign-out: the issuer's session is not ended (%s)", exc)
        return "/"
    if not endpoint:
        return "/"
    query = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": f"{runtime.settings.public_url}/",
    }
    if runtime.settings.oidc_client_id:
        query["client_id"] = runtime.settings.oidc_client_id
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"


def _client_secret_basic(
    client: Any, method: str, uri: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    """HTTP Basic client authentication as RFC 6749 §2.3.1 asks: id and secret form-urlencoded
    before base64 (Authlib sends them raw, so a secret with `+`, `%` or `:` is refused)."""
    pair = f"{quote_plus(client.client_id)}:{quote_plus(client.client_secret)}"
    headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    return uri, headers, body


def _oidc_client(runtime: Runtime) -> AsyncOAuth2Client:
    s = runtime.settings
    client = AsyncOAuth2Client(
        client_id=s.oidc_client_id,
        client_secret=s.oidc_client_secret,
        token_endpoint_auth_method=s.oidc_client_auth,
        scope="openid profile email",
        redirect_uri=f"{s.public_url}/auth/oidc/callback",
        code_challenge_method="S256",
        timeout=10,
    )
    client.register_client_auth_method(("client_secret_basic", _client_secret_basic))
    return client


@get("/auth/oidc/start", include_in_schema=False)
async def oidc_start(runtime: Runtime, next: str | None = None) -> Response[Any]:
    """Sends city staff to the OIDC issuer (authorization code flow with PKCE)."""
    auth = runtime.auth
    if auth is None or auth.oidc is None or not runtime.settings.oidc_client_id:
        raise HTTPException(status_code=404, detail="no OIDC issuer is configured")
    meta = await auth.oidc.discover()
    verifier, nonce = generate_token(64), generate_token(24)
    async with _oidc_client(runtime) as client:
        url, state = client.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
    flow = auth.local.sign(
        {
            "sub": "oidc-flow",
            "state": state,
            "verifier": verifier,
            "nonce": nonce,
            # Checked by the callback: no target (or an unsafe one) leads to the role's home.
            "next": next or "",
        },
        ttl=600,
        purpose="oidc-flow",
    )
    response: Response[Any] = Redirect(url, status_code=303)
    response.set_cookie(
        Cookie(
            key=OIDC_COOKIE,
            value=flow,
            max_age=600,
            httponly=True,
            samesite="lax",
            secure=runtime.settings.public_url.startswith("https://"),
            path="/auth/oidc",
        )
    )
    return response


def _refused(request: Request[Any, Any, Any], reason: str, status_code: int) -> Response[Any]:
    response = kit_pages.render(
        request, "auth/oidc_refused.html", reason=reason, status_code=status_code
    )
    response.delete_cookie(OIDC_COOKIE, path="/auth/oidc")
    return response


@get("/auth/oidc/callback", include_in_schema=False)
async def oidc_callback(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    code: str = "",
    oauth_state: str = Parameter(query="state", default=""),
    error: str = "",
    error_description: str = "",
) -> Response[Any]:
    """Completes the OIDC flow: checks state, swaps the code (with the PKCE verifier), signs in.

    Roles (and the name) come from the ID token, or from the userinfo endpoint when the ID token
    lacks them (a provider that conforms ID-token claims gives them only there).
    """
    auth = runtime.auth
    if auth is None or auth.oidc is None:
        raise HTTPException(status_code=404, detail="no OIDC issuer is configured")
    if error:
        # The issuer answers the sign-in with an error (RFC 6749 §4.1.2.1): say so, never sign in.
        log.warning(
            "OIDC sign-in refused by the issuer: error=%s description=%s",
            error[:64],
            error_description[:200],
        )
        reason = "access_denied" if error == "access_denied" else "issuer_error"
        return _refused(request, reason, 400)
    try:
        flow = auth.local.verify(request.cookies.get(OIDC_COOKIE, ""), purpose="oidc-flow")
    except InvalidToken:
        return kit_pages.render(request, "auth/link_invalid.html", status_code=400)
    if not code or oauth_state != flow["state"]:
        return kit_pages.render(request, "auth/link_invalid.html", status_code=400)
    meta = await auth.oidc.discover()
    settings = runtime.settings
    try:
        async with _oidc_client(runtime) as client:
            token = await client.fetch_token(
                meta["token_endpoint"], code=code, code_verifier=flow["verifier"]
            )
        id_token = token["id_token"]
        claims = await auth.oidc.verify_id_token(
            id_token, client_id=settings.oidc_client_id or "", nonce=flow["nonce"]
        )
        lacking = claim_at(claims, auth.oidc.roles_claim) is None or "name" not in claims
        if lacking and token.get("access_token") and meta.get("userinfo_endpoint"):
            info = await auth.oidc.userinfo(token["access_token"])
            if info.get("sub") != claims["sub"]:  # OIDC Core §5.3.2
                raise InvalidToken("userinfo is about another subject")
            claims = {**claims, **{k: v for k, v in info.items() if k != "sub"}}
        principal = principal_from_claims(claims, roles_claim=auth.oidc.roles_claim, via="session")
    except (InvalidToken, KeyError, Exception) as exc:  # noqa: BLE001 - any failure: not signed in
        log.warning("OIDC sign-in failed: %s", exc)
        return kit_pages.render(request, "auth/link_invalid.html", status_code=400)
    if not principal.roles:
        log.warning(
            "OIDC sign-in refused: subject %s has no role of this platform in claim %s "
            "(ID token or userinfo)",
            principal.subject,
            auth.oidc.roles_claim,
        )
        return _refused(request, "no_role", 403)
    response = _signed_in(runtime, principal, safe_next(flow.get("next"), principal), id_token)
    response.delete_cookie(OIDC_COOKIE, path="/auth/oidc")
    return response


auth_routes: list[Any] = [
    sign_in_page,
    request_link,
    link_page,
    use_link,
    sign_out,
    oidc_start,
    oidc_callback,
]

__all__ = ["LOGIN_LINK_TTL", "auth_routes", "safe_next"]
