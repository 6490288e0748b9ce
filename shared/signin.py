"""Sign-in by e-mail: whoever the platform knows by an address gets one-time links by mail.

`POST /auth/sign-in` (shared/auth_pages.py) checks the form, counts the client and the address,
queues the job below and answers the same page whatever the address: who is known is decided
only here, in the worker, so neither the answer nor its timing tells anyone whether an address
belongs to somebody.

The job asks every service's `PeopleHooks.identities` (shared/people.py) on its own pool, adds
the coordinators named in `COORDINATOR_EMAILS` (a city without an OIDC issuer, or its first
coordinator), and sends one message in the person's language with a link per role — the same
15-minute, single-use, POST-spent link as `openkrakow login-link` prints. An unknown address gets
no mail. The message is sent directly (no stored copy: a link is worth 15 minutes); when the
mail server fails, the job is tried again a few times within those minutes and then given up,
logged without the address — the person can ask again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from arq import Retry

from shared import addresses, mail
from shared.people import Identity, invitation_link
from shared.web.forms import N_
from shared.web.i18n import LANGUAGES
from shared.web.navigation import ROLE_NAMES
from shared.web.templates import kit_pages

log = logging.getLogger("openkrakow.signin")

# Tried again after these delays (seconds) while the mail server refuses; the link is signed
# anew on each try, and the last try is still within a link's life.
RETRY_DELAYS = (10, 30, 60, 120, 240)


INTRO = N_(
    "Someone asked to sign in to the Open Kraków platform with this address. If it was you, "
    "open the link below and press the button on the page. Each link works once and for 15 "
    "minutes."
)
NOT_YOU = N_("If it was not you, you can ignore this message: nobody can sign in without the link.")
SUBJECT = N_("Your sign-in link to Open Kraków")
FOOTER = N_("Open Kraków programme, City of Kraków")


def coordinator_subject(address: str) -> str:
    """The subject of a coordinator named in COORDINATOR_EMAILS: stable, not the address."""
    return "coordinator:" + hashlib.sha256(address.encode()).hexdigest()[:20]


def coordinator_identities(settings: Any, address: str) -> list[Identity]:
    """A coordinator named in COORDINATOR_EMAILS."""
    if address in settings.coordinator_emails:
        return [Identity(subject=coordinator_subject(address), role="coordinator", name=address)]
    return []


async def identities_for(runtime: Any, address: str) -> list[Identity]:
    """Every role the address holds, across the services of this process (duplicates merged).

    A service that cannot answer now is logged and left out of this mail; the others still
    answer (the person can ask again once it is back)."""
    found: list[Identity] = coordinator_identities(runtime.settings, address)
    for spec in runtime.services:
        if spec.people is None or spec.schema not in runtime.pools:
            continue
        try:
            async with runtime.pool(spec.schema).acquire() as conn, conn.transaction(readonly=True):
                found.extend(await spec.people.identities(conn, address))
        except Exception:  # noqa: BLE001 - one service down must not stop the others' links
            log.exception("sign-in: %s could not say who an address is", spec.name)
    unique: dict[tuple[str, str, Any], Identity] = {}
    for identity in found:
        unique.setdefault((identity.subject, identity.role, identity.org), identity)
    return list(unique.values())


def compose(
    runtime: Any, address: str, identities: Sequence[Identity], lang: str, target: str | None
) -> Any:
    """The message: one link per role, in the person's language."""
    cat = kit_pages.catalogs
    lang = next((i.language for i in identities if i.language in LANGUAGES), None) or lang
    lines = [cat.gettext(lang, INTRO)]
    for identity in identities:
        role = cat.gettext(lang, ROLE_NAMES.get(identity.role, identity.role))
        heading = f"{role}: {identity.what}" if identity.what else role
        link = invitation_link(
            runtime,
            subject=identity.subject,
            role=identity.role,
            org=identity.org,
            next=target or identity.home or "",
            name=identity.name,
        )
        lines.append(f"{heading[:1].upper()}{heading[1:]}\n{link}")
    lines.append(cat.gettext(lang, NOT_YOU))
    footer = cat.gettext(lang, FOOTER)
    settings = runtime.settings
    return mail.compose(
        sender=settings.mail_from,
        to=address,
        subject=cat.gettext(lang, SUBJECT),
        text="\n\n".join([*lines, "--", footer]) + "\n",
        domain=settings.intake_domain,
        language=lang,
    )


async def sign_in_mail(ctx: dict[str, Any], address: str, lang: str, target: str = "") -> str:
    """Job: mail sign-in links to `address` if anyone is known by it; the result names no one."""
    runtime = ctx["runtime"]
    normalised = addresses.normalise_or_none(address)
    if normalised is None:
        return "not an address"
    identities = await identities_for(runtime, normalised)
    if not identities:
        return "unknown"
    message = compose(runtime, normalised, identities, lang, target or None)
    try:
        await runtime.mailer.deliver(normalised, message.as_bytes(), message["Message-ID"])
    except mail.MailSendError as exc:
        tries = int(ctx.get("job_try", 1))
        if tries <= len(RETRY_DELAYS):
            log.warning("sign-in mail not sent (try %d): %s; trying again", tries, exc)
            raise Retry(defer=RETRY_DELAYS[tries - 1]) from exc
        log.error("sign-in mail given up after %d tries: %s", tries, exc)
        return "given up"
    return "sent"
