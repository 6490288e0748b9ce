"""Dialogue Bench rules, free of I/O: references, due dates, who may ask what and when."""

from __future__ import annotations

import functools
import hashlib
import heapq
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.refusals import N_, Refusal, Status, Wording, register

WARSAW = ZoneInfo("Europe/Warsaw")

# Why the Bench refuses a request: the API's English text (as it always was) and the page text,
# translated in locale/{pl,en,uk}. A `reason` parameter is a `shared.refusals.Reasons` of the
# refusals the rules below return (codes of their own, further down): the API says their English
# sentence as before, the pages say the code's text and then each reason in the reader's language.
REFUSALS = register(
    {
        "bench.edition_not_found": Wording(
            N_("This session does not exist."), "no edition %(edition_id)s"
        ),
        "bench.question_not_found": Wording(
            N_("This question does not exist."), "no question %(question_id)s"
        ),
        "bench.inbound_not_found": Wording(
            N_("This message does not exist."), "no inbound message %(inbound_id)s"
        ),
        "bench.not_assigned": Wording(
            N_("This question is not assigned to you."), "this question is not assigned to you"
        ),
        "bench.edition_closed": Wording(
            N_("This session takes no more questions."),
            "this edition takes no more questions: %(reason)s",
        ),
        "bench.consent_needed": Wording(
            N_("Tick the consent box to be answered at this e-mail address."),
            "must be true when an e-mail address is given",
        ),
        "bench.text_too_short": Wording(
            N_("Write at least 10 characters."), "write at least 10 characters"
        ),
        "bench.only_spaces": Wording(
            N_("Write at least %(least)s characters (not only spaces)."),
            "write at least %(least)s characters (not only spaces)",
        ),
        "bench.edition_change_refused": Wording(
            N_("The session's state cannot be changed this way now."), "%(reason)s"
        ),
        "bench.reason_needed": Wording(
            N_("Say why the question is rejected."), "say why the question is rejected"
        ),
        "bench.merged_into_needed": Wording(
            N_("Name the question this one duplicates."), "name the question this one duplicates"
        ),
        "bench.merge_target_unknown": Wording(
            N_("There is no such question in this session."), "no such question in this edition"
        ),
        "bench.moderation_refused": Wording(
            N_("This decision cannot be taken on the question in its present state."),
            "%(reason)s",
        ),
        "bench.question_closed": Wording(
            N_("The question is already closed: answered, rejected or merged."),
            "the question is %(status)s",
        ),
        "bench.already_answered_live": Wording(
            N_("The question was already marked as answered live."),
            "the question was already marked as answered live",
        ),
        "bench.answer_refused": Wording(
            N_("This question can no longer get a written answer."), "%(reason)s"
        ),
        "bench.answer_language": Wording(
            N_("Answer in the asker's language (%(language)s) or in Polish."),
            "answer in the asker's language (%(language)s) or in Polish (pl)",
        ),
        "bench.discard_reason_needed": Wording(
            N_("Say why the message is discarded."), "say why the message is discarded"
        ),
        "bench.needed_for_question": Wording(
            N_("This is needed to make the message a question."),
            "needed to make the message a question",
        ),
        "bench.inbound_not_waiting": Wording(
            N_("The message is not waiting for moderation any more."),
            "the message is %(status)s, not waiting for moderation",
        ),
        "bench.withhold_reason_needed": Wording(
            N_("Say why the question is kept out of the public archive."),
            "say why the question is withheld",
        ),
        "bench.already_withheld": Wording(
            N_("The question is already kept out of the public archive."),
            "the question is already withheld",
        ),
        "bench.not_withheld": Wording(
            N_("The question is not withheld."), "the question is not withheld"
        ),
        "bench.translation_language": Wording(
            N_("A translation cannot be in the question's own language (%(language)s)."),
            "a translation cannot be in the original's language (%(language)s)",
        ),
        "bench.answer_unknown": Wording(
            N_("This answer does not belong to the question."),
            "answer %(answer_id)s is not an answer to this question",
        ),
        # The reasons of edition_change_refused, moderation_refused and answer_refused.
        "bench.edition_already_held": Wording(
            N_("The session was already held."), "the edition was already held"
        ),
        "bench.edition_already_so": Wording(
            N_("The session is already in this state: %(status)s."),
            "the edition is already %(status)s",
        ),
        "bench.edition_closing_passed": Wording(
            N_(
                "Its closing time has passed: create a new session, or change the closing time "
                "first."
            ),
            "the closing time has passed; create a new edition or move its closing time",
        ),
        "bench.edition_not_held_yet": Wording(
            N_("The session is planned for %(held_on)s: record it as held on that day or later."),
            "the edition is planned for %(held_on)s; record it as held on or after that day",
        ),
        "bench.question_already_final": Wording(
            N_("The question is already closed: %(status)s."), "the question is already %(status)s"
        ),
        "bench.question_moderated_already": Wording(
            N_("The question was already moderated: %(status)s."),
            "the question was already %(status)s",
        ),
        "bench.merge_into_itself": Wording(
            N_("A question cannot be merged into itself."),
            "a question cannot be merged into itself",
        ),
        "bench.merge_target_closed": Wording(
            N_(
                "That question was itself rejected or merged: merge into the question it was "
                "merged into."
            ),
            "the target question is %(status)s; merge into the question it was merged into",
        ),
        "bench.answered_already": Wording(
            N_("The question has already been answered."), "the question is already answered"
        ),
        "bench.answer_merged": Wording(
            N_("The question was merged into another one: answer that question instead."),
            "the question is merged; answer the question it was merged into",
        ),
        "bench.answer_rejected": Wording(
            N_("The question was rejected, so it gets no written answer."),
            "the question was rejected",
        ),
        # The responders' registry and answer templates (issue 13).
        "bench.responder_needed": Wording(
            N_("Choose a responder."), "name a responder: responder_id or responder"
        ),
        "bench.department_needed": Wording(
            N_("Enter the department."), "name the department of the responder"
        ),
        "bench.answer_waits_for_review": Wording(
            N_("An answer to it waits for review."), "an answer to it waits for review"
        ),
        "bench.no_answer_in_review": Wording(
            N_("No answer to this question waits for review."),
            "no answer to this question waits for review",
        ),
        "bench.department_unknown": Wording(
            N_("There is no such department."), "no department %(department_id)s"
        ),
        "bench.department_responder_unknown": Wording(
            N_("One of the chosen responders is not an active responder of the registry."),
            "no active responder %(responder_id)s",
        ),
        "bench.responder_unknown": Wording(
            N_("There is no such responder."), "no responder %(responder_id)s"
        ),
        "bench.responder_inactive": Wording(
            N_("%(name)s is no longer a responder: choose someone else."),
            "the responder %(name)s was deactivated",
        ),
        "bench.responder_duplicate": Wording(
            N_("%(name)s is already a responder with this address."),
            "an active responder (%(name)s) already has this address",
        ),
        "bench.responder_already_inactive": Wording(
            N_("%(name)s was already deactivated."), "the responder %(name)s is already deactivated"
        ),
        "bench.template_not_found": Wording(
            N_("This answer template does not exist."), "no answer template %(template_id)s"
        ),
        "bench.template_retired": Wording(
            N_("This answer template was retired: it can no longer be changed."),
            "the answer template was retired",
        ),
        "bench.template_language": Wording(
            N_("Choose one of the languages."), "not a language of the Bench: %(language)s"
        ),
    }
)
REFERENCE_PREFIX = "LD"


