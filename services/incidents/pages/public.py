"""The public incident form and its receipt: no account, anonymous by default.

The form speaks Polish, English, Ukrainian, Russian and Belarusian: `?lang=ru` or `?lang=be`
(or a link in the form's own language list) shows the form's texts in that language, marked
with `lang`, while the header and footer stay in the kit's language (pl/en/uk); the page says
so in the form's language (incidents/_site_languages.html). Without
JavaScript: the district is a plain select, the date and time plain inputs.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from services.incidents import domain
from services.incidents.commands import reports
from services.incidents.i18n import form_catalogs, form_language
from services.incidents.pages import form_gettext, pages
from services.incidents.schemas import ReportCreated, ReportIn
from shared import addresses
from shared.events import utcnow
from shared.ratelimit import RateLimited
from shared.refusals import WORDING, Refused
from shared.runtime import Runtime
from shared.web import replay
from shared.web.forms import N_
from shared.web.i18n import negotiate_language
from shared.web.pages import rate_limited_page

FIELDS = (
    "what",
    "where",
    "district",
    "when_date",
    "when_time",
    "reported_to_police",
    "category",
    "email",
)
TEMPLATE = "incidents/report.html"

MESSAGES = {
    "what": N_("Describe what happened in 10 to 5,000 characters."),
    "where": N_("Say where it happened, in 2 to 300 characters."),
    "district": N_("Choose a district from the list, or leave it empty."),
    "when_date": N_("Enter the date as year-month-day, for example 2026-05-01."),
    "when_time": N_("Enter the time as hours:minutes, for example 18:30, or leave it empty."),
    "reported_to_police": N_("Choose one of the answers."),
    "category": N_("Choose one of the answers."),
    "email": N_("Enter an e-mail address like name@example.org, or leave it empty."),
}


def _say(form_lang: str, msgid: str) -> str:
    return form_catalogs.gettext(form_lang, msgid)


def _errors(values: dict[str, str], form_lang: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    what = values["what"]
    if not domain.MIN_WHAT <= len(what) <= domain.MAX_WHAT:
        errors["what"] = MESSAGES["what"]
    if not 2 <= len(values["where"]) <= domain.MAX_PLACE:
        errors["where"] = MESSAGES["where"]
    if values["district"] and values["district"] not in domain.DISTRICTS:
        errors["district"] = MESSAGES["district"]
    if not values["when_date"]:
        errors["when_date"] = MESSAGES["when_date"]
    if values["reported_to_police"] not in domain.POLICE:
        errors["reported_to_police"] = MESSAGES["reported_to_police"]
    if values["category"] and values["category"] not in domain.CATEGORIES:
        errors["category"] = MESSAGES["category"]
    if values["email"] and not addresses.is_address(values["email"]):
        errors["email"] = MESSAGES["email"]
    return {k: _say(form_lang, v) for k, v in errors.items()}


def _when(values: dict[str, str]) -> str:
    return values["when_date"] + (f"T{values['when_time']}" if values["when_time"] else "")


def _render(
    request: Request[Any, Any, Any],
    form_lang: str,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    page_lang = negotiate_language(request)
    return pages.render(
        request,
        TEMPLATE,
        status_code,
        **form_gettext(form_lang, page_lang),
        today=utcnow().astimezone(domain.WARSAW).date().isoformat(),
        **context,
    )


@get("/incidents", include_in_schema=False)
async def report_form(request: Request[Any, Any, Any]) -> Response[str]:
    form_lang = form_language(request.query_params.get("lang"), negotiate_language(request))
    values = {"reported_to_police": "unsure"}
    return _render(request, form_lang, errors={}, values=values)


@post("/incidents", include_in_schema=False)
async def submit_report(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    form = await request.form()
    values = {k: str(form.get(k, "") or "").strip() for k in FIELDS}
    values["reported_to_police"] = values["reported_to_police"] or "unsure"
    form_lang = form_language(str(form.get("language", "")), negotiate_language(request))
    try:
        return await _submit(request, runtime, values, form_lang)
    except RateLimited as exc:
        page_lang = negotiate_language(request)
        return rate_limited_page(
            request,
            exc,
            pages,
            TEMPLATE,
            **form_gettext(form_lang, page_lang),
            today=utcnow().astimezone(domain.WARSAW).date().isoformat(),
            errors={},
            values=values,
        )


async def _submit(
    request: Request[Any, Any, Any], runtime: Runtime, values: dict[str, str], form_lang: str
) -> Response[str]:
    await runtime.limiter.check_client(request, "forms")
    errors = _errors(values, form_lang)
    data: ReportIn | None = None
    if not errors:
        data = ReportIn(
            what=values["what"],
            where=values["where"],
            when=_when(values),
            district=values["district"] or None,  # type: ignore[arg-type]
            category=values["category"] or None,  # type: ignore[arg-type]
            reported_to_police=values["reported_to_police"],  # type: ignore[arg-type]
            email=values["email"] or None,
            language=form_lang,  # type: ignore[arg-type]
        )
        if data.email:
            await runtime.limiter.check_address(data.email)
        try:
            created = await reports.report(runtime, data, "web")
        except Refused as exc:
            refusal = exc.first
            field = {"when": "when_date"}.get(refusal.field or "", refusal.field or "what")
            errors[field] = _say(form_lang, WORDING[refusal.code].page)
        else:
            assert isinstance(created, ReportCreated)  # no Idempotency-Key: never a replay
            receipt = {
                "reference": created.reference,
                "language": form_lang,
                "page_language": negotiate_language(request),
                "anonymous": data.email is None,
            }
            return await replay.render_answer(request, runtime, RECEIPT, receipt, 201)
    return _render(request, form_lang, 400, errors=errors, values=values)


RECEIPT = "incidents.report_receipt"
"""The page answering a report: its reference; its language switch re-renders it."""


async def _receipt_context(_: Runtime, data: dict[str, Any], lang: str) -> dict[str, Any]:
    # The form's language, unless the reader switched the page to another one since.
    form_lang = data["language"] if lang == data["page_language"] else lang
    return {
        **form_gettext(form_lang, lang),
        "reference": data["reference"],
        "anonymous": data["anonymous"],
    }


replay.answer_page(RECEIPT, pages, "incidents/received.html", _receipt_context)

route_handlers = [report_form, submit_report]
