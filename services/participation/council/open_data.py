"""The Council's open datasets (`shared/open_data.py`): its resolutions, and the attendance of
its meetings as counts. Read from the same record as the public pages (`public_record.py`);
every column is listed in docs/personal-data.md ("Open data")."""

from __future__ import annotations

from services.participation.council import public_record
from services.participation.council.pages import catalogs
from shared.open_data import Column, Dataset
from shared.web.forms import N_

RESOLUTIONS = Dataset(
    id="council-resolutions",
    title=N_("Council on Equal Treatment: resolutions and recommendations"),
    description=N_(
        "Every resolution and recommendation the Council voted: its number, the meeting, its "
        "title and text as voted (in Polish), the votes and whether it was adopted."
    ),
    catalogs=catalogs,
    columns=(
        Column("number", N_("Number (N/YYYY)")),
        Column("meeting_id", N_("Meeting (identifier)")),
        Column("meeting_date", N_("Date of the meeting (Kraków)"), "date"),
        Column("kind", N_("Kind: resolution or recommendation")),
        Column("title", N_("Title")),
        Column("text", N_("Text as voted")),
        Column("votes_for", N_("Votes for"), "integer"),
        Column("votes_against", N_("Votes against"), "integer"),
        Column("votes_abstaining", N_("Abstentions"), "integer"),
        Column("adopted", N_("Adopted"), "boolean"),
        Column("voted_at", N_("Recorded at"), "dateTime"),
    ),
    rows=public_record.resolution_rows,
    keywords=("council", "equal treatment", "resolutions"),
    theme="GOVE",
)

ATTENDANCE = Dataset(
    id="council-attendance",
    title=N_("Council on Equal Treatment: attendance at meetings"),
    description=N_(
        "For each meeting held: how many members were in office, how many were present (in "
        "all and by seat), how many guests came and whether there was a quorum. Counts only, "
        "no names."
    ),
    catalogs=catalogs,
    columns=(
        Column("meeting_id", N_("Meeting (identifier)")),
        Column("meeting_date", N_("Date of the meeting (Kraków)"), "date"),
        Column("members_in_office", N_("Members in office that day"), "integer"),
        Column("members_present", N_("Members present"), "integer"),
        Column("members_present_association", N_("Members present: associations"), "integer"),
        Column(
            "members_present_resident",
            N_("Members present: residents with a migration or minority background"),
            "integer",
        ),
        Column("members_present_city", N_("Members present: city representatives"), "integer"),
        Column("guests", N_("Guests"), "integer"),
        Column("participants", N_("Participants (members and guests)"), "integer"),
        Column("quorum_reached", N_("Quorum reached"), "boolean"),
    ),
    rows=public_record.attendance_rows,
    keywords=("council", "equal treatment", "attendance"),
    theme="GOVE",
)

datasets = (RESOLUTIONS, ATTENDANCE)
