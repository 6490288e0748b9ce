"""The jurors' API: the candidacies they may judge, scoring or recusal, the scores they may see.

Blindness and recusal are enforced on the server (commands/jury.py, queries.py): a juror linked
to a candidacy gets 403 on everything about it; a juror sees other jurors' scores of a
nomination only after submitting their own scorecard (a juror who recused never does).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post

from services.ambassadors import queries
from services.ambassadors.commands import jury
from services.ambassadors.schemas import JurorNomination, ScoreRecorded, ScoresIn, ScoreView
from shared.auth import current_user, requires
from shared.http import Page
from shared.runtime import Runtime

TAGS = ["ambassadors"]


@get(
    "/api/ambassadors/editions/{edition_id:uuid}/jury/me/nominations",
    guards=[requires("juror")],
    tags=TAGS,
)
async def my_nominations(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Page[JurorNomination]:
    """The accepted candidacies the calling juror may judge (never those they are linked to)."""
    user = current_user(request)
    assert user is not None
    items = await queries.my_nominations(runtime, edition_id, user.subject)
    return Page(items=items, total=len(items))


@post(
    "/api/ambassadors/nominations/{nomination_id:uuid}/scores",
    guards=[requires("juror")],
    tags=TAGS,
    status_code=201,
)
async def submit_scores(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, data: ScoresIn, runtime: Runtime
) -> ScoreRecorded:
    """Score each criterion 0-10 (final once submitted), or declare a conflict of interest."""
    user = current_user(request)
    assert user is not None
    return await jury.submit_scores(runtime, user.subject, nomination_id, data)


@get(
    "/api/ambassadors/nominations/{nomination_id:uuid}/scores",
    guards=[requires("juror", "coordinator")],
    tags=TAGS,
)
async def nomination_scores(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, runtime: Runtime
) -> Page[ScoreView]:
    """Every juror's decision on a nomination: for a juror only after submitting their own scores."""
    user = current_user(request)
    assert user is not None
    items = await queries.nomination_scores(
        runtime, user.subject, user.has("coordinator"), nomination_id
    )
    return Page(items=items, total=len(items))
