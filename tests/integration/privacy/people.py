"""A person present in every service, and how to look for them anywhere the platform keeps data."""

from __future__ import annotations

import email
import email.policy
import random
import re
import string
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.ambassadors.ambassadors_helpers import new_edition as new_ambassadors_edition
from tests.integration.bench.bench_helpers import ask, new_edition, send_mail_async
from tests.integration.council.helpers import SECRETARY, held, meeting, open_call
from tests.integration.grants.helpers import application_body, new_call, valid_nip

SCHEMAS = (
    "participation",
    "grants",
    "ambassadors",
    "incidents",
    "observatory",
    "indicators",
    "privacy",
)


@dataclass
class Someone:
    """A person with a name, an address and a subject id nobody else in the session has."""

    first: str
    last: str
    email: str
    subject: str
    ids: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def needles(self) -> list[str]:
        """What must not be found anywhere after their erasure."""
        return [self.email, self.name, self.last, self.subject]

    @staticmethod
    def new(first: str, last: str) -> Someone:
        tag = "".join(random.choices(string.ascii_lowercase, k=6))
        return Someone(
            first=first,
            last=f"{last}-{tag.capitalize()}",
            email=f"{first.lower()[:3]}.{tag}@example.org".replace("ł", "l"),
            subject=f"ngo-{tag}-{uuid.uuid4().hex[:6]}",
        )


def warsaw_year() -> int:
    return datetime.now(ZoneInfo("Europe/Warsaw")).year


async def on_the_bench(platform: RunningPlatform, who: Someone, edition_id: str) -> None:
    """A web question answered by staff, an e-mailed question, and a message held for moderation."""
    asked = await ask(
        platform,
        edition_id,
        email=who.email.upper(),  # any case: the address is one and the same
        name=who.name,
        text=f"Nazywam się {who.name}. Kiedy będą kursy polskiego dla dorosłych w Nowej Hucie?",
        language="uk",
        group="forced_migrant",
    )
    who.ids["web_question"] = asked["id"]
    answered = await platform.client.post(
        f"/api/bench/questions/{asked['id']}/answer",
        json={"text": f"Szanowna Pani {who.name}, kursy ruszają we wrześniu.", "language": "pl"},
        headers=platform.auth("coordinator"),
    )
    assert answered.status_code == 200, answered.text

    rcpt = f"bench+{edition_id}@{platform.settings.intake_domain}"
    question = EmailMessage()
    question["From"] = f"{who.name} <{who.email}>"
    question["To"] = rcpt
    question["Subject"] = "Pytanie o przedszkole"
    question.set_content(
        f"Dzień dobry, gdzie zapisać dziecko do przedszkola w Podgórzu?\n\n-- \n{who.name}\n"
    )
    await send_mail_async(platform, question.as_bytes(), sender=who.email, rcpt=rcpt)
    held_back = EmailMessage()
    held_back["From"] = f"{who.name} <{who.email}>"
    held_back["To"] = rcpt
    held_back["Subject"] = f"Nieobecność: {who.name}"
    held_back["Auto-Submitted"] = "auto-replied"
    held_back.set_content(f"Jestem na urlopie do poniedziałku. {who.name}, tel. 600 100 200\n")
    await send_mail_async(platform, held_back.as_bytes(), sender=who.email, rcpt=rcpt)
    pool = platform.runtime.pool("participation")

    async def arrived() -> bool:
        return (
            await pool.fetchval(
                "select count(*) from bench_inbound_mail where lower(mail_from) = $1 "
                "and status in ('question', 'moderation')",
                who.email,
            )
            == 2
        )

    await eventually(arrived, what="the e-mailed question and the held message")


