"""People acting for organisations, told as use cases against PostgreSQL: a new organisation
registers itself (request, the mailed link, the organisation form), a second representative
joins and is approved, the award mail leads to the final report, and the sign-in hooks
(identities by address, open work). Refusals name their code and change nothing."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec
import pytest

from services.grants import commands, commands_ngo, domain, people
from services.grants.schemas import (
    ApplicationIn,
    CallIn,
    JoinRequestIn,
    OrganisationIn,
    RegistrationIn,
)
from shared.auth import Principal
from shared.refusals import Kind, Refused
from tests.helpers.platform import RunningPlatform
from tests.integration.grants.helpers import (
    CRITERIA,
    application_body,
    award_as_the_city,
    body_of,
    eur,
    links_in,
    queued_mails,
    valid_nip,
)

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def address() -> str:
    return f"person-{uuid.uuid4().hex[:8]}@example.org"


def registration(email: str, **overrides: Any) -> RegistrationIn:
    body = {"name": "Olena Kovalenko", "email": email, "consent": True, "language": "uk"}
    return msgspec.convert({**body, **overrides}, RegistrationIn)


def organisation(**overrides: Any) -> OrganisationIn:
    body = {
        "name": f"Fundacja Most {uuid.uuid4().hex[:4]}",
        "nip": valid_nip(),
        "kind": "ngo",
        "email": f"biuro-{uuid.uuid4().hex[:6]}@example.org",
        "language": "pl",
    }
    return msgspec.convert({**body, **overrides}, OrganisationIn)


def refusal(exc: pytest.ExceptionInfo[Refused]) -> tuple[Kind, str, str | None]:
    return exc.value.kind, exc.value.code, exc.value.field


def link_target(link: str) -> tuple[str, str]:
    """(token, next) of a sign-in link."""
    query = parse_qs(urlsplit(link).query)
    return query["token"][0], query["next"][0]


async def fetch(platform: RunningPlatform, sql: str, *args: Any) -> list[Any]:
    return list(await platform.runtime.pool("grants").fetch(sql, *args))


async def events(platform: RunningPlatform, type_: str) -> list[dict[str, Any]]:
    found = []
    for row in await fetch(platform, "select body from outbox order by seq"):
        envelope = msgspec.json.decode(bytes(row["body"]))
        if envelope.get("type") == type_:
            found.append(envelope.get("payload") or envelope.get("data") or {})
    return found


async def identities(platform: RunningPlatform, email: str) -> list[Any]:
    async with platform.runtime.pool("grants").acquire() as conn:
        return await people.ngo_identities(conn, email)


async def signed_in_by_registration(platform: RunningPlatform, email: str) -> Principal:
    """The person who followed the registration link: the link's subject, role ngo, no org."""
    (mail,) = await queued_mails(platform, email)
    (link,) = [x for x in links_in(body_of(mail)) if "/auth/link?" in x]
    token, target = link_target(link)
    assert target == "/grants/organisation/new"
    assert platform.runtime.auth is not None
    claims = platform.runtime.auth.local.verify(token, purpose="login-link")
    assert claims["roles"] == ["ngo"] and "org" not in claims
    return Principal(subject=claims["sub"], roles=("ngo",))


async def registered(platform: RunningPlatform) -> tuple[Principal, uuid.UUID, str, str]:
    """A representative registered through the page's use cases: (who, org id, address, name)."""
    email = address()
    await commands_ngo.request_registration(platform.runtime, registration(email, language="pl"))
    who = await signed_in_by_registration(platform, email)
    data = organisation()
    created = await commands.register_organisation(platform.runtime, who, data)
    return who, created.id, email, data.name  # type: ignore[union-attr]


# --- Registration ---------------------------------------------------------------------------


