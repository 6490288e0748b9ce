"""The annual report on the programme for the City Council (due by 30 April of the next year):
the indicators (base, expected, actual, status — grants and Bench figures among them), every
task due in the year with its status and the year's notes, the share of tasks done per
objective, the risks raised, and the coordinator's narrative per objective; in Polish and
English, as a self-contained printable HTML document (print CSS) and as a PDF rendered from
that same document by WeasyPrint.

An approved report is frozen (`approved_reports`): the documents as approved are served from
then on, whatever changes later.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

from services.indicators import labels, programme, public, queries, tasks_share
from services.indicators.domain import WARSAW
from shared.web.templates import PageRenderer

HERE = Path(__file__).parent
_environment = PageRenderer([HERE / "templates"], labels.catalogs).environment

# As on the public table (pages/public.py): the same msgids, the same words.
FEWER_THAN = labels.N_("fewer than 5")
WITHHELD_WORD = labels.N_("not published")

PANGO_HINT = "apt-get install libpango-1.0-0 libpangoft2-1.0-0"


class PdfUnavailable(RuntimeError):
    """WeasyPrint or its system libraries (Pango) are missing on this machine."""


async def assemble(conn: asyncpg.Connection, year: int) -> dict[str, Any]:
    """Everything the report of `year` holds, read in one connection."""
    inds = await queries.registry(conn)
    objectives = {i.objective: i.objective_names for i in inds}  # every objective has an indicator
    return {
        "year": year,
        "readings": await queries.year_readings(conn, year),
        "tasks": await programme.tasks(conn, year=year, with_notes=True, notes_year=year),
        "shares": (await tasks_share.completed_shares(conn, [year]))[year],
        "risks": [r for r in await programme.risks(conn, year) if r.raised],
        "narratives": await programme.narratives(conn, year),
        "objectives": [(n, objectives.get(n, {})) for n in range(1, 7)],
        "grants": await grants_per_objective(conn, year),
        "departments": await queries.department_stats(conn, year),
    }


def _gettext(lang: str) -> Any:
    def gettext(message: str, **variables: Any) -> str:
        text = labels.catalogs.gettext(lang, message)
        return text % variables if variables else text

    return gettext


def shown_value(reading: queries.Reading, lang: str) -> str:
    """A reading's value as the report writes it: money per currency, a number with its unit."""
    ind = reading.indicator
    if ind.unit == queries.MONEY:
        return labels.money(reading.amounts, lang)
    text = labels.number(reading.value, lang)
    if reading.value is not None and ind.unit == "percent":
        text += "%"
    return text


def document(
    content: dict[str, Any],
    lang: str,
    approved_at: datetime | None = None,
    *,
    published: bool = False,
) -> str:
    """The report as one self-contained HTML document (styles inline, print CSS) in `lang`.

    `published`: the version for the public /indicators page, where a figure that would count
    1-4 residents is withheld as on the public table (public.publish); the coordinator's
    version shows every figure."""
    lang = lang if lang in programme.REPORT_LANGS else "en"
    gettext = _gettext(lang)
    withheld = (
        {p.indicator.id for p in public.publish(content["readings"]) if p.withheld}
        if published
        else set()
    )
    template = _environment.get_template("indicators/programme_report_doc.html")
    return template.render(
        departments_section=departments_section(content, lang),
        **content,
        lang=lang,
        _=gettext,
        gettext=gettext,
        fmt=lambda value: labels.number(value, lang),
        labels=labels,
        words=programme,
        shown_value=lambda r: (
            gettext(FEWER_THAN) if r.indicator.id in withheld else shown_value(r, lang)
        ),
        status_word=lambda r: (
            gettext(WITHHELD_WORD)
            if r.indicator.id in withheld
            else gettext(labels.STATUSES[r.status])
        ),
        money=lambda amounts: labels.money(amounts, lang),
        approved_at=approved_at.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M")
        if approved_at
        else None,
    )


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def figures_json(content: dict[str, Any]) -> str:
    """The frozen figures (kept beside the documents): indicators, task statuses, risks."""
    return json.dumps(
        {
            "year": content["year"],
            "indicators": [
                {
                    "id": r.indicator.id,
                    "value": _number(r.value),
                    "status": r.status,
                    "amounts": r.amounts,
                }
                for r in content["readings"]
            ],
            "tasks": [{"id": t.id, "status": t.status} for t in content["tasks"]],
            "risks_raised": [r.id for r in content["risks"]],
            "grants_per_objective": [
                {"objective": g.objective, "grants": g.grants, "amounts": g.amounts}
                for g in content["grants"].rows
            ],
        }
    )


