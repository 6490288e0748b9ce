"""Hostile mail against the Dialogue Bench's SMTP intake, over a real SMTP connection.

Each case of tests/hostile/mail_corpus (see its manifest.json and generate.py) is sent to the
running platform's intake. Whatever it is, the intake must not crash nor drop it silently: it is
either refused at SMTP with the expected 5xx reply and nothing is stored, or accepted (250 with
the stored id) and then a question, a follow-up or a message held for moderation with its reason
visible to the coordinator. Nobody but the asker of a question is ever written to (no mail to
addresses smuggled into headers, no acknowledgement of bounces and auto-replies), the
acknowledgement is plain text, and where the text can be shown — the resident's tracking page
(through an answer quoting the question) and the staff API — no markup from the mail becomes
live: the page is escaped, carries no inline script and a CSP forbidding it.
"""

from __future__ import annotations

import asyncio
import email
import json
import re
import smtplib
import uuid
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from markupsafe import escape

from tests.helpers.platform import RunningPlatform
from tests.hostile.mail_corpus import generate
from tests.integration.bench.bench_helpers import new_edition, question_body, send_mail_async

CORPUS = Path(generate.__file__).parent
MANIFEST: list[dict[str, Any]] = json.loads((CORPUS / "manifest.json").read_text("utf-8"))
SCHEMA = "participation"


# --- The corpus itself ---------------------------------------------------------------------------


def test_the_corpus_is_large_and_the_committed_files_are_what_the_generator_makes() -> None:
    assert len(MANIFEST) >= 30
    assert MANIFEST == generate.manifest(), "manifest.json is stale: run the generator"
    for entry in MANIFEST:
        if entry.get("generated"):
            continue
        path = CORPUS / entry["file"]
        assert path.read_bytes() == generate.build(entry["id"]), f"{path.name} is stale"


# --- Sending -------------------------------------------------------------------------------------


@dataclass
class Sent:
    stage: str  # "MAIL", "RCPT" or "DATA": where the transaction ended
    code: int
    reply: str
    rcpt_codes: dict[bytes, int] = field(default_factory=dict)

    @property
    def inbound_id(self) -> uuid.UUID | None:
        found = re.search(r"queued as ([0-9a-f-]{36})", self.reply)
        return uuid.UUID(found.group(1)) if found else None


