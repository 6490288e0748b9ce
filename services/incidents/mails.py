"""The e-mail to a reporter who left an address, in their language (five languages): their
report was referred. Queued with the referral (`shared.unit_of_work`), sent after commit."""

from __future__ import annotations

from email.message import EmailMessage

from services.incidents.i18n import form_catalogs
from shared import mail
from shared.config import Settings
from shared.web.forms import N_

REFERRAL_TEXT = {
    "police": N_("the police"),
    "ngo": N_("a partner organisation that supports people affected by such incidents"),
    "department": N_("the city department responsible"),
}


def referred(
    settings: Settings, *, to: str, language: str, reference: str, to_kind: str
) -> EmailMessage:
    """Tell the reporter whom their report was passed to (never the team's note)."""
    t = form_catalogs.format
    lang = language
    lines = [
        t(
            lang,
            N_("Thank you for reporting an incident to the City of Kraków (report %(reference)s)."),
            reference=reference,
        ),
        t(
            lang,
            N_("The city's response team has read your report and passed it to %(whom)s."),
            whom=form_catalogs.gettext(lang, REFERRAL_TEXT[to_kind]),
        ),
        t(lang, N_("If you report anything more about this incident, give this reference.")),
        "--",
        t(lang, N_("Open Kraków programme, City of Kraków")),
    ]
    return mail.compose(
        sender=settings.mail_from,
        to=to,
        subject=t(lang, N_("Your report %(reference)s has been passed on"), reference=reference),
        text="\n\n".join(lines) + "\n",
        domain=settings.intake_domain,
        language=lang,
    )


def invite_member(
    settings: Settings, *, to: str, language: str, name: str, link: str
) -> EmailMessage:
    """Welcome a new member of the response team with a one-time sign-in link."""
    from services.incidents.i18n import catalogs

    t = catalogs.format
    lines = [
        t(language, N_("Dear %(name)s,"), name=name),
        t(
            language,
            N_(
                "The programme coordinator has added you to the city's response team for racist "
                "and xenophobic incidents. Reports waiting for triage are on your page:"
            ),
        ),
        link,
        t(
            language,
            N_(
                "The link works once, for 15 minutes. Later, ask for a new one on the sign-in "
                "page with this address."
            ),
        ),
        "--",
        t(language, N_("Open Kraków programme, City of Kraków")),
    ]
    return mail.compose(
        sender=settings.mail_from,
        to=to,
        subject=t(language, N_("You are on Kraków's incident response team")),
        text="\n\n".join(lines) + "\n",
        domain=settings.intake_domain,
        language=language,
    )