# --- grants awarded per objective -----------------------------------------------------------


@dataclass(frozen=True)
class GrantsRow:
    """Grants awarded in the year under one specific objective (None: their call is unknown
    to the projection); `amounts` in minor units per currency."""

    objective: int | None
    grants: int
    amounts: dict[str, int]


@dataclass(frozen=True)
class GrantsPerObjective:
    rows: list[GrantsRow]  # objectives 1-6 in order, then the unknown one if any
    total: GrantsRow  # each grant once


async def grants_per_objective(conn: asyncpg.Connection, year: int) -> GrantsPerObjective:
    """Grants awarded in `year` (Warsaw year of the award) per specific objective of their call,
    read from the projection's facts (grants.grant_awarded → its call_id; grants.call_published
    → the call's objectives): a grant of a call with several objectives counts under each."""
    rows = await conn.fetch(
        """with awarded as (
               select key, data->>'call_id' as call_id, (data->>'amount')::bigint as amount,
                      data->>'currency' as currency
               from facts
               where data->>'kind' = 'application' and (data->>'awarded_year')::int = $1)
           select o.objective::int as objective, a.currency, count(*)::int as grants,
                  sum(a.amount)::bigint as amount
           from awarded a
           left join facts c on c.key = 'call:' || a.call_id
           left join lateral jsonb_array_elements_text(c.data->'objectives') as o(objective)
                  on true
           group by 1, 2
           union all
           select -1, currency, count(*)::int, sum(amount)::bigint from awarded group by currency""",
        year,
    )
    per: dict[int | None, GrantsRow] = {n: GrantsRow(n, 0, {}) for n in [*range(1, 7), None, -1]}
    for r in rows:
        objective = r["objective"] if r["objective"] in per else None
        row = per[objective]
        row.amounts[r["currency"]] = row.amounts.get(r["currency"], 0) + r["amount"]
        per[objective] = GrantsRow(objective, row.grants + r["grants"], row.amounts)
    total = per.pop(-1)
    unknown = per.pop(None)
    listed = [per[n] for n in range(1, 7)] + ([unknown] if unknown.grants else [])
    return GrantsPerObjective(listed, GrantsRow(None, total.grants, total.amounts))


GRANTS_HEADERS = {
    "pl": ["Cel szczegółowy", "Przyznane granty", "Waluta", "Kwota (jednostki drobne)", "Kwota"],
    "en": ["Specific objective", "Grants awarded", "Currency", "Amount (minor units)", "Amount"],
}


def grants_csv(content: dict[str, Any], lang: str) -> bytes:
    """The report's table of grants per objective as CSV (UTF-8 with BOM): one row per
    objective and currency (an objective without grants: one row with no currency), then the
    total in which each grant counts once."""
    lang = lang if lang in programme.REPORT_LANGS else "en"
    say = _gettext(lang)
    grants: GrantsPerObjective = content["grants"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(GRANTS_HEADERS[lang])
    for row in [*grants.rows, grants.total]:
        if row is grants.total:
            name = say(GRANTS_TOTAL)
        elif row.objective is None:
            name = say(GRANTS_UNKNOWN)
        else:
            name = str(row.objective)
        for currency, amount in sorted(row.amounts.items()) or [("", None)]:
            writer.writerow(
                [
                    name,
                    row.grants,
                    currency,
                    "" if amount is None else amount,
                    "" if amount is None else labels.money_plain({currency: amount}),
                ]
            )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


GRANTS_TOTAL = labels.N_("All grants (each once)")
GRANTS_UNKNOWN = labels.N_("Call not known to the indicators")


def pdf(html: str) -> bytes:
    """The document rendered by WeasyPrint (imported only here: it needs Pango)."""
    try:
        from weasyprint import HTML  # noqa: PLC0415 - lazy: system libraries may be missing
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            f"PDF rendering needs WeasyPrint and Pango ({PANGO_HINT}): {exc}"
        ) from exc
    return bytes(HTML(string=html).write_pdf())


