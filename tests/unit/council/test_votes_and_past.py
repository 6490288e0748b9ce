"""The Council's vote count and its past meetings at their boundaries, refusals checked whole."""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime, timedelta

from services.participation.council import domain
from services.participation.council.domain import WARSAW
from shared.refusals import Kind, Refusal


def refusal(refused: object) -> tuple[Kind, tuple[Refusal, ...]] | None:
    """(kind, refusals) of a rule's answer, None for none."""
    if refused is None:
        return None
    assert isinstance(refused, domain.Refused)
    return refused.kind, refused.refusals


def test_a_vote_with_no_votes_cast_is_refused_naming_votes_for() -> None:
    assert refusal(domain.vote_problem(0, 0, 0, 10)) == (
        Kind.INVALID,
        (Refusal("council.vote.none", {}, "votes_for"),),
    )
    # with nobody present, no votes are still "none", not "too many"
    assert refusal(domain.vote_problem(0, 0, 0, 0)) == (
        Kind.INVALID,
        (Refusal("council.vote.none", {}, "votes_for"),),
    )


def test_a_single_vote_of_any_kind_counts_as_a_vote() -> None:
    assert domain.vote_problem(1, 0, 0, 1) is None
    assert domain.vote_problem(0, 1, 0, 1) is None
    assert domain.vote_problem(0, 0, 1, 1) is None


def test_votes_may_equal_the_members_present_but_not_exceed_them() -> None:
    assert domain.vote_problem(4, 3, 3, 10) is None
    assert refusal(domain.vote_problem(4, 3, 4, 10)) == (
        Kind.INVALID,
        (Refusal("council.vote.too_many", {"cast": 11, "present": 10}, "votes_for"),),
    )
    assert refusal(domain.vote_problem(0, 0, 1, 0)) == (
        Kind.INVALID,
        (Refusal("council.vote.too_many", {"cast": 1, "present": 0}, "votes_for"),),
    )


def test_a_meeting_starting_this_very_moment_is_not_yet_past() -> None:
    now = datetime(2026, 5, 10, 18, tzinfo=WARSAW)
    for status in ("scheduled", "cancelled"):
        assert not domain.meeting_is_past(status, now, now)
        assert domain.meeting_is_past(status, now - timedelta(microseconds=1), now)
        assert not domain.meeting_is_past(status, now + timedelta(microseconds=1), now)
    assert domain.meeting_is_past("held", now, now)
    assert domain.meeting_is_past("held", now + timedelta(days=1), now)


def test_a_term_covers_its_first_and_its_last_day_and_no_other() -> None:
    start, end = date(2026, 1, 1), date(2027, 12, 31)
    assert domain.term_covers(start, end, start)
    assert domain.term_covers(start, end, end)
    assert domain.term_covers(start, end, date(2026, 7, 1))
    assert not domain.term_covers(start, end, start - timedelta(days=1))
    assert not domain.term_covers(start, end, end + timedelta(days=1))
    assert domain.term_covers(start, start, start)  # a term of one day


def test_an_rsvp_token_is_24_random_bytes_and_only_its_sha256_is_kept() -> None:
    tokens = {domain.new_token() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) == 32  # 24 bytes in URL-safe base64, no padding
        assert len(base64.urlsafe_b64decode(token)) == 24
    assert domain.hash_token("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    token = domain.new_token()
    assert domain.hash_token(token) == hashlib.sha256(token.encode()).hexdigest() != token