async def on_the_council(platform: RunningPlatform, who: Someone, call_id: str) -> str:
    """An application, an appointment from it; returns the member id."""
    applied = await platform.client.post(
        f"/api/council/calls/{call_id}/applications",
        json={
            "applicant_kind": "individual",
            "category": "association",
            "name": who.name,
            "organisation": f"Stowarzyszenie {who.last}",
            "email": who.email,
            "motivation": f"Ja, {who.name}, od lat pomagam sąsiadom z Ukrainy w Krakowie.",
            "consent": True,
            "language": "uk",
        },
    )
    assert applied.status_code == 201, applied.text
    appointed = await platform.client.post(
        "/api/council/members",
        json={"application_id": applied.json()["id"]},
        headers=platform.auth("coordinator"),
    )
    assert appointed.status_code == 201, appointed.text
    return appointed.json()["id"]


async def with_grants(platform: RunningPlatform, who: Someone, call_id: str) -> None:
    """An organisation whose contact they are, registered and applied for by them (subject)."""
    org = await platform.client.post(
        "/api/grants/organisations",
        json={
            "name": "Fundacja Pomocy Sąsiedzkiej",
            "nip": valid_nip(),
            "kind": "ngo",
            "email": who.email,
            "phone": "+48 600 100 200",
        },
        headers=platform.auth("ngo", subject=who.subject),
    )
    assert org.status_code == 201, org.text
    headers = platform.auth("ngo", subject=who.subject, org=uuid.UUID(org.json()["id"]))
    draft = await platform.client.post(
        f"/api/grants/calls/{call_id}/applications", json=application_body(), headers=headers
    )
    assert draft.status_code == 201, draft.text
    submitted = await platform.client.post(
        f"/api/grants/applications/{draft.json()['id']}/submit", headers=headers
    )
    assert submitted.status_code == 200, submitted.text
    who.ids["organisation"] = org.json()["id"]


