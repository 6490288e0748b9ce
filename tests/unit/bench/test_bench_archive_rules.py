"""The archive's pure rules: masking, folding across scripts, query words, snippets."""

from __future__ import annotations

from services.participation.bench import archive


def test_addresses_phone_numbers_and_the_name_are_masked_but_years_and_dates_are_not() -> None:
    text = (
        "Jestem Anna Kowalska (anna.k+ławka@example.com.pl), tel. +48 601-234-567 lub "
        "(12) 616 12 34; w 2026 roku, 15.01.2026, sprawa 12/2025, kwota 1 500 000 zł."
    )
    masked = archive.mask(text, ["Anna Kowalska"])
    for secret in ("Anna", "Kowalska", "example.com", "601-234-567", "616 12 34"):
        assert secret not in masked, secret
    for kept in ("2026 roku", "15.01.2026", "12/2025", "1 500 000"):
        assert kept in masked, kept
    assert masked.count(archive.MASK) == 4
    # A name part is masked as a whole word only.
    assert archive.mask("Annapurna", ["Anna Kowalska"]) == "Annapurna"


def test_folding_meets_across_diacritics_case_and_cyrillic() -> None:
    assert archive.fold("ŁÓDŹ Wrześniu") == "lodz wrzesniu"
    assert archive.fold("Дитсадок") == archive.fold("дитсадок") == "dytsadok"
    assert archive.fold("Беларусь ў") == "belarus u"
    assert archive.query_terms("  Żółw, ДИТСАДОК! kod_7 ") == ["zolw", "dytsadok", "kod", "7"]
    assert archive.query_terms("!!! …") == []
    assert len(archive.query_terms(" ".join(["a"] * 20))) == archive.MAX_TERMS
    assert archive.tsquery(["szkola", "2026"]) == "szkola:* & 2026:*"


def test_the_search_document_is_masked_before_it_is_folded() -> None:
    doc = archive.search_document(
        "Nazywam się Jan Nowak: jan@nowak.pl", {"uk": "Питання"}, [("Odpowiedź", {})], ["Jan Nowak"]
    )
    assert "nowak" not in doc and "jan" not in doc.split()
    assert "pytytannia" not in doc and "pytannia" in doc and "odpowiedz" in doc


def test_a_snippet_starts_near_the_word_searched_for() -> None:
    text = "początek " * 60 + "Дитсадок приймає дітей" + " koniec" * 60
    cut = archive.snippet(text, archive.query_terms("дитсадок"), 80)
    assert cut.startswith("…") and cut.endswith("…") and "Дитсадок" in cut
    assert archive.snippet("krótki", ["x"], 80) == "krótki"
