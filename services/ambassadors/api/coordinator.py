"""The coordinator's API: editions, the list of nominations, the jury and its progress, the
ranking, publishing the results and the meetings with the Mayor."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, delete, get, post, put

from services.ambassadors import queries
from services.ambassadors.commands import editions, jury
from services.ambassadors.schemas import (
    Edition,
    EditionIn,
    JurorIn,
    JurorProgress,
    MayorMeetingIn,
    NominationsOpenIn,
    NominationSummary,
    Ranking,
    Results,
    ResultsIn,
)
from shared import idempotency
from shared.auth import current_user, requires
from shared.http import Page, Paging, paging
from shared.runtime import Runtime

TAGS = ["ambassadors"]
COORDINATOR = [requires("coordinator")]


def _coordinator(request: Request[Any, Any, Any]) -> str:
    user = current_user(request)
    assert user is not None
    return user.subject


_created = idempotency.respond  # 201 with the command's answer, or the replayed first answer


@post("/api/ambassadors/editions", guards=COORDINATOR, tags=TAGS, status_code=201)
async def create_edition(
    request: Request[Any, Any, Any], data: EditionIn, runtime: Runtime
) -> Response[Any]:
    """Open an edition: nominations until `nominations_close_at`, scored against weighted criteria."""
    coordinator = _coordinator(request)
    editions.check_edition(data)
    requested = idempotency.requested(request, await request.body(), "ambassadors.create_edition")
    return _created(await editions.create_edition(runtime, coordinator, data, requested))


@put("/api/ambassadors/editions/{edition_id:uuid}", guards=COORDINATOR, tags=TAGS)
async def update_edition(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, data: EditionIn, runtime: Runtime
) -> Edition:
    """Change the dates, titles and criteria (the year stays; criteria stay once scored)."""
    return await editions.update_edition(runtime, _coordinator(request), edition_id, data)


@post(
    "/api/ambassadors/editions/{edition_id:uuid}/nominations/close",
    guards=COORDINATOR,
    tags=TAGS,
    status_code=200,
)
async def close_nominations(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Edition:
    """Close nominations now; 409 when they are not open."""
    return await editions.close_nominations(runtime, _coordinator(request), edition_id)


@post(
    "/api/ambassadors/editions/{edition_id:uuid}/nominations/open",
    guards=COORDINATOR,
    tags=TAGS,
    status_code=200,
)
async def open_nominations(
    request: Request[Any, Any, Any],
    edition_id: uuid.UUID,
    data: NominationsOpenIn,
    runtime: Runtime,
) -> Edition:
    """Open nominations (again) until a future moment, at the latest the jury deadline."""
    return await editions.open_nominations(runtime, _coordinator(request), edition_id, data)


@get(
    "/api/ambassadors/editions/{edition_id:uuid}/nominations",
    guards=COORDINATOR,
    tags=TAGS,
    dependencies={"page": paging},  # type: ignore[dict-item]
)
async def list_nominations(
    edition_id: uuid.UUID, runtime: Runtime, page: Paging
) -> Page[NominationSummary]:
    """Every submission of the edition in order, with status and number of nominators."""
    items, total = await queries.nominations(runtime, edition_id, page.limit, page.offset)
    return Page(items=items, total=total)


@post(
    "/api/ambassadors/editions/{edition_id:uuid}/jury",
    guards=COORDINATOR,
    tags=TAGS,
    status_code=201,
)
async def appoint_juror(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, data: JurorIn, runtime: Runtime
) -> Response[Any]:
    """Appoint a juror (by their sign-in subject), with the candidacies they declared a link to."""
    coordinator = _coordinator(request)
    requested = idempotency.requested(
        request, await request.body(), f"ambassadors.jury:{edition_id}"
    )
    return _created(await jury.appoint_juror(runtime, coordinator, edition_id, data, requested))


@delete(
    "/api/ambassadors/editions/{edition_id:uuid}/jury/{juror_id:uuid}",
    guards=COORDINATOR,
    tags=TAGS,
)
async def remove_juror(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, juror_id: uuid.UUID, runtime: Runtime
) -> None:
    """Take a juror off the jury before they have decided anything (409 after)."""
    await jury.remove_juror(runtime, _coordinator(request), edition_id, juror_id)


@get("/api/ambassadors/editions/{edition_id:uuid}/jury", guards=COORDINATOR, tags=TAGS)
async def jury_progress(edition_id: uuid.UUID, runtime: Runtime) -> Page[JurorProgress]:
    """Each juror's progress over the accepted candidacies they may see."""
    items = await queries.jury_progress(runtime, edition_id)
    return Page(items=items, total=len(items))


@get("/api/ambassadors/editions/{edition_id:uuid}/ranking", guards=COORDINATOR, tags=TAGS)
async def ranking(edition_id: uuid.UUID, runtime: Runtime) -> Ranking:
    """Accepted candidacies best first by weighted mean, with the normalised ranking beside it."""
    return await queries.ranking(runtime, edition_id)


@post(
    "/api/ambassadors/editions/{edition_id:uuid}/results",
    guards=COORDINATOR,
    tags=TAGS,
    status_code=200,
)
async def publish_results(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, data: ResultsIn, runtime: Runtime
) -> Results:
    """Publish the laureates (accepted candidacies of this edition, at most the number of titles)."""
    coordinator = _coordinator(request)
    return await editions.publish_results(runtime, coordinator, edition_id, list(data.laureates))


@post(
    "/api/ambassadors/editions/{edition_id:uuid}/mayor-meetings",
    guards=COORDINATOR,
    tags=TAGS,
    status_code=201,
)
async def record_mayor_meeting(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, data: MayorMeetingIn, runtime: Runtime
) -> Response[Any]:
    """Record a meeting of the edition's ambassadors with the Mayor."""
    coordinator = _coordinator(request)
    requested = idempotency.requested(
        request, await request.body(), f"ambassadors.meeting:{edition_id}"
    )
    return _created(
        await editions.record_mayor_meeting(runtime, coordinator, edition_id, data, requested)
    )