async def test_a_new_organisation_registers_itself_from_the_mailed_link(
    platform: RunningPlatform,
) -> None:
    email = address()
    await commands_ngo.request_registration(platform.runtime, registration(email.upper()))
    # Nothing exists but the request; the mail (in Ukrainian) leads to the organisation form.
    (mail,) = await queued_mails(platform, email)
    assert mail["Subject"] == "Підтвердіть реєстрацію вашої організації"
    assert await fetch(platform, "select 1 from representatives where email = $1", email) == []
    assert await identities(platform, email) == []
    who = await signed_in_by_registration(platform, email)
    assert who.subject.startswith("person:")

    data = organisation()
    created = await commands.register_organisation(platform.runtime, who, data)
    org_id = created.id  # type: ignore[union-attr]
    (rep,) = await fetch(
        platform,
        "select subject, email, name, language from representatives where organisation_id = $1",
        org_id,
    )
    assert dict(rep) == {
        "subject": who.subject,
        "email": email,
        "name": "Olena Kovalenko",
        "language": "uk",
    }
    (done,) = await fetch(platform, "select * from registrations where subject = $1", who.subject)
    assert done["completed_at"] is not None and done["organisation_id"] == org_id

    (identity,) = await identities(platform, email.upper())
    assert (identity.subject, identity.role, identity.org, identity.home) == (
        who.subject,
        "ngo",
        org_id,
        "/grants",
    )
    assert (identity.language, identity.name, identity.what) == ("uk", "Olena Kovalenko", data.name)
    assert await identities(platform, address()) == []


async def test_an_unconfirmed_registration_creates_nothing_and_lapses(
    platform: RunningPlatform,
) -> None:
    email = address()
    then = datetime.now(UTC) - timedelta(days=commands_ngo.PENDING_DAYS + 1)
    await commands_ngo.request_registration(platform.runtime, registration(email), now=then)
    who = await signed_in_by_registration(platform, email)
    data = organisation()
    with pytest.raises(Refused) as lapsed:
        await commands.register_organisation(platform.runtime, who, data)
    assert refusal(lapsed) == (Kind.CONFLICT, "registration.expired", None)
    assert await fetch(platform, "select 1 from organisations where nip = $1", data.nip) == []
    # The daily purge forgets the person who never went on.
    assert await commands_ngo.purge_pending(platform.runtime) >= 1
    assert await fetch(platform, "select 1 from registrations where email = $1", email) == []


async def test_the_registration_link_works_once_and_not_after_it_expired(
    platform: RunningPlatform,
) -> None:
    email = address()
    await commands_ngo.request_registration(platform.runtime, registration(email))
    (mail,) = await queued_mails(platform, email)
    (link,) = [x for x in links_in(body_of(mail)) if "/auth/link?" in x]
    token, target = link_target(link)
    assert platform.runtime.auth is not None
    stale = platform.runtime.auth.login_link_token("person:stale", "ngo", ttl=-60)
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        page = await browser.get(urlsplit(link).path + "?" + urlsplit(link).query)
        assert page.status_code == 200
        form = {"token": token, "next": target, "_csrf_token": CSRF.search(page.text).group(1)}  # type: ignore[union-attr]
        first = await browser.post("/auth/link", data=form)
        assert first.status_code == 303 and first.headers["location"] == target
        again = await browser.post("/auth/link", data=form)
        assert again.status_code == 409  # used once already
        expired = await browser.post("/auth/link", data={**form, "token": stale})
        assert expired.status_code == 400


async def test_registering_again_with_a_known_address_mails_sign_in_links_instead(
    platform: RunningPlatform,
) -> None:
    who, org_id, email, name = await registered(platform)
    await commands_ngo.request_registration(platform.runtime, registration(email, name="Olena"))
    first, second = await queued_mails(platform, email)
    assert second["Subject"] == "Masz już konto w małych grantach"  # the person's language, pl
    text = body_of(second)
    assert name in text
    (link,) = [x for x in links_in(text) if "/auth/link?" in x]
    token, target = link_target(link)
    assert platform.runtime.auth is not None
    claims = platform.runtime.auth.local.verify(token, purpose="login-link")
    assert (claims["sub"], claims["org"], target) == (who.subject, str(org_id), "/grants")
    pending = await fetch(
        platform, "select 1 from registrations where email = $1 and completed_at is null", email
    )
    assert pending == []


