"""The e-mails of the competition, in the recipient's language; a command queues them with its
change (`queue`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from services.ambassadors.i18n import catalogs, mail_language
from shared import mail
from shared.config import Settings
from shared.unit_of_work import UnitOfWork

WARSAW = ZoneInfo("Europe/Warsaw")


@dataclass(frozen=True)
class Mail:
    """A message and its purpose (the label of its `outgoing_mail` row)."""

    message: EmailMessage
    purpose: str


async def queue(uow: UnitOfWork, m: Mail) -> uuid.UUID:
    """Store the mail with the command's change; it is sent once the transaction commits."""
    return await uow.queue_mail(m.message, purpose=m.purpose)


def _local(at: datetime) -> str:
    return at.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M")


def _compose(
    settings: Settings,
    *,
    to: str,
    lang: str,
    subject: str,
    lines: list[str],
    purpose: str,
) -> Mail:
    footer = catalogs.gettext(lang, "Open Kraków programme, City of Kraków")
    message = mail.compose(
        sender=settings.mail_from,
        to=to,
        subject=subject,
        text="\n\n".join([*lines, "--", footer]) + "\n",
        domain=settings.intake_domain,
        language=lang,
    )
    return Mail(message, purpose)


def ask_candidate(
    settings: Settings,
    *,
    to: str,
    language: str,
    candidate_name: str,
    year: int,
    nomination_id: uuid.UUID,
    token: str,
    reference: str,
) -> Mail:
    """Ask the candidate to accept the nomination (only accepted nominations are scored)."""
    lang = mail_language(language)
    link = f"{settings.public_url}/ambassadors/nominations/{nomination_id}/accept?token={token}"
    t = catalogs.format
    return _compose(
        settings,
        to=to,
        lang=lang,
        purpose="ambassadors.acceptance",
        subject=t(
            lang,
            "You have been nominated for Kraków Ambassador of Multiculturalism %(year)s",
            year=year,
        ),
        lines=[
            t(lang, "Dear %(name)s,", name=candidate_name),
            t(
                lang,
                "Someone has nominated you for the title of Kraków Ambassador of Multiculturalism %(year)s "
                "(nomination %(reference)s).",
                year=year,
                reference=reference,
            ),
            t(
                lang,
                "The jury scores a nomination only when the candidate accepts it. To accept or decline, open:",
            ),
            link,
            t(lang, "If you do nothing, the nomination will not be considered."),
        ],
    )


def acknowledge_nominator(
    settings: Settings,
    *,
    to: str,
    language: str,
    year: int,
    nomination_id: uuid.UUID,
    token: str,
    reference: str,
    merged: bool,
) -> Mail:
    """Confirm the nomination to the nominator, with a link to withdraw it."""
    lang = mail_language(language)
    link = f"{settings.public_url}/ambassadors/nominations/{nomination_id}/withdraw?token={token}"
    t = catalogs.format
    lines = [
        t(
            lang,
            "Thank you for your nomination %(reference)s for Kraków Ambassador of Multiculturalism "
            "%(year)s.",
            reference=reference,
            year=year,
        )
    ]
    if merged:
        lines.append(
            t(
                lang,
                "This candidate had already been nominated: your nomination was added to theirs, "
                "and the jury will read your justification too.",
            )
        )
    else:
        lines.append(t(lang, "We have asked the candidate by e-mail to accept the nomination."))
    lines += [t(lang, "To withdraw your nomination, open:"), link]
    return _compose(
        settings,
        to=to,
        lang=lang,
        purpose="ambassadors.acknowledgement",
        subject=t(lang, "Your nomination %(reference)s has been received", reference=reference),
        lines=lines,
    )


def edition_title(lang: str, year: int) -> str:
    """An edition as people name it, in `lang`."""
    return catalogs.format(lang, "Kraków Ambassador of Multiculturalism %(year)s", year=year)


