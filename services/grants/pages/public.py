"""Public pages of the small grants (no sign-in): the calls — open, upcoming, in evaluation and
decided — and a page per call with its texts in the reader's language (shared/content.py), its
dates in Europe/Warsaw, its budget, criteria, how to apply and, once decided, its awards
(organisation, project, amount: an organisation is a legal person, its name is public)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get

from services.grants import queries
from services.grants.pages.common import REFUSED, pages, speaker_for
from shared.refusals import N_
from shared.runtime import Runtime

# What each group of calls is called on the list (and a call's state on its page).
STATES = {
    "open": N_("Open for applications"),
    "announced": N_("Upcoming"),
    "closed": N_("Closed, being evaluated"),
    "decided": N_("Decided"),
}
KINDS = {
    "ngo": N_("Non-governmental organisation"),
    "minority_organisation": N_("Minority organisation"),
}


def _formats(request: Request[Any, Any, Any]) -> dict[str, Any]:
    speaker = speaker_for(request)
    return {"money": speaker.amount, "when": speaker.moment, "states": STATES, "kinds": KINDS}


@get("/grants/calls", exception_handlers=REFUSED)
async def public_calls(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """Open, upcoming and decided calls (and those being evaluated), a decided one with its
    awards, texts in the reader's language."""
    calls = await queries.public_calls(runtime)
    return pages.render(request, "grants/public_calls.html", calls=calls, **_formats(request))


@get("/grants/calls/{call_id:uuid}", exception_handlers=REFUSED)
async def public_call(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """A call: its texts, dates, budget, criteria, how to apply, its awards once decided."""
    call = await queries.public_call(runtime, call_id)
    return pages.render(request, "grants/public_call.html", call=call, **_formats(request))