def format_reference(year: int, edition_number: int, seq: int) -> str:
    """A human reference for residents: LD-<year>-<edition number>-<question number>."""
    return f"{REFERENCE_PREFIX}-{year:04d}-{edition_number:02d}-{seq:04d}"


def due_at(received_at: datetime, answer_due_days: int) -> datetime:
    """End of the Warsaw day `answer_due_days` after receipt, in UTC (a deadline is a day)."""
    local_day: date = received_at.astimezone(WARSAW).date() + timedelta(days=answer_due_days)
    end_of_day = datetime.combine(local_day, time(23, 59, 59), tzinfo=WARSAW)
    return end_of_day.astimezone(ZoneInfo("UTC"))


def edition_accepts_questions(
    status: str, submissions_close_at: datetime, now: datetime
) -> str | None:
    """None when the edition takes questions now, else the reason it does not."""
    if status != "open":
        return f"the edition is {status}"
    if now >= submissions_close_at:
        return f"submissions closed at {submissions_close_at.astimezone(WARSAW).isoformat()}"
    return None


def new_tracking_token() -> str:
    """A secret the asker uses to follow a question; only its hash is stored."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """The stored form of a tracking token."""
    return hashlib.sha256(token.encode()).hexdigest()


def warsaw_year(moment: datetime) -> int:
    """The calendar year in Kraków of a UTC moment (indicators count per Warsaw year)."""
    return moment.astimezone(WARSAW).year


# --- Questions: states and who may move them -------------------------------------------------

OPEN_STATUSES = ("received", "accepted", "assigned", "answer_in_review")
FINAL_STATUSES = ("answered", "rejected", "merged")
MODERATION_DECISIONS = ("accepted", "rejected", "merged")


def moderation_refusal(status: str, decision: str) -> Refusal | None:
    """None when a question in `status` may take `decision`, else why not."""
    if status in FINAL_STATUSES:
        return Refusal("bench.question_already_final", {"status": Status(status)})
    if decision == "accepted" and status != "received":
        return Refusal("bench.question_moderated_already", {"status": Status(status)})
    return None


def merge_refusal(
    question_id: object, target_id: object, target_status: str, target_merged_into: object
) -> Refusal | None:
    """None when a question may be merged into the target, else why not."""
    if question_id == target_id:
        return Refusal("bench.merge_into_itself")
    if target_status in ("rejected", "merged") or target_merged_into is not None:
        return Refusal("bench.merge_target_closed", {"status": Status(target_status)})
    return None


def answer_refusal(status: str) -> Refusal | None:
    """None when a written answer may be given to a question in `status`."""
    if status == "answered":  # `follow_up` (the asker wrote after it) takes a second answer
        return Refusal("bench.answered_already")
    if status == "merged":
        return Refusal("bench.answer_merged")
    if status == "rejected":
        return Refusal("bench.answer_rejected")
    if status == "answer_in_review":
        return Refusal("bench.answer_waits_for_review")
    return None


def answer_language_refusal(question_language: str, answer_language: str) -> str | None:
    """Answers are written in the asker's language or in Polish."""
    if answer_language in (question_language, "pl"):
        return None
    return f"answer in the asker's language ({question_language}) or in Polish (pl)"


