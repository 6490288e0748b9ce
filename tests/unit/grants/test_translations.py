"""Every grants page and e-mail string exists in Polish, English and Ukrainian."""

from __future__ import annotations

from services.grants.mails import catalogs, money_text
from shared.web.i18n import untranslated


def test_every_grants_string_is_translated_into_pl_en_and_uk() -> None:
    assert untranslated(catalogs) == []


def test_decision_mail_reads_naturally_in_ukrainian() -> None:
    text = catalogs.format(
        "uk",
        'Your application "%(title)s" was awarded a grant of %(amount)s.',
        title="Мости",
        amount=money_text(250050, "EUR"),
    )
    assert text == "Вашій заявці «Мости» надано грант у розмірі 2500.50 EUR."
