"""The Bench's rules at their edges: exact refusals and their parameters, each state and each
boundary, the duplicate score, the language and spam heuristics, and the time zones.

Written against the mutants of `services/participation/bench/domain.py` that no test noticed
(docs/mutation.md): each example here decides something a slightly wrong rule would decide
differently.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.participation.bench import domain
from shared.refusals import Refusal

TICK = timedelta(microseconds=1)


@pytest.fixture
def machine_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the process's local time zone: the rules must not depend on the machine's."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


# --- time ------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_a_due_moment_is_the_last_second_of_a_warsaw_day_given_in_utc(
    machine_zone: Callable[[str], None], zone: str
) -> None:
    machine_zone(zone)
    # Received on 26 September in Kraków (22:30 UTC); 30 days on, 26 October is the day the clocks
    # go back, so its end is 23:59:59 CET = 22:59:59 UTC.
    due = domain.due_at(datetime(2025, 9, 25, 22, 30, tzinfo=UTC), 30)
    assert due == datetime(2025, 10, 26, 22, 59, 59, tzinfo=UTC)
    assert due.utcoffset() == timedelta(0) and due.isoformat() == "2025-10-26T22:59:59+00:00"
    # In summer time the day ends at 21:59:59 UTC; 0 days: the day of receipt itself.
    assert domain.due_at(datetime(2026, 6, 1, 5, tzinfo=UTC), 0) == datetime(
        2026, 6, 1, 21, 59, 59, tzinfo=UTC
    )


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_the_year_of_a_moment_is_the_year_in_krakow(
    machine_zone: Callable[[str], None], zone: str
) -> None:
    machine_zone(zone)
    assert domain.warsaw_year(datetime(2025, 12, 31, 22, 59, 59, tzinfo=UTC)) == 2025
    assert domain.warsaw_year(datetime(2025, 12, 31, 23, 0, tzinfo=UTC)) == 2026


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo"])
def test_an_edition_takes_questions_while_open_until_its_closing_moment(
    machine_zone: Callable[[str], None], zone: str
) -> None:
    machine_zone(zone)
    close = datetime(2025, 9, 30, 22, tzinfo=UTC)
    assert domain.edition_accepts_questions("open", close, close - TICK) is None
    assert (
        domain.edition_accepts_questions("open", close, close)
        == "submissions closed at 2025-10-01T00:00:00+02:00"
    )
    assert (
        domain.edition_accepts_questions("closed", close, close - timedelta(days=1))
        == "the edition is closed"
    )
    assert domain.edition_accepts_questions("held", close, close) == "the edition is held"


def test_a_question_is_overdue_only_after_its_due_moment_and_only_while_open() -> None:
    due = datetime(2025, 10, 26, 22, 59, 59, tzinfo=UTC)
    for status in ("received", "accepted", "assigned"):
        assert domain.is_overdue(status, due, due + TICK) is True
        assert domain.is_overdue(status, due, due) is False
    for status in ("answered", "rejected", "merged"):
        assert domain.is_overdue(status, due, due + timedelta(days=10)) is False


# --- tokens ----------------------------------------------------------------------------------


def test_a_tracking_token_is_32_url_safe_characters_stored_as_its_sha256() -> None:
    tokens = {domain.new_tracking_token() for _ in range(64)}
    assert len(tokens) == 64
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", t) for t in tokens)
    assert domain.hash_token("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


# --- states ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["answered", "rejected", "merged"])
@pytest.mark.parametrize("decision", ["accepted", "rejected", "merged"])
def test_a_closed_question_takes_no_moderation(status: str, decision: str) -> None:
    assert domain.moderation_refusal(status, decision) == Refusal(
        "bench.question_already_final", {"status": status}
    )


def test_only_a_received_question_can_be_accepted_and_an_open_one_rejected_or_merged() -> None:
    assert domain.moderation_refusal("received", "accepted") is None
    for status in ("accepted", "assigned"):
        assert domain.moderation_refusal(status, "accepted") == Refusal(
            "bench.question_moderated_already", {"status": status}
        )
    for status in ("received", "accepted", "assigned"):
        assert domain.moderation_refusal(status, "rejected") is None
        assert domain.moderation_refusal(status, "merged") is None


def test_a_question_is_merged_only_into_another_open_one() -> None:
    assert domain.merge_refusal(1, 1, "received", None) == Refusal("bench.merge_into_itself")
    for status in ("rejected", "merged"):
        assert domain.merge_refusal(1, 2, status, None) == Refusal(
            "bench.merge_target_closed", {"status": status}
        )
    # A target that was itself merged names its status as it stands.
    assert domain.merge_refusal(1, 2, "accepted", 3) == Refusal(
        "bench.merge_target_closed", {"status": "accepted"}
    )
    for status in ("received", "accepted", "assigned", "answered"):
        assert domain.merge_refusal(1, 2, status, None) is None


def test_each_closed_state_refuses_a_written_answer_with_its_own_reason() -> None:
    assert domain.answer_refusal("answered") == Refusal("bench.answered_already")
    assert domain.answer_refusal("merged") == Refusal("bench.answer_merged")
    assert domain.answer_refusal("rejected") == Refusal("bench.answer_rejected")
    for status in ("received", "accepted", "assigned"):
        assert domain.answer_refusal(status) is None


def test_an_answer_in_a_third_language_names_the_askers() -> None:
    assert (
        domain.answer_language_refusal("uk", "en")
        == "answer in the asker's language (uk) or in Polish (pl)"
    )
    assert domain.answer_language_refusal("en", "pl") is None
    assert domain.answer_language_refusal("pl", "pl") is None
    assert domain.answer_language_refusal("ru", "uk") is not None


NOW = datetime(2025, 9, 25, 22, 30, tzinfo=UTC)  # already 26 September in Kraków


@pytest.mark.parametrize("target", ["open", "closed", "held"])
def test_a_held_edition_cannot_change(target: str) -> None:
    refusal = domain.edition_change_refusal("held", target, NOW, date(2025, 9, 1), NOW)
    assert refusal == Refusal("bench.edition_already_held")


def test_an_edition_cannot_move_to_the_state_it_is_in() -> None:
    later = NOW + timedelta(days=5)
    for status in ("open", "closed"):
        assert domain.edition_change_refusal(status, status, later, date(2025, 10, 1), NOW) == (
            Refusal("bench.edition_already_so", {"status": status})
        )


def test_an_edition_reopens_only_before_its_closing_moment() -> None:
    held_on = date(2025, 10, 9)
    assert domain.edition_change_refusal("closed", "open", NOW + TICK, held_on, NOW) is None
    assert domain.edition_change_refusal("closed", "open", NOW, held_on, NOW) == Refusal(
        "bench.edition_closing_passed"
    )
    # Closing after the closing moment is what it is for; a future session day does not matter.
    assert domain.edition_change_refusal("open", "closed", NOW - TICK, held_on, NOW) is None


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_an_edition_is_held_on_or_after_its_day_in_krakow(
    machine_zone: Callable[[str], None], zone: str
) -> None:
    machine_zone(zone)
    close = NOW - timedelta(days=2)
    assert domain.edition_change_refusal("closed", "held", close, date(2025, 9, 26), NOW) is None
    assert domain.edition_change_refusal("closed", "held", close, date(2025, 9, 27), NOW) == (
        Refusal("bench.edition_not_held_yet", {"held_on": date(2025, 9, 27)})
    )
    # Reopening an edition planned for a later day is not holding it.
    assert (
        domain.edition_change_refusal("closed", "open", NOW + TICK, date(2025, 9, 27), NOW) is None
    )


# --- history ---------------------------------------------------------------------------------

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)


def question(**changes: Any) -> dict[str, Any]:
    return {
        "received_at": AT,
        "entered_by": "coordinator-2",
        "channel": "paper",
        "moderated_at": None,
        "moderated_by": None,
        "merged_into": None,
        "status": "received",
        "reject_reason": None,
        "assigned_at": None,
        "assigned_to": None,
        "department": None,
        "answered_live_at": None,
        "overdue_flagged_at": None,
        **changes,
    }


def test_a_merged_question_shows_its_merge_and_events_of_one_moment_keep_their_order() -> None:
    merged = question(moderated_at=AT, moderated_by="coordinator-1", merged_into="q-7")
    merged["status"] = "merged"
    assert domain.question_history(merged, [], []) == [
        (AT, "received", "coordinator-2", "paper"),
        (AT, "moderated_merged", "coordinator-1", None),
    ]


def test_a_question_s_history_is_in_time_order_whatever_order_it_is_read_in() -> None:
    q = question(
        entered_by=None,
        channel="email",
        status="answered",
        moderated_at=AT + HOUR,
        moderated_by="coordinator-1",
        assigned_at=AT + 3 * HOUR,
        assigned_to="resp-1",
        department="Wydział Edukacji",
        answered_live_at=AT + 4 * HOUR,
        overdue_flagged_at=AT + 5 * HOUR,
    )
    followups = [{"received_at": AT + 2 * HOUR}]
    answers = [
        {
            "answered_at": AT + 6 * HOUR,
            "answered_by": "resp-1",
            "language": "uk",
            "delivered_at": AT + 7 * HOUR,
            "delivered_via": "email",
        },
        {
            "answered_at": AT + 8 * HOUR,
            "answered_by": "resp-2",
            "language": "pl",
            "delivered_at": None,
            "delivered_via": None,
        },
    ]
    assert domain.question_history(q, followups, answers) == [
        (AT, "received", None, "email"),
        (AT + HOUR, "moderated_accepted", "coordinator-1", None),
        (AT + 2 * HOUR, "followup", None, None),
        (AT + 3 * HOUR, "assigned", "resp-1", "Wydział Edukacji"),
        (AT + 4 * HOUR, "answered_live", None, None),
        (AT + 5 * HOUR, "overdue", None, None),
        (AT + 6 * HOUR, "answered", "resp-1", "uk"),
        (AT + 7 * HOUR, "delivered", None, "email"),
        (AT + 8 * HOUR, "answered", "resp-2", "pl"),
    ]


def test_an_unmoderated_question_has_only_its_receipt() -> None:
    assert domain.question_history(question(), [], []) == [
        (AT, "received", "coordinator-2", "paper")
    ]


# --- mail ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "frame"),
    [("pl", ("pl",)), ("en", ("en",)), ("uk", ("uk",)), ("ru", ("en", "uk")), ("be", ("en", "uk"))],
)
def test_the_frame_of_a_mail_is_in_a_language_of_the_site(
    language: str, frame: tuple[str, ...]
) -> None:
    assert domain.mail_languages(language) == frame


ENGLISH = "Where is the office?"


@pytest.mark.parametrize("declared", ["pl", "uk", "ru", "be"])
def test_a_declared_language_we_know_wins_over_the_letters(declared: str) -> None:
    assert domain.detect_language(ENGLISH, declared) == declared


def test_a_declared_language_is_read_from_the_first_tag_of_the_header() -> None:
    assert domain.detect_language("Gdzie jest urząd?", "en") == "en"
    assert domain.detect_language(ENGLISH, " RU-ru , pl;q=0.5") == "ru"
    assert domain.detect_language(ENGLISH, "uk,pl") == "uk"
    # Only the first tag: a known second one does not count.
    assert domain.detect_language(ENGLISH, "de, pl") == "en"
    assert domain.detect_language(ENGLISH, "ukr") == "uk"  # cut to two letters
    # A blank header (the mail parser passes None for it, a caller might not) declares nothing.
    assert domain.detect_language(ENGLISH, " ") == "en"
    assert domain.detect_language("Gdzie jest urząd?", ", uk") == "pl"


def test_three_cyrillic_letters_make_a_cyrillic_text() -> None:
    assert domain.detect_language("Phone: 12 345, тел") == "ru"
    assert domain.detect_language("Phone: 12 345, те") == "en"
    assert domain.detect_language("Phone: 12 345, тел ї") == "uk"


def test_polish_is_told_by_its_letters_or_by_its_common_words() -> None:
    assert domain.detect_language("Zażółć gęślą jaźń") == "pl"  # letters, no common word
    assert domain.detect_language("Czy jest dobry termin?") == "pl"  # words, no Polish letter
    assert domain.detect_language("CZY JEST termin") == "pl"
    assert domain.detect_language("Is there a date?") == "en"


def test_mostly_links_is_spam_from_five_links() -> None:
    four = "Look at https://a.example, http://b.example, WWW.c.example and HTTPS://d.example"
    assert domain.looks_like_spam(four) is False
    assert domain.looks_like_spam(four + " or www.e.example") is True


def test_one_letter_over_60_percent_of_the_letters_is_spam() -> None:
    assert domain.looks_like_spam("Kiedy otworzą nową szkołę na Ruczaju?") is False
    assert domain.looks_like_spam("aaabb") is False  # exactly 60 %
    assert domain.looks_like_spam("aaa bb ... 1234") is False  # only letters count
    assert domain.looks_like_spam("aaaabb") is True  # 67 %
    assert domain.looks_like_spam("!!!!!!!!!! a") is True  # its one letter is all its letters
    assert domain.looks_like_spam("") is False
    assert domain.looks_like_spam("12345 !!! 67890") is False  # no letters at all


# --- likely duplicates -----------------------------------------------------------------------


def test_similarity_is_the_jaccard_index_of_the_word_stems() -> None:
    # Stems: kiedy, otwar, szkoł / kiedy, otwar, basen: 2 shared of 4.
    assert domain.similarity("Kiedy otwarcie szkoły?", "Kiedy otwarcie basenu?") == 0.5
    assert domain.similarity("Kiedy otwarcie szkoły?", "kiedy OTWARCIE szkoły") == 1.0
    assert domain.similarity("", "Kiedy otwarcie szkoły?") == 0.0
    assert domain.similarity("Kiedy otwarcie szkoły?", "to my") == 0.0  # no word over 2 letters
    assert domain.similarity("", "") == 0.0


def words(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:03d}" for i in range(n)]  # distinct 4-character stems


def test_a_duplicate_score_is_the_jaccard_index_plus_a_tenth_for_the_same_topic() -> None:
    mine = " ".join(words("s", 4) + words("m", 3))
    found = domain.likely_duplicates(
        mine,
        "education",
        [
            ("same-topic", " ".join(words("s", 4)), "education"),  # 4 of 7, + 0.1
            ("other-topic", " ".join(words("s", 4)), "housing"),  # 4 of 7
            ("identical", mine, "education"),  # 1 + 0.1, shown as 1
        ],
    )
    assert found == [("identical", 1.0), ("same-topic", 0.671), ("other-topic", 0.571)]


def test_a_score_of_exactly_the_threshold_is_a_likely_duplicate() -> None:
    shared = words("s", 9)
    mine = " ".join(shared + words("m", 5))
    theirs = " ".join(shared + words("t", 6))  # 9 shared of 20: 0.45
    assert domain.likely_duplicates(mine, "work", [(1, theirs, "housing")]) == [(1, 0.45)]
    fewer = " ".join(words("s", 8) + words("t", 7))  # 8 of 20
    assert domain.likely_duplicates(mine, "work", [(1, fewer, "housing")]) == []


def test_candidates_without_words_or_in_common_are_skipped_not_the_end() -> None:
    text = "Kiedy otwarcie szkoły?"
    found = domain.likely_duplicates(
        text,
        "education",
        [
            (1, "?!", "education"),  # no word to compare
            (2, "Parking rowerowy", "urban_infrastructure"),  # nothing shared, another topic
            (3, "Parking rowerowy", "education"),  # nothing shared, same topic: 0.1
            (4, "Kiedy otwarcie szkoły", "education"),
        ],
    )
    assert found == [(4, 1.0)]
    assert domain.likely_duplicates("to my", "education", [(1, "to my", "education")]) == []


def test_the_best_five_come_first_and_equal_scores_keep_the_candidates_order() -> None:
    text = " ".join(words("s", 10))
    candidates: list[tuple[object, str, str]] = [
        (i, " ".join(words("s", 10 - i % 3)), "work") for i in range(1, 9)
    ]
    found = domain.likely_duplicates(text, "housing", candidates)
    # Candidates 3 and 6 share all ten stems, 1, 4 and 7 nine, 2, 5 and 8 eight.
    assert found == [(3, 1.0), (6, 1.0), (1, 0.9), (4, 0.9), (7, 0.9)]
    assert [cid for cid, _ in domain.likely_duplicates(text, "housing", candidates, limit=2)] == [
        3,
        6,
    ]
