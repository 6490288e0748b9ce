"""The Bench's mails to askers and staff, in the asker's language (see domain.mail_languages)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from services.participation.bench import domain
from shared import content, mail
from shared.config import Settings
from shared.refusals import N_
from shared.web.i18n import KIT_LOCALE_DIR, Catalogs

HERE = Path(__file__).parent
catalogs = Catalogs([KIT_LOCALE_DIR, HERE / "locale"])


def tracking_url(settings: Settings, reference: str, token: str | None) -> str:
    """The tracking page link; without a token the page asks for it."""
    query = {"reference": reference, **({"token": token} if token else {})}
    return f"{settings.public_url}/bench/track?{urlencode(query)}"


def _local_time(moment: datetime) -> str:
    return moment.astimezone(domain.WARSAW).strftime("%Y-%m-%d")


def _in_languages(language: str, build: Callable[[str], tuple[str, str]]) -> tuple[str, str]:
    """(subject, text) of a mail, the frame repeated in each mail language."""
    parts = [build(lang) for lang in domain.mail_languages(language)]
    subject = " / ".join(dict.fromkeys(p[0] for p in parts))
    text = "\n\n----\n\n".join(p[1] for p in parts)
    return subject, text


def acknowledgement(
    settings: Settings,
    *,
    to: str,
    language: str,
    reference: str,
    token: str,
    due_at: datetime,
    edition_title: str,
    edition_title_i18n: Any = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    publish: bool = False,
) -> EmailMessage:
    """'We received your question': reference, due date, tracking link, and how to agree to
    publication in the archive of answers (or withdraw it) on the tracking page; the edition's
    title in each mail language where staff translated it (else the Polish original)."""
    link = tracking_url(settings, reference, token)

    def build(lang: str) -> tuple[str, str]:
        subject = catalogs.gettext(lang, "Your question to the Dialogue Bench: %(reference)s") % {
            "reference": reference
        }
        lines = [
            catalogs.gettext(
                lang,
                "Thank you for your question to the Intercultural Dialogue Bench (%(edition)s).",
            )
            % {"edition": content.shown(edition_title, "pl", edition_title_i18n, lang).text},
            "",
            catalogs.gettext(lang, "Reference number: %(reference)s") % {"reference": reference},
            catalogs.gettext(lang, "We will answer by %(date)s.") % {"date": _local_time(due_at)},
            "",
            catalogs.gettext(lang, "Follow your question here: %(link)s") % {"link": link},
            catalogs.gettext(lang, "To add something to your question, reply to this e-mail."),
            catalogs.gettext(
                lang,
                "You agreed that your question and its answer are published in the archive of "
                "answers, without your name or contact details. To change your mind, open the "
                "link above.",
            )
            if publish
            else catalogs.gettext(
                lang,
                "Your question and its answer are not published. If you agree that they are "
                "published in the archive of answers, without your name or contact details, "
                'open the link above and choose "Publish my question".',
            ),
            "",
            catalogs.gettext(lang, "Kraków City Office – Open Kraków programme"),
        ]
        return subject, "\n".join(lines)

    subject, text = _in_languages(language, build)
    return mail.compose(
        sender=settings.mail_from,
        to=to,
        subject=f"[{reference}] {subject}",
        text=text,
        domain=settings.intake_domain,
        in_reply_to=in_reply_to,
        references=references,
        reply_to=f"bench@{settings.intake_domain}",
        language=",".join(domain.mail_languages(language)),
    )


def answer(
    settings: Settings,
    *,
    to: str,
    language: str,
    reference: str,
    answer_text: str,
    answer_language: str,
    answered_live_at: datetime | None = None,
    feedback_token: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
) -> EmailMessage:
    """The written answer, framed in the asker's language; with `feedback_token`, the two
    single-use links of the asker's verdict (pages/feedback.py)."""
    link = tracking_url(settings, reference, None)

    def build(lang: str) -> tuple[str, str]:
        subject = catalogs.gettext(lang, "Answer to your question %(reference)s") % {
            "reference": reference
        }
        lines = [
            catalogs.gettext(lang, "Here is the answer to your question %(reference)s:")
            % {"reference": reference},
            "",
        ]
        if answered_live_at:
            lines += [
                catalogs.gettext(
                    lang, "Your question was also answered during the session on %(date)s."
                )
                % {"date": _local_time(answered_live_at)},
                "",
            ]
        return subject, "\n".join(lines)

    subject, frame = _in_languages(language, build)
    footer_lang = domain.mail_languages(language)[0]
    footer = "\n".join(
        [
            catalogs.gettext(
                footer_lang, "You can also read the answer here, with your tracking code: %(link)s"
            )
            % {"link": link},
            "",
            *(
                [
                    catalogs.gettext(footer_lang, "Did this answer your question?"),
                    catalogs.gettext(footer_lang, "Yes, it helped: %(link)s")
                    % {"link": f"{settings.public_url}/bench/feedback/{feedback_token}/helpful"},
                    catalogs.gettext(footer_lang, "No, it did not help: %(link)s")
                    % {
                        "link": f"{settings.public_url}/bench/feedback/{feedback_token}/not-helpful"
                    },
                    "",
                ]
                if feedback_token
                else []
            ),
            catalogs.gettext(footer_lang, "Kraków City Office – Open Kraków programme"),
        ]
    )
    text = f"{frame}\n\n{answer_text.strip()}\n\n----\n{footer}"
    return mail.compose(
        sender=settings.mail_from,
        to=to,
        subject=f"[{reference}] {subject}",
        text=text,
        domain=settings.intake_domain,
        in_reply_to=in_reply_to,
        references=references,
        reply_to=f"bench@{settings.intake_domain}",
        language=answer_language,
    )