def smtp_transaction(
    host: str,
    port: int,
    *,
    mail_from: bytes,
    options: list[str],
    rcpts: list[bytes],
    data: bytes,
    as_is: bool,
) -> Sent:
    """One SMTP transaction, byte for byte (smtplib would refuse non-ASCII addresses)."""
    with smtplib.SMTP(host, port, timeout=120) as client:
        client.ehlo()
        client.send(b"MAIL FROM:<" + mail_from + b">" + "".join(f" {o}" for o in options).encode())
        client.send(b"\r\n")
        code, reply = client.getreply()
        if code != 250:
            return Sent("MAIL", code, reply.decode(errors="replace"))
        sent = Sent("RCPT", 0, "")
        for rcpt in rcpts:
            client.send(b"RCPT TO:<" + rcpt + b">\r\n")
            code, reply = client.getreply()
            sent.rcpt_codes[rcpt] = code
            if code != 250 and not sent.code:
                sent.code, sent.reply = code, reply.decode(errors="replace")
        if 250 not in sent.rcpt_codes.values():
            return sent
        if as_is:
            # No dot-stuffing, bare line feeds kept: what a smuggling client would send.
            code, reply = client.docmd("DATA")
            assert code == 354, reply
            client.send(data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n")
            code, reply = client.getreply()
        else:
            code, reply = client.data(re.sub(rb"\r?\n", b"\r\n", data))
        return Sent("DATA", code, reply.decode(errors="replace"), sent.rcpt_codes)


# --- The world a case is sent into ---------------------------------------------------------------


@dataclass
class World:
    open_edition: str
    closed_edition: str
    thread_question: uuid.UUID
    thread_message_id: str
    asker: str


@pytest.fixture(scope="module")
async def world(platform: RunningPlatform) -> World:
    opened = await new_edition(platform)
    closed = await new_edition(platform)
    resp = await platform.client.post(
        f"/api/bench/editions/{closed['id']}/submissions/close",
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    # A question by the web form with an address: its acknowledgement starts a mail thread
    # that replies, bounces and auto-replies of the corpus refer to.
    asked = question_body()
    resp = await platform.client.post(f"/api/bench/editions/{opened['id']}/questions", json=asked)
    assert resp.status_code == 201, resp.text
    question_id = uuid.UUID(resp.json()["id"])
    ours = await platform.runtime.pool(SCHEMA).fetchval(
        "select message_id from bench_thread_messages where question_id = $1 and direction = 'out'",
        question_id,
    )
    assert ours
    return World(opened["id"], closed["id"], question_id, ours, str(asked["email"]))


@pytest.fixture(scope="session")
def generated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated-mail")


def corpus_bytes(entry: dict[str, Any], generated_dir: Path) -> bytes:
    if not entry.get("generated"):
        return (CORPUS / entry["file"]).read_bytes()
    path = generated_dir / entry["file"]
    if not path.exists():
        path.write_bytes(generate.build(entry["id"]))
    return path.read_bytes()


def placeholders(platform: RunningPlatform, world: World, case_id: str) -> dict[str, str]:
    unique = uuid.uuid4().hex[:10]
    domain = platform.settings.intake_domain
    return {
        "{{SENDER}}": f"hostile-{unique}@example.net",
        "{{OTHER}}": f"other-{unique}@example.org",
        "{{VICTIM}}": f"victim-{unique}@example.org",
        "{{TO}}": f"bench+{world.open_edition}@{domain}",
        "{{CLOSED}}": f"bench+{world.closed_edition}@{domain}",
        "{{DOMAIN}}": domain,
        "{{UNIQUE}}": unique,
        "{{THREAD}}": world.thread_message_id,
        "{{ASKER}}": world.asker,
    }


def fill(value: Any, names: dict[str, str]) -> Any:
    """Placeholders replaced in text, bytes and the manifest's nested expectations."""
    if isinstance(value, bytes):
        for key, replacement in names.items():
            value = value.replace(key.encode(), replacement.encode())
        return value
    if isinstance(value, str):
        for key, replacement in names.items():
            value = value.replace(key, replacement)
        return value
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    if isinstance(value, dict):
        return {fill(k, names): fill(v, names) for k, v in value.items()}
    return value


# --- What must never be shown or sent ------------------------------------------------------------


class LiveMarkup(HTMLParser):
    """Everything in a page that a browser would run: inline scripts, handlers, script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.in_script = True
            if not (values.get("src") or "").startswith("/"):
                self.found.append(f"<script> without a same-origin src: {attrs}")
        if tag in ("iframe", "frame", "object", "embed", "base"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"event handler {name}={value!r} on <{tag}>")
            if (value or "").strip().lower().startswith(("javascript:", "vbscript:", "data:text")):
                self.found.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.found.append(f"inline script {data[:80]!r}")


def assert_no_live_markup(page: str) -> None:
    audit = LiveMarkup()
    audit.feed(page)
    audit.close()
    assert audit.found == [], audit.found


def assert_csp_forbids_inline_scripts(resp: httpx.Response) -> None:
    policy_header = resp.headers.get("content-security-policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in policy_header.split(";") if d.strip()}
    scripts = directives.get("script-src") or directives.get("default-src")
    assert scripts, f"no script-src or default-src in CSP {policy_header!r}"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, scripts
    assert resp.headers.get("x-content-type-options") == "nosniff"


def assert_json(resp: httpx.Response) -> Any:
    """Staff views are JSON (never sniffed as HTML) under the same CSP."""
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    assert_csp_forbids_inline_scripts(resp)
    return resp.json()


async def mails_to(platform: RunningPlatform, address: str) -> list[tuple[str, EmailMessage]]:
    """(purpose, message) of every mail queued to `address` (queued with the change it reports)."""
    rows = await platform.runtime.pool(SCHEMA).fetch(
        "select purpose, message from outgoing_mail where lower(recipient) = lower($1) "
        "order by created_at",
        address,
    )
    return [
        (
            row["purpose"],
            email.message_from_bytes(bytes(row["message"]), policy=policy.default),
        )
        for row in rows
    ]


async def written_to(platform: RunningPlatform, addresses: set[str]) -> list[str]:
    """Which of `addresses` we queued any mail to."""
    rows = await platform.runtime.pool(SCHEMA).fetch(
        "select distinct lower(recipient) as r from outgoing_mail where lower(recipient) = any($1)",
        [a.lower() for a in addresses],
    )
    return sorted(row["r"] for row in rows)


def assert_plain_text_mail(msg: EmailMessage, to: str, *, never: list[str]) -> str:
    """A mail of ours: to `to` only, text/plain only, echoing nothing it must not."""
    assert str(msg["To"]).lower() == to.lower()
    assert msg["Cc"] is None and msg["Bcc"] is None
    assert [p.get_content_type() for p in msg.walk()] == ["text/plain"]
    text = msg.get_content()
    # In-Reply-To and References echo the asker's Message-ID: printable ASCII without spaces
    # or angle brackets (mailparse keeps no other), so nothing else can ride on them.
    shown = [str(v) for k, v in msg.items() if k.lower() not in ("in-reply-to", "references")]
    for word in never:
        for value in [*shown, text]:
            assert word.lower() not in value.lower(), f"{word!r} in our mail: {value!r}"
    return text


# --- The corpus, one case at a time -------------------------------------------------------------


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["id"] for e in MANIFEST])
async def test_hostile_mail_is_refused_or_kept_and_never_rendered(
    platform: RunningPlatform, world: World, generated_dir: Path, entry: dict[str, Any]
) -> None:
    names = placeholders(platform, world, entry["id"])
    sender = names["{{SENDER}}"]
    expect = fill(entry["expect"], names)
    raw = fill(corpus_bytes(entry, generated_dir), names)
    mail_from = (
        fill(bytes.fromhex(entry["mail_from_hex"]), names)
        if "mail_from_hex" in entry
        else b""
        if entry["mail_from"] == "<>"
        else fill(entry["mail_from"], names).encode()
    )
    rcpts = (
        [fill(bytes.fromhex(entry["rcpt_hex"]), names)]
        if "rcpt_hex" in entry
        else [fill(r, names).encode() for r in entry["rcpt"]]
    )
    pool = platform.runtime.pool(SCHEMA)
    stored_before = await pool.fetchval("select count(*) from bench_inbound_mail")
    mail_to_asker = await pool.fetchval(
        "select count(*) from outgoing_mail where recipient = $1", world.asker
    )

    sent = await asyncio.to_thread(
        smtp_transaction,
        platform.settings.smtp_intake_host,
        platform.settings.smtp_intake_port,
        mail_from=mail_from,
        options=entry.get("mail_options", []),
        rcpts=rcpts,
        data=raw,
        as_is=entry["wire"] == "as-is",
    )

    # Nobody named in the message but the asker of a question ever gets mail from us.
    named = {a.decode().lower() for a in re.findall(rb"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", raw)}
    ours = "@" + platform.settings.intake_domain
    bystanders = {a for a in named if not a.endswith(ours)}
    bystanders = (bystanders | {names["{{OTHER}}"], names["{{VICTIM}}"]}) - {sender, world.asker}

    if "refused" in expect:
        wanted = (expect["refused"]["stage"], expect["refused"]["code"])
        assert (sent.stage, sent.code) == wanted, sent
        assert 500 <= sent.code < 600
        assert await pool.fetchval("select count(*) from bench_inbound_mail") == stored_before
        assert await written_to(platform, bystanders | {sender}) == []
        return

    assert (sent.stage, sent.code) == ("DATA", 250), sent
    for rcpt, code in expect.get("refused_rcpt", {}).items():
        assert sent.rcpt_codes[rcpt.encode()] == code
    inbound_id = sent.inbound_id
    assert inbound_id is not None, sent
    row = await pool.fetchrow("select * from bench_inbound_mail where id = $1", inbound_id)
    assert row is not None
    assert (row["status"], row["reason"]) == (expect["status"], expect.get("reason")), (
        row["status"],
        row["reason"],
        row["detail"],
    )
    if "detail_has" in expect:
        assert expect["detail_has"] in (row["detail"] or "")
    if "no_inbound_from" in expect:
        assert (
            await pool.fetchval(
                "select count(*) from bench_inbound_mail where mail_from = $1",
                expect["no_inbound_from"],
            )
            == 0
        )
    coordinator = platform.auth("coordinator")

    if expect["status"] == "moderation":
        assert row["raw"] is not None  # kept for the coordinator to read
        listed = assert_json(
            await platform.client.get(
                "/api/bench/inbound-mail?status=moderation&limit=500", headers=coordinator
            )
        )
        mine = [item for item in listed["items"] if item["id"] == str(inbound_id)]
        assert len(mine) == 1 and mine[0]["reason"] == expect["reason"] and mine[0]["detail"]
        # No acknowledgement (no mail loop with bounces and auto-replies), no one else.
        assert await written_to(platform, bystanders | {sender}) == []
        return

    if expect["status"] == "reply":
        text = await pool.fetchval(
            "select text from bench_followups where inbound_id = $1", inbound_id
        )
        check_text(text, expect)
        detail = assert_json(
            await platform.client.get(
                f"/api/bench/questions/{world.thread_question}/detail", headers=coordinator
            )
        )
        assert text in [f["text"] for f in detail["followups"]]
        # Only the asker adds to their question, and staff see who wrote each follow-up.
        assert {f["sender"] for f in detail["followups"]} == {world.asker}
        # Follow-ups are not acknowledged.
        assert await written_to(platform, bystanders | {sender}) == []
        assert (
            await pool.fetchval(
                "select count(*) from outgoing_mail where recipient = $1", world.asker
            )
            == mail_to_asker
        )
        return

    assert expect["status"] == "question"
    assert row["raw"] is None  # processed: the raw copy and its attachments are not kept
    question = await pool.fetchrow(
        "select * from bench_questions where id = $1", row["question_id"]
    )
    assert question["channel"] == "email" and question["asker_email"] == sender
    check_text(question["text"], expect)
    if "language" in expect:
        assert question["language"] == expect["language"]
    assert await written_to(platform, bystanders) == []

    # The acknowledgement: plain text, to the asker only, echoing nothing of their headers.
    mails = await mails_to(platform, sender)
    assert [purpose for purpose, _ in mails] == ["bench.acknowledgement"]
    ack_text = assert_plain_text_mail(
        mails[0][1], sender, never=[*generate.MARKERS, names["{{VICTIM}}"], names["{{OTHER}}"]]
    )
    link = re.search(r"/bench/track\?\S+", ack_text)
    assert link, ack_text

    # Staff see the text as JSON data.
    detail = assert_json(
        await platform.client.get(
            f"/api/bench/questions/{question['id']}/detail", headers=coordinator
        )
    )
    assert detail["text"] == question["text"]

    # The resident's page shows the answer; one quoting the question puts the mail's text on it.
    answer_text = f"Odpowiedź na pytanie:\n\n{question['text']}\n\nUrząd Miasta Krakowa"
    resp = await platform.client.post(
        f"/api/bench/questions/{question['id']}/answer",
        json={"text": answer_text, "language": "pl"},
        headers=coordinator,
    )
    assert resp.status_code == 200, resp.text
    page = await platform.client.get(link.group(0))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert_csp_forbids_inline_scripts(page)
    assert_no_live_markup(page.text)
    for line in question["text"].splitlines():
        if line.strip():
            assert str(escape(line.strip())) in page.text, f"{line!r} not shown escaped"
    answer_mails = [
        m for purpose, m in await mails_to(platform, sender) if purpose == "bench.answer"
    ]
    assert len(answer_mails) == 1
    assert_plain_text_mail(answer_mails[0], sender, never=[names["{{VICTIM}}"]])


def check_text(text: str, expect: dict[str, Any]) -> None:
    assert text and "\x00" not in text
    for wanted in expect.get("text_has", []):
        assert wanted in text, f"{wanted!r} not in {text!r}"
    for unwanted in expect.get("text_lacks", []):
        assert unwanted not in text, f"{unwanted!r} in {text!r}"


async def test_the_intake_still_takes_a_normal_question_after_the_corpus(
    platform: RunningPlatform, world: World
) -> None:
    sender = f"after-corpus-{uuid.uuid4().hex[:8]}@example.net"
    to = f"bench+{world.open_edition}@{platform.settings.intake_domain}"
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "Pytanie"
    msg.set_content(generate.PL)
    await send_mail_async(platform, msg.as_bytes(), sender=sender, rcpt=to)
    text = await platform.runtime.pool(SCHEMA).fetchval(
        "select text from bench_questions where asker_email = $1", sender
    )
    assert text == generate.PL
