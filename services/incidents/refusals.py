"""Why the incidents service refuses a request (shared/refusals.py): the API's English text
and a page text translated in this service's catalogs."""

from __future__ import annotations

from shared.refusals import N_, Wording, register

WORDING = register(
    {
        "incidents.report.not_found": Wording(
            N_("This report does not exist."), "no report %(report_id)s"
        ),
        "incidents.report.when_invalid": Wording(
            N_("Enter a real date, and a time if you know it."), "not a real date or time"
        ),
        "incidents.report.when_future": Wording(
            N_("The date cannot be in the future."), "must not be in the future"
        ),
        "incidents.report.when_old": Wording(
            N_("Enter a date of the last five years."), "must be within the last five years"
        ),
        "incidents.report.what_short": Wording(
            N_("Describe what happened in at least 10 characters."),
            "describe what happened in at least 10 characters",
        ),
        "incidents.triage.nothing": Wording(
            N_("Choose a category and a severity, or where to refer the report."),
            "give category and severity, or refer_to",
        ),
        "incidents.triage.incomplete": Wording(
            N_("Choose both the category and the severity."),
            "triage needs both category and severity",
        ),
        "incidents.triage.referred": Wording(
            N_("This report has already been referred."), "the report has already been referred"
        ),
        "incidents.triage.not_triaged": Wording(
            N_("Triage the report before referring it."), "triage the report before referring it"
        ),
        "incidents.triage.note_needed": Wording(
            N_("Write a note for the referral: whom and why."),
            "a referral needs a note",
        ),
        "incidents.team.duplicate": Wording(
            N_("This address is already on the response team."),
            "this address is already on the response team",
        ),
        "incidents.team.not_found": Wording(
            N_("This person is not on the response team."), "no team member %(member_id)s"
        ),
    }
)
