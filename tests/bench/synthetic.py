"""A synthetic but realistic event history for the rebuild and dashboard benchmarks.

Every event is a catalogued one, built with the same envelope code the services use, so the
indicators service projects it exactly as it projects live events. The mix follows the
programmes: most events are Bench questions and their answers; grants, ambassadors and the
council add the rest. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from shared.events import catalogue as c
from shared.events.envelope import Payload, encode, new_event

PRODUCERS = {"bench": "participation", "council": "participation"}


def _envelope(payload: Payload, at: datetime) -> tuple[str, str, bytes]:
    area = payload.TYPE.partition(".")[0]
    envelope = new_event(payload, producer=PRODUCERS.get(area, area), occurred_at=at)
    return str(envelope.id), envelope.subject, encode(envelope)


def history(
    count: int, *, seed: int = 2026, year: int | None = None
) -> Iterator[tuple[str, str, bytes]]:
    """Yield `count` events as (message id, subject, JSON bytes), oldest first."""
    rng = random.Random(seed)
    year = year or datetime.now(UTC).year
    start = datetime(year, 1, 2, 8, tzinfo=UTC)
    edition = uuid.UUID(int=rng.getrandbits(128))
    call = uuid.UUID(int=rng.getrandbits(128))
    amb_edition = uuid.UUID(int=rng.getrandbits(128))
    open_questions: list[tuple[uuid.UUID, datetime]] = []
    produced = 0
    step = timedelta(seconds=max(1, 300 * 24 * 3600 // max(count, 1)))
    at = start

    def emit(payload: Payload) -> tuple[str, str, bytes]:
        nonlocal produced
        produced += 1
        return _envelope(payload, at)

    yield emit(
        c.BenchEditionCreated(
            edition_id=edition,
            held_on=date(year, 12, 1),
            submissions_close_at=datetime(year, 11, 20, tzinfo=UTC),
            answer_due_days=30,
        )
    )
    while produced < count:
        at += step
        roll = rng.random()
        if roll < 0.45 or not open_questions:
            question = uuid.UUID(int=rng.getrandbits(128))
            open_questions.append((question, at))
            yield emit(
                c.BenchQuestionReceived(
                    question_id=question,
                    edition_id=edition,
                    channel=rng.choice(("web", "web", "web", "email", "live", "paper")),
                    topic=rng.choice(c.TOPICS),  # type: ignore[arg-type]
                    language=rng.choice(c.LANGUAGES),  # type: ignore[arg-type]
                    group=rng.choice(c.GROUPS),  # type: ignore[arg-type]
                    received_at=at,
                    due_at=at + timedelta(days=30),
                    has_email=rng.random() < 0.7,
                )
            )
        elif roll < 0.75:
            question, received = open_questions.pop(rng.randrange(len(open_questions)))
            yield emit(
                c.BenchQuestionAnswered(
                    question_id=question,
                    edition_id=edition,
                    language=rng.choice(c.LANGUAGES),  # type: ignore[arg-type]
                    received_at=received,
                    answered_at=at,
                )
            )
        elif roll < 0.85:
            yield emit(
                c.AmbassadorsNominationSubmitted(
                    nomination_id=uuid.UUID(int=rng.getrandbits(128)),
                    edition_id=amb_edition,
                    language=rng.choice(c.LANGUAGES),  # type: ignore[arg-type]
                    nominator_group=rng.choice(c.GROUPS),  # type: ignore[arg-type]
                    submitted_at=at,
                )
            )
        elif roll < 0.95:
            yield emit(
                c.GrantsApplicationSubmitted(
                    application_id=uuid.UUID(int=rng.getrandbits(128)),
                    call_id=call,
                    organisation_kind=rng.choice(("ngo", "minority_organisation")),
                    requested=c.Money(amount=rng.randrange(100_000, 2_000_000), currency="PLN"),
                    submitted_at=at,
                )
            )
        elif roll < 0.99:
            yield emit(
                c.GrantsOrganisationRegistered(
                    organisation_id=uuid.UUID(int=rng.getrandbits(128)),
                    kind=rng.choice(("ngo", "minority_organisation")),
                    registered_at=at,
                )
            )
        else:
            members = rng.randrange(8, 20)
            guests = rng.randrange(0, 30)
            yield emit(
                c.CouncilMeetingHeld(
                    meeting_id=uuid.UUID(int=rng.getrandbits(128)),
                    starts_at=at,
                    participants=members + guests,
                    members_present=members,
                    guests=guests,
                    quorum_reached=members >= 10,
                )
            )
