"""Server version floor, NATS subject matching and the covering filter used on NATS 2.9."""

from __future__ import annotations

import asyncio

import pytest
from nats.js.errors import APIError, BadRequestError, NotFoundError, ServerError

from shared import versions
from shared.bus import covering_subject, is_refusal, subject_matches
from shared.inbox import describe


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("15.20 (Debian 15.20-0+deb12u1)", (15, 20)),
        ("18.1", (18, 1)),
        ("2.9.10", (2, 9, 10)),
        ("v2.15.1", (2, 15, 1)),
        ("7.0.15", (7, 0, 15)),
        ("16beta2", (16,)),
    ],
)
def test_versions_are_read_from_what_servers_announce(text: str, parsed: tuple[int, ...]) -> None:
    assert versions.parse(text) == parsed


def test_the_oldest_supported_versions_pass_and_older_ones_are_refused_naming_both() -> None:
    assert versions.require("PostgreSQL", "15.0", "db") == (15, 0)
    assert versions.require("NATS", "2.9.0", "nats") == (2, 9, 0)
    assert versions.require("Redis", "6.2.14", "redis") == (6, 2, 14)
    with pytest.raises(versions.UnsupportedServer, match=r"NATS 2\.8\.4 at nats://x .*NATS 2\.9"):
        versions.require("NATS", "2.8.4", "nats://x")
    with pytest.raises(versions.UnsupportedServer, match=r"PostgreSQL 14\.11 .*PostgreSQL 15"):
        versions.require("PostgreSQL", "14.11 (Debian)", "db")
    with pytest.raises(versions.UnsupportedServer, match=r"Redis 6\.0\.16 .*Redis 6\.2"):
        versions.require("Redis", "6.0.16", "redis")


def test_passwords_stay_out_of_messages() -> None:
    assert (
        versions.redacted("postgresql://app:s3cret@db:5432/x") == "postgresql://app:***@db:5432/x"
    )
    assert versions.redacted("nats://127.0.0.1:4222") == "nats://127.0.0.1:4222"


@pytest.mark.parametrize(
    ("pattern", "subject", "matches"),
    [
        ("okr.bench.>", "okr.bench.question_received", True),
        ("okr.bench.>", "okr.bench", False),
        ("okr.bench.>", "okr.benchmark.x", False),
        ("okr.*.x", "okr.grants.x", True),
        ("okr.*.x", "okr.grants.y", False),
        ("okr.a", "okr.a", True),
        ("okr.a", "okr.a.b", False),
    ],
)
def test_subject_matching_follows_nats(pattern: str, subject: str, matches: bool) -> None:
    assert subject_matches(pattern, subject) is matches


def test_the_covering_filter_matches_every_subject_it_covers() -> None:
    subjects = ["okr.bench.>", "okr.council.>", "okr.grants.>", "okr.indicators.>"]
    assert covering_subject(subjects) == "okr.>"
    assert covering_subject(["okr.a.x", "okr.a.y.>"]) == "okr.a.>"
    assert covering_subject(["okr.a", "okr.a.>"]) == "okr.>"
    for group in (subjects, ["okr.a.x", "okr.a.y.>"], ["okr.a", "okr.a.>"]):
        cover = covering_subject(group)
        for s in group:
            assert subject_matches(cover, s.replace(">", "z"))


def test_a_refused_configuration_is_told_apart_from_an_outage() -> None:
    assert is_refusal(BadRequestError(code=400, err_code=10116, description="max deliver"))
    assert is_refusal(ServerError(code=500, err_code=10012, description="can not be updated"))
    assert not is_refusal(NotFoundError(code=404, err_code=10059, description="stream not found"))
    assert not is_refusal(APIError(code=503, description="no responders"))
    assert not is_refusal(ConnectionError("refused"))


def test_an_error_without_a_message_is_logged_by_its_type() -> None:
    assert describe(ValueError("bad")) == "bad"
    assert describe(TimeoutError()) == "builtins.TimeoutError: TimeoutError()"
    # A library's error with blanks for a message: its module named, not "builtins".
    assert describe(asyncio.CancelledError(" ")) == (
        "asyncio.exceptions.CancelledError: CancelledError(' ')"
    )