def is_overdue(status: str, due: datetime, now: datetime) -> bool:
    """Still waiting for its written answer after the due moment."""
    return status in OPEN_STATUSES and now > due


def question_history(
    question: Mapping[str, Any],
    followups: Sequence[Mapping[str, Any]],
    answers: Sequence[Mapping[str, Any]],
) -> list[tuple[datetime, str, str | None, str | None]]:
    """What happened to a question, oldest first: (when, event, by whom, detail).

    Read from the question's own columns: a later assignment replaces an earlier one, so only
    the latest routing shows. Events: received, moderated_<decision>, assigned, answered_live,
    followup, overdue, answered, delivered.
    """
    entries: list[tuple[datetime, str, str | None, str | None]] = [
        (question["received_at"], "received", question["entered_by"], question["channel"])
    ]
    if question["moderated_at"] is not None:
        if question["merged_into"] is not None:
            decision = "merged"
        elif question["status"] == "rejected":
            decision = "rejected"
        else:
            decision = "accepted"
        entries.append(
            (
                question["moderated_at"],
                f"moderated_{decision}",
                question["moderated_by"],
                question["reject_reason"],
            )
        )
    if question["assigned_at"] is not None:
        entries.append(
            (question["assigned_at"], "assigned", question["assigned_to"], question["department"])
        )
    if question["answered_live_at"] is not None:
        entries.append((question["answered_live_at"], "answered_live", None, None))
    if question["overdue_flagged_at"] is not None:
        entries.append((question["overdue_flagged_at"], "overdue", None, None))
    entries.extend((f["received_at"], "followup", None, None) for f in followups)
    for answer in answers:
        entries.append(
            (answer["answered_at"], "answered", answer["answered_by"], answer["language"])
        )
        if answer["delivered_at"] is not None:
            entries.append((answer["delivered_at"], "delivered", None, answer["delivered_via"]))
    # Stable: events of one moment keep the order in which they happen.
    return sorted(entries, key=lambda entry: entry[0])


