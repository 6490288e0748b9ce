"""Reading real mail, free of I/O: MIME structure, charsets, HTML, quoted replies, signatures.

Residents write from phones, webmail and old desktop clients: multipart/alternative, HTML-only
bodies, and charsets such as ISO-8859-2 and Windows-1250 (Polish) or KOI8-U (Ukrainian). The
question is the new text the resident wrote; what they quote and their signature are not.

Mail is also hostile input: every header read survives malformed values, text handed on has no
NUL or other control characters (PostgreSQL refuses NUL in text), the sender is an address we
could write to or None, and a body that cannot be decoded is reported, not guessed at.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email import errors, policy
from email.message import EmailMessage, Message
from html.parser import HTMLParser

from shared import addresses

BENCH_LOCAL_PART = "bench"
# A question is at most 2,000 characters; a body longer than this is held as too long anyway,
# and reading all of a 10 MiB body (regular expressions over it hold the interpreter for long
# stretches) is work nobody needs. The raw message is kept for the coordinator.
MAX_BODY_CHARS = 100_000


class UnreadableMail(Exception):
    """The bytes are not a message we can read (no headers, broken MIME)."""


@dataclass
class ParsedMail:
    message_id: str | None
    thread_ids: list[str]  # In-Reply-To and References, newest first
    sender: str | None
    subject: str
    text: str
    content_language: str | None
    automatic: bool
    attachments: int = 0
    notes: list[str] = field(default_factory=list)


def bench_recipient(address: str, domain: str) -> tuple[bool, str | None]:
    """(is ours, edition id text or None) for an envelope recipient like bench+<id>@domain."""
    local, _, host = address.strip().strip("<>").rpartition("@")
    if host.lower() != domain.lower():
        return False, None
    base, plus, tag = local.lower().partition("+")
    if base != BENCH_LOCAL_PART:
        return False, None
    return True, (tag or None) if plus else None


# --- HTML to text ------------------------------------------------------------------------------

_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "hr",
}
# Elements whose content a reader never sees as text (an iframe's content is fallback markup).
_SKIP = {"script", "style", "head", "title", "iframe", "object", "template"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class")
        if tag == "body":
            self.skip = 0  # a <head> (or <title>) left open ends where the body starts
        if tag in _SKIP:
            self.skip += 1
        # Quoted earlier messages in HTML replies: <blockquote> and Gmail's quote container.
        elif tag == "blockquote" or (
            tag == "div" and ("gmail_quote" in classes or "moz-cite-prefix" in classes)
        ):
            self.quote += 1
        elif self.quote and tag in ("div", "blockquote"):
            self.quote += 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif self.quote and tag in ("div", "blockquote"):
            self.quote -= 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip and not self.quote:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body, without scripts, styles or quoted blocks."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [
        re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in "".join(parser.parts).splitlines()
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- Quotes and signatures ---------------------------------------------------------------------

# "On Mon, 1 Sep 2025 Jan wrote:", "W dniu ... napisał(a):", "... пише:", "... написал(а):"
_ATTRIBUTION = re.compile(
    r"^(on .+ wrote:?|w dniu .+|.+ (napisał|napisała|napisał\(a\)|wrote|пише|написав|написала|написал|написала\(а\)|писал)\s*:?)\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^-{2,}\s*(original message|wiadomość oryginalna|oryginalna wiadomość|forwarded message|"
    r"початкове повідомлення|исходное сообщение|пересланное сообщение)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_OUTLOOK_HEADER = re.compile(r"^(from|od|від|от):\s.+", re.IGNORECASE)
_MOBILE_SIGNATURE = re.compile(
    r"^(sent from my .+|wysłane z .+|надіслано з .+|отправлено с .+|get outlook for .+)$",
    re.IGNORECASE,
)


def strip_quotes_and_signature(text: str) -> str:
    """The text the sender wrote now: no quoted lines, earlier messages or signature."""
    kept: list[str] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if line.rstrip("\n") == "-- " or stripped == "--" or _ORIGINAL.match(stripped):
            break
        if _MOBILE_SIGNATURE.match(stripped):
            break
        if _ATTRIBUTION.match(stripped) and _quote_follows(lines, index):
            break
        if _OUTLOOK_HEADER.match(stripped) and _outlook_block(lines, index):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def _quote_follows(lines: list[str], index: int) -> bool:
    rest = [line.strip() for line in lines[index + 1 : index + 4] if line.strip()]
    return not rest or rest[0].startswith(">") or len(lines[index].strip()) < 200


def _outlook_block(lines: list[str], index: int) -> bool:
    # Outlook quotes the previous message under a header block: From:/Sent:/To:/Subject:.
    following = " ".join(line.strip().lower() for line in lines[index + 1 : index + 5])
    return any(
        key in following
        for key in ("sent:", "wysłano:", "надіслано:", "отправлено:", "date:", "data:")
    )


# --- Hostile input ------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\r\n\t]+")
_NOT_IN_ADDRESS = set('<>()[]\\,;:"\ufffd')
# Message-IDs we keep for threading: printable ASCII without spaces or angle brackets.
_MSG_ID = re.compile(r"<[!-;=?-~]{1,998}>")
UNDECODABLE = "\ufffd"  # what a byte the declared charset cannot read becomes


def clean_text(value: str) -> str:
    """Text safe to store and show: no control characters but tab and line breaks, and
    U+FFFD for lone surrogates (undecodable bytes kept by the email package)."""
    return _CONTROL.sub("", _SURROGATE.sub(UNDECODABLE, value))


def clean_line(value: str) -> str:
    """A header value as one clean line (a CR/LF smuggled into an encoded word becomes a space)."""
    return _LINE_BREAKS.sub(" ", clean_text(value)).strip()


def usable_address(value: str) -> str | None:
    """The address in the platform's one stored form (shared.addresses) if we could write to
    it exactly, else None."""
    address = clean_line(value)
    if address != value.strip() or any(c in _NOT_IN_ADDRESS for c in address):
        return None
    return addresses.normalise_or_none(address)


def _addresses(msg: Message, name: str) -> list[str] | None:
    """The addresses of an address header; None when it cannot be read safely (e.g. a CR/LF
    smuggled into an encoded display name), so no address is guessed from it."""
    if name not in msg:
        return []
    try:
        return [address.addr_spec for address in msg[name].addresses]
    except Exception:  # noqa: BLE001 - header parsing raises many kinds on malformed values
        return None


def _header(msg: Message, name: str) -> str:
    """A header as text; the raw value when the email package fails to parse it."""
    try:
        return str(msg.get(name, "") or "")
    except Exception:  # noqa: BLE001 - header parsing raises many kinds on malformed values
        wanted = name.lower()
        return next((str(v) for k, v in msg.raw_items() if k.lower() == wanted), "")


# --- The message -------------------------------------------------------------------------------


def _decode_part(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    if any(isinstance(d, errors.InvalidBase64LengthDefect) for d in part.defects):
        # The email package hands back the undecoded base64 text: not what the sender wrote.
        raise UnreadableMail("a text part is not valid base64")
    charset = (part.get_content_charset() or "utf-8").lower()
    aliases = {
        "windows-1250": "cp1250",
        "x-cp1250": "cp1250",
        "koi8-u": "koi8_u",
        "iso-8859-2": "iso8859_2",
    }
    try:
        return payload.decode(aliases.get(charset, charset))
    except (LookupError, ValueError):  # unknown or non-text codec, bytes not in that charset
        return payload.decode("utf-8", errors="replace")


def _body_text(msg: EmailMessage) -> tuple[str, int, list[str]]:
    notes: list[str] = []
    attachments = 0
    plain: str | None = None
    html: str | None = None
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_maintype() == "multipart":
            # Declared multipart but not split into parts (no or wrong boundary): the text is
            # somewhere in there, and taking the subject alone would lose it.
            raise UnreadableMail("a multipart part has no usable boundary")
        disposition = (part.get_content_disposition() or "").lower()
        ctype = part.get_content_type()
        if disposition == "attachment" or (
            part.get_filename() and ctype not in ("text/plain", "text/html")
        ):
            attachments += 1
            continue
        if ctype == "text/plain" and plain is None:
            plain = _decode_part(part)
        elif ctype == "text/html" and html is None:
            html = _decode_part(part)
    if plain is not None and plain.strip():
        return plain, attachments, notes
    if html is not None:
        notes.append("html converted to text")
        return html_to_text(html[: 4 * MAX_BODY_CHARS]), attachments, notes
    return plain or "", attachments, notes


def _ids(value: str | None) -> list[str]:
    return _MSG_ID.findall(value or "")


def is_automatic(msg: Message, envelope_from: str | None) -> bool:
    """Auto-replies, bounces and list mail: never answered automatically (mail loops)."""
    auto = _header(msg, "Auto-Submitted").strip().lower() if "Auto-Submitted" in msg else "no"
    precedence = _header(msg, "Precedence").strip().lower()
    sender = (envelope_from or "").lower()
    return (
        auto not in ("", "no")
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or "X-Autoreply" in msg
        or "X-Autorespond" in msg
        or sender in ("", "<>")
        or sender.startswith(("mailer-daemon@", "postmaster@"))
    )


def parse_mail(raw: bytes, envelope_from: str | None = None) -> ParsedMail:
    """Read a raw message; UnreadableMail when it has no headers or body we can read."""
    try:
        msg = email.message_from_bytes(raw, policy=policy.default)
    except Exception as exc:  # noqa: BLE001 - the email package raises many kinds on broken input
        raise UnreadableMail(f"cannot parse message: {exc}") from exc
    if not isinstance(msg, EmailMessage) or not msg.keys():
        raise UnreadableMail("the message has no headers")
    try:
        body, attachments, notes = _body_text(msg)
    except UnreadableMail:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed MIME parts
        raise UnreadableMail(f"cannot read message parts: {exc}") from exc
    if len(body) > MAX_BODY_CHARS:
        notes.append(f"the text has {len(body)} characters; the first {MAX_BODY_CHARS} were read")
        body = body[:MAX_BODY_CHARS]
    reply_to, from_ = _addresses(msg, "Reply-To"), _addresses(msg, "From")
    sender = (
        None
        if reply_to is None or from_ is None
        else next((a for a in [*reply_to, *from_[:1]] if "@" in a), None)
    )
    if reply_to is None or from_ is None:
        notes.append("From or Reply-To cannot be read safely")
    message_id = (_ids(_header(msg, "Message-ID")) or [None])[0]
    thread_ids = list(reversed(_ids(_header(msg, "References")))) + _ids(
        _header(msg, "In-Reply-To")
    )
    language = clean_line(_header(msg, "Content-Language"))
    return ParsedMail(
        message_id=message_id,
        thread_ids=list(dict.fromkeys(reversed(thread_ids))),
        sender=usable_address(sender) if sender else None,
        subject=clean_line(_header(msg, "Subject")),
        text=clean_text(strip_quotes_and_signature(body)),
        content_language=language or None,
        automatic=is_automatic(msg, envelope_from),
        attachments=attachments,
        notes=notes,
    )


def question_text(parsed: ParsedMail) -> str:
    """The question: the body; with the subject in front when the body alone is too short."""
    subject = re.sub(
        r"^((re|fwd?|odp|aw|відп|отв)\s*:\s*)+", "", parsed.subject, flags=re.IGNORECASE
    ).strip()
    if len(parsed.text) >= 10 or not subject:
        return parsed.text
    return f"{subject}\n\n{parsed.text}".strip()