async def test_a_duplicate_nip_is_refused_and_the_registration_stays_open(
    platform: RunningPlatform,
) -> None:
    _, org_id, _, _ = await registered(platform)
    (taken,) = await fetch(platform, "select nip from organisations where id = $1", org_id)
    email = address()
    await commands_ngo.request_registration(platform.runtime, registration(email))
    who = await signed_in_by_registration(platform, email)
    with pytest.raises(Refused) as duplicate:
        await commands.register_organisation(platform.runtime, who, organisation(nip=taken["nip"]))
    assert refusal(duplicate) == (Kind.CONFLICT, "organisation.nip_registered", None)
    with pytest.raises(Refused) as bad:
        await commands.register_organisation(platform.runtime, who, organisation(nip="1234567890"))
    assert refusal(bad) == (Kind.INVALID, "organisation.nip_check_digit", "nip")
    (row,) = await fetch(platform, "select * from registrations where subject = $1", who.subject)
    assert row["completed_at"] is None
    with pytest.raises(Refused) as no_consent:
        await commands_ngo.request_registration(
            platform.runtime, registration(address(), consent=False)
        )
    assert refusal(no_consent) == (Kind.INVALID, "people.consent", "consent")


# --- A second representative -------------------------------------------------------------


def join_in(**overrides: Any) -> JoinRequestIn:
    body = {"name": "Piotr Nowak", "email": address(), "consent": True, "language": "en"}
    return msgspec.convert({**body, **overrides}, JoinRequestIn)


async def test_a_second_representative_asks_confirms_and_is_approved(
    platform: RunningPlatform,
) -> None:
    runtime = platform.runtime
    rep, org_id, rep_email, org_name = await registered(platform)
    (row,) = await fetch(platform, "select nip from organisations where id = $1", org_id)
    data = join_in(nip=row["nip"])
    request_id = await commands_ngo.request_join(runtime, data)
    assert request_id is not None
    (mail,) = await queued_mails(platform, data.email)
    (link,) = [x for x in links_in(body_of(mail)) if "/auth/link?" in x]
    token, target = link_target(link)
    assert target == f"/grants/join/{request_id}"
    assert runtime.auth is not None
    subject = runtime.auth.local.verify(token, purpose="login-link")["sub"]
    applicant = Principal(subject=subject, roles=("ngo",))
    stranger = Principal(subject="person:stranger", roles=("ngo",))

    # Nobody decides before the applicant confirms; only the applicant confirms.
    with pytest.raises(Refused) as early:
        await commands_ngo.decide_join(runtime, rep, request_id, approve=True)
    assert refusal(early) == (Kind.CONFLICT, "join.not_confirmed", None)
    with pytest.raises(Refused) as not_theirs:
        await commands_ngo.confirm_join(runtime, stranger, request_id)
    assert refusal(not_theirs) == (Kind.FORBIDDEN, "join.not_yours", None)
    await commands_ngo.confirm_join(runtime, applicant, request_id)
    await commands_ngo.confirm_join(runtime, applicant, request_id)  # twice: nothing more
    (ask,) = [m for m in await queued_mails(platform, rep_email) if "Piotr Nowak" in m["Subject"]]
    (decide_link,) = [x for x in links_in(body_of(ask)) if "/auth/link?" in x]
    token, target = link_target(decide_link)
    claims = runtime.auth.local.verify(token, purpose="login-link")
    assert (claims["sub"], claims["org"], target) == (
        rep.subject,
        str(org_id),
        f"/grants/join-requests/{request_id}",
    )
    async with runtime.pool("grants").acquire() as conn:
        work = await people.ngo_work(conn, Principal(rep.subject, ("ngo",), org=org_id), "en")
    assert [(w.count, w.href) for w in work] == [(1, "/grants/join-requests")]

    # Neither the applicant nor a stranger approves; a representative does, once.
    for someone in (applicant, stranger, Principal(subject=subject, roles=("ngo",), org=org_id)):
        with pytest.raises(Refused) as refused:
            await commands_ngo.decide_join(runtime, someone, request_id, approve=True)
        assert refusal(refused) == (Kind.FORBIDDEN, "join.not_representative", None)
    assert await identities(platform, data.email) == []
    await commands_ngo.decide_join(runtime, rep, request_id, approve=True)
    with pytest.raises(Refused) as twice:
        await commands_ngo.decide_join(runtime, rep, request_id, approve=False)
    assert refusal(twice) == (Kind.CONFLICT, "join.already_decided", None)

    (identity,) = await identities(platform, data.email)
    assert (identity.subject, identity.org, identity.language, identity.what) == (
        subject,
        org_id,
        "en",
        org_name,
    )
    result = (await queued_mails(platform, data.email))[-1]
    assert result["Subject"] == f"You now act for {org_name}"
    # The events say which request and organisation, and nothing about the person.
    requested = [e for e in await events(platform, "grants.representative_join_requested")]
    decided = [e for e in await events(platform, "grants.representative_join_decided")]
    mine = [e for e in requested + decided if e["request_id"] == str(request_id)]
    assert len(mine) == 2
    for payload in mine:
        assert set(payload) <= {
            "request_id",
            "organisation_id",
            "requested_at",
            "approved",
            "decided_at",
        }
        assert data.email not in msgspec.json.encode(payload).decode()


