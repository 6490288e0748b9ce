"""The Bench's use cases told as stories, calling its commands directly against PostgreSQL (no
HTTP): what each stores, the events it leaves in the outbox, the mail it queues, and that a
refusal (its code and field) changed nothing."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.participation.bench import queries
from services.participation.bench import store_mail as sm
from services.participation.bench.commands import deadlines, questions, staff
from services.participation.bench.commands import mail as inbound
from services.participation.bench.schemas import (
    AnsweredLiveIn,
    AnswerIn,
    AssignmentIn,
    EditionIn,
    EnteredQuestionIn,
    InboundResolutionIn,
    ModerationIn,
    QuestionIn,
    TemplateIn,
)
from shared import idempotency
from shared.auth import Principal
from shared.refusals import Kind, Refused
from tests.helpers.platform import RunningPlatform

COORDINATOR = Principal(subject="coordinator-commands", roles=("coordinator",))


def runtime(platform: RunningPlatform) -> Any:
    return platform.runtime


async def fetch(platform: RunningPlatform, sql: str, *args: Any) -> Any:
    return await platform.runtime.pool("participation").fetch(sql, *args)


async def events_about(platform: RunningPlatform, some_id: uuid.UUID) -> list[str]:
    """The types of the outbox's events naming `some_id`, in commit order."""
    rows = await fetch(platform, "select subject, body from outbox order by seq")
    return [r["subject"].removeprefix("okr.") for r in rows if str(some_id) in r["body"].decode()]


async def mails_to(platform: RunningPlatform, address: str) -> list[str]:
    rows = await fetch(
        platform,
        "select purpose from outgoing_mail where recipient = $1 order by created_at",
        address,
    )
    return [r["purpose"] for r in rows]


async def counts(platform: RunningPlatform) -> tuple[int, ...]:
    """Rows of every table a command of the Bench writes, to see that a refusal wrote nothing.
    What the crons write meanwhile (closing editions, overdue reminders, the Council's mail)
    is left out: only a command's own rows are counted."""
    row = (
        await fetch(
            platform,
            """select (select count(*) from bench_editions), (select count(*) from bench_questions),
                      (select count(*) from bench_answers),
                      (select count(*) from outbox where subject like 'okr.bench.%'
                         and subject not in ('okr.bench.edition_submissions_closed',
                                             'okr.bench.question_overdue',
                                             'okr.bench.answer_delivered')),
                      (select count(*) from outgoing_mail where purpose in
                         ('bench.acknowledgement', 'bench.answer')),
                      (select count(*) from bench_inbound_mail where status = 'moderation')""",
        )
    )[0]
    return tuple(row)


def edition_in(**changes: Any) -> EditionIn:
    fields: dict[str, Any] = {
        "title": "Ławka Dialogu: komendy",
        "held_on": (datetime.now(UTC) + timedelta(days=20)).date(),
        "venue": "Centrum Wielokulturowe",
        "audience": "foreign residents",
        "submissions_close_at": datetime.now(UTC) + timedelta(days=10),
        "answer_due_days": 30,
        **changes,
    }
    return EditionIn(**fields)


def question_in(**changes: Any) -> QuestionIn:
    fields: dict[str, Any] = {
        "text": "Коли в школах буде більше уроків польської мови для дітей з України?",
        "topic": "education",
        "language": "uk",
        "consent": True,
        "email": f"asker-{secrets.token_hex(4)}@example.org",
        **changes,
    }
    return QuestionIn(**fields)


async def refused(call: Any) -> Refused:
    with pytest.raises(Refused) as caught:
        await call
    return caught.value


async def an_edition(platform: RunningPlatform) -> uuid.UUID:
    return (await staff.create_edition(runtime(platform), edition_in()))["id"]


# --- editions ------------------------------------------------------------------------------


async def test_a_coordinator_creates_an_edition_open_for_questions(
    platform: RunningPlatform,
) -> None:
    row = await staff.create_edition(runtime(platform), edition_in())
    assert row["status"] == "open"
    assert await events_about(platform, row["id"]) == [
        "bench.edition_created",
        "bench.edition_submissions_opened",
    ]