def mail_languages(language: str) -> tuple[str, ...]:
    """Languages of the frame text of our mails to an asker.

    Residents see Polish, English and Ukrainian. Russian- and Belarusian-speaking askers get
    English and Ukrainian side by side: Ukrainian is the closest of the three to their own
    language and English is widely read; the answer itself is in their language or in Polish.
    """
    if language in ("pl", "en", "uk"):
        return (language,)
    return ("en", "uk")


# --- Likely duplicates -------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)
DUPLICATE_THRESHOLD = 0.45


@functools.lru_cache(maxsize=8192)
def _stems(text: str) -> frozenset[str]:
    # Cutting words to 5 letters is a crude stemmer that works across Polish, Ukrainian and
    # English inflection well enough to suggest (never decide) duplicates. Cached: the same
    # recent questions are compared with every new one of their edition.
    return frozenset(w[:5] for w in _WORD.findall(text.lower()) if len(w) > 2)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' word stems, 0..1."""
    sa, sb = _stems(a), _stems(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def likely_duplicates(
    text: str, topic: str, candidates: Iterable[tuple[object, str, str]], limit: int = 5
) -> list[tuple[object, float]]:
    """Candidates (id, text, topic) that look like the same question, best first."""
    mine = _stems(text)
    if not mine:
        return []
    scored = []
    for cid, ctext, ctopic in candidates:
        theirs = _stems(ctext)
        if not theirs:
            continue
        shared = len(mine & theirs)
        if not shared and ctopic != topic:
            continue  # below any threshold
        score = shared / (len(mine) + len(theirs) - shared) + (0.1 if ctopic == topic else 0.0)
        if score >= DUPLICATE_THRESHOLD:
            scored.append((score, cid))
    # Stable: among equal scores the earlier candidate (the more recent question) comes first.
    best = heapq.nlargest(limit, scored, key=lambda item: item[0])
    return [(cid, round(min(score, 1.0), 3)) for score, cid in best]


# --- Questions that arrive by e-mail ----------------------------------------------------------

_UK_ONLY = set("іїєґІЇЄҐ")
_BE_ONLY = set("ўЎ")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_POLISH = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
_POLISH_WORDS = {
    "jest",
    "czy",
    "nie",
    "się",
    "dla",
    "kiedy",
    "gdzie",
    "jak",
    "dzień",
    "dobry",
    "mam",
    "pytanie",
}


def detect_language(text: str, declared: str | None = None) -> str:
    """The language of a mail: a declared Content-Language we know, else the script and letters."""
    if declared:
        code = declared.split(",")[0].strip().lower()[:2]
        if code in ("pl", "en", "uk", "ru", "be"):
            return code
    letters = set(text)
    if len(_CYRILLIC.findall(text)) >= 3:
        if letters & _BE_ONLY:
            return "be"
        if letters & _UK_ONLY:
            return "uk"
        return "ru"
    words = set(_WORD.findall(text.lower()))
    if letters & _POLISH or words & _POLISH_WORDS:
        return "pl"
    return "en"


_TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "education": (
        "szkoł",
        "szkol",
        "przedszk",
        "school",
        "kindergarten",
        "teacher",
        "nauczy",
        "школ",
        "садоч",
        "освіт",
        "образов",
        "учител",
        "вчител",
    ),
    "health_care": (
        "lekarz",
        "szpital",
        "przychod",
        "zdrow",
        "doctor",
        "hospital",
        "clinic",
        "health",
        "лікар",
        "лікарн",
        "врач",
        "больниц",
        "здоров",
    ),
    "housing": (
        "mieszka",
        "czynsz",
        "wynajem",
        "flat",
        "apartment",
        "housing",
        "rent",
        "житл",
        "квартир",
        "оренд",
        "жиль",
    ),
    "legal_stay": (
        "karta pobytu",
        "pobyt",
        "wiza",
        "residence",
        "visa",
        "permit",
        "pesel",
        "посвідк",
        "віз",
        "вид на жительство",
        "побут",
    ),
    "work": ("praca", "pracy", "pracodaw", "job", "employ", "work", "робот", "работ", "заробіт"),
    "urban_infrastructure": (
        "tramwaj",
        "autobus",
        "drog",
        "chodnik",
        "ulic",
        "tram",
        "bus",
        "road",
        "street",
        "трамва",
        "автобус",
        "дорог",
        "вулиц",
        "улиц",
    ),
    "safety": ("bezpiecz", "policj", "safety", "police", "безпек", "поліц", "полиц", "безопас"),
    "culture": (
        "kultur",
        "festiwal",
        "muzeum",
        "culture",
        "festival",
        "museum",
        "культур",
        "фестивал",
        "музе",
    ),
}


