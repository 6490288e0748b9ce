"""E-mails to applicants, in the organisation's language, queued with the change they report
(`UnitOfWork.queue_mail`: stored in the command's transaction, sent after its commit)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from shared import mail
from shared.config import Settings
from shared.refusals import N_
from shared.web.i18n import KIT_LOCALE_DIR, Catalogs

HERE = Path(__file__).parent
catalogs = Catalogs([KIT_LOCALE_DIR, HERE / "locale"])


def money_text(amount: int, currency: str) -> str:
    """2500.00 EUR: minor units as people read them (no float on the way)."""
    return f"{amount // 100}.{amount % 100:02d} {currency}"


async def _queue(
    uow: Any,
    settings: Settings,
    to: str,
    lang: str,
    subject: str,
    text: str,
    purpose: str,
) -> uuid.UUID:
    message = mail.compose(
        sender=settings.mail_from,
        to=to,
        subject=subject,
        text=text,
        domain=settings.intake_domain,
        language=lang,
    )
    return await uow.queue_mail(message, purpose=purpose)


async def decision(
    uow: Any,
    settings: Settings,
    *,
    to: str,
    lang: str,
    title: str,
    amount: int | None,
    currency: str,
    report_due_on: str | None = None,
    link: str | None = None,
) -> uuid.UUID:
    """Tell an applicant whether its application was awarded a grant, and how much; an award
    asks for the final report by its due date, with a link straight to the report's page (a
    representative's one-time sign-in link, or the page itself for the organisation's address)."""
    _ = catalogs.format
    if amount is not None:
        subject = _(lang, "Your application was awarded a grant")
        body = _(
            lang,
            'Your application "%(title)s" was awarded a grant of %(amount)s.',
            title=title,
            amount=money_text(amount, currency),
        )
        if report_due_on:
            body += "\n\n" + _(
                lang,
                "Please submit the final report on the platform by %(due_on)s:",
                due_on=report_due_on,
            )
        else:
            body += "\n\n" + _(
                lang, "Please submit the final report by its due date on the platform."
            )
        if link:
            body += "\n\n" + link
            if "/auth/link?" in link:
                body += "\n\n" + _(lang, LINK_NOTE)
    else:
        subject = _(lang, "Decision on your grant application")
        body = _(
            lang, 'Your application "%(title)s" was not awarded a grant in this call.', title=title
        )
    return await _queue(uow, settings, to, lang, subject, body, "grants.decision")


async def ineligible(
    uow: Any, settings: Settings, *, to: str, lang: str, title: str, reason: str
) -> uuid.UUID:
    """Tell an applicant its application did not pass the formal check, with the reason."""
    _ = catalogs.format
    subject = _(lang, "Your application did not pass the formal check")
    body = _(
        lang,
        'Your application "%(title)s" did not pass the formal check. Reason: %(reason)s',
        title=title,
        reason=reason,
    )
    return await _queue(uow, settings, to, lang, subject, body, "grants.formal_check")


async def report_overdue(
    uow: Any,
    settings: Settings,
    *,
    to: str,
    lang: str,
    title: str,
    due_on: str,
    link: str | None = None,
) -> uuid.UUID:
    """Remind a grantee that its final report is overdue, with a way straight to its page."""
    _ = catalogs.format
    subject = _(lang, "Your grant report is overdue")
    body = _(
        lang,
        'The final report for "%(title)s" was due on %(due_on)s. Please submit it on the platform.',
        title=title,
        due_on=due_on,
    )
    if link:
        body += "\n\n" + link
        if "/auth/link?" in link:
            body += "\n\n" + _(lang, LINK_NOTE)
    return await _queue(uow, settings, to, lang, subject, body, "grants.report_overdue")


LINK_NOTE = N_(
    "The link works once, for 15 minutes. If it has expired, it leads to the sign-in page: "
    "enter your e-mail address there to get a new one."
)


async def registration_link(
    uow: Any, settings: Settings, *, to: str, lang: str, name: str, link: str
) -> uuid.UUID:
    """The link confirming a registration request: it signs the person in to the organisation form."""
    _ = catalogs.format
    subject = _(lang, "Confirm the registration of your organisation")
    body = "\n\n".join(
        [
            _(lang, "Hello %(name)s,", name=name),
            _(
                lang,
                "To register your organisation for the small grants of Open Kraków, open this "
                "link and fill in the organisation's details:",
            ),
            link,
            _(lang, LINK_NOTE),
            _(lang, "If you did not ask for this, ignore this message: nothing is registered."),
        ]
    )
    return await _queue(uow, settings, to, lang, subject, body, "grants.registration")


async def already_registered(
    uow: Any, settings: Settings, *, to: str, lang: str, links: list[tuple[str, str]]
) -> uuid.UUID:
    """A registration request from an address that already acts for organisations: sign-in links."""
    _ = catalogs.format
    subject = _(lang, "You already have an account for the small grants")
    parts = [
        _(
            lang,
            "Someone asked to register a new organisation with this address. You already act "
            "for the organisations below; here is a sign-in link for each:",
        )
    ]
    parts += [f"{organisation}:\n{link}" for organisation, link in links]
    parts += [
        _(lang, LINK_NOTE),
        _(lang, "If you did not ask for this, ignore this message: nothing changes."),
    ]
    return await _queue(uow, settings, to, lang, subject, "\n\n".join(parts), "grants.registration")


async def join_confirmation(
    uow: Any, settings: Settings, *, to: str, lang: str, organisation: str, link: str
) -> uuid.UUID:
    """The link with which a person confirms their request to act for an organisation."""
    _ = catalogs.format
    subject = _(lang, "Confirm your request to act for %(organisation)s", organisation=organisation)
    body = "\n\n".join(
        [
            _(
                lang,
                "To send your request to act for %(organisation)s to its representatives, open "
                "this link and confirm:",
                organisation=organisation,
            ),
            link,
            _(lang, LINK_NOTE),
            _(lang, "If you did not ask for this, ignore this message: nothing is sent."),
        ]
    )
    return await _queue(uow, settings, to, lang, subject, body, "grants.join")


async def join_to_decide(
    uow: Any,
    settings: Settings,
    *,
    to: str,
    lang: str,
    organisation: str,
    applicant: str,
    applicant_email: str,
    link: str,
) -> uuid.UUID:
    """Ask a representative to approve or decline a person's request to act for the organisation."""
    _ = catalogs.format
    subject = _(
        lang, "%(name)s asks to act for %(organisation)s", name=applicant, organisation=organisation
    )
    body = "\n\n".join(
        [
            _(
                lang,
                "%(name)s (%(email)s) asks to act for %(organisation)s on the small grants "
                "platform: to apply for grants and to submit reports in its name. Please approve "
                "or decline the request:",
                name=applicant,
                email=applicant_email,
                organisation=organisation,
            ),
            link,
            _(lang, LINK_NOTE),
        ]
    )
    return await _queue(uow, settings, to, lang, subject, body, "grants.join")


async def join_result(
    uow: Any,
    settings: Settings,
    *,
    to: str,
    lang: str,
    organisation: str,
    approved: bool,
    link: str | None,
) -> uuid.UUID:
    """Tell the person whether their request to act for the organisation was approved."""
    _ = catalogs.format
    if approved:
        subject = _(lang, "You now act for %(organisation)s", organisation=organisation)
        body = "\n\n".join(
            [
                _(
                    lang,
                    "Your request to act for %(organisation)s was approved. Sign in with this "
                    "link:",
                    organisation=organisation,
                ),
                link or "",
                _(lang, LINK_NOTE),
            ]
        )
    else:
        subject = _(lang, "Your request to act for %(organisation)s", organisation=organisation)
        body = _(
            lang,
            "A representative of %(organisation)s declined your request to act for it. If you "
            "think this is a mistake, contact the organisation.",
            organisation=organisation,
        )
    return await _queue(uow, settings, to, lang, subject, body, "grants.join")
