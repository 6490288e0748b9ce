"""Public pages: the nomination form, the candidate's acceptance, withdrawal, the results.

In Polish, English and Ukrainian, without JavaScript; every state change is a POST form with
the CSRF field (a GET link from an e-mail only shows the page, since mail scanners open links).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import Parameter

from services.ambassadors import edges, queries
from services.ambassadors.commands import laureates, nominations
from services.ambassadors.i18n import catalogs
from services.ambassadors.pages import error_page, pages
from services.ambassadors.schemas import NominationCreated, NominationIn
from shared import addresses
from shared.events.catalogue import GROUPS
from shared.ratelimit import RateLimited
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web import replay
from shared.web.forms import N_
from shared.web.i18n import negotiate_language
from shared.web.pages import rate_limited_page
from shared.web.refusals import Speaker, page_status

FIELDS = (
    "candidate_name",
    "candidate_email",
    "justification",
    "nominator_name",
    "nominator_email",
    "nominator_group",
)


def _form_errors(values: dict[str, str], _: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("candidate_name", "nominator_name"):
        if not 2 <= len(values.get(name, "").strip()) <= 200:
            errors[name] = _("Enter a name of 2 to 200 characters")
    for name in ("candidate_email", "nominator_email"):
        if not addresses.is_address(values.get(name, "")):
            errors[name] = _("Enter an e-mail address like name@example.org")
    if not 20 <= len(values.get("justification", "").strip()) <= 5000:
        errors["justification"] = _("Write a justification of 20 to 5,000 characters")
    if values.get("nominator_group", "undisclosed") not in GROUPS:
        errors["nominator_group"] = _("Choose one of the options")
    if values.get("consent") != "yes":
        errors["consent"] = _(
            "Tick the box to agree: we cannot run the competition without your data"
        )
    return errors


async def _open_edition(runtime: Runtime, edition_id: uuid.UUID) -> Any:
    with error_page():
        return await queries.edition_row(runtime, edition_id)


@get("/ambassadors", include_in_schema=False)
async def index(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """The competition: the edition(s) running — dates in Kraków time, criteria, the way to
    nominate — and past laureates per edition, with the name and short justification each
    agreed to publish ("Laureate (name not published)" otherwise)."""
    overview = await queries.public_overview(runtime, 20)
    return pages.render(
        request, "ambassadors/index.html", current=overview["current"], past=overview["past"]
    )


async def _criteria(runtime: Runtime, edition_id: uuid.UUID) -> list[Any]:
    with error_page():
        return (await queries.edition_with_criteria(runtime, edition_id))[1]


@get("/ambassadors/editions/{edition_id:uuid}/nominate", include_in_schema=False)
async def nomination_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    with error_page():
        edition, criteria = await queries.edition_with_criteria(runtime, edition_id)
    return pages.render(
        request,
        "ambassadors/nominate.html",
        edition=edition,
        criteria=criteria,
        errors={},
        values={},
    )


@post("/ambassadors/editions/{edition_id:uuid}/nominate", include_in_schema=False)
async def submit_nomination_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    edition = await _open_edition(runtime, edition_id)
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in (*FIELDS, "consent")}
    values["nominator_group"] = values["nominator_group"] or "undisclosed"
    lang = negotiate_language(request)
    try:
        return await _nominate(request, runtime, edition, values, lang)
    except RateLimited as exc:
        return rate_limited_page(
            request,
            exc,
            pages,
            "ambassadors/nominate.html",
            edition=edition,
            criteria=await _criteria(runtime, edition_id),
            errors={},
            values=values,
        )


async def _nominate(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    edition: Any,
    values: dict[str, str],
    lang: str,
) -> Response[str]:
    await runtime.limiter.check_client(request, "forms")
    errors = _form_errors(values, lambda m: catalogs.gettext(lang, m))
    if errors:
        return pages.render(
            request,
            "ambassadors/nominate.html",
            400,
            edition=edition,
            criteria=await _criteria(runtime, edition["id"]),
            errors=errors,
            values=values,
        )
    data = NominationIn(**{k: values[k] for k in FIELDS}, consent=True, language=lang)  # type: ignore[arg-type]
    await runtime.limiter.check_address(data.nominator_email)
    try:
        created = await nominations.submit(runtime, edition["id"], data)
    except Refused as exc:
        if exc.kind != Kind.CONFLICT:
            raise HTTPException(status_code=page_status(exc)) from exc
        reason = Speaker(catalogs, lang).say(exc.first)
        return pages.render(request, "ambassadors/closed.html", 409, edition=edition, reason=reason)
    assert isinstance(created, NominationCreated)  # no Idempotency-Key: never a replay
    receipt = {"reference": created.reference, "status": created.status}
    return await replay.render_answer(request, runtime, RECEIPT, receipt)


RECEIPT = "ambassadors.nomination_receipt"
"""The page answering a nomination: its language switch re-renders it (sealed copy)."""


async def _receipt_context(_: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    return {"created": {"reference": data["reference"], "status": data["status"]}}


replay.answer_page(RECEIPT, pages, "ambassadors/nominated.html", _receipt_context)


@get("/ambassadors/nominations/{nomination_id:uuid}/accept", include_in_schema=False)
async def acceptance_page(
    request: Request[Any, Any, Any],
    nomination_id: uuid.UUID,
    runtime: Runtime,
    token: str = Parameter(query="token", default=""),
) -> Response[str]:
    with error_page():
        row = await queries.nomination_row(runtime, nomination_id)
    return pages.render(request, "ambassadors/accept.html", nomination=row, token=token, done=None)


@post("/ambassadors/nominations/{nomination_id:uuid}/accept", include_in_schema=False)
async def acceptance_decision(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    form = await request.form()
    token, decision = str(form.get("token", "")), str(form.get("decision", ""))
    if decision not in ("accept", "decline"):
        raise HTTPException(status_code=400)
    with error_page():
        async with edges.token_attempt(runtime, request):
            if decision == "accept":
                await nominations.accept(runtime, nomination_id, token)
            else:
                await nominations.withdraw(runtime, nomination_id, token=token, coordinator=None)
    done = {"nomination_id": str(nomination_id), "done": decision}
    return await replay.render_answer(request, runtime, ACCEPTANCE, done)


@get("/ambassadors/nominations/{nomination_id:uuid}/withdraw", include_in_schema=False)
async def withdrawal_page(
    request: Request[Any, Any, Any],
    nomination_id: uuid.UUID,
    runtime: Runtime,
    token: str = Parameter(query="token", default=""),
) -> Response[str]:
    with error_page():
        row = await queries.nomination_row(runtime, nomination_id)
    return pages.render(
        request, "ambassadors/withdraw.html", nomination=row, token=token, done=False
    )


@post("/ambassadors/nominations/{nomination_id:uuid}/withdraw", include_in_schema=False)
async def withdrawal_decision(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    form = await request.form()
    with error_page():
        async with edges.token_attempt(runtime, request):
            await nominations.withdraw(
                runtime, nomination_id, token=str(form.get("token", "")), coordinator=None
            )
    done = {"nomination_id": str(nomination_id), "done": True}
    return await replay.render_answer(request, runtime, WITHDRAWAL, done)


ACCEPTANCE, WITHDRAWAL = "ambassadors.acceptance_done", "ambassadors.withdrawal_done"
"""Pages answering the candidate's decision and a withdrawal: their language switch re-renders
them from a sealed copy (the personal token is in neither their address nor the copy)."""


async def _decision_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    with error_page():  # erased since: 404
        row = await queries.nomination_row(runtime, uuid.UUID(data["nomination_id"]))
    return {"nomination": row, "token": "", "done": data["done"]}


replay.answer_page(ACCEPTANCE, pages, "ambassadors/accept.html", _decision_context)
replay.answer_page(WITHDRAWAL, pages, "ambassadors/withdraw.html", _decision_context)


@get("/ambassadors/editions/{edition_id:uuid}/results", include_in_schema=False)
async def results_page(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    with error_page():
        results = await queries.results(runtime, edition_id)
        edition = await queries.edition_row(runtime, edition_id)
    return pages.render(request, "ambassadors/results.html", results=results, edition=edition)


# --- What a laureate agrees to publish ------------------------------------------------------

NO_CONSENT = N_("Tick the box to agree, or choose not to publish your name")
PUBLICATION_FIELDS = ("public_name", "public_justification", "public_language")


def _publication_values(row: Any) -> dict[str, str]:
    return {
        "public_name": row["public_name"] or row["candidate_name"],
        "public_justification": row["public_justification"] or "",
        "public_language": row["public_language"],
    }


@get("/ambassadors/laureates/{nomination_id:uuid}/publication", include_in_schema=False)
async def publication_page(
    request: Request[Any, Any, Any],
    nomination_id: uuid.UUID,
    runtime: Runtime,
    token: str = Parameter(query="token", default=""),
) -> Response[str]:
    """The laureate's form (from the congratulations mail): agree to publish their name and a
    short justification, or not. Only a POST with the mail's token changes anything."""
    with error_page():
        row = await queries.laureate_publication(runtime, nomination_id)
    return pages.render(
        request,
        "ambassadors/publication.html",
        laureate=row,
        token=token,
        values=_publication_values(row),
        errors={},
        done=None,
    )


