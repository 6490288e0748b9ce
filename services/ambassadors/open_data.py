"""The competition's open data (shared/open_data.py): numbers per edition and per laureate's
place, never a name, an address or a justification.

Open data is copied under CC BY 4.0 and cannot be erased, so even what a laureate agreed to show
on the page (their name, the short justification) stays out: a laureate is a place in an
edition's published list. Every column is listed in docs/personal-data.md ("Open data").
"""

from __future__ import annotations

from typing import Any

import asyncpg

from services.ambassadors.i18n import catalogs
from shared.events.catalogue import GROUPS
from shared.open_data import Column, Dataset
from shared.web.forms import N_

GROUP_TITLES = {
    "national_minority": N_("Nominations by people of a national minority"),
    "ethnic_minority": N_("Nominations by people of an ethnic minority"),
    "economic_migrant": N_("Nominations by migrants (work, study, family)"),
    "forced_migrant": N_("Nominations by refugees or forced migrants"),
    "none": N_("Nominations by people of none of these groups"),
    "undisclosed": N_("Nominations by people who preferred not to say"),
}


async def laureate_rows(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Per published edition and laureate's place: how many nominations supported the
    candidacy and how many meetings with the Mayor the laureate attended."""
    rows = await conn.fetch(
        """select e.year as edition_year, e.number as edition_number, l.position as place,
                  (select count(*) from nominations s
                    where (s.id = l.nomination_id or s.merged_into = l.nomination_id)
                      and s.status <> 'withdrawn') as nominations_received,
                  (select count(*) from mayor_meeting_attendance a
                    where a.nomination_id = l.nomination_id) as mayor_meetings_attended,
                  (e.published_at at time zone 'Europe/Warsaw')::date as results_published_on
           from laureates l join editions e on e.id = l.edition_id
           where e.published_at is not null
           order by e.year, e.number, l.position"""
    )
    return [dict(r) for r in rows]


# The privacy threshold of every published breakdown (handbook/indicators.md: "never below 5").
SMALL_CELL = 5


async def edition_rows(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Per edition: its dates and titles, the nominations it received (each submission, as the
    indicator counts them) by the nominators' self-declared group, the accepted candidacies and
    the laureates."""
    rows = await conn.fetch(
        """select e.year as edition_year, e.number as edition_number,
                  e.nominations_close_at, e.jury_deadline_at, e.titles,
                  e.published_at as results_published_at,
                  (select count(*) from nominations n where n.edition_id = e.id)
                      as nominations_submitted,
                  (select count(*) from nominations n
                    where n.edition_id = e.id and n.status = 'accepted') as candidacies_accepted,
                  (select count(*) from laureates l where l.edition_id = e.id) as laureates,
                  (select coalesce(jsonb_object_agg(g.nominator_group, g.n), '{}'::jsonb)
                     from (select nominator_group, count(*) as n from nominations n
                           where n.edition_id = e.id group by nominator_group) g) as groups
           from editions e order by e.year, e.number"""
    )
    found = []
    for r in rows:
        row = dict(r)
        groups = {g: int(n) for g, n in (row.pop("groups") or {}).items()}
        # Never a cell of 1 to 4 people (the indicators' small-cell rule): with one, no group's
        # count is published for the edition, so none can be worked out from the total either.
        small = any(0 < n < SMALL_CELL for n in groups.values())
        for group in GROUPS:
            row[f"nominations_{group}"] = None if small else groups.get(group, 0)
        found.append(row)
    return found


LAUREATES = Dataset(
    id="ambassador-laureates",
    title=N_("Kraków Ambassadors of Multiculturalism: laureates"),
    description=N_(
        "Each place in each edition's published list of laureates: how many nominations "
        "supported the candidacy and how many meetings with the Mayor the laureate attended. "
        "No names: a laureate's name is shown on the competition's page only with their "
        "agreement, and never in open data."
    ),
    catalogs=catalogs,
    columns=(
        Column("edition_year", N_("Year of the edition"), "integer"),
        Column("edition_number", N_("Number of the edition within its year"), "integer"),
        Column("place", N_("Place in the published list of laureates (1 = first)"), "integer"),
        Column(
            "nominations_received",
            N_("Nominations supporting the candidacy (merged duplicates included)"),
            "integer",
        ),
        Column(
            "mayor_meetings_attended",
            N_("Meetings with the Mayor the laureate attended"),
            "integer",
        ),
        Column("results_published_on", N_("Day the results were published (Kraków)"), "date"),
    ),
    rows=laureate_rows,
    keywords=("ambassadors", "multiculturalism", "awards", "Kraków"),
)

EDITIONS = Dataset(
    id="ambassador-editions",
    title=N_("Kraków Ambassadors of Multiculturalism: editions"),
    description=N_(
        "Each edition of the competition: when nominations closed, the jury deadline, the "
        "number of titles, the nominations received (also by the nominators' self-declared "
        "group), the accepted candidacies and the laureates. No names."
    ),
    catalogs=catalogs,
    columns=(
        Column("edition_year", N_("Year of the edition"), "integer"),
        Column("edition_number", N_("Number of the edition within its year"), "integer"),
        Column("nominations_close_at", N_("Nominations close"), "dateTime"),
        Column("jury_deadline_at", N_("Jury deadline"), "dateTime"),
        Column("titles", N_("Titles the edition may award"), "integer"),
        Column("nominations_submitted", N_("Nominations submitted (each submission)"), "integer"),
        *(Column(f"nominations_{g}", GROUP_TITLES[g], "integer") for g in GROUPS),
        Column("candidacies_accepted", N_("Candidacies accepted by the candidate"), "integer"),
        Column("laureates", N_("Laureates"), "integer"),
        Column("results_published_at", N_("Results published (empty before)"), "dateTime"),
    ),
    rows=edition_rows,
    keywords=("ambassadors", "multiculturalism", "nominations", "Kraków"),
)

datasets = (LAUREATES, EDITIONS)
