"""A POST's answer page, shown again in another language without losing what it showed.

The answer to a POST (the Bench slip with its one-time tracking code, a council application's
receipt, a nomination's confirmation) cannot be fetched again with GET, so plain language links
on it lose it: `…/questions?lang=uk` answered 400 and the tracking code was gone for good
(issue 15). Such a page is rendered with `render_answer`: each button of its language switcher
is a small form that POSTs a sealed copy of what the page shows to `/page-language?lang=xx`,
which opens it and renders the same page in that language (and seals it again).

The copy is sealed with JWE (`dir`, A256GCM) under a key derived from the platform secret, so
nobody can read or forge it, and it expires after `TTL` seconds. It travels only in a POST body:
never in an address, a referrer or the history (a decision of the Bench: the tracking code never
appears in a URL). The form carries the CSRF token like every page form.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from litestar import Request, Response, post
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from shared.auth import current_user
from shared.runtime import Runtime
from shared.web.i18n import negotiate_language
from shared.web.templates import PageRenderer, kit_pages

PATH = "/page-language"
TTL = 15 * 60
"""Seconds a page can be switched to another language after it was shown."""

ContextBuilder = Callable[[Runtime, dict[str, Any], str], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Answer:
    """A kind of POST answer page: how it renders, its template, how to rebuild its context,
    and the roles that may see it again (none: anyone holding the sealed copy)."""

    render: Callable[..., Response[str]]
    template: str
    context: ContextBuilder
    roles: tuple[str, ...] = ()


_ANSWERS: dict[str, Answer] = {}


def answer_page(
    kind: str,
    renderer: PageRenderer | Callable[..., Response[str]],
    template: str,
    context: ContextBuilder,
    *,
    roles: tuple[str, ...] = (),
) -> None:
    """Declare a POST answer page `kind` (done once, where the service's pages are defined).

    `renderer` is the service's PageRenderer, or a function with its `render` signature (e.g.
    the staff pages' `render`, which adds their helpers). A staff page names its `roles`: the
    sealed copy then shows only to a signed-in person with one of them (else 403).

    `context(runtime, data, lang)` turns the sealed data (JSON: strings, numbers, lists, dicts)
    into the template's context in `lang`, e.g. by reading the call or edition the page names;
    messages are sealed as msgids and translated there, never as text of the first language.
    """
    render = renderer.render if isinstance(renderer, PageRenderer) else renderer
    _ANSWERS[kind] = Answer(render, template, context, roles)


def _key(runtime: Runtime) -> OctKey:
    assert runtime.auth is not None
    secret = runtime.auth.local.key.raw_value
    return OctKey.import_key(hashlib.sha256(b"openkrakow page-language\0" + secret).digest())


def seal(runtime: Runtime, kind: str, data: dict[str, Any], *, ttl: int = TTL) -> str:
    """What a page shows, sealed for its language switcher (readable by this platform only)."""
    body = json.dumps({"kind": kind, "exp": int(time.time()) + ttl, "data": data})
    return jwe.encrypt_compact({"alg": "dir", "enc": "A256GCM"}, body.encode(), _key(runtime))


def unseal(runtime: Runtime, token: str) -> tuple[str, dict[str, Any]] | None:
    """(kind, data) of a sealed page that is intact and not expired; None otherwise."""
    try:
        opened = json.loads(jwe.decrypt_compact(token, _key(runtime)).plaintext or b"")
    except (JoseError, ValueError, TypeError):
        return None
    if not isinstance(opened, dict) or not isinstance(opened.get("data"), dict):
        return None
    if not isinstance(opened.get("exp"), int) or opened["exp"] < time.time():
        return None
    return str(opened.get("kind")), opened["data"]


async def render_answer(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    kind: str,
    data: dict[str, Any],
    status_code: int = 200,
) -> Response[str]:
    """Render the answer page `kind` from `data`, its language switcher replaying it."""
    answer = _ANSWERS[kind]
    context = await answer.context(runtime, data, negotiate_language(request))
    response = answer.render(
        request,
        answer.template,
        status_code,
        replay={"action": PATH, "token": seal(runtime, kind, data)},
        **context,
    )
    # It may show a one-time secret: never stored, never sent on as a referrer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@post(PATH, include_in_schema=False, security=[{}], status_code=200)
async def page_language(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """The same answer page in the language of `?lang=`, from its sealed copy."""
    form = await request.form()
    opened = unseal(runtime, str(form.get("page", ""))[:20_000])
    if opened is None or opened[0] not in _ANSWERS:
        return kit_pages.render(request, "replay_expired.html", 400)
    kind, data = opened
    roles = _ANSWERS[kind].roles
    if roles:
        user = current_user(request)
        if user is None:
            raise NotAuthorizedException("sign in first")
        if not user.has(*roles):
            raise PermissionDeniedException(f"this needs the role {' or '.join(roles)}")
    return await render_answer(request, runtime, kind, data)