TASK_HEADERS = {
    "pl": [
        "Cel szczegółowy",
        "Nr",
        "Zadanie",
        "Jednostki odpowiedzialne",
        "Termin",
        "Status",
        "Notatki",
    ],
    "en": ["Specific objective", "No.", "Task", "Responsible units", "Deadline", "Status", "Notes"],
}


def tasks_csv(content: dict[str, Any], lang: str) -> bytes:
    """The report's table of tasks as CSV (UTF-8 with BOM): one row per task due in the year,
    its status in words and the year's notes ("date: text", joined by " | ")."""
    lang = lang if lang in programme.REPORT_LANGS else "en"
    say = _gettext(lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TASK_HEADERS[lang])
    for t in content["tasks"]:
        writer.writerow(
            [
                t.objective,
                t.number,
                t.title(lang),
                t.units,
                t.deadline.isoformat() if t.deadline else say(programme.CYCLE_WORDS[t.cycle]),
                say(programme.STATUS_WORDS[t.status]),
                " | ".join(f"{n.written_on.isoformat()}: {n.text}" for n in t.notes),
            ]
        )
    departments_csv(writer, content, lang)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- Issue 16: the Dialogue Bench per department (a section of its own) ----------------------

DEPARTMENT_HEADERS = {
    "pl": [
        "Wydział",
        "Pytania",
        "Odpowiedzi w terminie",
        "Mediana dni do odpowiedzi",
        "Odpowiedzi pomocne",
    ],
    "en": [
        "Department",
        "Received",
        "Answered on time",
        "Median days to answer",
        "Answers found helpful",
    ],
}


def department_rows(
    content: dict[str, Any], lang: str, *, plain: bool = False
) -> list[dict[str, str]]:
    """Per department (queries.department_stats): its name in `lang` (else Polish) and its
    figures as words, written the language's way (`plain`: the CSV's digits, a point for
    decimals); a figure under the threshold of 5 reads "fewer than 5"."""
    say = _gettext(lang)

    def figure(value: Any, percent: bool = False) -> str:
        if value is None:
            return say(FEWER_THAN)
        text = labels.fmt(Decimal(value)) if plain else labels.number(Decimal(value), lang)
        return f"{text}%" if percent else text

    return [
        {
            "id": d["id"],
            "name": queries.department_name(d["names"], lang, d["id"]),
            "received": figure(d["received"]),
            "on_time_share": figure(d["on_time_share"], percent=True),
            "median_days": figure(d["median_days"]),
            "helpful_share": figure(d["helpful_share"], percent=True),
        }
        for d in content.get("departments", [])
    ]


def departments_section(content: dict[str, Any], lang: str) -> str:
    """The report's section on the Bench's departments (HTML, included in the document)."""
    gettext = _gettext(lang)
    template = _environment.get_template("indicators/programme_report_departments.html")
    return template.render(
        departments=department_rows(content, lang), lang=lang, _=gettext, gettext=gettext
    )


def departments_csv(writer: Any, content: dict[str, Any], lang: str) -> None:
    """The same section after the tasks in the report's CSV: a blank row, its header, a row each."""
    writer.writerow([])
    writer.writerow(DEPARTMENT_HEADERS[lang])
    for d in department_rows(content, lang, plain=True):
        writer.writerow(
            [d["name"], d["received"], d["on_time_share"], d["median_days"], d["helpful_share"]]
        )
