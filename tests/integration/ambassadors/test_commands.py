"""The competition's use cases called directly (no HTTP) against real PostgreSQL: each command's
change in SQL, its events in the outbox, its mails queued, and each refusal's code and field
with nothing changed."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from ambassadors_helpers import CRITERIA

from services.ambassadors.commands import editions, jury, nominations
from services.ambassadors.schemas import (
    CriterionIn,
    EditionIn,
    JurorIn,
    MayorMeetingIn,
    NominationCreated,
    NominationIn,
    ScoresIn,
)
from shared import idempotency
from shared.events import decode
from shared.refusals import Kind, Refused
from tests.helpers.platform import RunningPlatform

COORDINATOR = "coordinator-commands"


def pool(platform: RunningPlatform) -> Any:
    return platform.runtime.pool("ambassadors")


async def events_about(platform: RunningPlatform, **fields: Any) -> list[str]:
    """Names of the payloads in the outbox whose fields have the given values, in order."""
    rows = await pool(platform).fetch("select body from outbox order by seq")
    found = []
    for r in rows:
        payload = decode(bytes(r["body"])).payload
        if all(getattr(payload, k, None) == v for k, v in fields.items()):
            found.append(type(payload).__name__)
    return found


async def mails_to(platform: RunningPlatform, recipient: str) -> list[str]:
    rows = await pool(platform).fetch(
        "select purpose from outgoing_mail where recipient = $1 order by created_at", recipient
    )
    return [r["purpose"] for r in rows]


async def outbox_size(platform: RunningPlatform) -> int:
    return await pool(platform).fetchval("select count(*) from outbox")


def addr(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.org"


async def an_edition(platform: RunningPlatform, **overrides: Any) -> uuid.UUID:
    data = EditionIn(
        year=datetime.now(UTC).year,
        nominations_close_at=overrides.pop(
            "nominations_close_at", datetime.now(UTC) + timedelta(days=10)
        ),
        criteria=[CriterionIn(**c) for c in CRITERIA],  # type: ignore[arg-type]
        **overrides,
    )
    created = await editions.create_edition(platform.runtime, COORDINATOR, data)
    assert not isinstance(created, idempotency.Replay)
    return created.id


def a_nomination(candidate: str | None = None, **overrides: Any) -> NominationIn:
    fields: dict[str, Any] = {
        "candidate_name": "Olena Kovalenko",
        "candidate_email": candidate or addr("candidate"),
        "justification": "Runs Polish lessons for Ukrainian children in Nowa Huta every week.",
        "nominator_name": "Jan Nowak",
        "nominator_email": addr("nominator"),
        "consent": True,
        **overrides,
    }
    return NominationIn(**fields)


async def submitted(
    platform: RunningPlatform, edition_id: uuid.UUID, data: NominationIn
) -> NominationCreated:
    created = await nominations.submit(platform.runtime, edition_id, data)
    assert isinstance(created, NominationCreated)
    return created


async def accepted(platform: RunningPlatform, edition_id: uuid.UUID) -> uuid.UUID:
    """An accepted candidacy (its acceptance token set by the test, as if from the e-mail)."""
    created = await submitted(platform, edition_id, a_nomination())
    await set_token(platform, created.id, "acceptance_token_hash", "accept-me")
    await nominations.accept(platform.runtime, created.id, "accept-me")
    return created.id


async def set_token(
    platform: RunningPlatform, nomination_id: uuid.UUID, column: str, token: str
) -> None:
    """Give a nomination a token we know (the real one only travels in the e-mail)."""
    from services.ambassadors import domain

    await pool(platform).execute(
        f"update nominations set {column} = $2 where id = $1",  # noqa: S608 - a fixed column name
        nomination_id,
        domain.hash_token(token),
    )


async def refused(call: Any) -> Refused:
    with pytest.raises(Refused) as caught:
        await call
    return caught.value


# --- Nominations --------------------------------------------------------------------------


async def test_a_nomination_asks_the_candidate_thanks_the_nominator_and_counts_once(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    data = a_nomination()
    created = await submitted(platform, edition_id, data)
    row = await pool(platform).fetchrow("select * from nominations where id = $1", created.id)
    assert row["status"] == "awaiting_acceptance" and row["edition_id"] == edition_id
    assert await events_about(platform, nomination_id=created.id) == [
        "AmbassadorsNominationSubmitted"
    ]
    assert await mails_to(platform, data.candidate_email) == ["ambassadors.acceptance"]
    assert await mails_to(platform, data.nominator_email) == ["ambassadors.acknowledgement"]


async def test_a_second_nomination_of_the_candidate_joins_the_first_and_mails_them_nothing(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    candidate = addr("candidate")
    first = await submitted(platform, edition_id, a_nomination(candidate))
    second_data = a_nomination(candidate.upper())
    second = await submitted(platform, edition_id, second_data)
    assert second.status == "merged" and second.merged_into == first.id
    assert await events_about(platform, nomination_id=second.id) == [
        "AmbassadorsNominationSubmitted",
        "AmbassadorsNominationMerged",
    ]
    assert await mails_to(platform, candidate) == ["ambassadors.acceptance"]  # asked once
    assert await mails_to(platform, second_data.nominator_email) == ["ambassadors.acknowledgement"]


async def test_a_nomination_to_a_closed_edition_is_refused_and_stores_nothing(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    await pool(platform).execute(
        "update editions set nominations_close_at = now() - interval '1 second' where id = $1",
        edition_id,
    )
    before = await outbox_size(platform)
    data = a_nomination()
    exc = await refused(nominations.submit(platform.runtime, edition_id, data))
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "ambassadors.nomination.closed")
    assert (
        await pool(platform).fetchval(
            "select count(*) from nominations where edition_id = $1", edition_id
        )
        == 0
    )
    assert await outbox_size(platform) == before
    assert await mails_to(platform, data.nominator_email) == []


async def test_a_nomination_without_consent_is_refused_on_the_consent_field(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    exc = await refused(
        nominations.submit(platform.runtime, edition_id, a_nomination(consent=False))
    )
    assert (exc.kind, exc.code, exc.field) == (
        Kind.INVALID,
        "ambassadors.nomination.consent",
        "consent",
    )
    assert (
        await pool(platform).fetchval(
            "select count(*) from nominations where edition_id = $1", edition_id
        )
        == 0
    )


async def test_the_candidate_accepts_with_their_token_once_and_a_wrong_token_changes_nothing(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    created = await submitted(platform, edition_id, a_nomination())
    await set_token(platform, created.id, "acceptance_token_hash", "right")
    exc = await refused(nominations.accept(platform.runtime, created.id, "wrong"))
    assert (exc.kind, exc.code) == (Kind.FORBIDDEN, "ambassadors.nomination.wrong_acceptance_token")
    status = "select status from nominations where id = $1"
    assert await pool(platform).fetchval(status, created.id) == "awaiting_acceptance"
    state = await nominations.accept(platform.runtime, created.id, "right")
    again = await nominations.accept(platform.runtime, created.id, "right")
    assert state.status == again.status == "accepted"
    assert await pool(platform).fetchval(status, created.id) == "accepted"
    assert await events_about(platform, nomination_id=created.id) == [
        "AmbassadorsNominationSubmitted",
        "AmbassadorsNominationAccepted",  # once: accepting again changes nothing
    ]


async def test_a_nominator_cannot_withdraw_a_shared_candidacy_but_the_candidate_withdraws_it_all(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    candidate = addr("candidate")
    first = await submitted(platform, edition_id, a_nomination(candidate))
    second = await submitted(platform, edition_id, a_nomination(candidate))
    await set_token(platform, first.id, "withdrawal_token_hash", "nominator")
    await set_token(platform, first.id, "acceptance_token_hash", "candidate")
    exc = await refused(
        nominations.withdraw(platform.runtime, first.id, token="nominator", coordinator=None)
    )
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "ambassadors.nomination.supported_by_others")
    statuses = "select status from nominations where edition_id = $1 order by seq"
    assert [r["status"] for r in await pool(platform).fetch(statuses, edition_id)] == [
        "awaiting_acceptance",
        "merged",
    ]
    state = await nominations.withdraw(
        platform.runtime, first.id, token="candidate", coordinator=None
    )
    assert state.status == "withdrawn"
    assert [r["status"] for r in await pool(platform).fetch(statuses, edition_id)] == [
        "withdrawn",
        "withdrawn",
    ]
    for nid in (first.id, second.id):
        assert (await events_about(platform, nomination_id=nid))[-1] == (
            "AmbassadorsNominationWithdrawn"
        )
    exc = await refused(
        nominations.withdraw(platform.runtime, first.id, token=None, coordinator=None)
    )
    assert (exc.kind, exc.field) == (Kind.INVALID, "token")


# --- Editions -----------------------------------------------------------------------------


async def test_an_edition_is_created_once_per_idempotency_key(platform: RunningPlatform) -> None:
    data = EditionIn(
        year=datetime.now(UTC).year,
        nominations_close_at=datetime.now(UTC) + timedelta(days=5),
        criteria=[CriterionIn(**c) for c in CRITERIA],  # type: ignore[arg-type]
    )
    key = idempotency.Claimed(
        scope=f"ambassadors.create_edition@{uuid.uuid4()}", key="k1", fingerprint="f"
    )
    first = await editions.create_edition(platform.runtime, COORDINATOR, data, key)
    second = await editions.create_edition(platform.runtime, COORDINATOR, data, key)
    assert not isinstance(first, idempotency.Replay)
    assert isinstance(second, idempotency.Replay) and second.status == 201
    assert (
        await pool(platform).fetchval(
            "select count(*) from editions where created_by = $1 and id = $2", COORDINATOR, first.id
        )
        == 1
    )
    assert first.jury_deadline_at == data.nominations_close_at + timedelta(days=30)
    assert await events_about(platform, edition_id=first.id) == ["AmbassadorsEditionCreated"]


async def test_an_edition_whose_criteria_share_a_key_is_refused_on_criteria(
    platform: RunningPlatform,
) -> None:
    data = EditionIn(
        year=datetime.now(UTC).year,
        nominations_close_at=datetime.now(UTC) + timedelta(days=5),
        criteria=[CriterionIn(**CRITERIA[0]), CriterionIn(**CRITERIA[0])],  # type: ignore[arg-type]
    )
    before = await pool(platform).fetchval("select count(*) from editions")
    exc = await refused(editions.create_edition(platform.runtime, COORDINATOR, data))
    assert (exc.code, exc.field) == ("ambassadors.edition.criteria_keys", "criteria")
    assert await pool(platform).fetchval("select count(*) from editions") == before


# --- The jury -----------------------------------------------------------------------------


async def test_a_juror_is_appointed_once_welcomed_and_announced(platform: RunningPlatform) -> None:
    edition_id = await an_edition(platform)
    email = addr("juror")
    data = JurorIn(subject=f"juror-{uuid.uuid4().hex[:6]}", name="Anna Juror", email=email)
    juror = await jury.appoint_juror(platform.runtime, COORDINATOR, edition_id, data)
    assert not isinstance(juror, idempotency.Replay)
    assert (
        await pool(platform).fetchval("select subject from jurors where id = $1", juror.id)
        == data.subject
    )
    assert await mails_to(platform, email) == ["ambassadors.juror_appointed"]
    assert await events_about(platform, juror_id=juror.id) == ["AmbassadorsJurorAppointed"]
    exc = await refused(jury.appoint_juror(platform.runtime, COORDINATOR, edition_id, data))
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "ambassadors.jury.already_member")
    assert await mails_to(platform, email) == ["ambassadors.juror_appointed"]  # not twice
    stranger = JurorIn(
        subject="juror-x", name="Ben Juror", email=addr("juror"), linked_nominations=[uuid.uuid4()]
    )
    exc = await refused(jury.appoint_juror(platform.runtime, COORDINATOR, edition_id, stranger))
    assert (exc.code, exc.field) == ("ambassadors.jury.linked_unknown", "linked_nominations")


async def _juror(
    platform: RunningPlatform, edition_id: uuid.UUID, linked: list[uuid.UUID] | None = None
) -> tuple[str, uuid.UUID]:
    subject = f"juror-{uuid.uuid4().hex[:8]}"
    data = JurorIn(
        subject=subject, name="Jo Juror", email=addr("juror"), linked_nominations=linked or []
    )
    juror = await jury.appoint_juror(platform.runtime, COORDINATOR, edition_id, data)
    assert not isinstance(juror, idempotency.Replay)
    return subject, juror.id


async def test_a_juror_scores_once_and_the_decision_is_final(platform: RunningPlatform) -> None:
    edition_id = await an_edition(platform)
    nomination_id = await accepted(platform, edition_id)
    subject, juror_id = await _juror(platform, edition_id)
    bad = ScoresIn(scores={"impact": 11, "engagement": 5})
    exc = await refused(jury.submit_scores(platform.runtime, subject, nomination_id, bad))
    assert (exc.kind, exc.code, exc.field) == (
        Kind.INVALID,
        "ambassadors.scores.invalid",
        "scores.impact",
    )
    cards = "select count(*) from scorecards where nomination_id = $1"
    assert await pool(platform).fetchval(cards, nomination_id) == 0
    good = ScoresIn(scores={"impact": 9, "engagement": 7}, comment="  Strong.  ")
    recorded = await jury.submit_scores(platform.runtime, subject, nomination_id, good)
    assert (recorded.juror_id, recorded.recused) == (juror_id, False)
    row = await pool(platform).fetchrow(
        "select comment, recused from scorecards where nomination_id = $1", nomination_id
    )
    assert (row["comment"], row["recused"]) == ("Strong.", False)
    assert await events_about(platform, juror_id=juror_id) == [
        "AmbassadorsJurorAppointed",
        "AmbassadorsScoreSubmitted",
    ]
    exc = await refused(jury.submit_scores(platform.runtime, subject, nomination_id, good))
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "ambassadors.scores.final")
    assert await pool(platform).fetchval(cards, nomination_id) == 1


async def test_a_juror_linked_to_the_candidate_cannot_score_it(platform: RunningPlatform) -> None:
    edition_id = await an_edition(platform)
    nomination_id = await accepted(platform, edition_id)
    subject, _ = await _juror(platform, edition_id, linked=[nomination_id])
    exc = await refused(
        jury.submit_scores(
            platform.runtime, subject, nomination_id, ScoresIn(conflict_of_interest=True)
        )
    )
    assert (exc.kind, exc.code) == (Kind.FORBIDDEN, "ambassadors.jury.linked")
    assert (
        await pool(platform).fetchval(
            "select count(*) from scorecards where nomination_id = $1", nomination_id
        )
        == 0
    )


async def test_reminders_go_once_to_jurors_with_undecided_candidacies(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    await accepted(platform, edition_id)
    _, juror_id = await _juror(platform, edition_id)
    email = await pool(platform).fetchval("select email from jurors where id = $1", juror_id)
    deadline = await pool(platform).fetchval(
        "select jury_deadline_at from editions where id = $1", edition_id
    )
    now = deadline - timedelta(days=2)  # the 3-day reminder is due, the 1-day one not yet
    assert await jury.remind_jurors(platform.runtime, now) >= 1
    await jury.remind_jurors(platform.runtime, now)
    assert await mails_to(platform, email) == [
        "ambassadors.juror_appointed",
        "ambassadors.jury_reminder",  # once, however often the job runs
    ]


# --- Results and meetings -----------------------------------------------------------------


async def test_results_are_refused_while_nominations_are_open_then_published_once(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    laureate = await accepted(platform, edition_id)
    exc = await refused(
        editions.publish_results(platform.runtime, COORDINATOR, edition_id, [laureate])
    )
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "ambassadors.results.cannot_publish")
    published = "select published_at from editions where id = $1"
    assert await pool(platform).fetchval(published, edition_id) is None
    await pool(platform).execute(
        "update editions set nominations_close_at = now() - interval '1 second' where id = $1",
        edition_id,
    )
    exc = await refused(
        editions.publish_results(platform.runtime, COORDINATOR, edition_id, [uuid.uuid4()])
    )
    assert (exc.code, exc.field) == ("ambassadors.results.strangers", "laureates")
    results = await editions.publish_results(platform.runtime, COORDINATOR, edition_id, [laureate])
    assert [la.nomination_id for la in results.laureates] == [laureate]
    assert await pool(platform).fetchval(published, edition_id) is not None
    email = await pool(platform).fetchval(
        "select candidate_email from nominations where id = $1", laureate
    )
    assert (await mails_to(platform, email))[-1] == "ambassadors.laureate"
    assert (await events_about(platform, edition_id=edition_id))[-1] == (
        "AmbassadorsResultsPublished"
    )
    exc = await refused(
        editions.publish_results(platform.runtime, COORDINATOR, edition_id, [laureate])
    )
    assert exc.code == "ambassadors.results.cannot_publish"


async def test_a_meeting_with_the_mayor_needs_results_and_lists_only_laureates(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    laureate = await accepted(platform, edition_id)
    meeting = MayorMeetingIn(
        held_on=date.today(), place=" City Hall ", ambassadors_present=[laureate]
    )
    exc = await refused(
        editions.record_mayor_meeting(platform.runtime, COORDINATOR, edition_id, meeting)
    )
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "ambassadors.meeting.before_results")
    await pool(platform).execute(
        "update editions set nominations_close_at = now() - interval '1 second' where id = $1",
        edition_id,
    )
    await editions.publish_results(platform.runtime, COORDINATOR, edition_id, [laureate])
    stranger = MayorMeetingIn(
        held_on=date.today(), place="City Hall", ambassadors_present=[uuid.uuid4()]
    )
    exc = await refused(
        editions.record_mayor_meeting(platform.runtime, COORDINATOR, edition_id, stranger)
    )
    assert (exc.code, exc.field) == ("ambassadors.meeting.not_laureates", "ambassadors_present")
    recorded = await editions.record_mayor_meeting(
        platform.runtime, COORDINATOR, edition_id, meeting
    )
    assert not isinstance(recorded, idempotency.Replay)
    assert recorded.place == "City Hall"
    assert (
        await pool(platform).fetchval(
            "select count(*) from mayor_meetings where edition_id = $1", edition_id
        )
        == 1
    )
    assert (await events_about(platform, edition_id=edition_id))[-1] == (
        "AmbassadorsMayorMeetingRecorded"
    )