@post("/ambassadors/laureates/{nomination_id:uuid}/publication", include_in_schema=False)
async def publication_decision(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    form = await request.form()
    token, decision = str(form.get("token", "")), str(form.get("decision", ""))
    if decision not in ("agree", "decline"):
        raise HTTPException(status_code=400)
    values = {k: str(form.get(k, "")).strip() for k in PUBLICATION_FIELDS}
    agree = decision == "agree"
    if agree and form.get("consent") != "yes":
        with error_page():
            row = await queries.laureate_publication(runtime, nomination_id)
        lang = negotiate_language(request)
        return pages.render(
            request,
            "ambassadors/publication.html",
            400,
            laureate=row,
            token=token,
            values=values,
            errors={"consent": catalogs.gettext(lang, NO_CONSENT)},
            done=None,
        )
    try:
        async with edges.token_attempt(runtime, request):
            done = await laureates.decide_publication(
                runtime,
                nomination_id,
                token,
                agree=agree,
                name=values["public_name"],
                justification=values["public_justification"],
                language=values["public_language"] or "pl",
            )
    except Refused as exc:
        if exc.kind != Kind.INVALID:
            raise HTTPException(status_code=page_status(exc)) from exc
        with error_page():
            row = await queries.laureate_publication(runtime, nomination_id)
        speaker = Speaker(catalogs, negotiate_language(request))
        errors = {r.field or "public_justification": speaker.say(r) for r in exc.refusals}
        return pages.render(
            request,
            "ambassadors/publication.html",
            400,
            laureate=row,
            token=token,
            values=values,
            errors=errors,
            done=None,
        )
    answer = {"nomination_id": str(nomination_id), "done": done}
    return await replay.render_answer(request, runtime, PUBLICATION, answer)


PUBLICATION = "ambassadors.publication_done"
"""The page answering a laureate's decision: its language switch re-renders it."""


async def _publication_context(
    runtime: Runtime, data: dict[str, Any], _lang: str
) -> dict[str, Any]:
    with error_page():  # erased since: 404
        row = await queries.laureate_publication(runtime, uuid.UUID(data["nomination_id"]))
    return {
        "laureate": row,
        "token": "",
        "values": _publication_values(row),
        "errors": {},
        "done": data["done"],
    }


replay.answer_page(PUBLICATION, pages, "ambassadors/publication.html", _publication_context)


route_handlers = [
    index,
    nomination_form,
    submit_nomination_form,
    acceptance_page,
    acceptance_decision,
    withdrawal_page,
    withdrawal_decision,
    results_page,
    publication_page,
    publication_decision,
]