async def test_a_join_request_is_refused_for_unknown_organisations_and_can_be_declined(
    platform: RunningPlatform,
) -> None:
    runtime = platform.runtime
    for overrides, code, field in (
        ({}, "join.organisation_missing", "nip"),
        ({"nip": "1234567890"}, "organisation.nip_check_digit", "nip"),
        ({"nip": valid_nip()}, "join.organisation_unknown", "nip"),
        ({"organisation_id": str(uuid.uuid4())}, "join.organisation_missing", "organisation_id"),
    ):
        with pytest.raises(Refused) as refused:
            await commands_ngo.request_join(runtime, join_in(**overrides))
        assert refusal(refused) == (Kind.INVALID, code, field)

    rep, org_id, _, _ = await registered(platform)
    old = datetime.now(UTC) - timedelta(days=commands_ngo.PENDING_DAYS + 1)
    data = join_in(organisation_id=str(org_id))
    lapsed = await commands_ngo.request_join(runtime, data, now=old)
    assert lapsed is not None
    (row,) = await fetch(platform, "select subject from join_requests where id = $1", lapsed)
    applicant = Principal(subject=row["subject"], roles=("ngo",))
    with pytest.raises(Refused) as expired:
        await commands_ngo.confirm_join(runtime, applicant, lapsed)
    assert refusal(expired) == (Kind.CONFLICT, "join.expired", None)
    # Asking again renews the same request, which is then declined.
    again = await commands_ngo.request_join(runtime, data)
    assert again == lapsed
    await commands_ngo.confirm_join(runtime, applicant, again)
    await commands_ngo.decide_join(runtime, rep, again, approve=False)
    assert await identities(platform, data.email) == []
    result = (await queued_mails(platform, data.email))[-1]
    assert result["Subject"].startswith("Your request to act for")


# --- The award mail and the final report ------------------------------------------------------