# The rules a rejected question can break (ModerationIn.reason_code): what the asker reads in the
# rejection mail and on the tracking page (templates/bench/labels.html says the same msgids).
REJECTION_TEXTS = {
    "abuse": N_("It contains insults or abusive language."),
    "spam": N_("It looks like advertising or a mass message, not a question from a resident."),
    "off_topic": N_("It is not about Kraków or the matters the city is responsible for."),
    "not_a_question": N_("It contains no question the city could answer."),
    "personal_data": N_(
        "It reveals personal data (of you or of someone else) that we cannot publish or pass on."
    ),
    "other": N_("It does not meet the rules of the Dialogue Bench."),
}


def rejection(
    settings: Settings,
    *,
    to: str,
    language: str,
    reference: str,
    reason_code: str,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
) -> EmailMessage:
    """'Your question was not accepted': the rule it broke (REJECTION_TEXTS) and where else to
    turn, the Information Point for Foreigners; in the asker's mail languages (Russian and
    Belarusian: English and Ukrainian, domain.mail_languages), in the question's thread."""
    link = tracking_url(settings, reference, None)
    rule = REJECTION_TEXTS.get(reason_code, REJECTION_TEXTS["other"])

    def build(lang: str) -> tuple[str, str]:
        def say(msgid: str, **values: str) -> str:
            return (
                catalogs.gettext(lang, msgid) % values if values else catalogs.gettext(lang, msgid)
            )

        subject = say(N_("Your question %(reference)s was not accepted"), reference=reference)
        lines = [
            say(
                N_(
                    "Your question %(reference)s to the Intercultural Dialogue Bench was not "
                    "accepted, so it will not get an answer from the Mayor."
                ),
                reference=reference,
            ),
            "",
            say(N_("Why: %(rule)s"), rule=catalogs.gettext(lang, rule)),
            "",
            say(
                N_(
                    "Where else to turn: the Information Point for Foreigners at the "
                    "Multicultural Centre in Kraków gives free information and legal advice, "
                    "helps with official matters (residence, work, schools) and with "
                    "translation."
                )
            ),
            say(
                N_(
                    "You are welcome to ask the Bench again, in line with its rules. Your "
                    "question's status: %(link)s"
                ),
                link=link,
            ),
            "",
            say(N_("Kraków City Office – Open Kraków programme")),
        ]
        return subject, "\n".join(lines)

    subject, text = _in_languages(language, build)
    return mail.compose(
        sender=settings.mail_from,
        to=to,
        subject=f"[{reference}] {subject}",
        text=text,
        domain=settings.intake_domain,
        in_reply_to=in_reply_to,
        references=references,
        reply_to=f"bench@{settings.intake_domain}",
        language=",".join(domain.mail_languages(language)),
    )


STAFF_LANGUAGES = ("pl", "en", "uk")
SIGN_IN_LINK_NOTE = N_(
    "The link signs you in once and is valid for 15 minutes; after that it leads to the sign-in "
    "page, where you can ask for a new one."
)


def _to_staff(
    settings: Settings,
    *,
    to: str,
    language: str,
    build: Callable[[Callable[..., str]], tuple[str, list[str]]],
    sign_in_link: bool = True,
) -> EmailMessage:
    """A mail to the city's staff in their language (pl, en or uk; else Polish): `build(say)`
    gives its subject and lines; then the note on the one-time sign-in link (when the mail
    carries one) and the office's signature."""
    lang = language if language in STAFF_LANGUAGES else "pl"

    def say(msgid: str, **values: str) -> str:
        text = catalogs.gettext(lang, msgid)
        return text % values if values else text

    subject, lines = build(say)
    if sign_in_link:
        lines = [*lines, say(SIGN_IN_LINK_NOTE)]
    lines = [*lines, "", say(N_("Kraków City Office – Open Kraków programme"))]
    return mail.compose(
        sender=settings.mail_from,
        to=to,
        subject=subject,
        text="\n".join(lines),
        domain=settings.intake_domain,
        language=lang,
    )


