"""The small grants' open data (shared/open_data.py, served at /open-data under CC BY 4.0):
the awards and the calls, from the same tables as the public pages (`/grants/calls`).

Nothing personal: an award names the organisation (a legal person registered by NIP; its name,
NIP and KRS are in public registers), never a representative, an address, a phone number, an
evaluator or a score of one. Every column is listed in docs/personal-data.md ("Open data").
"""

from __future__ import annotations

from typing import Any

from services.grants.pages.common import catalogs
from shared import content
from shared.open_data import Column, Dataset
from shared.refusals import N_

AWARDS_SQL = """
select c.id::text as call_id, c.title as call_title,
       extract(year from c.decision_published_at at time zone 'Europe/Warsaw')::int as year,
       array_to_string(a.objectives, ' ') as objectives,
       o.name as organisation_name, o.nip as organisation_nip, o.krs as organisation_krs,
       o.kind as organisation_kind, a.title as project_title, w.amount as amount_minor,
       w.currency, w.rank,
       (c.decision_published_at at time zone 'Europe/Warsaw')::date as decided_on
from awards w
join calls c on c.id = w.call_id
join applications a on a.id = w.application_id
join organisations o on o.id = a.organisation_id
where c.decision_published_at is not null
order by c.decision_published_at, c.id, w.rank
"""

CALLS_SQL = """
select c.id::text as call_id, c.title, c.title_i18n, c.currency,
       c.budget_total as budget_total_minor, c.max_per_grant as max_per_grant_minor,
       array_to_string(c.objectives, ' ') as objectives, c.opens_at, c.closes_at,
       (c.decision_published_at at time zone 'Europe/Warsaw')::date as decided_on,
       (select count(*) from applications a where a.call_id = c.id
          and a.submitted_at is not null and a.status <> 'withdrawn')::int as applications,
       (select count(*) from awards w where w.call_id = c.id
          and c.decision_published_at is not null)::int as awards,
       (select coalesce(sum(w.amount), 0) from awards w where w.call_id = c.id
          and c.decision_published_at is not null)::bigint as awarded_minor
from calls c
order by c.opens_at, c.id
"""


async def award_rows(conn: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(AWARDS_SQL)]


async def call_rows(conn: Any) -> list[dict[str, Any]]:
    rows = []
    for r in await conn.fetch(CALLS_SQL):
        row = dict(r)
        versions = content.versions(row.pop("title_i18n"))
        row["title_en"] = versions.get("en")
        row["title_uk"] = versions.get("uk")
        rows.append(row)
    return rows


GRANT_AWARDS = Dataset(
    id="grant-awards",
    title=N_("Small grants: awards"),
    description=N_(
        "Every grant awarded in the city's calls for small grants once the decision is "
        "published: the call, the organisation (a legal person, with its NIP and KRS from the "
        "public registers), the project's title and the amount. No data about people."
    ),
    catalogs=catalogs,
    columns=(
        Column("call_id", N_("Call (identifier)")),
        Column("call_title", N_("Call title (Polish)")),
        Column("year", N_("Year of the decision"), "integer"),
        Column("objectives", N_("Programme objectives the project serves (numbers 1–6)")),
        Column("organisation_name", N_("Organisation")),
        Column("organisation_nip", N_("Organisation's NIP (tax identification number)")),
        Column("organisation_krs", N_("Organisation's KRS number, if any")),
        Column("organisation_kind", N_("Kind of organisation (ngo, minority_organisation)")),
        Column("project_title", N_("Project title")),
        Column("amount_minor", N_("Amount awarded, in minor units (grosze or cents)"), "integer"),
        Column("currency", N_("Currency (PLN or EUR)")),
        Column("rank", N_("Place in the call's ranking"), "integer"),
        Column("decided_on", N_("Day the decision was published (Europe/Warsaw)"), "date"),
    ),
    rows=award_rows,
    keywords=("grants", "NGO", "awards", "Kraków"),
)

GRANT_CALLS = Dataset(
    id="grant-calls",
    title=N_("Small grants: calls for proposals"),
    description=N_(
        "The city's calls for small grants: title, budget, dates, and how many applications "
        "were submitted and grants awarded."
    ),
    catalogs=catalogs,
    columns=(
        Column("call_id", N_("Call (identifier)")),
        Column("title", N_("Title (Polish)")),
        Column("title_en", N_("Title in English, if written")),
        Column("title_uk", N_("Title in Ukrainian, if written")),
        Column("currency", N_("Currency (PLN or EUR)")),
        Column("budget_total_minor", N_("Budget, in minor units (grosze or cents)"), "integer"),
        Column("max_per_grant_minor", N_("Maximum per grant, in minor units"), "integer"),
        Column("objectives", N_("Programme objectives of the call (numbers 1–6)")),
        Column("opens_at", N_("Opens (UTC)"), "dateTime"),
        Column("closes_at", N_("Closes (UTC)"), "dateTime"),
        Column("decided_on", N_("Day the decision was published (Europe/Warsaw)"), "date"),
        Column("applications", N_("Applications submitted (not withdrawn)"), "integer"),
        Column("awards", N_("Grants awarded"), "integer"),
        Column("awarded_minor", N_("Total awarded, in minor units"), "integer"),
    ),
    rows=call_rows,
    keywords=("grants", "NGO", "calls", "Kraków"),
)

DATASETS = (GRANT_AWARDS, GRANT_CALLS)
