"""The jury's pages (pl/en/uk, no JavaScript): the juror's editions with the candidacies they
may score and their progress, and a candidacy's page with the score form and the recusal.

For jurors, signed in with the session cookie (or a bearer token). Every action is a POST form
with the CSRF field that calls the same command as the jury API (`commands/jury.py`), so blindness,
links to candidates and recusal are enforced alike whichever door a juror uses; a refusal is
explained in the page's language with what was typed kept, a success redirects (303) to the
page saying what was done.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect

from services.ambassadors import domain, queries, store
from services.ambassadors.commands import jury
from services.ambassadors.i18n import catalogs
from services.ambassadors.pages import error_page, pages
from services.ambassadors.schemas import ScoresIn
from shared.auth import requires
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web.forms import N_, form_values, translate, user_of, warsaw_time
from shared.web.forms import field_errors as kit_field_errors
from shared.web.i18n import negotiate_language
from shared.web.refusals import Speaker

JURY = [requires("juror")]
DONE = ("scored", "recused")
COMMENT_MESSAGE = {"comment": N_("Write the comment in at most %(max)s characters.")}


def t(request: Request[Any, Any, Any], message: str, **values: Any) -> str:
    """A message in the page's language, with its values filled in."""
    return translate(catalogs, request, message, **values)


def render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Response[str]:
    """A jury page: Kraków times (`when`) and the signed-in `user`."""
    speaker = Speaker(catalogs, negotiate_language(request))
    return pages.render(
        request,
        template,
        status_code,
        when=warsaw_time,
        user=user_of(request),
        say=speaker.value,
        **context,
    )


# --- The juror's editions ---------------------------------------------------------------


@get("/ambassadors/jury", guards=JURY, include_in_schema=False)
async def jury_page(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """Each edition the juror sits on: its deadline, their candidacies and their progress."""
    with error_page():
        editions = await queries.juror_editions(runtime, user_of(request).subject)
    return render(request, "ambassadors/jury/index.html", editions=editions)


# --- One candidacy ----------------------------------------------------------------------


async def _nomination_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    nomination_id: uuid.UUID,
    status_code: int = 200,
    *,
    form: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str = "",
) -> Response[str]:
    with error_page():
        # The candidacy as GET …/jury/me/nominations lists it: accepted ones only (else 404).
        shown = await queries.juror_nomination(runtime, user_of(request).subject, nomination_id)
    own = shown["own"]
    return render(
        request,
        "ambassadors/jury/nomination.html",
        status_code,
        **shown,
        own_scores=store.decode_scores(own["scores"]) if own else None,
        score_range=(domain.SCORE_MIN, domain.SCORE_MAX),
        form=form,
        errors=errors or {},
        values=values or {},
        done=done if done in DONE else "",
    )


@get("/ambassadors/jury/nominations/{nomination_id:uuid}", guards=JURY, include_in_schema=False)
async def nomination_page(
    request: Request[Any, Any, Any],
    nomination_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """The candidacy with every nominator's justification, and the forms the decision allows."""
    return await _nomination_page(request, runtime, nomination_id, done=done)


async def _decide(
    request: Request[Any, Any, Any], runtime: Runtime, nomination_id: uuid.UUID, data: ScoresIn
) -> tuple[int, dict[str, str]] | None:
    """The same call as POST /api/ambassadors/nominations/{id}/scores; None when stored, else
    the state's refusal (a decision already made, scoring closed, a candidacy no longer
    accepted: it changed since the page was shown) said on the decision."""
    with error_page():
        try:
            await jury.submit_scores(runtime, user_of(request).subject, nomination_id, data)
        except Refused as exc:
            if exc.kind != Kind.CONFLICT:
                raise
            speaker = Speaker(catalogs, negotiate_language(request))
            return 409, {"decision": speaker.say(exc.first)}
    return None


def _score_message(request: Request[Any, Any, Any], criterion: str) -> str:
    return t(
        request,
        N_("Give “%(criterion)s” a whole number of points from %(min)s to %(max)s."),
        criterion=criterion,
        min=domain.SCORE_MIN,
        max=domain.SCORE_MAX,
    )


@post(
    "/ambassadors/jury/nominations/{nomination_id:uuid}/scores",
    guards=JURY,
    include_in_schema=False,
)
async def scores_form(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Score every criterion and comment: final once sent."""
    with error_page():
        criteria = await queries.juror_criteria(runtime, user_of(request).subject, nomination_id)
    keys = [c["key"] for c in criteria]
    values = await form_values(request, "comment", *(f"score_{k}" for k in keys))
    comment = values["comment"].strip()
    errors = kit_field_errors(
        catalogs, request, ScoresIn, {"comment": comment or None}, COMMENT_MESSAGE
    )
    scores: dict[str, int] = {}
    for c in criteria:
        raw = values[f"score_{c['key']}"].strip()
        try:
            scores[c["key"]] = int(raw)
        except ValueError:
            errors[f"score_{c['key']}"] = _score_message(request, c["name"])
    # The edition's scorecard rule, as the API applies it (range, every criterion).
    for name in domain.scorecard_problems(scores, keys, False):
        key = name.removeprefix("scores.")
        if key in keys:
            criterion = next(c["name"] for c in criteria if c["key"] == key)
            errors[f"score_{key}"] = _score_message(request, criterion)
    status_code = 400
    if not errors:
        refused = await _decide(
            request, runtime, nomination_id, ScoresIn(scores=scores, comment=comment or None)
        )
        if refused is None:
            return Redirect(
                f"/ambassadors/jury/nominations/{nomination_id}?done=scored#done", status_code=303
            )
        status_code, errors = refused
    return await _nomination_page(
        request, runtime, nomination_id, status_code, form="scores", errors=errors, values=values
    )


@post(
    "/ambassadors/jury/nominations/{nomination_id:uuid}/recusal",
    guards=JURY,
    include_in_schema=False,
)
async def recusal_form(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Declare a conflict of interest, once confirmed: final, and the scores stay hidden."""
    values = await form_values(request, "confirm")
    status_code = 400
    errors: dict[str, str] = {}
    if values["confirm"] != "yes":
        errors["confirm"] = t(
            request, N_("Tick the box to confirm that you have a conflict of interest.")
        )
    else:
        refused = await _decide(
            request, runtime, nomination_id, ScoresIn(conflict_of_interest=True)
        )
        if refused is None:
            return Redirect(
                f"/ambassadors/jury/nominations/{nomination_id}?done=recused#done",
                status_code=303,
            )
        status_code, errors = refused
    return await _nomination_page(
        request, runtime, nomination_id, status_code, form="recusal", errors=errors, values=values
    )


route_handlers = [jury_page, nomination_page, scores_form, recusal_form]
