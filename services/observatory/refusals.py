"""Why the Observatory refuses a request: the service's refusal codes (shared/refusals.py)."""

from __future__ import annotations

from shared.refusals import N_, Wording, register

WORDING = register(
    {
        "observatory.publication.not_found": Wording(
            N_("This publication does not exist."), "no publication %(publication_id)s"
        ),
        "observatory.publication.withdrawn": Wording(
            N_("This publication was withdrawn: it cannot change now."),
            "the publication was withdrawn",
        ),
        "observatory.publication.kind": Wording(
            N_("Choose the kind of publication."),
            "must be one of report, study, seminar_notes, recommendation",
        ),
        "observatory.publication.objective": Wording(
            N_("Choose the programme's specific objective, 1 to 6."), "must be 1 to 6"
        ),
        "observatory.publication.topic": Wording(N_("Choose a topic."), "unknown topic %(topic)s"),
        "observatory.publication.title": Wording(
            N_("Write a title of 3 to 300 characters."), "write 3 to 300 characters"
        ),
        "observatory.publication.summary": Wording(
            N_("Write a summary of 10 to 5000 characters."), "write 10 to 5000 characters"
        ),
        "observatory.publication.translation": Wording(
            N_("A translation can have at most %(limit)s characters"),
            "a translation can have at most %(limit)s characters",
        ),
        "observatory.publication.date": Wording(
            N_("Enter the day of publication, from 2000 to today, e.g. 2026-03-31."),
            "must be a day from 2000-01-01 to today (Europe/Warsaw)",
        ),
        "observatory.publication.url": Wording(
            N_("Enter the document's address starting with https://, or leave it empty."),
            "must be an http(s) address of at most 2000 characters",
        ),
        "observatory.publication.not_pdf": Wording(
            N_("Choose a PDF file (the file chosen is not a PDF)."), "the document is not a PDF"
        ),
        "observatory.publication.too_large": Wording(
            N_("The PDF can be at most 20 MiB."), "the document is over 20 MiB"
        ),
    }
)
