"""The asker's verdict on the answer (issue 16 part 5): `/bench/feedback/{token}/helpful` and
`/not-helpful` from the answer mail, no sign-in. A GET only shows a confirmation page with a POST
button (mail scanners open links); the POST records the verdict once per question."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from services.participation.bench import domain
from services.participation.bench.commands import SCHEMA, questions
from services.participation.bench.pages.public import pages
from shared.runtime import Runtime

VERDICTS = {"helpful": True, "not-helpful": False}


def _page(request: Request[Any, Any, Any], state: str, token: str, verdict: str) -> Response[str]:
    response = pages.render(
        request,
        "bench/feedback.html",
        state=state,
        token=token,
        verdict=verdict,
        status_code=404 if state == "unknown" else 200,
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


async def _state(runtime: Runtime, token: str, verdict: str) -> str:
    if verdict not in VERDICTS or not token:
        return "unknown"
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await conn.fetchrow(
            "select feedback_at from bench_questions where feedback_token_hash = $1",
            domain.hash_token(token),
        )
    if row is None:
        return "unknown"
    return "used" if row["feedback_at"] is not None else "ask"


@get("/bench/feedback/{token:str}/{verdict:str}", include_in_schema=False)
async def feedback_page(
    request: Request[Any, Any, Any], runtime: Runtime, token: str, verdict: str
) -> Response[str]:
    """Asks to confirm the verdict; changes nothing."""
    token = token[:200]
    return _page(request, await _state(runtime, token, verdict), token, verdict)


@post("/bench/feedback/{token:str}/{verdict:str}", include_in_schema=False)
async def feedback_form(
    request: Request[Any, Any, Any], runtime: Runtime, token: str, verdict: str
) -> Response[str]:
    """Records the verdict once: a used or unknown token changes nothing and says so."""
    token = token[:200]
    state = await _state(runtime, token, verdict)
    if state == "ask":
        done = await questions.record_verdict(runtime, token, VERDICTS[verdict])
        state = "thanks" if done else "used"
    return _page(request, state, token, verdict)


route_handlers = [feedback_page, feedback_form]
