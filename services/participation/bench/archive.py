"""Pure rules of the public archive of answered questions: what is masked in published text,
how text is folded for search (any script, diacritics optional) and how a query becomes
search patterns.

Published text never shows an e-mail address, a phone number or the asker's own name: they are
replaced by `MASK` in what the archive shows AND in what it searches (`search_vector`), so a
search cannot confirm that an address was in a question.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

MASK = "[…]"
MAX_QUERY = 200  # characters of `q`
MAX_TERMS = 8  # words of `q` searched (the rest is ignored)

# Bounded parts (an address's local part has at most 64 characters, a label 63): a long run of
# letters without "@" costs 64 steps per character, not a scan to its end and back.
_EMAIL = re.compile(r"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+", re.UNICODE)
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
    masked = _EMAIL.sub(MASK, text) if "@" in text else text
    masked = _PHONE.sub(_phone, masked)
    words: set[str] = set()
    for name in names:
        if name and name.strip():
            words.add(name.strip())
            words |= {part for part in _WORD.findall(name) if len(part) >= 3}
    for word in sorted(words, key=len, reverse=True):
        masked = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", MASK, masked, flags=re.IGNORECASE)
    return masked


# Cyrillic of Ukrainian, Russian and Belarusian in Latin letters (one fixed table, so a word
# and its query always meet; not a standard transliteration). PostgreSQL here runs with the C
# locale, whose text search sees no letters in Cyrillic: folded text is plain ASCII.
_CYRILLIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
        "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
        "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
        "ў": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
        "ъ": "", "ы": "y", "э": "e", "ю": "iu", "я": "ia", "ё": "io", "'": "", "ʼ": "",
        "’": "",
    }
)  # fmt: skip


def fold(text: str) -> str:
    """Lower case, Cyrillic in Latin letters, without diacritics: 'Łódź' → 'lodz',
    'Дитсадок' → 'dytsadok'."""
    lowered = text.casefold().translate(_FOLD_EXTRA).translate(_CYRILLIC)
    decomposed = unicodedata.normalize("NFKD", lowered)
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


_TERM = re.compile(r"[a-z0-9]+")


def query_terms(q: str) -> list[str]:
    """The words of a query, folded (ASCII letters and digits), at most MAX_TERMS; empty: no
    search."""
    return _TERM.findall(fold(q))[:MAX_TERMS]


def tsquery(terms: list[str]) -> str:
    """Every term as a word prefix (`to_tsquery('simple', ...)`): 'przedszkol' finds
    'przedszkole'. Terms are [a-z0-9]+ only (query_terms), so nothing needs quoting."""
    return " & ".join(f"{t}:*" for t in terms if _TERM.fullmatch(t))


def snippet(text: str, terms: list[str], width: int = 240) -> str:
    """About `width` characters of `text` around the first word searched for ('…' where cut)."""
    if len(text) <= width:
        return text
    # Word by word, so that positions stay those of `text` (fold() changes lengths).
    at = 0
    for match in _WORD.finditer(text):
        if any(fold(match.group(0)).startswith(t) for t in terms):
            at = match.start()
            break
    start = max(0, min(at - width // 3, len(text) - width))
    cut = text[start : start + width].strip()
    return ("…" if start > 0 else "") + cut + ("…" if start + width < len(text) else "")