async def test_the_award_mail_leads_the_representative_to_the_final_report(
    platform: RunningPlatform,
) -> None:
    runtime = platform.runtime
    now = datetime.now(UTC)
    call_data = {
        "title": "Granty sąsiedzkie",
        "budget_total": eur(500_000),
        "max_per_grant": eur(300_000),
        "opens_at": (now - timedelta(days=2)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "criteria": CRITERIA,
    }
    coordinator = Principal(subject="coordinator-ngo", roles=("coordinator",))
    call = await commands.create_call(runtime, coordinator, msgspec.convert(call_data, CallIn))
    rep, org_id, email, _ = await registered(platform)
    draft = await commands.create_application(
        runtime, rep, call.id, msgspec.convert(application_body(200_000), ApplicationIn)
    )
    async with runtime.pool("grants").acquire() as conn:
        work = await people.ngo_work(conn, rep, "pl")
    assert [(w.label, w.count) for w in work] == [("Wnioski robocze do złożenia", 1)]
    await commands.submit_application(runtime, rep, draft.id)  # type: ignore[union-attr]
    await award_as_the_city(platform, call.id, [draft.id], now=now + timedelta(hours=2))  # type: ignore[union-attr]

    award = (await queued_mails(platform, email))[-1]
    text = body_of(award)
    assert award["Subject"] == "Twój wniosek otrzymał dotację"
    (due,) = await fetch(
        platform, "select report_due_on from awards where application_id=$1", draft.id
    )  # type: ignore[union-attr]
    assert due["report_due_on"].isoformat() in text
    (link,) = [x for x in links_in(text) if "/auth/link?" in x]
    token, target = link_target(link)
    assert target == f"/grants/applications/{draft.id}/report"  # type: ignore[union-attr]
    assert runtime.auth is not None
    claims = runtime.auth.local.verify(token, purpose="login-link")
    assert (claims["sub"], claims["org"]) == (rep.subject, str(org_id))
    # The organisation's own address (not a representative's) hears it too, without a link.
    (org_mail,) = await fetch(platform, "select email from organisations where id = $1", org_id)
    (org_award,) = await queued_mails(platform, org_mail["email"])
    assert not [x for x in links_in(body_of(org_award)) if "/auth/link?" in x]

    async with runtime.pool("grants").acquire() as conn:
        work = await people.ngo_work(conn, rep, "en")
    assert [(w.label, w.count, w.overdue) for w in work] == [("Final reports to submit", 1, 0)]
    assert domain.warsaw_today(now) <= due["report_due_on"]

    # Past its due date, the reminder leads to the same page.
    late = due["report_due_on"] + timedelta(days=1)
    assert await commands.flag_overdue_reports(runtime, late) >= 1
    reminder = (await queued_mails(platform, email))[-1]
    assert reminder["Subject"] == "Minął termin złożenia sprawozdania z dotacji"
    (link,) = [x for x in links_in(body_of(reminder)) if "/auth/link?" in x]
    assert link_target(link)[1] == f"/grants/applications/{draft.id}/report"  # type: ignore[union-attr]


# --- Personal data ------------------------------------------------------------------------


async def test_a_representative_and_their_requests_are_exported_and_erased(
    platform: RunningPlatform,
) -> None:
    from services.grants import privacy
    from shared.privacy import Person

    runtime = platform.runtime
    _, org_id, email, _ = await registered(platform)
    _, other_org, other_email, _ = await registered(platform)
    asked = await commands_ngo.request_join(
        runtime, join_in(email=email, organisation_id=str(other_org))
    )
    person = Person(email=email)
    async with runtime.pool("grants").acquire() as conn:
        document = await privacy.export(conn, person)
    assert [r["email"] for r in document["representatives"]] == [email]
    assert [r["email"] for r in document["registrations"]] == [email]
    assert [str(r["id"]) for r in document["join_requests"]] == [str(asked)]
    async with runtime.pool("grants").acquire() as conn, conn.transaction():
        erased = await privacy.erase(conn, person)
    assert erased.counts["representations_ended"] == 1
    assert erased.counts["registrations_forgotten"] == 1
    assert erased.counts["join_requests_forgotten"] == 1
    assert "Olena Kovalenko" in erased.names
    assert await identities(platform, email) == []
    for table in ("representatives", "registrations", "join_requests"):
        assert await fetch(platform, f"select 1 from {table} where email = $1", email) == []
    # The organisations and the other organisation's representative are untouched.
    assert await fetch(platform, "select 1 from organisations where id = $1", org_id)
    assert len(await identities(platform, other_email)) == 1