async def test_an_edition_sent_again_with_its_key_is_created_once(
    platform: RunningPlatform,
) -> None:
    key = idempotency.Claimed(
        scope=f"bench.create_edition@{uuid.uuid4()}", key="k-1", fingerprint="same"
    )
    first = await staff.create_edition(runtime(platform), edition_in(), key)
    again = await staff.create_edition(runtime(platform), edition_in(), key)
    assert isinstance(again, idempotency.Replay)
    assert again.status == 201
    assert len(await fetch(platform, "select 1 from bench_editions where id = $1", first["id"]))


async def test_a_title_of_spaces_is_refused_and_nothing_is_created(
    platform: RunningPlatform,
) -> None:
    before = await counts(platform)
    exc = await refused(staff.create_edition(runtime(platform), edition_in(title="      ")))
    assert (exc.kind, exc.code, exc.field) == (Kind.INVALID, "bench.only_spaces", "title")
    assert str(exc) == "write at least 3 characters (not only spaces)"
    assert await counts(platform) == before


async def test_closing_and_reopening_submissions_and_recording_the_session(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    closed = await staff.change_edition(runtime(platform), edition_id, "closed")
    assert closed["status"] == "closed"
    exc = await refused(staff.change_edition(runtime(platform), edition_id, "closed"))
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "bench.edition_change_refused")
    assert str(exc) == "the edition is already closed"
    reopened = await staff.change_edition(runtime(platform), edition_id, "open")
    assert reopened["status"] == "open"
    # Held only on or after its day (20 days ahead here): refused, the edition stays open.
    exc = await refused(staff.change_edition(runtime(platform), edition_id, "held"))
    assert exc.code == "bench.edition_change_refused"
    assert (await fetch(platform, "select status from bench_editions where id = $1", edition_id))[
        0
    ]["status"] == "open"
    assert await events_about(platform, edition_id) == [
        "bench.edition_created",
        "bench.edition_submissions_opened",
        "bench.edition_submissions_closed",
        "bench.edition_submissions_opened",
    ]


async def test_a_change_of_an_unknown_edition_is_not_found(platform: RunningPlatform) -> None:
    exc = await refused(staff.change_edition(runtime(platform), uuid.uuid4(), "closed"))
    assert (exc.kind, exc.code) == (Kind.NOT_FOUND, "bench.edition_not_found")


