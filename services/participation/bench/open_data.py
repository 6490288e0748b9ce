"""The Bench's open data (shared/open_data.py): `bench-answers`, the public archive of answers.

Only what the archive itself shows (`store_archive.PUBLISHED`: the asker agreed, staff did not
withhold it, moderation accepted it, it was answered and not erased), masked as there (e-mail
addresses, phone numbers, the asker's name); never a name, an address, a reference, a tracking
code, the asker's group or channel. Every column is listed in docs/personal-data.md
("Open data").
"""

from __future__ import annotations

from services.participation.bench import published
from services.participation.bench.pages.public import catalogs
from shared.open_data import Column, Dataset
from shared.web.forms import N_

BENCH_ANSWERS = Dataset(
    id="bench-answers",
    title=N_("Intercultural Dialogue Bench: published questions and answers"),
    description=N_(
        "Questions residents asked the Mayor at the Intercultural Dialogue Bench and the City's "
        "written answers, published with each asker's consent, without names or contact details "
        "(e-mail addresses and phone numbers removed), with the City's translations into "
        "Polish, English and Ukrainian where there are any."
    ),
    catalogs=catalogs,
    columns=(
        Column("id", N_("Question")),
        Column("edition_id", N_("Session")),
        Column("edition_title", N_("Session title")),
        Column("held_on", N_("Session date"), "date"),
        Column("topic", N_("Topic")),
        Column("question_language", N_("Language of the question")),
        Column("received_on", N_("Asked on"), "date"),
        Column("answered_at", N_("Answered at"), "dateTime"),
        Column("question_text", N_("Question")),
        Column("answer_language", N_("Language of the answer")),
        Column("answer_text", N_("Answer")),
        Column("question_text_pl", N_("Question in Polish (translation)")),
        Column("question_text_en", N_("Question in English (translation)")),
        Column("question_text_uk", N_("Question in Ukrainian (translation)")),
        Column("answer_text_pl", N_("Answer in Polish (translation)")),
        Column("answer_text_en", N_("Answer in English (translation)")),
        Column("answer_text_uk", N_("Answer in Ukrainian (translation)")),
    ),
    rows=published.dataset_rows,
    keywords=("Dialogue Bench", "questions", "answers", "Kraków", "migrants", "minorities"),
)

datasets = (BENCH_ANSWERS,)