def welcome_juror(
    settings: Settings,
    *,
    to: str,
    language: str,
    name: str,
    year: int,
    nominations_close_at: datetime,
    deadline: datetime,
    link: str,
) -> Mail:
    """Tell a new juror which edition they judge, what to do and by when, with a one-time link
    to their page."""
    lang = mail_language(language)
    t = catalogs.format
    return _compose(
        settings,
        to=to,
        lang=lang,
        purpose="ambassadors.juror_appointed",
        subject=t(
            lang, "You are a juror of Kraków Ambassador of Multiculturalism %(year)s", year=year
        ),
        lines=[
            t(lang, "Dear %(name)s,", name=name),
            t(
                lang,
                "You have been appointed to the jury of the competition %(edition)s. "
                "Nominations close on %(close)s (Warsaw time).",
                edition=edition_title(lang, year),
                close=_local(nominations_close_at),
            ),
            t(
                lang,
                "Please score every candidacy you can judge impartially, each criterion from 0 "
                "to 10, or declare a conflict of interest, by %(deadline)s (Warsaw time).",
                deadline=_local(deadline),
            ),
            t(
                lang,
                "You will see the other jurors' scores of a nomination only after you have submitted your own.",
            ),
            t(lang, "Your candidacies and the score forms are on your jury page:"),
            link,
            t(
                lang,
                "The link signs you in once, within 15 minutes. Later it takes you to the "
                "sign-in page, where you ask for a new link with this e-mail address.",
            ),
        ],
    )


def remind_juror(
    settings: Settings,
    *,
    to: str,
    language: str,
    name: str,
    year: int,
    deadline: datetime,
    pending: int,
    link: str,
) -> Mail:
    """Remind a juror of nominations still waiting for their decision."""
    lang = mail_language(language)
    t = catalogs.format
    return _compose(
        settings,
        to=to,
        lang=lang,
        purpose="ambassadors.jury_reminder",
        subject=t(lang, "Reminder: the jury deadline is %(deadline)s", deadline=_local(deadline)),
        lines=[
            t(lang, "Dear %(name)s,", name=name),
            catalogs.nformat(
                lang,
                "%(num)d nomination of the %(year)s edition is still waiting for your decision.",
                "%(num)d nominations of the %(year)s edition are still waiting for your decision.",
                pending,
                year=year,
            ),
            t(
                lang,
                "Please score them or declare a conflict of interest by %(deadline)s (Warsaw time).",
                deadline=_local(deadline),
            ),
            t(lang, "Your candidacies and the score forms are on your jury page:"),
            link,
            t(
                lang,
                "The link signs you in once, within 15 minutes. Later it takes you to the "
                "sign-in page, where you ask for a new link with this e-mail address.",
            ),
        ],
    )


def congratulate_laureate(
    settings: Settings,
    *,
    to: str,
    language: str,
    name: str,
    year: int,
    edition_id: uuid.UUID,
    publication_link: str,
) -> Mail:
    """Tell a laureate they were awarded the title, and ask whether their name and a short
    justification may be published (nothing is, until they agree)."""
    lang = mail_language(language)
    t = catalogs.format
    return _compose(
        settings,
        to=to,
        lang=lang,
        purpose="ambassadors.laureate",
        subject=t(lang, "You are Kraków Ambassador of Multiculturalism %(year)s", year=year),
        lines=[
            t(lang, "Dear %(name)s,", name=name),
            t(
                lang,
                "Congratulations! The jury has awarded you the title of Kraków Ambassador of Multiculturalism "
                "%(year)s. We will invite you to the gala and to a meeting with the Mayor.",
                year=year,
            ),
            f"{settings.public_url}/ambassadors/editions/{edition_id}/results",
            t(
                lang,
                "We publish the laureates' names and a short justification only with their "
                'agreement. Until you agree, the public pages say "Laureate (name not '
                'published)". To agree, or to say no, and to check the text, open this link:',
            ),
            publication_link,
            t(
                lang,
                "You can change your decision later with the same link. Open data about the "
                "competition never contains names.",
            ),
        ],
    )
