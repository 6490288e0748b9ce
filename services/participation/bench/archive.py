"""Pure rules of the public archive of answered questions: what is masked in published text,
how text is folded for search (any script, diacritics optional) and how a query becomes
search patterns.

Published text never shows an e-mail address, a phone number or the asker's own name: they are
replaced by `MASK` in what the archive shows AND in what it searches (`search_text`), so a
search cannot confirm that an address was in a question.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

MASK = "[…]"
MAX_QUERY = 200  # characters of `q`
MAX_TERMS = 8  # words of `q` searched (the rest is ignored)

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the separators phone numbers are written with; masked when it holds at
# least 9 digits (a Polish number without its prefix), so years, dates (8 digits at most),
# amounts and references stay readable.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-/]{5,}\d(?!\w)")
_WORD = re.compile(r"\w+", re.UNICODE)
# Letters NFKD does not decompose into a base letter and a mark.
_FOLD_EXTRA = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe"})


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    return MASK if sum(c.isdigit() for c in found) >= 9 else found


def mask(text: str, names: Iterable[str] = ()) -> str:
    """`text` without e-mail addresses, phone numbers and the given names (whole words,
    case-insensitive: the asker's name as they typed it, and each of its parts of 3+ letters)."""
    masked = _EMAIL.sub(MASK, text)
    masked = _PHONE.sub(_phone, masked)
    words: set[str] = set()
    for name in names:
        if name and name.strip():
            words.add(name.strip())
            words |= {part for part in _WORD.findall(name) if len(part) >= 3}
    for word in sorted(words, key=len, reverse=True):
        masked = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", MASK, masked, flags=re.IGNORECASE)
    return masked


def fold(text: str) -> str:
    """Lower case without diacritics, in every script: 'Łódź' → 'lodz', 'Їжак' → 'іжак'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_document(
    question: str,
    question_i18n: Mapping[str, str],
    answers: Iterable[tuple[str, Mapping[str, str]]],
    names: Iterable[str] = (),
) -> str:
    """What the archive searches for one question: its text, its answers and every translation,
    masked, then folded (one line each)."""
    names = list(names)
    parts = [question, *question_i18n.values()]
    for text, i18n in answers:
        parts += [text, *i18n.values()]
    return "\n".join(fold(mask(p, names)) for p in parts if p)


def query_terms(q: str) -> list[str]:
    """The words of a query, folded, at most MAX_TERMS (empty: no search)."""
    return _WORD.findall(fold(q))[:MAX_TERMS]


def like_pattern(term: str) -> str:
    """`%term%` for LIKE, with LIKE's own characters escaped."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def snippet(text: str, terms: list[str], width: int = 240) -> str:
    """About `width` characters of `text` around the first word searched for ('…' where cut)."""
    if len(text) <= width:
        return text
    folded = fold(text)
    at = min((folded.find(t) for t in terms if folded.find(t) >= 0), default=0)
    # fold() keeps one character per character for nearly every letter; near enough to cut.
    start = max(0, min(at - width // 3, len(text) - width))
    cut = text[start : start + width].strip()
    return ("…" if start > 0 else "") + cut + ("…" if start + width < len(text) else "")
