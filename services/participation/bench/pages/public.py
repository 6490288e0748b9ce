"""Resident pages of the Dialogue Bench (pl/en/uk, no JavaScript needed): editions, asking,
confirmation, tracking."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import Parameter

from services.participation.bench import domain, store
from services.participation.bench.commands import SCHEMA, questions
from services.participation.bench.commands.questions import track, verdict_of
from services.participation.bench.queries import edition_view
from services.participation.bench.schemas import QuestionIn
from shared import addresses
from shared.events import utcnow
from shared.events.catalogue import GROUPS, LANGUAGES, TOPICS
from shared.ratelimit import RateLimited
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web import replay
from shared.web.i18n import KIT_LOCALE_DIR, Catalogs
from shared.web.pages import rate_limited_page
from shared.web.templates import PageRenderer

HERE = Path(__file__).parent.parent  # the Bench's folder: its locale/ and templates/
catalogs = Catalogs([KIT_LOCALE_DIR, HERE / "locale"])
pages = PageRenderer([HERE / "templates"], catalogs)


T = TypeVar("T")


def page_error(exc: Refused) -> HTTPException:
    """A refusal a page does not explain next to a field: the kit's error page of its status."""
    return HTTPException(status_code=int(exc.kind), detail=str(exc))


async def readable(call: Awaitable[T]) -> T:
    """What a query answers for a page; a refusal (not found, not yours) is the error page."""
    try:
        return await call
    except Refused as exc:
        raise page_error(exc) from exc


def _form_context(
    edition: Any, values: dict[str, Any], errors: dict[str, str], lang: str
) -> dict[str, Any]:
    accepting = (
        domain.edition_accepts_questions(
            edition["status"], edition["submissions_close_at"], utcnow()
        )
        is None
    )
    return {
        "edition": edition_view(edition),
        "accepting": accepting,
        "values": values,
        "errors": errors,
        "topics": TOPICS,
        "groups": [g for g in GROUPS if g != "undisclosed"],
        "question_languages": LANGUAGES,
        "nonce": values.get("nonce") or secrets.token_urlsafe(16),
        "page_lang": lang,
    }


