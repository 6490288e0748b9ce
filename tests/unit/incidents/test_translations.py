"""The incidents' texts: every staff and e-mail text in pl/en/uk, and the form's own texts (its
receipt and the reporter's mail too) in pl/en/uk/ru/be."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file

from services.incidents.i18n import catalogs, form_catalogs
from services.incidents.mails import REFERRAL_TEXT
from services.incidents.pages.public import MESSAGES
from shared.web.i18n import untranslated

HERE = Path("services/incidents")
FORM_FILES = ("templates/incidents/report.html", "templates/incidents/received.html")
KIT_FORM_TEXTS = ("required", "There is a problem", "Error:")


def _ids(path: Path, method: str) -> set[str]:
    options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
    return {
        m if isinstance(m, str) else m[0]
        for _, m, _, _ in extract_from_file(method, str(path), options=options)
    }


def test_every_text_of_the_service_is_translated_in_polish_english_and_ukrainian() -> None:
    assert untranslated(catalogs) == []
    assert catalogs.gettext("pl", "Incident reports waiting for triage") == (
        "Zgłoszenia incydentów czekające na ocenę"
    )


def test_the_forms_texts_are_in_five_languages() -> None:
    wanted = set().union(*(_ids(HERE / f, "jinja2") for f in FORM_FILES))
    wanted |= set(MESSAGES.values()) | set(REFERRAL_TEXT.values()) | set(KIT_FORM_TEXTS)
    wanted |= {m for m in _ids(HERE / "mails.py", "python") if "%(whom)s" in m or "report" in m}
    assert len(wanted) > 50
    for lang in ("pl", "en", "uk", "ru", "be"):
        missing = [m for m in wanted if not form_catalogs.translation(lang, m)]
        if lang in ("pl", "en", "uk"):
            missing = [m for m in missing if m not in KIT_FORM_TEXTS]  # the kit's own
        assert missing == [], (lang, missing)
    assert form_catalogs.gettext("be", "Send the report") == "Адправіць паведамленне"
    assert form_catalogs.gettext("ru", "Send the report") == "Отправить сообщение"
    assert form_catalogs.ngettext("ru", "You can enter up to %(num)d character.", "x", 5) == (
        "Можно ввести до %(num)d символов."
    )
