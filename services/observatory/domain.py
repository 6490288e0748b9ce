"""Rules of the Observatory's publications: pure, no I/O.

A publication is a report, a study, seminar notes or a recommendation, with a title and a
summary (Polish original, English and Ukrainian versions), a topic, the programme's specific
objective it serves (1..6), the day it was published and its document: a PDF uploaded on the
coordinator's page (at most 20 MiB) or the address of a document published elsewhere.
Withdrawal is final: a withdrawn publication leaves the public list, its page, the feed and
the open data, and stops counting toward `observatory.reports_published`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date
from urllib.parse import quote

from shared.refusals import N_

KINDS: dict[str, str] = {
    "report": N_("Report"),
    "study": N_("Study"),
    "seminar_notes": N_("Seminar notes"),
    "recommendation": N_("Recommendations"),
}
# What the indicator `observatory.reports_published` counts ("reports and studies").
COUNTED_KINDS = frozenset({"report", "study"})

TOPICS: dict[str, str] = {
    "demography": N_("Migration and demography"),
    "labour": N_("Work and the economy"),
    "education": N_("Education"),
    "housing": N_("Housing"),
    "health": N_("Health and social care"),
    "participation": N_("Civic participation"),
    "discrimination": N_("Equal treatment and discrimination"),
    "culture": N_("Culture and identity"),
    "other": N_("Other"),
}

TITLE_MIN, TITLE_MAX = 3, 300
SUMMARY_MIN, SUMMARY_MAX = 10, 5000
URL_MAX = 2000
FIRST_YEAR = 2000
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
# The page form's body: the document and the texts (the 1 MiB of every other route is too small
# for a report; the JSON API keeps it and takes a document address instead).
UPLOAD_MAX_BODY = DOCUMENT_MAX_BYTES + 1024 * 1024
PDF_MAGIC = b"%PDF-"
SEARCH_MAX = 200

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def good_url(url: str) -> bool:
    """An http(s) address without spaces, at most 2000 characters."""
    return len(url) <= URL_MAX and bool(_URL.fullmatch(url))


def is_pdf(content: bytes) -> bool:
    """A PDF starts with `%PDF-` (within its first kilobyte, as readers accept it)."""
    return PDF_MAGIC in content[:1024]


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def safe_filename(name: str) -> str:
    """The uploaded file's name as a download offers it: its last part, printable, `.pdf`."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\- ]+", "_", base, flags=re.UNICODE).strip(" .") or "document"
    base = base[:120]
    return base if base.lower().endswith(".pdf") else base + ".pdf"


_NO_DECOMPOSITION = str.maketrans({"Ł": "L", "ł": "l"})  # NFKD leaves these whole


def content_disposition(filename: str) -> str:
    """`attachment` with the name in ASCII (accents dropped) and, for non-ASCII names, in UTF-8
    (RFC 6266/5987): a header is Latin-1, so "Łódź.pdf" must not reach it as it is."""
    plain = unicodedata.normalize("NFKD", filename.translate(_NO_DECOMPOSITION))
    plain = plain.encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9.\- _]+", "_", plain).strip(" .") or "document.pdf"
    header = f'attachment; filename="{plain}"'
    if plain != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def date_in_range(day: date, today: date) -> bool:
    """A publication's day: from 2000 up to today (Kraków)."""
    return date(FIRST_YEAR, 1, 1) <= day <= today


def like_pattern(query: str) -> str:
    """A search text as an ILIKE pattern matching it anywhere (its wildcards taken literally)."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_terms(query: str) -> list[str]:
    """The words of a search, case-folded (at most 8, each matched anywhere in any language)."""
    return [w.casefold() for w in query.split() if w][:8]


def search_text(
    title: str, summary: str, title_i18n: dict[str, str], summary_i18n: dict[str, str]
) -> str:
    """What a search looks in: every version of the title and the summary, case-folded (so
    "житлова" finds "Житлова" and "ŁÓDŹ" finds "łódź" whatever the database's locale)."""
    parts = [title, summary, *title_i18n.values(), *summary_i18n.values()]
    return "\n".join(parts).casefold()