def follow_up_notice(
    settings: Settings, *, to: str, language: str, reference: str, link: str
) -> EmailMessage:
    """To the responder, in their language: the asker wrote again after the answer; a second
    answer goes to them in the same thread."""

    def build(say: Callable[..., str]) -> tuple[str, list[str]]:
        lines = [
            say(
                N_(
                    "The asker of question %(reference)s, which you answered, wrote again. The "
                    "question is open again until you answer it a second time."
                ),
                reference=reference,
            ),
            "",
            say(N_("Read the reply and answer it here: %(link)s"), link=link),
        ]
        return f"[{reference}] " + say(N_("The asker wrote again after your answer")), lines

    return _to_staff(settings, to=to, language=language, build=build)


def answer_returned(
    settings: Settings, *, to: str, language: str, reference: str, comment: str, link: str
) -> EmailMessage:
    """To the responder, in their language: the reviewer returned their answer, with the
    reviewer's comment and a one-time sign-in link to the question's page."""

    def build(say: Callable[..., str]) -> tuple[str, list[str]]:
        lines = [
            say(
                N_(
                    "Your answer to question %(reference)s was returned by its reviewer. It has not "
                    "been sent to the asker; please answer again."
                ),
                reference=reference,
            ),
            "",
            say(N_("The reviewer's comment:")),
            comment,
            "",
            say(N_("Answer it here: %(link)s"), link=link),
        ]
        return f"[{reference}] " + say(N_("Your answer was returned by the reviewer")), lines

    return _to_staff(settings, to=to, language=language, build=build)


# The same msgids as templates/bench/labels.html, so one translation serves both.
TOPIC_LABELS = {
    "education": N_("Education"),
    "urban_infrastructure": N_("Streets, transport and city infrastructure"),
    "health_care": N_("Health care"),
    "housing": N_("Housing"),
    "legal_stay": N_("Legal stay and documents"),
    "work": N_("Work"),
    "safety": N_("Safety"),
    "culture": N_("Culture"),
    "other": N_("Something else"),
}


def assignment(
    settings: Settings,
    *,
    to: str,
    language: str,
    name: str | None,
    reference: str,
    topic: str,
    due_at: datetime,
    link: str,
) -> EmailMessage:
    """To a responder, in their language: which question is theirs, its topic, by when, and a
    one-time link that signs them in on the question's page."""

    def build(say: Callable[..., str]) -> tuple[str, list[str]]:
        due = _local_time(due_at)
        topic_label = say(TOPIC_LABELS[topic]) if topic in TOPIC_LABELS else topic
        lines = [
            say(N_("Hello %(name)s,"), name=name) if name else say(N_("Hello,")),
            "",
            say(
                N_(
                    "A question to the Mayor from the Intercultural Dialogue Bench was assigned to "
                    "you: %(reference)s."
                ),
                reference=reference,
            ),
            say(N_("Topic: %(topic)s"), topic=topic_label),
            say(N_("Please answer it by %(date)s (the end of that day, Kraków time)."), date=due),
            "",
            say(N_("Open the question and answer it here: %(link)s"), link=link),
        ]
        return f"[{reference}] " + say(
            N_("A question for you to answer by %(date)s"), date=due
        ), lines

    return _to_staff(settings, to=to, language=language, build=build)


# The escalation ladder (issue 16): one mail per step, each linking to the question's staff page.
_LADDER = {
    "reminder": (
        N_("[%(reference)s] Reminder: the answer is due by %(date)s"),
        N_(
            "A question to the Mayor from the Intercultural Dialogue Bench assigned to you, "
            "%(reference)s, is due by %(date)s (the end of that day, Kraków time)."
        ),
    ),
    "head": (
        N_("[%(reference)s] A question of your department is due today"),
        N_(
            "A question to the Mayor from the Intercultural Dialogue Bench routed to your "
            "department, %(reference)s, is due today, %(date)s, and has no answer yet."
        ),
    ),
    "coordinator": (
        N_("[%(reference)s] The answer is overdue"),
        N_(
            "A question to the Mayor from the Intercultural Dialogue Bench, %(reference)s, was "
            "due by %(date)s and has no answer yet."
        ),
    ),
}


def escalation(
    settings: Settings,
    *,
    step: str,
    to: str,
    language: str,
    reference: str,
    due_at: datetime,
    link: str,
) -> EmailMessage:
    """A step of the escalation ladder (`reminder` to the responder, `head` to the department's
    head, `coordinator`), in `language` (pl, en or uk), with a link to the question's page."""

    def build(say: Callable[..., str]) -> tuple[str, list[str]]:
        subject, opening = _LADDER[step]
        due = _local_time(due_at)
        lines = [
            say(opening, reference=reference, date=due),
            say(N_("Residents have the Bench's promise that every question gets an answer.")),
            "",
            say(N_("Open the question here: %(link)s"), link=link),
        ]
        return say(subject, reference=reference, date=due), lines

    return _to_staff(settings, to=to, language=language, build=build, sign_in_link=False)