async def test_editions_past_their_closing_time_are_closed_by_the_cron(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    await platform.runtime.pool("participation").execute(
        "update bench_editions set submissions_close_at = now() - interval '1 minute' "
        "where id = $1",
        edition_id,
    )
    assert await deadlines.close_past_editions(runtime(platform)) >= 1
    assert (await fetch(platform, "select status from bench_editions where id = $1", edition_id))[
        0
    ]["status"] == "closed"
    assert (await events_about(platform, edition_id))[-1] == "bench.edition_submissions_closed"


# --- a resident's question -------------------------------------------------------------------


async def test_a_resident_asks_and_is_acknowledged_by_mail(platform: RunningPlatform) -> None:
    edition_id = await an_edition(platform)
    data = question_in()
    created = await questions.ask(runtime(platform), edition_id, data)
    assert not isinstance(created, idempotency.Replay)
    assert created.reference.startswith("LD-") and created.tracking_token
    assert await events_about(platform, created.id) == ["bench.question_received"]
    assert await mails_to(platform, str(data.email)) == ["bench.acknowledgement"]
    tracked = await questions.track(runtime(platform), created.reference, created.tracking_token)
    assert tracked is not None and tracked.status == "received"


async def test_a_question_without_consent_or_too_short_changes_nothing(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    before = await counts(platform)
    exc = await refused(questions.ask(runtime(platform), edition_id, question_in(consent=False)))
    assert (exc.kind, exc.code, exc.field) == (Kind.INVALID, "bench.consent_needed", "consent")
    exc = await refused(questions.ask(runtime(platform), edition_id, question_in(text="  short  ")))
    assert (exc.code, exc.field) == ("bench.text_too_short", "text")
    assert await counts(platform) == before


async def test_a_closed_edition_takes_no_web_question_but_staff_may_enter_one(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    await staff.change_edition(runtime(platform), edition_id, "closed")
    before = await counts(platform)
    exc = await refused(questions.ask(runtime(platform), edition_id, question_in()))
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "bench.edition_closed")
    assert str(exc).startswith("this edition takes no more questions: ")
    assert await counts(platform) == before
    entered = await staff.enter_question(
        runtime(platform),
        edition_id,
        EnteredQuestionIn(
            channel="paper",
            text="Gdzie można się uczyć polskiego wieczorami?",
            topic="education",
            language="pl",
            answered_live_at=datetime.now(UTC),
        ),
        by=COORDINATOR.subject,
    )
    assert not isinstance(entered, (idempotency.Replay, uuid.UUID))
    assert await events_about(platform, entered.id) == [
        "bench.question_received",
        "bench.question_answered_live",
    ]


async def test_a_form_sent_twice_enters_one_question(platform: RunningPlatform) -> None:
    edition_id = await an_edition(platform)
    nonce = secrets.token_urlsafe(16)
    data = EnteredQuestionIn(
        channel="live", text="Czy będą tłumacze w urzędzie?", topic="other", language="pl"
    )
    first = await staff.enter_question(runtime(platform), edition_id, data, by="c", nonce=nonce)
    again = await staff.enter_question(runtime(platform), edition_id, data, by="c", nonce=nonce)
    assert not isinstance(first, (idempotency.Replay, uuid.UUID))
    assert again == first.id
    assert (
        len(
            await fetch(platform, "select 1 from bench_questions where edition_id = $1", edition_id)
        )
        == 1
    )


async def test_an_entered_question_with_an_address_needs_consent(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    before = await counts(platform)
    data = EnteredQuestionIn(
        channel="paper",
        text="Gdzie można się uczyć polskiego wieczorami?",
        topic="education",
        language="pl",
        email="paper@example.org",
        consent=False,
    )
    exc = await refused(staff.enter_question(runtime(platform), edition_id, data, by="c"))
    assert (exc.code, exc.field) == ("bench.consent_needed", "consent")
    assert await counts(platform) == before


# --- handling a question ----------------------------------------------------------------------


async def test_a_question_is_accepted_assigned_answered_and_its_asker_told(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    data = question_in()
    created = await questions.ask(runtime(platform), edition_id, data)
    assert not isinstance(created, idempotency.Replay)
    state = await staff.moderate(
        runtime(platform), COORDINATOR, created.id, ModerationIn(decision="accepted")
    )
    assert state.status == "accepted"
    state = await staff.assign(
        runtime(platform),
        created.id,
        AssignmentIn(responder="responder-edu", department="Wydział Edukacji"),
    )
    assert state.assigned_to == "responder-edu"
    live = await staff.answered_live(runtime(platform), created.id, AnsweredLiveIn())
    assert live.answered_live_at is not None
    exc = await refused(staff.answered_live(runtime(platform), created.id, AnsweredLiveIn()))
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "bench.already_answered_live")

    other = Principal(subject="responder-other", roles=("responder",))
    exc = await refused(
        staff.answer(
            runtime(platform), other, created.id, AnswerIn(text="Odpowiedź", language="uk")
        )
    )
    assert (exc.kind, exc.code) == (Kind.FORBIDDEN, "bench.not_assigned")
    exc = await refused(
        staff.answer(
            runtime(platform), COORDINATOR, created.id, AnswerIn(text="Answer", language="en")
        )
    )
    assert (exc.kind, exc.code, exc.field) == (Kind.INVALID, "bench.answer_language", "language")
    assert str(exc) == "answer in the asker's language (uk) or in Polish (pl)"

    responder = Principal(subject="responder-edu", roles=("responder",))
    answered = await staff.answer(
        runtime(platform),
        responder,
        created.id,
        AnswerIn(text="Від вересня буде більше уроків.", language="uk"),
    )
    assert answered.questions == [created.id]
    assert await events_about(platform, created.id) == [
        "bench.question_received",
        "bench.question_moderated",
        "bench.question_assigned",
        "bench.question_answered_live",
        "bench.question_answered",
    ]
    assert await mails_to(platform, str(data.email)) == ["bench.acknowledgement", "bench.answer"]
    exc = await refused(
        staff.answer(runtime(platform), COORDINATOR, created.id, AnswerIn(text="x", language="uk"))
    )
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "bench.answer_refused")
    detail = await queries.question_detail(runtime(platform), COORDINATOR, created.id)
    assert [a.text for a in detail.answers] == ["Від вересня буде більше уроків."]
    exc = await refused(
        staff.assign(runtime(platform), created.id, AssignmentIn(responder="x", department="y"))
    )
    assert exc.code == "bench.question_closed"
    assert str(exc) == "the question is answered"


async def test_a_duplicate_merged_into_an_answered_question_gets_its_answer(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    first = await questions.ask(runtime(platform), edition_id, question_in())
    duplicate_asker = question_in()
    duplicate = await questions.ask(runtime(platform), edition_id, duplicate_asker)
    assert not isinstance(first, idempotency.Replay)
    assert not isinstance(duplicate, idempotency.Replay)
    await staff.answer(
        runtime(platform), COORDINATOR, first.id, AnswerIn(text="Так, буде.", language="uk")
    )
    exc = await refused(
        staff.moderate(
            runtime(platform), COORDINATOR, duplicate.id, ModerationIn(decision="rejected")
        )
    )
    assert (exc.code, exc.field) == ("bench.reason_needed", "reason")
    exc = await refused(
        staff.moderate(
            runtime(platform),
            COORDINATOR,
            duplicate.id,
            ModerationIn(decision="merged", merged_into=uuid.uuid4()),
        )
    )
    assert (exc.code, exc.field) == ("bench.merge_target_unknown", "merged_into")
    state = await staff.moderate(
        runtime(platform),
        COORDINATOR,
        duplicate.id,
        ModerationIn(decision="merged", merged_into=first.id),
    )
    assert state.status == "answered"
    assert await events_about(platform, duplicate.id) == [
        "bench.question_received",
        "bench.question_moderated",
        "bench.question_answered",
    ]
    assert await mails_to(platform, str(duplicate_asker.email)) == [
        "bench.acknowledgement",
        "bench.answer",
    ]
    exc = await refused(
        staff.moderate(
            runtime(platform), COORDINATOR, duplicate.id, ModerationIn(decision="accepted")
        )
    )
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "bench.moderation_refused")


async def test_an_overdue_question_is_flagged_once_and_its_responder_reminded(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    created = await questions.ask(runtime(platform), edition_id, question_in())
    assert not isinstance(created, idempotency.Replay)
    responder = f"responder-{secrets.token_hex(3)}@krakow.example"
    await staff.assign(
        runtime(platform),
        created.id,
        AssignmentIn(responder="r", department="Wydział", responder_email=responder),
    )
    await platform.runtime.pool("participation").execute(
        "update bench_questions set due_at = now() - interval '1 minute' where id = $1", created.id
    )
    await deadlines.flag_overdue(runtime(platform), datetime.now(UTC))
    await deadlines.flag_overdue(runtime(platform), datetime.now(UTC))
    assert (await events_about(platform, created.id)).count("bench.question_overdue") == 1
    # The assignment invited the responder; the ladder's reminder follows once.
    assert await mails_to(platform, responder) == ["bench.assignment", "bench.escalation_reminder"]


# --- inbound mail ------------------------------------------------------------------------------


async def held_mail(platform: RunningPlatform, sender: str) -> uuid.UUID:
    raw = (
        f"From: {sender}\r\nTo: bench@example.org\r\nSubject: ?\r\n"
        f"Message-ID: <{uuid.uuid4()}@example.org>\r\n\r\nhi\r\n"
    ).encode()
    async with platform.runtime.pool("participation").acquire() as conn:
        inbound_id = await sm.insert_inbound(
            conn, peer=None, mail_from=sender, rcpt_to="bench@example.org", raw=raw
        )
        await conn.execute(
            "update bench_inbound_mail set status = 'moderation', reason = 'empty' where id = $1",
            inbound_id,
        )
    return inbound_id


async def test_a_held_mail_becomes_a_question_once(platform: RunningPlatform) -> None:
    edition_id = await an_edition(platform)
    sender = f"mailer-{secrets.token_hex(4)}@example.org"
    inbound_id = await held_mail(platform, sender)
    before = await counts(platform)
    exc = await refused(
        inbound.resolve(
            runtime(platform), inbound_id, InboundResolutionIn(action="question"), by="c"
        )
    )
    assert (exc.code, exc.field) == ("bench.needed_for_question", "edition_id")
    assert await counts(platform) == before
    resolution = InboundResolutionIn(
        action="question",
        edition_id=edition_id,
        text="Jak zapisać dziecko do szkoły w Krakowie?",
        topic="education",
        language="pl",
    )
    settled = await inbound.resolve(runtime(platform), inbound_id, resolution, by="c")
    assert settled.status == "resolved" and settled.question_id is not None
    assert await events_about(platform, settled.question_id) == ["bench.question_received"]
    assert await mails_to(platform, sender) == ["bench.acknowledgement"]
    exc = await refused(inbound.resolve(runtime(platform), inbound_id, resolution, by="c"))
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "bench.inbound_not_waiting")
    assert str(exc) == "the message is resolved, not waiting for moderation"


async def test_a_held_mail_is_discarded_only_with_a_reason(platform: RunningPlatform) -> None:
    inbound_id = await held_mail(platform, f"spam-{secrets.token_hex(4)}@example.org")
    exc = await refused(
        inbound.resolve(
            runtime(platform), inbound_id, InboundResolutionIn(action="discard"), by="c"
        )
    )
    assert (exc.code, exc.field) == ("bench.discard_reason_needed", "reason")
    settled = await inbound.resolve(
        runtime(platform),
        inbound_id,
        InboundResolutionIn(action="discard", reason="advertising"),
        by="c",
    )
    assert settled.status == "discarded"
    exc = await refused(
        inbound.resolve(
            runtime(platform),
            uuid.uuid4(),
            InboundResolutionIn(action="discard", reason="x"),
            by="c",
        )
    )
    assert (exc.kind, exc.code) == (Kind.NOT_FOUND, "bench.inbound_not_found")


async def test_a_mail_to_the_bench_becomes_a_question_and_is_processed_once(
    platform: RunningPlatform,
) -> None:
    await an_edition(platform)  # one open edition at least, for bench@ without a tag
    sender = f"writer-{secrets.token_hex(4)}@example.org"
    raw = (
        f"From: {sender}\r\nTo: bench@{platform.settings.intake_domain}\r\n"
        f"Subject: Szkoła\r\nMessage-ID: <{uuid.uuid4()}@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Jak zapisać dziecko do szkoły podstawowej w Krakowie w trakcie roku?\r\n"
    ).encode()
    async with platform.runtime.pool("participation").acquire() as conn:
        inbound_id = await sm.insert_inbound(
            conn,
            peer=None,
            mail_from=sender,
            rcpt_to=f"bench@{platform.settings.intake_domain}",
            raw=raw,
        )
    assert await inbound.process(runtime(platform), inbound_id) == "question"
    assert await inbound.process(runtime(platform), inbound_id) == "question"  # left alone
    row = (
        await fetch(
            platform, "select question_id from bench_inbound_mail where id = $1", inbound_id
        )
    )[0]
    assert await events_about(platform, row["question_id"]) == ["bench.question_received"]
    assert await mails_to(platform, sender) == ["bench.acknowledgement"]


async def test_an_answer_without_an_address_is_delivered_when_its_asker_reads_it(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    created = await questions.ask(
        runtime(platform), edition_id, question_in(email=None, consent=False)
    )
    assert not isinstance(created, idempotency.Replay)
    await staff.answer(
        runtime(platform), COORDINATOR, created.id, AnswerIn(text="Відповідь тут.", language="uk")
    )
    for _ in range(2):
        tracked = await questions.track(
            runtime(platform), created.reference, created.tracking_token
        )
        assert tracked is not None and tracked.answer is not None
    assert (await events_about(platform, created.id)).count("bench.answer_delivered") == 1


async def test_a_form_question_sent_twice_is_one_question(platform: RunningPlatform) -> None:
    edition_id = await an_edition(platform)
    nonce = secrets.token_urlsafe(16)
    first, _ = await questions.ask_by_form(runtime(platform), edition_id, question_in(), nonce)
    again, earlier = await questions.ask_by_form(
        runtime(platform), edition_id, question_in(), nonce
    )
    assert first is not None and again is None and earlier["id"] == first.id


async def test_a_coordinator_keeps_an_answer_template(platform: RunningPlatform) -> None:
    template = await staff.create_template(
        runtime(platform),
        TemplateIn(title="PESEL", language="uk", text="Номер PESEL можна отримати в Urząd Miasta."),
        by=COORDINATOR.subject,
    )
    assert template.title == "PESEL"
    rows = await fetch(
        platform, "select created_by from bench_answer_templates where id = $1", template.id
    )
    assert rows[0]["created_by"] == COORDINATOR.subject
