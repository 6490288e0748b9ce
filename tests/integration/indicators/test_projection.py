"""Each indicator from a scripted set of events, exactly once, in any order."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date

from services.indicators import store
from services.indicators.consumers import CONSUMER
from shared.events import catalogue as ev
from shared.events import encode, new_event
from shared.inbox import apply_once
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.indicators.events import (
    answered,
    at,
    awarded,
    caught_up,
    indicators,
    publish,
    question,
    value_becomes,
)

YEAR = 2019  # a past year: every due date has passed and statuses are final


async def test_every_events_indicator_follows_a_scripted_year(platform: RunningPlatform) -> None:
    t = at(YEAR)
    q1 = question(t, group="forced_migrant", language="uk", channel="web")
    q2 = question(t, group="forced_migrant", language="uk", channel="email")
    q3 = question(t, group="forced_migrant", language="pl")
    q4 = question(t, group="none", language="en")
    q5 = question(t, group="undisclosed", language="ru")
    q6 = question(t, group="national_minority")
    meeting = uuid.uuid4()
    # The answer to q2 arrives before its receipt: the projection must not care about order.
    await publish(platform, answered(q2, 10.5), q1, q2, q3, q4, q5, q6, answered(q1, 2))
    await publish(
        platform,
        ev.BenchQuestionAnsweredLive(question_id=q3.question_id, answered_at=t.replace(day=5)),
        ev.BenchQuestionModerated(
            question_id=q6.question_id, decision="rejected", moderated_at=t, reason_code="abuse"
        ),
        ev.BenchEditionHeld(
            edition_id=uuid.uuid4(), held_on=date(YEAR, 6, 1), recorded_at=at(YEAR, 6)
        ),
        ev.CouncilMeetingHeld(
            meeting_id=meeting,
            starts_at=at(YEAR, 4),
            participants=7,
            members_present=5,
            guests=2,
            quorum_reached=True,
        ),
        ev.CouncilMeetingHeld(
            meeting_id=uuid.uuid4(),
            starts_at=at(YEAR, 10),
            participants=5,
            members_present=5,
            guests=0,
            quorum_reached=True,
        ),
        ev.GrantsApplicationSubmitted(
            application_id=uuid.uuid4(),
            call_id=uuid.uuid4(),
            organisation_kind="ngo",
            requested=ev.Money(100_000, "PLN"),
            submitted_at=t,
        ),
        ev.GrantsApplicationSubmitted(
            application_id=uuid.uuid4(),
            call_id=uuid.uuid4(),
            organisation_kind="minority_organisation",
            requested=ev.Money(200_000, "PLN"),
            submitted_at=t,
        ),
        awarded(500_000, "PLN", at(YEAR, 5)),
        awarded(70_000, "EUR", at(YEAR, 5)),
        ev.AmbassadorsNominationSubmitted(
            nomination_id=uuid.uuid4(),
            edition_id=uuid.uuid4(),
            language="pl",
            nominator_group="economic_migrant",
            submitted_at=t,
        ),
        ev.AmbassadorsNominationSubmitted(
            nomination_id=uuid.uuid4(),
            edition_id=uuid.uuid4(),
            language="uk",
            nominator_group="none",
            submitted_at=t,
        ),
    )
    await value_becomes(platform, YEAR, "ambassadors.nominations_submitted", 2)
    await caught_up(platform)
    got = await indicators(platform, YEAR)
    values = {k: v["value"] for k, v in got.items()}
    assert values["bench.questions_received"] == 5  # q6 was rejected
    assert values["bench.questions_answered"] == 3
    assert values["bench.answer_rate"] == 60
    assert values["bench.median_days_to_answer"] == 4  # 2, 4, 10 days
    assert values["bench.questions_overdue"] == 2  # q4 and q5, due in 2019
    assert values["bench.editions_held"] == 1
    assert values["council.meetings_held"] == 2
    assert values["council.meeting_participants"] == 12
    assert values["grants.applications_submitted"] == 2
    assert values["grants.initiatives_supported"] == 2
    assert values["grants.amount_awarded"] == 500_000  # the PLN part; every currency in amounts
    assert got["grants.amount_awarded"]["amounts"] == [
        {"amount": 500_000, "currency": "PLN"},
        {"amount": 70_000, "currency": "EUR"},
    ]
    assert values["participation.foreign_participants_share"] == 66.7  # 4 of 6 who declared
    assert got["council.meetings_held"]["status"] == "met"
    assert got["council.meeting_participants"]["status"] == "met"
    assert got["ambassadors.nominations_submitted"]["status"] == "behind"
    assert got["bench.median_days_to_answer"]["status"] == "met"
    assert got["bench.questions_overdue"]["status"] == "behind"
    assert got["services.trained_individuals"]["value"] is None
    assert got["services.trained_individuals"]["status"] == "no_data"
    assert got["ambassadors.nominations_submitted"]["base_value"] == 23

    # An answer to an overdue question closes it.
    await publish(platform, answered(q4, 40))
    await value_becomes(platform, YEAR, "bench.questions_overdue", 1)
    assert (await indicators(platform, YEAR))["bench.questions_answered"]["value"] == 4


async def test_a_redelivered_event_is_counted_once(platform: RunningPlatform) -> None:
    year = 2018
    q = question(at(year))
    (envelope,) = await publish(platform, q)
    await value_becomes(platform, year, "bench.questions_received", 1)
    bus = platform.runtime.bus
    assert bus is not None
    # The same event again under another message id, so the stream's de-duplication lets it through.
    await bus.js.publish(
        envelope.subject, encode(envelope), headers={"Nats-Msg-Id": f"again-{envelope.id}"}
    )
    await publish(platform, question(at(year, 4)))
    await value_becomes(platform, year, "bench.questions_received", 2)
    await caught_up(platform)
    assert (await indicators(platform, year))["bench.questions_received"]["value"] == 2


async def test_breakdowns_hide_cells_of_fewer_than_five_people(platform: RunningPlatform) -> None:
    year = 2017
    await publish(
        platform,
        *[question(at(year), group="forced_migrant", language="uk") for _ in range(6)],
        *[question(at(year), group="none", language="pl", channel="email") for _ in range(2)],
        *[question(at(year), group="undisclosed", language="ru") for _ in range(3)],
    )
    await value_becomes(platform, year, "bench.questions_received", 11)
    resp = await platform.client.get(
        f"/api/indicators/bench.questions_received/breakdown?year={year}",
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    by = {kind: {c["key"]: c["shown"] for c in cells} for kind, cells in resp.json()["by"].items()}
    assert by["group"] == {"forced_migrant": "6", "none": "<5", "undisclosed": "<5"}
    assert by["language"] == {"pl": "<5", "ru": "<5", "uk": "6"}
    # One small cell alone could be worked out from the total: the next one is hidden too.
    assert by["channel"] == {"email": "<5", "web": "hidden"}
    assert all(c["count"] is None for c in resp.json()["by"]["group"] if c["shown"] == "<5")
    page = await platform.client.get(
        f"/dashboard?year={year}", headers=platform.auth("coordinator")
    )
    assert page.status_code == 200
    assert "&lt;5" in page.text
    missing = await platform.client.get(
        f"/api/indicators/bench.answer_rate/breakdown?year={year}",
        headers=platform.auth("coordinator"),
    )
    assert missing.status_code == 404


async def test_a_cell_of_four_people_is_hidden_and_a_cell_of_five_is_shown(
    platform: RunningPlatform,
) -> None:
    """The privacy boundary through the projection and the API: 4 is "<5", 5 is shown."""
    year = 2007  # no other test counts anything in it (2008: test_words_and_currencies)
    await publish(
        platform,
        *[question(at(year), group="forced_migrant") for _ in range(5)],
        *[question(at(year), group="none") for _ in range(5)],
        *[question(at(year), group="national_minority") for _ in range(4)],
        *[question(at(year), group="undisclosed") for _ in range(4)],
    )
    await value_becomes(platform, year, "bench.questions_received", 18)
    resp = await platform.client.get(
        f"/api/indicators/bench.questions_received/breakdown?year={year}",
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    group = {c["key"]: (c["count"], c["shown"]) for c in resp.json()["by"]["group"]}
    assert group == {
        "forced_migrant": (5, "5"),
        "national_minority": (None, "<5"),
        "none": (5, "5"),
        "undisclosed": (None, "<5"),
    }
    card = await platform.client.get(
        f"/dashboard/indicators/bench.questions_received/card?year={year}&lang=en",
        headers=platform.auth("coordinator"),
    )
    assert card.status_code == 200
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', card.text))
    shown = ("National minority", "None of these backgrounds", "Preferred not to say")
    assert {k: v for k, v in rows.items() if k in shown} == {
        "National minority": "&lt;5",
        "None of these backgrounds": "5",
        "Preferred not to say": "&lt;5",
    }


async def test_two_instances_applying_one_questions_events_at_once_lose_neither(
    platform: RunningPlatform,
) -> None:
    """Two instances of the service share the consumer, so a question's receipt and its answer
    may be applied at the same moment, before the question has a fact: the second to write must
    see the first's part, not overwrite it (found by the chaos test: answers went uncounted)."""
    year = 2009  # no other test counts anything in it (e2e tests use 2012)
    q = question(at(year))
    received, answer = (new_event(p, producer="tests") for p in (q, answered(q, 3)))
    pool = platform.runtime.pool("indicators")
    async with pool.acquire() as first, pool.acquire() as second:
        first_tx, second_tx = first.transaction(), second.transaction()
        await first_tx.start()
        await apply_once(first, CONSUMER, received, store.apply_event)
        await second_tx.start()
        applying = asyncio.create_task(apply_once(second, CONSUMER, answer, store.apply_event))
        pid = second.get_server_pid()

        async def waits_for_first() -> bool:
            state = await pool.fetchval(
                "select wait_event_type from pg_stat_activity where pid = $1", pid
            )
            return state == "Lock" or applying.done()

        await eventually(waits_for_first, what="the second instance to wait for the first")
        await first_tx.commit()
        await applying
        await second_tx.commit()
    # On the stream too, as the relays would have them (the live consumer finds them applied
    # already), so a rebuild from the stream sees what the live tables count.
    assert platform.runtime.bus is not None
    for envelope in (received, answer):
        await platform.runtime.bus.publish(envelope)
    await caught_up(platform)
    counters = {
        (r["indicator_id"], r["dimension"]): r["value"]
        for r in await pool.fetch(
            "select indicator_id, dimension, value from indicator_values where year = $1", year
        )
    }
    assert counters.get(("bench.questions_received", "")) == 1
    assert counters.get(("bench.questions_answered", "")) == 1, counters
    assert counters.get(("bench.median_days_to_answer", "days:3")) == 1, counters