@get("/bench", include_in_schema=False)
async def editions_page(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    now = utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await store.public_editions(conn, now)
    editions = [
        (
            edition_view(r),
            domain.edition_accepts_questions(r["status"], r["submissions_close_at"], now) is None,
        )
        for r in rows
    ]
    return pages.render(request, "bench/editions.html", editions=editions)


async def _edition_or_404(runtime: Runtime, edition_id: uuid.UUID) -> Any:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.edition(conn, edition_id)
    if row is None:
        raise NotFoundException(f"no edition {edition_id}")
    return row


@get("/bench/editions/{edition_id:uuid}", include_in_schema=False)
async def edition_page(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    edition = await _edition_or_404(runtime, edition_id)
    lang = _lang(request)
    return pages.render(
        request, "bench/edition.html", **_form_context(edition, {"language": lang}, {}, lang)
    )


def _lang(request: Request[Any, Any, Any]) -> str:
    from shared.web.i18n import negotiate_language

    return negotiate_language(request)


def _validate(form: dict[str, str]) -> tuple[QuestionIn | None, dict[str, str]]:
    """The form as a question, or messages (msgids) per field."""
    errors: dict[str, str] = {}
    text = form.get("text", "").strip()
    if len(text) < 10:
        errors["text"] = "Write your question: at least 10 characters."
    elif len(text) > 2000:
        errors["text"] = "Your question is too long: at most 2000 characters."
    if form.get("topic") not in TOPICS:
        errors["topic"] = "Choose the topic of your question."
    if form.get("language") not in LANGUAGES:
        errors["language"] = "Choose the language we should answer in."
    email = form.get("email", "").strip()
    if email and not addresses.is_address(email):
        errors["email"] = "Enter an e-mail address like name@example.com, or leave it empty."
    consent = form.get("consent") == "yes"
    if email and not consent:
        errors["consent"] = "To get the answer by e-mail, agree that we use your address for it."
    group = form.get("group") or None
    if group is not None and group not in GROUPS:
        errors["group"] = "Choose one of the options, or leave it empty."
    if len(form.get("name", "")) > 200:
        errors["name"] = "Your name is too long: at most 200 characters."
    if errors:
        return None, errors
    question = msgspec.convert(
        {
            "text": text,
            "topic": form["topic"],
            "language": form["language"],
            "consent": consent and bool(email),
            "email": email or None,
            "name": form.get("name", "").strip() or None,
            "group": group,
            "publish": form.get("publish") == "yes",
        },
        QuestionIn,
    )
    return question, {}


@post("/bench/editions/{edition_id:uuid}/questions", include_in_schema=False, status_code=200)
async def submit_question(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    form = {k: str(v) for k, v in (await request.form()).items()}
    edition = await _edition_or_404(runtime, edition_id)
    lang = _lang(request)
    question, errors = _validate(form)
    try:
        await runtime.limiter.check_client(request, "questions")
        if question is not None:
            await runtime.limiter.check_address(question.email)
    except RateLimited as exc:
        return rate_limited_page(
            request, exc, pages, "bench/edition.html", **_form_context(edition, form, {}, lang)
        )
    if question is None:
        typed = {k: v for k, v in form.items() if k != "_csrf_token"}
        refused = {"edition_id": str(edition_id), "values": typed, "errors": errors}
        return await replay.render_answer(request, runtime, REFUSED, refused, 400)
    nonce = form.get("nonce", "")[:64] or secrets.token_urlsafe(16)
    try:
        created, earlier = await questions.ask_by_form(runtime, edition_id, question, nonce)
    except Refused as exc:  # closed meanwhile: the form says so, and keeps what was typed
        if exc.kind != Kind.CONFLICT:
            raise page_error(exc) from exc
        typed = {k: v for k, v in form.items() if k != "_csrf_token"}
        closed = {"edition_id": str(edition_id), "values": typed, "errors": {}}
        return await replay.render_answer(request, runtime, REFUSED, closed, 409)
    if created is None:
        row = earlier
        slip = _slip(
            row["reference"], None, row["due_at"], row["asker_email"] is not None, edition_id
        )
        return await replay.render_answer(request, runtime, SLIP, slip)
    slip = _slip(
        created.reference,
        created.tracking_token,
        created.due_at,
        question.email is not None,
        edition_id,
    )
    return await replay.render_answer(request, runtime, SLIP, slip)


SLIP = "bench.slip"
"""The slip answering a sent question: its language switch re-renders it from a sealed copy,
so the one-time tracking code survives a change of language and never enters an address."""


def _slip(
    reference: str,
    token: str | None,
    due_at: datetime,
    has_email: bool,
    edition_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """What the slip shows (JSON), sealed for its language switch; no token when repeated."""
    return {
        "edition_id": str(edition_id) if edition_id else None,
        "reference": reference,
        "token": token,
        "due_at": due_at.isoformat(),
        "has_email": has_email,
        "repeated": token is None,
    }


async def _slip_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    edition = None
    if data.get("edition_id"):
        async with runtime.pool(SCHEMA).acquire() as conn:
            row = await store.edition(conn, uuid.UUID(data["edition_id"]))
        edition = edition_view(row) if row is not None else None
    return {
        **data,
        "due_at": datetime.fromisoformat(data["due_at"]),
        "warsaw": domain.WARSAW,
        "edition": edition,
    }


replay.answer_page(SLIP, pages, "bench/confirmation.html", _slip_context)

REFUSED = "bench.form_refused"
"""The form answering a refused question, with what was typed and why (msgids): its language
switch shows it again in the other language instead of an error page."""


async def _refused_context(runtime: Runtime, data: dict[str, Any], lang: str) -> dict[str, Any]:
    edition = await _edition_or_404(runtime, uuid.UUID(data["edition_id"]))
    errors = {field: catalogs.gettext(lang, msgid) for field, msgid in data["errors"].items()}
    return _form_context(edition, data["values"], errors, lang)


replay.answer_page(REFUSED, pages, "bench/edition.html", _refused_context)


@get("/bench/track", include_in_schema=False)
async def track_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    reference: str = Parameter(query="reference", default="", max_length=40),
    token: str = Parameter(query="token", default="", max_length=200),
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    found = None
    edition = None
    verdict = None
    asked = bool(reference.strip() and token.strip())
    try:
        if asked:
            async with runtime.limiter.token_attempt(request) as attempt:
                found = await track(runtime, reference, token)
                if found is None:
                    await attempt.failed()
        if found is not None:  # the session the question was asked for, in the reader's language
            async with runtime.pool(SCHEMA).acquire() as conn:
                row = await store.edition_of_question(conn, found.reference)
            edition = edition_view(row) if row is not None else None
            verdict = await verdict_of(runtime, found.reference)
        response = pages.render(
            request,
            "bench/track.html",
            reference=reference,
            token=token,
            asked=asked,
            found=found,
            done=done,
            edition=edition,
            verdict=verdict,
        )
    except RateLimited as exc:
        response = rate_limited_page(
            request, exc, pages, "bench/track.html", reference=reference, token=token, asked=False
        )
    # The token is a secret in the address: keep it out of referrers and shared caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


route_handlers = [editions_page, edition_page, submit_question, track_page]
