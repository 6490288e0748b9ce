"""The public archive's JSON (`GET /api/public/bench/answers`, contract) and its staff routes:
withholding a question from the archive, translating a question and its answers."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post, put
from litestar.params import Parameter

from services.participation.bench import published
from services.participation.bench.commands import publication
from services.participation.bench.schemas import (
    ArchivePage,
    Publication,
    TranslationsIn,
    WithholdingIn,
)
from shared.auth import current_user, requires
from shared.runtime import Runtime
from shared.web.i18n import LANGUAGES as PAGE_LANGUAGES

TAGS = ["bench"]


@get("/api/public/bench/answers", tags=TAGS, security=[{}])
async def answers(
    runtime: Runtime,
    q: str = Parameter(
        query="q", default="", description="words of a question or answer, any language"
    ),
    lang: str = Parameter(
        query="lang", default="pl", description="the reader's language: pl, en, uk"
    ),
    topic: str = Parameter(query="topic", default=""),
    language: str = Parameter(
        query="language", default="", description="the question's own language"
    ),
    edition: str = Parameter(query="edition", default=""),
    limit: str = Parameter(query="limit", default="20", description="1 to 100"),
    offset: str = Parameter(query="offset", default="0"),
) -> ArchivePage:
    """Answered questions whose asker agreed to publication, newest answer first: each text in
    `lang` where staff translated it, else the original (its `lang` says which). No name,
    address, reference or tracking code; e-mail addresses and phone numbers masked."""
    query, problems = published.check(
        q=q, topic=topic, language=language, edition=edition, limit=limit, offset=offset
    )
    if lang not in PAGE_LANGUAGES:
        problems["lang"] = f"unknown reader's language {lang!r}; one of {', '.join(PAGE_LANGUAGES)}"
    if problems:
        raise published.refuse(problems)
    return await published.search(runtime, query, lang)


@post(
    "/api/bench/questions/{question_id:uuid}/withholding",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=200,
)
async def withhold(
    request: Request[Any, Any, Any], question_id: uuid.UUID, data: WithholdingIn, runtime: Runtime
) -> Publication:
    """Keep a question out of the public archive (`withheld: true` with a `reason`), or put it
    back (`withheld: false`); 409 when it already is so."""
    user = current_user(request)
    assert user is not None  # the guard admitted a signed-in coordinator
    return await publication.withhold(runtime, user, question_id, data)


@put(
    "/api/bench/questions/{question_id:uuid}/translations",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=200,
)
async def translations(
    question_id: uuid.UUID, data: TranslationsIn, runtime: Runtime
) -> dict[str, Any]:
    """Replace the staff translations of a question (`question`) and of its answers
    (`answers`, by answer id): pl/en/uk, never the original's language (422)."""
    return await publication.translate(runtime, question_id, data)


route_handlers = [answers, withhold, translations]
