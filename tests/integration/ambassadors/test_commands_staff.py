"""The coordinator's steps added with the coordinator's pages (issue 13), called directly against
real PostgreSQL: appointing a juror by address (one subject per person, the invitation link in
their language), removing a juror, editing an edition, closing and reopening nominations, the
reasons of closed steps as refusal codes, and who an address is here (`people.py`)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

from test_commands import (
    COORDINATOR,
    a_nomination,
    accepted,
    addr,
    an_edition,
    pool,
    refused,
    submitted,
)

from services.ambassadors import people
from services.ambassadors.commands import editions, jury, nominations
from services.ambassadors.i18n import catalogs
from services.ambassadors.schemas import (
    CriterionIn,
    EditionIn,
    EditionText,
    JurorIn,
    NominationsOpenIn,
    ScoresIn,
)
from shared import idempotency
from shared.auth import Principal
from shared.refusals import Kind
from shared.web.refusals import Speaker
from tests.helpers.platform import RunningPlatform


async def appoint(platform: RunningPlatform, edition_id: uuid.UUID, email: str, **extra: Any):
    juror = await jury.appoint_juror(
        platform.runtime,
        COORDINATOR,
        edition_id,
        JurorIn(name="Anna Kowalska", email=email, **extra),
    )
    assert not isinstance(juror, idempotency.Replay)
    return juror


async def queued_mail(platform: RunningPlatform, recipient: str, purpose: str) -> Any:
    raw = await pool(platform).fetchval(
        "select message from outgoing_mail where recipient = $1 and purpose = $2"
        " order by created_at limit 1",
        recipient,
        purpose,
    )
    assert raw is not None, (recipient, purpose)
    return BytesParser(policy=policy.default).parsebytes(bytes(raw))


async def set_edition(platform: RunningPlatform, edition_id: uuid.UUID, **columns: Any) -> None:
    for column, value in columns.items():
        await pool(platform).execute(
            f"update editions set {column} = $2 where id = $1",  # noqa: S608 - fixed names
            edition_id,
            value,
        )


def edition_in(year: int, close: datetime, **overrides: Any) -> EditionIn:
    criteria = overrides.pop(
        "criteria",
        [
            CriterionIn(key="impact", name="Impact on the community", weight=2),
            CriterionIn(key="engagement", name="Long-term engagement", weight=1),
        ],
    )
    return EditionIn(year=year, nominations_close_at=close, criteria=criteria, **overrides)


# --- Appointing and removing jurors -------------------------------------------------------


async def test_a_juror_appointed_by_address_keeps_one_subject_and_gets_a_link_in_their_language(
    platform: RunningPlatform,
) -> None:
    first, second = await an_edition(platform), await an_edition(platform)
    email = addr("juror")
    juror = await appoint(platform, first, email.upper(), language="uk")
    assert juror.subject.startswith("person:")  # shared.people.new_subject
    again = await appoint(platform, second, email)
    assert again.subject == juror.subject  # the subject held for the address, reused

    message = await queued_mail(platform, email, "ambassadors.juror_appointed")
    assert message["Content-Language"] == "uk"
    body = message.get_content()
    year = datetime.now(UTC).year
    assert f"Амбасадор багатокультурності Кракова {year}" in body  # which edition
    deadline = await pool(platform).fetchval(
        "select jury_deadline_at from editions where id = $1", first
    )
    local = deadline.astimezone(ZoneInfo("Europe/Warsaw")).strftime("%Y-%m-%d %H:%M")
    assert local in body and "(за варшавським часом)" in body  # by when, Warsaw time
    link = re.search(r"https?://\S+/auth/link\?\S+", body)
    assert link, body
    query = parse_qs(urlparse(link.group(0)).query)
    assert query["next"] == ["/ambassadors/jury"]
    assert platform.runtime.auth is not None
    claims = platform.runtime.auth.local.verify(query["token"][0], purpose="login-link")
    assert claims["sub"] == juror.subject and "juror" in str(claims.get("roles"))


async def test_the_same_address_twice_on_one_jury_is_refused_and_mails_nothing(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    email = addr("juror")
    await appoint(platform, edition_id, email)
    exc = await refused(
        jury.appoint_juror(
            platform.runtime, COORDINATOR, edition_id, JurorIn(name="Anna K.", email=email)
        )
    )
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "ambassadors.jury.address_taken")
    # The API's way (a subject of its own) is held to the same rule.
    exc = await refused(
        jury.appoint_juror(
            platform.runtime,
            COORDINATOR,
            edition_id,
            JurorIn(subject="someone-else", name="Anna K.", email=email),
        )
    )
    assert exc.code == "ambassadors.jury.address_taken"
    seats = "select count(*) from jurors where edition_id = $1 and email = $2"
    assert await pool(platform).fetchval(seats, edition_id, email) == 1
    mails = "select count(*) from outgoing_mail where recipient = $1"
    assert await pool(platform).fetchval(mails, email) == 1


async def test_a_juror_leaves_the_jury_only_before_deciding_anything(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    nomination_id = await accepted(platform, edition_id)
    idle = await appoint(platform, edition_id, addr("idle"))
    busy = await appoint(platform, edition_id, addr("busy"))
    await jury.submit_scores(
        platform.runtime,
        busy.subject,
        nomination_id,
        ScoresIn(scores={"impact": 7, "engagement": 5}),
    )
    exc = await refused(jury.remove_juror(platform.runtime, COORDINATOR, edition_id, busy.id))
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "ambassadors.jury.has_decided")
    exc = await refused(jury.remove_juror(platform.runtime, COORDINATOR, edition_id, uuid.uuid4()))
    assert (exc.kind, exc.code) == (Kind.NOT_FOUND, "ambassadors.jury.juror_not_found")
    other = await an_edition(platform)
    exc = await refused(jury.remove_juror(platform.runtime, COORDINATOR, other, idle.id))
    assert exc.code == "ambassadors.jury.juror_not_found"  # another edition's juror

    await jury.remove_juror(platform.runtime, COORDINATOR, edition_id, idle.id)
    left = await pool(platform).fetch(
        "select id from jurors where edition_id = $1 order by appointed_at", edition_id
    )
    assert [r["id"] for r in left] == [busy.id]


# --- Editing an edition, closing and opening nominations ------------------------------------


async def test_an_edition_is_edited_but_its_year_stays_and_its_criteria_stay_once_scored(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    year = datetime.now(UTC).year
    close = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    changed = edition_in(
        year,
        close,
        titles=5,
        texts={
            "pl": EditionText(title="Ambasadorzy 2026", description="Zgłoś osobę z Krakowa."),
            "uk": EditionText(title="Амбасадори 2026"),
        },
        criteria=[
            CriterionIn(key="impact", name="Impact", weight=3),
            CriterionIn(key="reach", name="Reach", weight=1),
        ],
    )
    view = await editions.update_edition(platform.runtime, COORDINATOR, edition_id, changed)
    assert (view.titles, view.nominations_close_at) == (5, close)
    assert view.jury_deadline_at == close + timedelta(days=30)
    assert [(c.key, c.weight) for c in view.criteria] == [("impact", 3), ("reach", 1)]
    assert view.texts["pl"].description == "Zgłoś osobę z Krakowa."
    assert sorted(view.texts) == ["pl", "uk"]

    exc = await refused(
        editions.update_edition(
            platform.runtime, COORDINATOR, edition_id, edition_in(year + 1, close)
        )
    )
    assert (exc.kind, exc.code, exc.field) == (
        Kind.INVALID,
        "ambassadors.edition.year_fixed",
        "year",
    )
    nomination_id = await accepted(platform, edition_id)
    juror = await appoint(platform, edition_id, addr("juror"))
    await jury.submit_scores(
        platform.runtime, juror.subject, nomination_id, ScoresIn(scores={"impact": 5, "reach": 5})
    )
    exc = await refused(
        editions.update_edition(platform.runtime, COORDINATOR, edition_id, edition_in(year, close))
    )
    assert (exc.code, exc.field) == ("ambassadors.edition.criteria_scored", "criteria")
    # The dates still move while the criteria stay as they are.
    later = close + timedelta(days=1)
    same_criteria = edition_in(year, later, titles=5, criteria=changed.criteria)
    view = await editions.update_edition(platform.runtime, COORDINATOR, edition_id, same_criteria)
    assert view.nominations_close_at == later


async def test_nominations_close_now_and_open_again_until_the_jury_deadline(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    await editions.close_nominations(platform.runtime, COORDINATOR, edition_id)
    exc = await refused(nominations.submit(platform.runtime, edition_id, a_nomination()))
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "ambassadors.nomination.closed")
    reason = exc.first.params["reason"]
    assert [r.code for r in reason] == ["ambassadors.reason.nominations_closed"]
    said = Speaker(catalogs, "pl").say(exc.first)
    assert said.startswith("Ta edycja nie przyjmuje już zgłoszeń: zgłoszenia zamknięto ")
    assert "(czas warszawski)" in said or "czasu warszawskiego" in said

    exc = await refused(editions.close_nominations(platform.runtime, COORDINATOR, edition_id))
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "ambassadors.edition.nominations_not_open")

    past = NominationsOpenIn(nominations_close_at=datetime.now(UTC) - timedelta(minutes=1))
    exc = await refused(editions.open_nominations(platform.runtime, COORDINATOR, edition_id, past))
    assert (exc.code, exc.field) == ("ambassadors.edition.close_in_past", "nominations_close_at")
    deadline = await pool(platform).fetchval(
        "select jury_deadline_at from editions where id = $1", edition_id
    )
    too_late = NominationsOpenIn(nominations_close_at=deadline + timedelta(minutes=1))
    exc = await refused(
        editions.open_nominations(platform.runtime, COORDINATOR, edition_id, too_late)
    )
    assert exc.code == "ambassadors.edition.close_after_jury"

    until = NominationsOpenIn(nominations_close_at=datetime.now(UTC) + timedelta(days=2))
    await editions.open_nominations(platform.runtime, COORDINATOR, edition_id, until)
    await submitted(platform, edition_id, a_nomination())  # taken again


async def test_nothing_changes_once_the_results_are_published(platform: RunningPlatform) -> None:
    edition_id = await an_edition(platform)
    laureate = await accepted(platform, edition_id)
    idle = await appoint(platform, edition_id, addr("idle"))
    await set_edition(platform, edition_id, nominations_close_at=datetime.now(UTC))
    await editions.publish_results(platform.runtime, COORDINATOR, edition_id, [laureate])
    exc = await refused(
        editions.publish_results(platform.runtime, COORDINATOR, edition_id, [laureate])
    )
    assert exc.code == "ambassadors.results.cannot_publish"
    assert [r.code for r in exc.first.params["reason"]] == ["ambassadors.reason.already_published"]
    year = datetime.now(UTC).year
    for call in (
        jury.remove_juror(platform.runtime, COORDINATOR, edition_id, idle.id),
        jury.appoint_juror(
            platform.runtime, COORDINATOR, edition_id, JurorIn(name="Late Juror", email=addr("j"))
        ),
        editions.update_edition(
            platform.runtime,
            COORDINATOR,
            edition_id,
            edition_in(year, datetime.now(UTC) + timedelta(days=1)),
        ),
        editions.open_nominations(
            platform.runtime,
            COORDINATOR,
            edition_id,
            NominationsOpenIn(nominations_close_at=datetime.now(UTC) + timedelta(days=1)),
        ),
    ):
        exc = await refused(call)
        assert (exc.kind, exc.code) == (Kind.CONFLICT, "ambassadors.edition.published")


async def test_scoring_after_the_jury_deadline_is_refused_with_the_reason(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    nomination_id = await accepted(platform, edition_id)
    juror = await appoint(platform, edition_id, addr("juror"))
    past = datetime.now(UTC) - timedelta(minutes=1)
    await set_edition(
        platform, edition_id, nominations_close_at=past - timedelta(days=1), jury_deadline_at=past
    )
    exc = await refused(
        jury.submit_scores(
            platform.runtime,
            juror.subject,
            nomination_id,
            ScoresIn(scores={"impact": 5, "engagement": 5}),
        )
    )
    assert (exc.kind, exc.code) == (Kind.CONFLICT, "ambassadors.scores.closed")
    assert [r.code for r in exc.first.params["reason"]] == [
        "ambassadors.reason.jury_deadline_passed"
    ]
    assert (
        Speaker(catalogs, "uk").say(exc.first).startswith("Оцінювання закрито: термін журі минув ")
    )
    cards = "select count(*) from scorecards where nomination_id = $1"
    assert await pool(platform).fetchval(cards, nomination_id) == 0


# --- Who an address is here, and their open work -------------------------------------------


async def test_a_juror_address_is_a_juror_identity_per_unfinished_edition(
    platform: RunningPlatform,
) -> None:
    first, second = await an_edition(platform), await an_edition(platform)
    email = addr("juror")
    juror = await appoint(platform, first, email, language="en")
    await appoint(platform, second, email)
    async with pool(platform).acquire() as conn:
        found = await people.identities(conn, email.upper())
        assert await people.identities(conn, addr("nobody")) == []
        assert await people.identities(conn, "not an address") == []
    year = datetime.now(UTC).year
    assert {(i.subject, i.role, i.home) for i in found} == {
        (juror.subject, "juror", "/ambassadors/jury")
    }
    assert sorted((i.language, i.what) for i in found) == [
        ("en", f"Kraków Ambassador of Multiculturalism {year}"),
        ("pl", f"Ambasador Wielokulturowości Krakowa {year}"),
    ]
    laureate = await accepted(platform, second)
    await set_edition(platform, second, nominations_close_at=datetime.now(UTC))
    await editions.publish_results(platform.runtime, COORDINATOR, second, [laureate])
    async with pool(platform).acquire() as conn:
        found = await people.identities(conn, email)
    assert [i.language for i in found] == ["en"]  # a finished edition's seat signs no one in


async def test_open_work_counts_the_jurors_candidacies_and_the_coordinators_steps(
    platform: RunningPlatform,
) -> None:
    edition_id = await an_edition(platform)
    first = await accepted(platform, edition_id)
    await accepted(platform, edition_id)
    await submitted(platform, edition_id, a_nomination())  # awaiting the candidate
    juror = await appoint(platform, edition_id, addr("juror"))
    principal = Principal(subject=juror.subject, roles=("juror",))
    async with pool(platform).acquire() as conn:
        work = await people.open_work(conn, principal, "pl")
    assert [(w.role, w.count, w.overdue, w.href) for w in work] == [
        ("juror", 2, 0, "/ambassadors/jury")
    ]
    assert work[0].label == "Kandydatury do oceny (Ambasadorzy Wielokulturowości)"
    await jury.submit_scores(
        platform.runtime, juror.subject, first, ScoresIn(scores={"impact": 5, "engagement": 5})
    )
    # Past the jury deadline: what is left is overdue; the coordinator has results to publish,
    # a juror behind and a nomination still awaiting its candidate.
    past = datetime.now(UTC) - timedelta(minutes=1)
    await set_edition(
        platform, edition_id, nominations_close_at=past - timedelta(days=1), jury_deadline_at=past
    )
    async with pool(platform).acquire() as conn:
        work = await people.open_work(conn, principal, "en")
        staff = await people.open_work(
            conn, Principal(subject="coordinator-x", roles=("coordinator",)), "en"
        )
    assert [(w.count, w.overdue) for w in work] == [(1, 1)]
    mine = [w for w in staff if f"/editions/{edition_id}/" in w.href]
    base = f"/ambassadors/staff/editions/{edition_id}"
    assert [(w.href, w.count, w.overdue) for w in mine] == [
        (f"{base}/nominations?status=awaiting_acceptance", 1, 1),
        (f"{base}/jury", 1, 1),
        (f"{base}/results", 1, 1),
    ]
    laureate = first
    await editions.publish_results(platform.runtime, COORDINATOR, edition_id, [laureate])
    async with pool(platform).acquire() as conn:
        assert await people.open_work(conn, principal, "en") == []
        staff = await people.open_work(
            conn, Principal(subject="coordinator-x", roles=("coordinator",)), "en"
        )
    assert [w for w in staff if f"/editions/{edition_id}/" in w.href] == []
