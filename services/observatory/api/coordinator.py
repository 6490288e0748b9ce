"""The coordinator's API: add a publication (its document by address: bodies are 1 MiB)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post

from services.observatory.commands import publications
from services.observatory.schemas import PublicationIn
from shared import idempotency
from shared.auth import current_user, requires
from shared.runtime import Runtime

TAGS = ["observatory"]
COORDINATOR = [requires("coordinator")]


@post("/api/observatory/publications", guards=COORDINATOR, tags=TAGS, status_code=201)
async def add_publication(
    request: Request[Any, Any, Any], data: PublicationIn, runtime: Runtime
) -> Response[Any]:
    """Publish a report, study, seminar notes or recommendations: kind, title and summary (Polish,
    with `title_i18n`/`summary_i18n` in English and Ukrainian), topic, objective 1..6, the day
    it was published (not in the future) and the document's address. Public at once; emits
    `observatory.publication_published`. Honours `Idempotency-Key`."""
    user = current_user(request)
    assert user is not None
    publications.check(data)
    requested = idempotency.requested(request, await request.body(), "observatory.add")
    return idempotency.respond(
        await publications.add(runtime, user.subject, data, requested=requested)
    )
