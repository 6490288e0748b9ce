"""The Council's people (issue 13) against real PostgreSQL: the welcome mail of an appointment
and a secretary's invitation carry a one-time link for the right subject and role; the
PeopleHooks know a member and a registered secretary by their address (and nobody else);
open work counts what is to do; a signed-in member replies and proposes through the same
commands as the invitation's token — and the unhappy paths refuse and change nothing."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from services.participation.council import people, queries
from services.participation.council.commands import meetings, members, secretaries
from services.participation.council.queries import MemberAt
from services.participation.council.schemas import (
    AgendaDecisionIn,
    AppointmentIn,
    Member,
    SecretaryIn,
)
from shared.auth import Principal
from shared.refusals import Kind, Refused
from tests.helpers.platform import RunningPlatform
from tests.integration.council.test_commands import (
    SCHEMA,
    an_application,
    meeting,
    now,
    open_call,
    queued,
    refused,
    scalar,
)


def body_of(msg: Any) -> str:
    """The plain text of a queued mail."""
    return msg.get_body(preferencelist=("plain",)).get_content()


def link_claims(platform: RunningPlatform, text: str) -> tuple[dict[str, Any], str]:
    """The claims of the one-time sign-in link in a mail, and where it leads."""
    match = re.search(r"(http\S+/auth/link\?\S+)", text)
    assert match, text
    query = parse_qs(urlparse(match.group(1)).query)
    assert platform.runtime.auth is not None
    claims = platform.runtime.auth.local.verify(query["token"][0], purpose="login-link")
    return claims, query["next"][0]


async def appoint(platform: RunningPlatform, email: str | None = None, **extra: Any) -> Member:
    member = await members.appoint(
        platform.runtime,
        AppointmentIn(
            name=extra.pop("name", "Oksana Melnyk"),
            category="city",
            email=email or f"oksana-{uuid.uuid4().hex[:8]}@example.org",
            term_start=date.today() - timedelta(days=10),
            term_end=date.today() + timedelta(days=400),
            language=extra.pop("language", "uk"),
            **extra,
        ),
    )
    assert isinstance(member, Member)
    return member


async def subject_of(platform: RunningPlatform, member_id: uuid.UUID) -> str:
    return await scalar(platform, "select subject from council_members where id = $1", member_id)


async def identities(platform: RunningPlatform, email: str) -> list[Any]:
    async with platform.runtime.pool(SCHEMA).acquire() as conn:
        return list(await people.identities(conn, email))


async def work(platform: RunningPlatform, principal: Principal, lang: str = "pl") -> list[Any]:
    async with platform.runtime.pool(SCHEMA).acquire() as conn:
        return list(await people.open_work(conn, principal, lang))


# --- appointment: subject and welcome mail ----------------------------------------------


async def test_an_appointed_member_is_welcomed_in_their_language_with_a_link_to_their_page(
    platform: RunningPlatform,
) -> None:
    email = f"oksana-{uuid.uuid4().hex[:8]}@example.org"
    member = await appoint(platform, email, language="uk")
    subject = await subject_of(platform, member.id)
    assert subject.startswith("person:")
    [welcome] = await queued(platform, email, "council.appointment")
    assert welcome["Content-Language"] == "uk"
    text = body_of(welcome)
    assert "Вітаємо, Oksana Melnyk!" in text and "за варшавським часом" in text
    claims, next_page = link_claims(platform, text)
    assert (claims["sub"], claims["roles"], next_page) == (
        subject,
        ["council_member"],
        "/council/my",
    )

    # The same address appointed again (another term) keeps its one subject.
    again = await appoint(platform, email.upper(), language="uk")
    assert await subject_of(platform, again.id) == subject


async def test_a_member_without_an_address_gets_a_subject_and_no_mail(
    platform: RunningPlatform,
) -> None:
    member = await members.appoint(
        platform.runtime,
        AppointmentIn(
            name="Jan Bez Adresu",
            category="city",
            term_start=date.today(),
            term_end=date.today() + timedelta(days=30),
        ),
    )
    assert isinstance(member, Member)
    assert (await subject_of(platform, member.id)).startswith("person:")
    assert await scalar(platform, "select count(*) from council_members where subject is null") == 0


async def test_appointing_from_an_application_twice_is_refused_and_changes_nothing(
    platform: RunningPlatform,
) -> None:
    call = await open_call(platform, seats={"resident": 3})
    created = await members.receive_application(platform.runtime, call.id, an_application())
    first = await members.appoint(platform.runtime, AppointmentIn(application_id=created.id))  # type: ignore[union-attr]
    assert isinstance(first, Member)
    count = await scalar(platform, "select count(*) from council_members")
    with pytest.raises(Refused) as exc:
        await members.appoint(platform.runtime, AppointmentIn(application_id=created.id))  # type: ignore[union-attr]
    refused(exc, Kind.CONFLICT, "council.application.appointed")
    assert await scalar(platform, "select count(*) from council_members") == count


# --- secretaries ------------------------------------------------------------------------


async def test_the_coordinator_registers_a_secretary_who_is_invited_and_known_by_address(
    platform: RunningPlatform,
) -> None:
    email = f"sekretariat-{uuid.uuid4().hex[:8]}@example.org"
    added = await secretaries.register(
        platform.runtime,
        SecretaryIn(name="Maria Nowak", email=f"  {email.upper()} ", language="en"),
    )
    assert added.email == email and added.language == "en"
    [invitation] = await queued(platform, email, "council.secretary")
    assert invitation["Content-Language"] == "en"
    claims, next_page = link_claims(platform, body_of(invitation))
    assert claims["roles"] == ["council_secretary"] and next_page == "/council/staff"
    assert claims["sub"].startswith("person:")

    [who] = await identities(platform, email.upper())
    assert (who.subject, who.role, who.home, who.language) == (
        claims["sub"],
        "council_secretary",
        "/council/staff",
        "en",
    )

    # Registered twice: refused naming the field, nothing changes.
    with pytest.raises(Refused) as exc:
        await secretaries.register(platform.runtime, SecretaryIn(name="Maria Nowak", email=email))
    refused(exc, Kind.CONFLICT, "council.secretary.exists", "email")
    assert len(await queued(platform, email, "council.secretary")) == 1

    await secretaries.remove(platform.runtime, added.id)
    assert await identities(platform, email) == []
    with pytest.raises(Refused) as exc:
        await secretaries.remove(platform.runtime, added.id)
    assert exc.value.kind == Kind.NOT_FOUND


# --- identities -------------------------------------------------------------------------


async def test_identities_know_a_member_in_office_and_not_a_former_one_or_a_stranger(
    platform: RunningPlatform,
) -> None:
    email = f"member-{uuid.uuid4().hex[:8]}@example.org"
    member = await appoint(platform, email, language="pl", name="Anna Kowalska")
    [who] = await identities(platform, email)
    assert (who.subject, who.role, who.home, who.name) == (
        await subject_of(platform, member.id),
        "council_member",
        "/council/my",
        "Anna Kowalska",
    )
    assert who.what == "Rada ds. Równego Traktowania: członek"  # in the member's language
    assert await identities(platform, f"nobody-{uuid.uuid4().hex[:6]}@example.org") == []
    assert await identities(platform, "not an address") == []

    from services.participation.council.schemas import LeaveIn

    await members.leave(platform.runtime, member.id, LeaveIn(reason="resigned"))
    assert await identities(platform, email) == []


# --- a signed-in member answers and proposes --------------------------------------------


async def test_a_signed_in_member_replies_and_proposes_with_the_same_commands(
    platform: RunningPlatform,
) -> None:
    member = await appoint(platform)
    subject = await subject_of(platform, member.id)
    upcoming = await meeting(platform, now() + timedelta(days=7))
    principal = Principal(subject=subject, roles=("council_member",))
    unanswered = {w.label: w.count for w in await work(platform, principal)}
    assert unanswered.get("Zaproszenia do odpowiedzi", 0) >= 1

    rsvp = await meetings.answer(platform.runtime, MemberAt(subject, upcoming), "maybe")
    assert (rsvp.member_id, rsvp.response) == (member.id, "maybe")
    item = await meetings.propose(
        platform.runtime, MemberAt(subject, upcoming), "Dostępność tłumaczy", "Opis"
    )
    assert item.status == "proposed" and item.proposed_by_member
    home = await queries.member_home(platform.runtime, subject)
    [mine] = [u for u in home["upcoming"] if u["inv"]["meeting_id"] == upcoming]
    assert mine["inv"]["response"] == "maybe"
    assert [a["title"] for a in mine["agenda"]] == ["Dostępność tłumaczy"]
    assert [p["title"] for p in home["proposals"]] == ["Dostępność tłumaczy"]

    # Someone else's subject, or a meeting the member is not invited to: refused (403).
    with pytest.raises(Refused) as exc:
        await meetings.answer(platform.runtime, MemberAt("person:stranger", upcoming), "yes")
    refused(exc, Kind.FORBIDDEN, "council.invitation.invalid")
    with pytest.raises(Refused) as exc:
        await meetings.propose(platform.runtime, MemberAt(subject, uuid.uuid4()), "Temat", None)
    refused(exc, Kind.FORBIDDEN, "council.invitation.invalid")

    # The secretariat's work counts the proposal; declined, it no longer counts.
    secretariat = Principal(subject="sec", roles=("council_secretary",))
    before = {w.label: w.count for w in await work(platform, secretariat, "en")}
    assert before["Members' agenda proposals to decide"] >= 1
    await meetings.decide_item(platform.runtime, item.id, AgendaDecisionIn(status="declined"))
    after = {w.label: w.count for w in await work(platform, secretariat, "en")}
    assert (
        after.get("Members' agenda proposals to decide", 0)
        == before["Members' agenda proposals to decide"] - 1
    )

    # A cancelled meeting takes no more replies (409), and the reply stays as it was.
    await meetings.cancel(platform.runtime, upcoming)
    with pytest.raises(Refused) as exc:
        await meetings.answer(platform.runtime, MemberAt(subject, upcoming), "yes")
    assert exc.value.kind == Kind.CONFLICT
    assert (
        await scalar(
            platform,
            "select response from council_invitations where meeting_id = $1 and member_id = $2",
            upcoming,
            member.id,
        )
        == "maybe"
    )


async def test_open_work_of_the_secretariat_counts_minutes_and_applications(
    platform: RunningPlatform,
) -> None:
    call = await open_call(platform, seats={"resident": 2})
    await members.receive_application(platform.runtime, call.id, an_application())
    held = await meeting(platform)  # two hours ago
    await appoint(platform)  # someone in office, so the meeting can be held
    from services.participation.council.schemas import AttendeeIn, HeldIn

    await meetings.record_held(
        platform.runtime, held, HeldIn(attendees=[AttendeeIn(name="Gość Pierwszy")])
    )
    items = {w.label: w for w in await work(platform, Principal("c", ("coordinator",)), "en")}
    assert items["Applications not yet considered"].count >= 1
    assert items["Minutes to draft"].count >= 1
    assert items["Minutes to draft"].role == "coordinator"
    assert await work(platform, Principal("x", ("juror",))) == []


async def test_a_secretarys_personal_data_is_exported_and_erased(platform: RunningPlatform) -> None:
    from services.participation.council import privacy
    from shared.privacy import Person

    email = f"sekretarka-{uuid.uuid4().hex[:8]}@example.org"
    await secretaries.register(platform.runtime, SecretaryIn(name="Ewa Sekretarka", email=email))
    async with platform.runtime.pool(SCHEMA).acquire() as conn:
        exported = await privacy.export(conn, Person(email=email))
        assert [r["name"] for r in exported["council_secretaries"]] == ["Ewa Sekretarka"]
        async with conn.transaction():
            erased = await privacy.erase(conn, Person(email=email))
    assert erased.counts["council_secretaries_deleted"] == 1
    assert "Ewa Sekretarka" in erased.names
    assert await identities(platform, email) == []
