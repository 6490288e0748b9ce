"""What the grants staff's browser tests share: sign-in by a one-time link, the mails written to
the platform's mail folder, and what other roles did earlier, set up with the use-case functions
(as those people would have on their own pages)."""

from __future__ import annotations

import email
import re
from email.policy import default as default_policy
from typing import Any

from shared.auth import Principal
from tests.e2e.conftest import assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually


def mails_to(platform: RunningPlatform, address: str, subject: str = "") -> list[Any]:
    folder = platform.settings.mail_dir
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        if address in str(message["To"]) and subject in str(message["Subject"]):
            found.append(message)
    return found


async def mail_to(platform: RunningPlatform, address: str, subject: str = "") -> Any:
    """The first mail to `address` whose subject has `subject`, once the mail job wrote it."""

    async def written() -> list[Any]:
        return mails_to(platform, address, subject)

    return (await eventually(written, timeout=30, what=f"mail to {address}"))[0]


def body_of(message: Any) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message: Any) -> str:
    match = re.search(r"https?://\S+/auth/link\?\S+", body_of(message))
    assert match, body_of(message)
    return match.group(0)


async def follow_link(page: Any, link: str) -> None:
    """Open a one-time sign-in link and press its button (the link is spent by that POST)."""
    await page.goto(link)
    await assert_accessible(page)
    async with page.expect_navigation():
        await page.click("main button[type=submit]")


async def sign_in(page: Any, platform: RunningPlatform, principal: Principal) -> None:
    """Sign in with a one-time link made for `principal` (the coordinator comes through the
    city's identity provider in production; a link leads to the same session)."""
    assert platform.runtime.auth is not None
    token = platform.runtime.auth.login_link_token(principal.subject, principal.roles[0])
    await follow_link(page, f"{platform.base_url}/auth/link?token={token}")