async def nominate(
    platform: RunningPlatform, edition_id: str, nominator: Someone, candidate: Someone
) -> str:
    resp = await platform.client.post(
        f"/api/ambassadors/editions/{edition_id}/nominations",
        json={
            "candidate_name": candidate.name,
            "candidate_email": candidate.email,
            "justification": f"{candidate.name} uczy polskiego dzieci z Ukrainy w każdą sobotę.",
            "nominator_name": nominator.name,
            "nominator_email": nominator.email,
            "nominator_group": "economic_migrant",
            "consent": True,
        },
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


async def everywhere(platform: RunningPlatform, who: Someone, other: Someone) -> None:
    """`who` in every service, side by side with `other`'s own data."""
    edition = await new_edition(platform)
    await on_the_bench(platform, who, edition["id"])
    await ask(platform, edition["id"], email=other.email, name=other.name, text=_other_text(other))

    call = await open_call(platform)
    member_id = await on_the_council(platform, who, call["id"])
    other_member = await on_the_council(platform, other, call["id"])
    # Scheduled once they are members: both are invited.
    meeting_id = await meeting(platform, starts_at=datetime.now(UTC) - timedelta(hours=2))
    attended = await held(
        platform,
        meeting_id,
        [
            {"name": who.name, "member_id": member_id},
            {"name": other.name, "member_id": other_member},
            {"name": "Gość z Fundacji", "organisation": "Fundacja Zustricz"},
        ],
    )
    assert attended.status_code == 200, attended.text
    minutes = await platform.client.put(
        f"/api/council/meetings/{meeting_id}/minutes",
        json={"text": f"Obecni: {who.name}, {other.name}. {who.name} przedstawiła raport."},
        headers=platform.auth(SECRETARY),
    )
    assert minutes.status_code == 200, minutes.text
    who.ids["meeting"] = meeting_id

    grants_call = await new_call(platform)
    await with_grants(platform, who, grants_call)
    await with_grants(platform, other, grants_call)

    ambassadors = await new_ambassadors_edition(platform)
    await nominate(platform, ambassadors["id"], nominator=who, candidate=other)
    of_them = await nominate(platform, ambassadors["id"], nominator=other, candidate=who)
    token = await acceptance_token(platform, who.email)
    accepted = await platform.client.post(
        f"/api/ambassadors/nominations/{of_them}/acceptance", json={"token": token}
    )
    assert accepted.status_code == 200, accepted.text

    # An incident they reported, leaving their address (and their name in what they wrote),
    # referred by the response team; and one reported by the other person.
    for reporter in (who, other):
        reported = await platform.client.post(
            "/api/incidents",
            json={
                "what": f"{reporter.name} was insulted in Polish and Russian at the tram stop.",
                "where": "Rondo Grzegórzeckie",
                "when": datetime.now(UTC).date().isoformat(),
                "district": "d02_grzegorzki",
                "category": "hate_speech",
                "email": reporter.email,
                "language": "uk",
            },
        )
        assert reported.status_code == 201, reported.text
    listed = await platform.client.get(
        "/api/incidents?limit=500", headers=platform.auth("response_team")
    )
    mine = next(r for r in listed.json()["items"] if who.name in r["what"])
    for step in (
        {"category": "hate_speech", "severity": "medium"},
        {"refer_to": "ngo", "note": f"Fundacja Zustricz will call {who.name} back"},
    ):
        done = await platform.client.post(
            f"/api/incidents/{mine['id']}/triage", json=step, headers=platform.auth("response_team")
        )
        assert done.status_code == 200, done.text


async def acceptance_token(platform: RunningPlatform, address: str) -> str:
    """The token of the acceptance link e-mailed to `address` (among its other mail)."""

    async def sent() -> str | None:
        for path in platform.settings.mail_dir.glob("*.eml"):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            body = msg.get_body(preferencelist=("plain",))
            if address in str(msg["To"]) and body is not None:
                found = re.search(r"/accept\?token=([A-Za-z0-9_\-]+)", body.get_content())
                if found:
                    return found.group(1)
        return None

    return await eventually(sent, timeout=15, what=f"the acceptance link to {address}")


def _other_text(other: Someone) -> str:
    return f"Jestem {other.name}. Gdzie w Krakowie są bezpłatne porady prawne dla cudzoziemców?"


# --- Looking for someone anywhere ---------------------------------------------------------


async def found_in_tables(platform: RunningPlatform, needles: list[str]) -> list[str]:
    """Every column of every table (any schema) naming a needle: text, JSON, arrays, and bytes
    (read raw, and as a mail message whatever its transfer encoding)."""
    pool = platform.runtime.pool("privacy")
    columns = await pool.fetch(
        """select c.table_schema, c.table_name, c.column_name, c.data_type
           from information_schema.columns c join information_schema.tables t
             on t.table_schema = c.table_schema and t.table_name = c.table_name
           where t.table_type = 'BASE TABLE'
             and c.table_schema not in ('pg_catalog', 'information_schema')
             and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb',
                                 'ARRAY', 'bytea')"""
    )
    assert {c["table_schema"] for c in columns} >= set(SCHEMAS)
    found = []
    for col in columns:
        where = f'"{col["table_schema"]}"."{col["table_name"]}"'
        name = f'"{col["column_name"]}"'
        if col["data_type"] == "bytea":
            for row in await pool.fetch(
                f"select {name} as v from {where} where {name} is not null"
            ):
                text = readable(bytes(row["v"]))
                found += [f"{where}.{name}: {n}" for n in needles if n.lower() in text]
            continue
        for needle in needles:
            count = await pool.fetchval(
                f"select count(*) from {where} where strpos(lower({name}::text), lower($1)) > 0",
                needle,
            )
            if count:
                found.append(f"{where}.{name}: {needle} ({count})")
    return found


def readable(raw: bytes) -> str:
    """Bytes lower-cased as UTF-8 text, followed by the decoded headers and text of the mail
    message they may be (base64 and quoted-printable bodies, encoded-word headers)."""
    parts = [raw.decode("utf-8", errors="replace")]
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        parts += [str(v) for v in msg.values()]
        for part in msg.walk():
            if part.get_content_maintype() == "text" and not part.is_multipart():
                parts.append(part.get_content())
    except Exception:  # noqa: BLE001 - not a message: the raw text above is all there is
        pass
    return "\n".join(parts).lower()


async def found_in_stream(platform: RunningPlatform, needles: list[str]) -> list[str]:
    """Messages of the JetStream stream (the event log) naming a needle."""
    assert platform.runtime.bus is not None
    js = platform.runtime.bus.js
    stream = platform.runtime.bus.stream
    info = await js.stream_info(stream)
    found = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            msg = await js.get_msg(stream, seq)
        except Exception:  # noqa: BLE001 - a deleted sequence number
            continue
        text = readable(msg.data or b"")
        found += [f"{msg.subject}#{seq}: {n}" for n in needles if n.lower() in text]
    return found


async def found_in_redis(platform: RunningPlatform, needles: list[str]) -> list[str]:
    """Redis keys and string values naming a needle (jobs, sign-in markers, sessions)."""
    assert platform.runtime.redis is not None
    redis = platform.runtime.redis
    found = []
    async for key in redis.scan_iter(count=500):
        texts = [bytes(key)]
        if await redis.type(key) == b"string":
            texts.append(await redis.get(key) or b"")
        for text in texts:
            found += [f"redis {key!r}: {n}" for n in needles if n.lower().encode() in text.lower()]
    return found


# --- What must not change -----------------------------------------------------------------

GROUND_TRUTH = {
    "questions": "select edition_id, channel, topic, language, grp, status, count(*) "
    "from participation.bench_questions group by 1, 2, 3, 4, 5, 6",
    "answers": "select question_id, language, answered_at from participation.bench_answers",
    "meetings": "select id, status, members_present, guests, quorum_reached "
    "from participation.council_meetings",
    "attendance": "select meeting_id, count(*), count(member_id) "
    "from participation.council_attendance group by 1",
    "council": "select category, count(*), count(left_on) from participation.council_members group by 1",
    "applications": "select call_id, status, requested, submitted_at from grants.applications",
    "awards": "select application_id, amount from grants.awards",
    "nominations": "select edition_id, status, nominator_group, language, count(*) "
    "from ambassadors.nominations group by 1, 2, 3, 4",
    "scores": "select nomination_id, scores, recused from ambassadors.scorecards",
    "incidents": "select category, district, status, referred_to, count(*) "
    "from incidents.reports group by 1, 2, 3, 4",
}


async def ground_truth(platform: RunningPlatform) -> dict[str, list[str]]:
    """What the indicators are counted from, as the services' own tables hold it."""
    pool = platform.runtime.pool("privacy")
    return {
        name: sorted(str(tuple(r.values())) for r in await pool.fetch(sql))
        for name, sql in GROUND_TRUTH.items()
    }


async def indicators(platform: RunningPlatform) -> list[tuple[str, Any, str]]:
    resp = await platform.client.get(
        f"/api/indicators?year={warsaw_year()}", headers=platform.auth("coordinator")
    )
    assert resp.status_code == 200, resp.text
    return [(i["id"], i["value"], i["status"]) for i in resp.json()["indicators"]]


async def events_applied_since(platform: RunningPlatform, since: datetime) -> None:
    """Wait until every event written since `since` reached the indicators (via the stream)."""
    pool = platform.runtime.pool("indicators")

    async def applied() -> bool:
        return await pool.fetchval(
            """select not exists (
                   select 1 from (
                       select event_id, subject, created_at from participation.outbox
                       union all select event_id, subject, created_at from grants.outbox
                       union all select event_id, subject, created_at from ambassadors.outbox
                   ) o
                   where o.created_at >= $1 and not exists (
                       select 1 from indicators.inbox i
                       where i.consumer = 'indicators' and i.event_id = o.event_id))""",
            since,
        )

    await eventually(applied, timeout=60, interval=0.2, what="the indicators to apply every event")
