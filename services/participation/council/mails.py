"""E-mails of the Council, in the member's or applicant's language (pl, en, uk; else Polish).

Each function builds one message; the command that makes the change queues it in its unit of
work (`uow.queue_mail`), so it is stored with the change and sent by the kit's job after commit.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

import asyncpg

from services.participation.council.domain import WARSAW
from shared import mail
from shared.config import Settings

TEXTS: dict[str, dict[str, str]] = {
    "pl": {
        "invite_subject": "Zaproszenie: {title} ({when})",
        "invite": (
            "Dzień dobry {name},\n\nzapraszamy na posiedzenie Rady ds. Równego Traktowania.\n\n"
            "{title}\nTermin: {when} (czas warszawski)\nMiejsce: {place}\n\n"
            "Prosimy o potwierdzenie obecności i zgłaszanie punktów porządku obrad:\n{link}\n\n"
            "Sekretariat Rady"
        ),
        "remind_subject": "Przypomnienie: {title} ({when})",
        "remind": (
            "Dzień dobry {name},\n\nprzypominamy o posiedzeniu Rady ds. Równego Traktowania.\n\n"
            "{title}\nTermin: {when} (czas warszawski)\nMiejsce: {place}\n\nSekretariat Rady"
        ),
        "ack_subject": "Zgłoszenie do Rady ds. Równego Traktowania: {reference}",
        "ack": (
            "Dzień dobry {name},\n\ndziękujemy za zgłoszenie w naborze „{call}”.\n"
            "Numer zgłoszenia: {reference}.\nO wyniku naboru poinformujemy Państwa e-mailem.\n\n"
            "Sekretariat Rady"
        ),
        "appointed_subject": "Powołanie do Rady ds. Równego Traktowania",
        "appointed": (
            "Dzień dobry {name},\n\nz przyjemnością informujemy o powołaniu Pani/Pana w skład Rady "
            "ds. Równego Traktowania na kadencję {start} – {end}.\n"
            "Zaproszenia na posiedzenia będą przychodzić na ten adres.\n\nSekretariat Rady"
        ),
    },
    "en": {
        "invite_subject": "Invitation: {title} ({when})",
        "invite": (
            "Dear {name},\n\nyou are invited to a meeting of the Council on Equal Treatment.\n\n"
            "{title}\nWhen: {when} (Warsaw time)\nWhere: {place}\n\n"
            "Please tell us whether you will attend, and propose agenda items, here:\n{link}\n\n"
            "The Council's secretariat"
        ),
        "remind_subject": "Reminder: {title} ({when})",
        "remind": (
            "Dear {name},\n\na reminder of the meeting of the Council on Equal Treatment.\n\n"
            "{title}\nWhen: {when} (Warsaw time)\nWhere: {place}\n\nThe Council's secretariat"
        ),
        "ack_subject": "Your application to the Council on Equal Treatment: {reference}",
        "ack": (
            "Dear {name},\n\nthank you for applying in the call \u201c{call}\u201d.\n"
            "Your reference: {reference}.\nWe will tell you the outcome by e-mail.\n\n"
            "The Council's secretariat"
        ),
        "appointed_subject": "Appointment to the Council on Equal Treatment",
        "appointed": (
            "Dear {name},\n\nwe are glad to tell you that you have been appointed to the Council on "
            "Equal Treatment for the term {start} – {end}.\nInvitations to meetings will come to "
            "this address.\n\nThe Council's secretariat"
        ),
    },
    "uk": {
        "invite_subject": "Запрошення: {title} ({when})",
        "invite": (
            "Вітаємо, {name}!\n\nЗапрошуємо вас на засідання Ради з питань рівного ставлення.\n\n"
            "{title}\nКоли: {when} (за варшавським часом)\nДе: {place}\n\n"
            "Будь ласка, підтвердьте свою участь і пропонуйте питання до порядку денного тут:\n"
            "{link}\n\nСекретаріат Ради"
        ),
        "remind_subject": "Нагадування: {title} ({when})",
        "remind": (
            "Вітаємо, {name}!\n\nНагадуємо про засідання Ради з питань рівного ставлення.\n\n"
            "{title}\nКоли: {when} (за варшавським часом)\nДе: {place}\n\nСекретаріат Ради"
        ),
        "ack_subject": "Ваша заявка до Ради з питань рівного ставлення: {reference}",
        "ack": (
            "Вітаємо, {name}!\n\nДякуємо за заявку в наборі «{call}».\n"
            "Номер заявки: {reference}.\nПро результат набору повідомимо електронною поштою.\n\n"
            "Секретаріат Ради"
        ),
        "appointed_subject": "Призначення до Ради з питань рівного ставлення",
        "appointed": (
            "Вітаємо, {name}!\n\nРаді повідомити, що вас призначено членом Ради з питань рівного "
            "ставлення на каденцію {start} – {end}.\nЗапрошення на засідання надходитимуть на цю "
            "адресу.\n\nСекретаріат Ради"
        ),
    },
}


def _texts(language: str) -> tuple[str, dict[str, str]]:
    lang = language if language in TEXTS else "pl"
    return lang, TEXTS[lang]


def _when(starts_at: datetime) -> str:
    return f"{starts_at.astimezone(WARSAW):%Y-%m-%d %H:%M}"


def _compose(settings: Settings, to: str, language: str, key: str, **values: str) -> EmailMessage:
    lang, texts = _texts(language)
    return mail.compose(
        sender=settings.mail_from,
        to=to,
        subject=texts[f"{key}_subject"].format(**values),
        text=texts[key].format(**values),
        domain=settings.intake_domain,
        language=lang,
    )


def rsvp_link(settings: Settings, token: str) -> str:
    return f"{settings.public_url}/council/invitation?token={token}"


def invitation(
    settings: Settings, member: asyncpg.Record, meeting: dict[str, object], token: str
) -> EmailMessage:
    """The invitation to a meeting with the member's personal link (purpose council.invitation)."""
    return _compose(
        settings,
        member["email"],
        member["language"],
        "invite",
        name=member["name"],
        title=str(meeting["title"]),
        when=_when(meeting["starts_at"]),  # type: ignore[arg-type]
        place=str(meeting["place"]),
        link=rsvp_link(settings, token),
    )


def reminder(settings: Settings, row: asyncpg.Record) -> EmailMessage:
    """A reminder of a meeting within 48 hours (purpose council.reminder)."""
    return _compose(
        settings,
        row["email"],
        row["language"],
        "remind",
        name=row["name"],
        title=row["title"],
        when=_when(row["starts_at"]),
        place=row["place"],
    )


def acknowledgement(
    settings: Settings, to: str, language: str, name: str, call: str, reference: str
) -> EmailMessage:
    """An application's acknowledgement with its reference (purpose council.application_ack)."""
    return _compose(settings, to, language, "ack", name=name, call=call, reference=reference)


def appointment(
    settings: Settings, to: str, language: str, name: str, start: str, end: str
) -> EmailMessage:
    """The notice of an appointment for a term (purpose council.appointment)."""
    return _compose(settings, to, language, "appointed", name=name, start=start, end=end)
