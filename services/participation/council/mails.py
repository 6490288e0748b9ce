"""E-mails of the Council, in the member's or applicant's language (pl, en, uk; else Polish).

Each function builds one message; the command that makes the change queues it in its unit of
work (`uow.queue_mail`), so it is stored with the change and sent by the kit's job after commit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import asyncpg

from services.participation.council.domain import WARSAW
from shared import mail
from shared.auth import LOGIN_LINK_TTL
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
            "Zaproszenia na posiedzenia będą przychodzić na ten adres.\n\n"
            "Na swojej stronie członka Rady odpowiadają Państwo na zaproszenia, zgłaszają punkty "
            "porządku obrad i czytają przyjęte protokoły. Prosimy wejść na nią teraz:\n{link}\n"
            "Link działa raz, przez 15 minut (do {until} czasu warszawskiego); później na stronie "
            "logowania wystarczy podać ten adres e-mail, aby dostać nowy.\n\nSekretariat Rady"
        ),
        "secretary_subject": "Sekretariat Rady ds. Równego Traktowania: zaproszenie",
        "secretary": (
            "Dzień dobry {name},\n\nKoordynator Programu dodał Panią/Pana do sekretariatu Rady "
            "ds. Równego Traktowania. Na stronach sekretariatu ogłasza się nabory, powołuje "
            "członków, planuje posiedzenia, decyduje o porządku obrad i zapisuje uchwały.\n\n"
            "Prosimy wejść na nie teraz:\n{link}\n"
            "Link działa raz, przez 15 minut (do {until} czasu warszawskiego); później na stronie "
            "logowania wystarczy podać ten adres e-mail, aby dostać nowy.\n\n"
            "Koordynator Programu Otwarty Kraków"
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
            "this address.\n\n"
            "On your council member's page you answer invitations, propose agenda items and read "
            "the approved minutes. Please open it now:\n{link}\n"
            "The link works once, for 15 minutes (until {until} Warsaw time); after that, give "
            "this e-mail address on the sign-in page to get a new one.\n\n"
            "The Council's secretariat"
        ),
        "secretary_subject": "Secretariat of the Council on Equal Treatment: invitation",
        "secretary": (
            "Dear {name},\n\nthe Programme Coordinator has added you to the secretariat of the "
            "Council on Equal Treatment. On the secretariat's pages you open calls, appoint "
            "members, schedule meetings, decide the agenda and record resolutions.\n\n"
            "Please open them now:\n{link}\n"
            "The link works once, for 15 minutes (until {until} Warsaw time); after that, give "
            "this e-mail address on the sign-in page to get a new one.\n\n"
            "The Open Kraków Programme Coordinator"
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
            "адресу.\n\n"
            "На своїй сторінці члена Ради ви відповідаєте на запрошення, пропонуєте питання до "
            "порядку денного і читаєте затверджені протоколи. Будь ласка, відкрийте її зараз:\n"
            "{link}\n"
            "Посилання діє один раз, 15 хвилин (до {until} за варшавським часом); потім укажіть "
            "цю адресу електронної пошти на сторінці входу, щоб отримати нове.\n\n"
            "Секретаріат Ради"
        ),
        "secretary_subject": "Секретаріат Ради з питань рівного ставлення: запрошення",
        "secretary": (
            "Вітаємо, {name}!\n\nКоординатор Програми додав вас до секретаріату Ради з питань "
            "рівного ставлення. На сторінках секретаріату оголошують набори, призначають членів, "
            "планують засідання, вирішують порядок денний і записують ухвали.\n\n"
            "Будь ласка, відкрийте їх зараз:\n{link}\n"
            "Посилання діє один раз, 15 хвилин (до {until} за варшавським часом); потім укажіть "
            "цю адресу електронної пошти на сторінці входу, щоб отримати нове.\n\n"
            "Координатор Програми «Відкритий Краків»"
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


def _link_until() -> str:
    """When a sign-in link mailed now stops working, as Kraków reads it."""
    return _when(datetime.now(UTC) + timedelta(seconds=LOGIN_LINK_TTL))


def appointment(
    settings: Settings, to: str, language: str, name: str, start: str, end: str, link: str
) -> EmailMessage:
    """The welcome of a member appointed for a term, with the one-time link to their page
    `/council/my` (purpose council.appointment)."""
    return _compose(
        settings,
        to,
        language,
        "appointed",
        name=name,
        start=start,
        end=end,
        link=link,
        until=_link_until(),
    )


def secretary_invitation(
    settings: Settings, to: str, language: str, name: str, link: str
) -> EmailMessage:
    """A council secretary's invitation, with the one-time link to the secretariat's pages
    (purpose council.secretary)."""
    return _compose(settings, to, language, "secretary", name=name, link=link, until=_link_until())
