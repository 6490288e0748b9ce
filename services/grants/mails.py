"""E-mails to applicants, in the organisation's language, queued with the change they report
(`UnitOfWork.queue_mail`: stored in the command's transaction, sent after its commit)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from shared import mail
from shared.config import Settings
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
) -> uuid.UUID:
    """Tell an applicant whether its application was awarded a grant, and how much."""
    _ = catalogs.format
    if amount is not None:
        subject = _(lang, "Your application was awarded a grant")
        body = _(
            lang,
            'Your application "%(title)s" was awarded a grant of %(amount)s.',
            title=title,
            amount=money_text(amount, currency),
        )
        body += "\n\n" + _(lang, "Please submit the final report by its due date on the platform.")
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
    uow: Any, settings: Settings, *, to: str, lang: str, title: str, due_on: str
) -> uuid.UUID:
    """Remind a grantee that its final report is overdue."""
    _ = catalogs.format
    subject = _(lang, "Your grant report is overdue")
    body = _(
        lang,
        'The final report for "%(title)s" was due on %(due_on)s. Please submit it on the platform.',
        title=title,
        due_on=due_on,
    )
    return await _queue(uow, settings, to, lang, subject, body, "grants.report_overdue")
