"""The public archive of answered questions (pl/en/uk, no JavaScript): the search page, a page
per question, the Atom feed of new answers; the asker's consent on the tracking page; and the
coordinator's forms on the staff question page (withhold / put back, translations).

Only published questions are ever read for these pages (`published.py`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect

from services.participation.bench import archive, published
from services.participation.bench import store_archive as sa
from services.participation.bench import store_questions as sq
from services.participation.bench.commands import SCHEMA, publication
from services.participation.bench.pages.forms import COORDINATOR, t
from services.participation.bench.pages.public import catalogs, page_error, pages
from services.participation.bench.schemas import TranslationsIn, WithholdingIn
from shared import content
from shared.events.catalogue import LANGUAGES, TOPICS
from shared.ratelimit import RateLimited
from shared.refusals import Refused
from shared.runtime import Runtime
from shared.web.forms import N_, form_values, user_of
from shared.web.i18n import negotiate_language

PAGE_SIZE = 20
FEED_SIZE = 50

# The page's words for a wrong parameter (msgids).
PROBLEMS = {
    "q": N_("Search for at most 200 characters."),
    "topic": N_("Choose one of the topics."),
    "language": N_("Choose one of the languages."),
    "edition": N_("Choose one of the sessions."),
    "page": N_("There is no such page of results."),
}


@get("/bench/answers", include_in_schema=False)
async def answers_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    q: str = Parameter(query="q", default="", max_length=1000),
    topic: str = Parameter(query="topic", default="", max_length=100),
    language: str = Parameter(query="language", default="", max_length=100),
    edition: str = Parameter(query="edition", default="", max_length=100),
    page: str = Parameter(query="page", default="1", max_length=20),
) -> Response[str]:
    """Answered questions whose asker agreed to publication, newest first, 20 a page."""
    lang = negotiate_language(request)
    try:
        number = int(page)
    except ValueError:
        number = 0
    offset = (number - 1) * PAGE_SIZE if number >= 1 else -1
    query, problems = published.check(
        q=q, topic=topic, language=language, edition=edition, limit=PAGE_SIZE, offset=offset
    )
    if "offset" in problems:
        problems["page"] = problems.pop("offset")
    result = None
    if not problems:
        result = await published.search(runtime, query, lang)
    async with runtime.pool(SCHEMA).acquire() as conn:
        editions = await sa.editions_with_answers(conn)
    shown = {"q": q, "topic": topic, "language": language, "edition": edition}

    def page_url(n: int) -> str:
        return "/bench/answers?" + urlencode({**{k: v for k, v in shown.items() if v}, "page": n})

    total = result.total if result else 0
    pages_count = max(1, -(-total // PAGE_SIZE))
    return pages.render(
        request,
        "bench/answers.html",
        400 if problems else 200,
        result=result,
        values=shown,
        errors={k: t(request, PROBLEMS[k]) for k in problems},
        editions=editions,
        topics=TOPICS,
        question_languages=LANGUAGES,
        page=number,
        pages_count=pages_count,
        previous_url=page_url(number - 1) if result and number > 1 else None,
        next_url=page_url(number + 1)
        if result and (number < pages_count or (result.more and len(result.items) == PAGE_SIZE))
        else None,
        snippet=lambda text: archive.snippet(text, query.terms),
    )


@get("/bench/answers/feed.atom", include_in_schema=False)
async def answers_feed(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """Atom: the 50 newest published answers, in the reader's language (`?lang=`) where
    translated."""
    lang = negotiate_language(request)
    query, _ = published.check(limit=FEED_SIZE)
    result = await published.search(runtime, query, lang)
    base = str(runtime.settings.public_url).rstrip("/")
    title = catalogs.gettext(lang, "Intercultural Dialogue Bench: answers")
    updated = result.items[0].answered_at if result.items else datetime(2025, 1, 1, tzinfo=UTC)
    entries = []
    for item in result.items:
        link = f"{base}{item.url}"
        summary = f"{item.question.text}\n\n{item.answer.text}"
        entries.append(
            "<entry>"
            f"<id>urn:uuid:{item.id}</id>"
            f'<title xml:lang="{item.question.lang}">{escape(archive.snippet(item.question.text, [], 120))}</title>'
            f'<link rel="alternate" type="text/html" href="{escape(link)}?lang={lang}"/>'
            f"<published>{item.answered_at.isoformat()}</published>"
            f"<updated>{item.answered_at.isoformat()}</updated>"
            f'<category term="{escape(item.topic)}"/>'
            f'<summary type="text" xml:lang="{item.answer.lang}">{escape(summary)}</summary>'
            "</entry>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}">'
        f"<id>{escape(base)}/bench/answers/feed.atom?lang={lang}</id>"
        f"<title>{escape(title)}</title>"
        f'<link rel="self" href="{escape(base)}/bench/answers/feed.atom?lang={lang}"/>'
        f'<link rel="alternate" type="text/html" href="{escape(base)}/bench/answers?lang={lang}"/>'
        f"<updated>{updated.isoformat()}</updated>"
        f"<author><name>{escape(catalogs.gettext(lang, 'Kraków City Office – Open Kraków programme'))}</name></author>"
        + "".join(entries)
        + "</feed>"
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@get("/bench/answers/{question_id:uuid}", include_in_schema=False)
async def answer_page(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """One published question, its answers, session, topic and dates; 404 otherwise."""
    found = await published.one(runtime, question_id, negotiate_language(request))
    if found is None:
        raise NotFoundException(f"no published question {question_id}")
    item, answers, dates = found
    return pages.render(
        request, "bench/answer.html", item=item, answers=list(zip(answers, dates, strict=True))
    )


# --- The asker's consent, on the tracking page ----------------------------------------------


@post("/bench/track/publication", include_in_schema=False)
async def consent_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """The asker agrees to publication, or withdraws it, with reference and tracking code (the
    tracking page's form); back to the tracking page, which says so."""
    values = await form_values(request, "reference", "token", "publish")
    reference, token = values["reference"][:40], values["token"][:200]
    try:
        async with runtime.limiter.token_attempt(request) as attempt:
            changed = await publication.change_consent(
                runtime, reference, token, values["publish"] == "yes"
            )
            if not changed:
                await attempt.failed()
    except RateLimited:
        changed = False
    query = {"reference": reference, "token": token}
    if changed:
        query["done"] = "publication"
    response = Redirect("/bench/track?" + urlencode(query), status_code=303)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@post("/bench/track/verdict", include_in_schema=False)
async def verdict_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """The asker's verdict on the answer from the tracking page (reference and tracking code):
    recorded once per question; back to the tracking page, which shows what was recorded."""
    from services.participation.bench.commands import questions

    values = await form_values(request, "reference", "token", "verdict")
    reference, token = values["reference"][:40], values["token"][:200]
    changed = False
    if values["verdict"] in ("helpful", "not-helpful"):
        try:
            async with runtime.limiter.token_attempt(request) as attempt:
                changed = await questions.record_verdict_tracked(
                    runtime, reference, token, values["verdict"] == "helpful"
                )
                if not changed:
                    await attempt.failed()
        except RateLimited:
            changed = False
    query = {"reference": reference, "token": token}
    if changed:
        query["done"] = "verdict"
    response = Redirect("/bench/track?" + urlencode(query), status_code=303)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Staff: withhold, translations ------------------------------------------------------------


@post(
    "/bench/staff/questions/{question_id:uuid}/withholding",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def withholding_form(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Keep out of the public archive with a reason (`withheld=yes`), or put back
    (`withheld=no`): the same call as POST /api/bench/questions/{id}/withholding."""
    from services.participation.bench.pages.staff import _question_page

    values = await form_values(request, "withheld", "withheld_reason")
    withheld = values["withheld"] == "yes"
    reason = values["withheld_reason"].strip()
    errors: dict[str, str] = {}
    status_code = 400
    if withheld and not 3 <= len(reason) <= 500:
        errors["withheld_reason"] = t(
            request,
            N_("Say why the question is kept out of the public archive (3 to 500 characters)."),
        )
    else:
        try:
            await publication.withhold(
                runtime,
                user_of(request),
                question_id,
                WithholdingIn(withheld=withheld, reason=reason or None),
            )
        except Refused as exc:
            if int(exc.kind) != 409:
                raise page_error(exc) from exc
            status_code = 409
            errors["publication-state"] = t(
                request, N_("This was changed in the meantime; see the state above.")
            )
        else:
            done = "withheld" if withheld else "released"
            return Redirect(
                f"/bench/staff/questions/{question_id}?done={done}#done", status_code=303
            )
    return await _question_page(
        request,
        runtime,
        question_id,
        status_code,
        form="publication",
        errors=errors,
        values={"withheld_reason": values["withheld_reason"]},
    )


@post(
    "/bench/staff/questions/{question_id:uuid}/translations",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def translations_form(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Staff translations of the question and its answers (pl/en/uk, never the original's
    language): the same call as PUT /api/bench/questions/{id}/translations. With a translation
    provider, `_action=draft` fills the empty fields with machine drafts, saving nothing."""
    from services.participation.bench.pages.staff import _question_page

    form = {k: str(v) for k, v in (await request.form()).items()}
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await sq.question(conn, question_id)
        answers = await sa.answers(conn, question_id)
    if row is None:
        raise NotFoundException(f"no question {question_id}")
    typed = {k: v for k, v in form.items() if "__" in k}
    if form.get("_action") == "draft":
        drafts = await content.drafts(
            runtime.settings, {"question": row["text"]}, row["language"], typed
        )
        for n, answer in enumerate(answers):
            drafts |= await content.drafts(
                runtime.settings, {f"answer_{n}": answer["text"]}, answer["language"], typed
            )
        return await _question_page(
            request,
            runtime,
            question_id,
            form="translations",
            translation_values={**typed, **drafts},
            translation_drafts=drafts,
        )
    errors: dict[str, str] = {}
    question_i18n, problem = content.from_form(form, "question", row["language"], 10_000)
    if problem:
        errors[
            "question__" + next(c for c in content.CONTENT_LANGUAGES if c != row["language"])
        ] = t(request, problem, limit=10_000)
    answer_i18n: dict[uuid.UUID, dict[str, str]] = {}
    for n, answer in enumerate(answers):
        texts, problem = content.from_form(form, f"answer_{n}", answer["language"], 10_000)
        if problem:
            first = next(c for c in content.CONTENT_LANGUAGES if c != answer["language"])
            errors[f"answer_{n}__{first}"] = t(request, problem, limit=10_000)
        answer_i18n[answer["id"]] = texts
    if not errors:
        await publication.translate(
            runtime,
            question_id,
            TranslationsIn(question=question_i18n, answers=answer_i18n),  # type: ignore[arg-type]
        )
        return Redirect(
            f"/bench/staff/questions/{question_id}?done=translated#done", status_code=303
        )
    return await _question_page(
        request,
        runtime,
        question_id,
        400,
        form="translations",
        errors=errors,
        translation_values=typed,
    )


route_handlers = [
    answers_page,
    answers_feed,
    answer_page,
    consent_form,
    verdict_form,
    withholding_form,
    translations_form,
]
