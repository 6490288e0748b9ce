"""The public API: the publications, searchable (what `/observatory` shows)."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import get
from litestar.params import Parameter

from services.observatory import domain, queries
from services.observatory.schemas import Publication
from shared.http import Page, Paging, paging
from shared.runtime import Runtime

TAGS = ["observatory"]


@get("/api/observatory/publications", tags=TAGS, security=[{}], dependencies={"page": paging})  # type: ignore[dict-item]
async def list_publications(
    runtime: Runtime,
    page: Paging,
    q: Annotated[str, Parameter(query="q", max_length=domain.SEARCH_MAX)] = "",
    kind: Annotated[
        Literal["report", "study", "seminar_notes", "recommendation"] | None,
        Parameter(query="kind"),
    ] = None,
    objective: Annotated[int | None, Parameter(query="objective", ge=1, le=6)] = None,
    year: Annotated[int | None, Parameter(query="year", ge=domain.FIRST_YEAR, le=2100)] = None,
) -> Page[Publication]:
    """The publications not withdrawn, newest first; `q` finds every word in a title or a
    summary in Polish, English or Ukrainian; `kind`, `objective` and `year` narrow the list."""
    rows, total = await queries.search(
        runtime,
        query=q,
        kind=kind,
        objective=objective,
        year=year,
        limit=page.limit,
        offset=page.offset,
    )
    base = runtime.settings.public_url
    return Page(items=[queries.view(r, base) for r in rows], total=total)