def guess_topic(text: str) -> str:
    """The likeliest topic of a mailed question by keywords; `other` when nothing matches.

    A guess for the coordinator to confirm at moderation, never a decision.
    """
    lowered = text.lower()
    counts = {topic: sum(lowered.count(w) for w in words) for topic, words in _TOPIC_WORDS.items()}
    best = max(counts, key=lambda t: counts[t])
    return best if counts[best] else "other"


def edition_change_refusal(
    status: str, target: str, submissions_close_at: datetime, held_on: date, now: datetime
) -> Refusal | None:
    """None when an edition may move from `status` to `target` now, else why not."""
    if status == "held":
        return Refusal("bench.edition_already_held")
    if target == status:
        return Refusal("bench.edition_already_so", {"status": Status(status)})
    if target == "open" and now >= submissions_close_at:
        return Refusal("bench.edition_closing_passed")
    if target == "held" and held_on > now.astimezone(WARSAW).date():
        return Refusal("bench.edition_not_held_yet", {"held_on": held_on})
    return None


_URL = re.compile(r"https?://|www\.", re.IGNORECASE)


def looks_like_spam(text: str) -> bool:
    """Mail that is mostly links or one repeated character: held for a person to look at."""
    links = len(_URL.findall(text))
    letters = Counter(c for c in text if c.isalpha())
    total = sum(letters.values())
    # Counted in one pass: the text of a hostile mail may be megabytes long.
    repetitive = bool(total) and max(letters.values()) > 0.6 * total
    return links >= 5 or repetitive


def ladder_steps(
    *, status: str, due_at: datetime, reminder_days: int, taken: Sequence[str], now: datetime
) -> list[str]:
    """The escalation steps due now and not taken yet, in order: `reminder` (an assigned
    question, from the start of the Warsaw day `reminder_days` before its due day), `head` (from
    the start of the due day), `coordinator` (past the due moment). Each is taken once."""
    if status not in OPEN_STATUSES:
        return []
    due_day = due_at.astimezone(WARSAW).date()

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(0, 0), tzinfo=WARSAW)

    steps = []
    if status in ("assigned", "answer_in_review") and now >= start_of(
        due_day - timedelta(days=reminder_days)
    ):
        steps.append("reminder")
    if now >= start_of(due_day):
        steps.append("head")
    if now > due_at:
        steps.append("coordinator")
    return [s for s in steps if s not in taken]
