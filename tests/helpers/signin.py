"""Signing in as a person does: the e-mail form, the mail in the mail folder, its link, the button.

    await sign_in_by_email(page, platform, "anna@example.org", next="/grants/evaluate")
    message = await mail_to(platform, "anna@example.org", subject_contains="Zaproszenie")
    await page.goto(link_in(message))

The platform of the tests writes mail as .eml files (no SMTP_URL) into `platform.settings.mail_dir`;
`mail_to` waits (positively, never a fixed sleep) for a message to that address that was not
there before `since` (a set of file names taken earlier with `mail_files`).
"""

from __future__ import annotations

import email
import re
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any
from urllib.parse import quote

from tests.helpers.waiting import eventually

LINK = re.compile(r"https?://\S+/auth/link\?\S+")


def mail_files(platform: Any) -> set[str]:
    """The names of the messages written so far (to tell new ones from old)."""
    folder = platform.settings.mail_dir
    return {p.name for p in folder.glob("*.eml")} if folder.exists() else set()


def messages_to(
    platform: Any,
    address: str,
    *,
    subject_contains: str | None = None,
    since: set[str] | None = None,
) -> list[EmailMessage]:
    """Messages to `address` (oldest first), optionally only new ones and by subject."""
    folder = platform.settings.mail_dir
    found: list[EmailMessage] = []
    if not folder.exists():
        return found
    for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        if since is not None and path.name in since:
            continue
        msg: Any = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        if address.lower() not in str(msg["To"] or "").lower():
            continue
        if subject_contains and subject_contains not in str(msg["Subject"]):
            continue
        found.append(msg)
    return found


async def mail_to(
    platform: Any,
    address: str,
    *,
    subject_contains: str | None = None,
    since: set[str] | None = None,
    timeout: float = 20.0,
) -> EmailMessage:
    """The newest message to `address` (matching), waiting for it to be written."""

    async def probe() -> list[EmailMessage]:
        return messages_to(platform, address, subject_contains=subject_contains, since=since)

    found = await eventually(probe, timeout=timeout, what=f"a mail to {address}")
    return found[-1]


def text_of(message: EmailMessage) -> str:
    """The plain-text body."""
    part: Any = message.get_body(preferencelist=("plain",))
    return str(part.get_content())


def link_in(message: EmailMessage, index: int = 0) -> str:
    """The `index`-th one-time sign-in link in the message's text."""
    links = LINK.findall(text_of(message))
    assert len(links) > index, f"no sign-in link #{index} in: {text_of(message)}"
    return str(links[index])


async def follow_link(page: Any, link: str) -> None:
    """Open a one-time link and press its button (only the POST spends it)."""
    await page.goto(link)
    async with page.expect_navigation():
        await page.click("main form[action='/auth/link'] button[type=submit]")


async def sign_in_by_email(
    page: Any, platform: Any, address: str, *, next: str | None = None, index: int = 0
) -> None:
    """Sign in as a person does: ask for a link on /auth/sign-in, open it from the mail, confirm.

    `index` picks the link when the address holds several roles (one link per role)."""
    before = mail_files(platform)
    target = f"?next={quote(next, safe='')}" if next else ""
    await page.goto(f"{platform.base_url}/auth/sign-in{target}")
    await page.fill("#email", address)
    async with page.expect_navigation():
        await page.click("main form[action='/auth/sign-in'] button[type=submit]")
    message = await mail_to(platform, address, since=before)
    await follow_link(page, link_in(message, index))
