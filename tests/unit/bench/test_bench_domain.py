"""Bench rules without servers: languages, topics, duplicates, states, deadlines, catalogs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import services.participation.bench as bench_package
from services.participation.bench import domain
from shared.web.i18n import KIT_LOCALE_DIR, Catalogs, untranslated


def test_language_is_detected_from_letters_or_declared() -> None:
    assert domain.detect_language("Коли відкриють їдальню в школі?") == "uk"
    assert domain.detect_language("Калі адкрыюць школу ў нашым раёне?") == "be"
    assert domain.detect_language("Когда откроют новую школу?") == "ru"
    assert domain.detect_language("Gdzie jest urząd?") == "pl"
    assert domain.detect_language("Where is the office?") == "en"
    assert domain.detect_language("Where is the office?", "uk-UA") == "uk"


def test_topic_is_guessed_or_other() -> None:
    assert domain.guess_topic("Jak zapisać dziecko do szkoły?") == "education"
    assert domain.guess_topic("Де знайти лікаря?") == "health_care"
    assert domain.guess_topic("Hello there, a general remark") == "other"


def test_similar_questions_are_suggested_as_duplicates() -> None:
    found = domain.likely_duplicates(
        "Kiedy będzie więcej lekcji polskiego dla dzieci z Ukrainy?",
        "education",
        [
            (1, "Kiedy będzie więcej lekcji polskiego dla dzieci?", "education"),
            (2, "Gdzie zaparkować rower?", "urban_infrastructure"),
        ],
    )
    assert [cid for cid, _ in found] == [1]


def test_answers_are_in_the_askers_language_or_polish() -> None:
    assert domain.answer_language_refusal("uk", "uk") is None
    assert domain.answer_language_refusal("uk", "pl") is None
    assert domain.answer_language_refusal("uk", "en") is not None


def test_states_refuse_what_cannot_happen() -> None:
    assert domain.answer_refusal("answered") is not None
    assert domain.answer_refusal("assigned") is None
    assert domain.moderation_refusal("merged", "accepted") is not None
    assert domain.merge_refusal(1, 1, "received", None) is not None
    assert domain.merge_refusal(1, 2, "merged", 3) is not None


def test_edition_may_be_marked_held_only_on_or_after_its_day() -> None:
    now = datetime(2025, 9, 25, 10, tzinfo=UTC)
    assert (
        domain.edition_change_refusal(
            "open", "held", now + timedelta(days=1), date(2025, 9, 26), now
        )
        is not None
    )
    assert domain.edition_change_refusal("closed", "held", now, date(2025, 9, 25), now) is None
    assert domain.edition_change_refusal("held", "open", now, date(2025, 9, 25), now) is not None


def test_due_date_is_the_end_of_a_warsaw_day() -> None:
    due = domain.due_at(datetime(2025, 9, 25, 22, 30, tzinfo=UTC), 30)  # already 26 Sept in Kraków
    assert due.astimezone(domain.WARSAW).date() == date(2025, 10, 26)


def test_russian_and_belarusian_askers_get_english_and_ukrainian_mail() -> None:
    assert domain.mail_languages("be") == ("en", "uk")
    assert domain.mail_languages("pl") == ("pl",)


def test_every_bench_message_is_translated_into_polish_english_and_ukrainian() -> None:
    locale = Path(bench_package.__file__).parent / "locale"
    assert untranslated(Catalogs([KIT_LOCALE_DIR, locale])) == []


def test_a_questions_history_lists_what_happened_in_order() -> None:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    question = {
        "received_at": at,
        "entered_by": None,
        "channel": "web",
        "moderated_at": at + timedelta(hours=1),
        "moderated_by": "coordinator-1",
        "merged_into": None,
        "status": "answered",
        "reject_reason": None,
        "assigned_at": at + timedelta(hours=2),
        "assigned_to": "resp-1",
        "department": "Wydział Edukacji",
        "answered_live_at": None,
        "overdue_flagged_at": None,
    }
    followups = [{"received_at": at + timedelta(hours=3)}]
    answers = [
        {
            "answered_at": at + timedelta(hours=4),
            "answered_by": "resp-1",
            "language": "uk",
            "delivered_at": at + timedelta(hours=5),
            "delivered_via": "email",
        }
    ]
    history = domain.question_history(question, followups, answers)
    assert [event for _, event, _, _ in history] == [
        "received",
        "moderated_accepted",
        "assigned",
        "followup",
        "answered",
        "delivered",
    ]
    assert history[2][2:] == ("resp-1", "Wydział Edukacji")
    rejected = domain.question_history(
        {**question, "status": "rejected", "reject_reason": "spam", "assigned_at": None}, [], []
    )
    assert rejected[-1][1:] == ("moderated_rejected", "coordinator-1", "spam")
