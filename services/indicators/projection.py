"""How events become indicator counters: pure functions, no I/O (the live consumer and the rebuild
both run them, so a rebuild comes out identical to what was kept live).

Each event belongs to one aggregate (a question, an edition, a meeting, an application, a
nomination) whose *fact* is merged from its events in any order: JetStream may redeliver and
reorder after a failure, so every merge is commutative (earliest answer wins, latest moderation
decision wins, fields arriving late fill gaps). From a fact we derive what it *contributes* to
the yearly counters; the store applies the difference between the old and the new contribution.
Applying an event twice is prevented by the inbox; applying events out of order gives the same
counters as applying them in order.

Rules decided here (documented in README.md):
- A question counts in the Warsaw year of its receipt; its answer counts in that same year, so
  the answer rate of a year never exceeds 100%, and the median of a year is over the questions
  received that year.
- A question moderated as rejected or merged counts nowhere (it is abuse, off-topic or a
  duplicate); a later "accepted" decision counts it again.
- An answer given live at the bench counts as an answer like a written one; the earliest wins.
- Answer time is whole days elapsed (floor) from receipt to the first answer.
- Grants count in the year of submission (applications) and of the award (initiatives, money).
  A call's fact keeps its specific objectives and a grant's fact its call: the annual report
  reads grants per objective from the two (a grant of a call with several objectives counts
  under each); a call contributes to no counter.
- An Observatory report or study counts in the year of its publication day (a date, already
  Kraków's) until it is withdrawn; a correction of its kind or day (the latest `recorded_at`
  wins) moves it; seminar notes and recommendations do not count.
- An incident report counts in the year it came in; its referral counts toward the share of
  that year when it came within 7 days of the report.
- The asker's verdict (issue 16) counts once per question (the earliest wins), in the year of
  the question's receipt, only for an answered, counted question; a helpful one adds its answer
  time (whole days) to the histogram of `bench.median_days_to_helpful_answer`.
- A question is answered on time when its first answer came by its due date. The department of
  a question is that of its latest assignment to a department of the registry; per department
  (dimensions `received:`, `department:` (answered), `department_on_time:`, `days:<id>:<n>`,
  `verdict:`, `helpful:` of `bench.answered_on_time_share`) the same counts are kept for the
  breakdown and the annual report. A department's name is its latest `bench.department_saved`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.indicators.domain import warsaw_year
from shared.events import Envelope
from shared.events import catalogue as ev

Contribution = dict[str, int]
"""Counter key `indicator|year|dimension` → amount this fact adds to it."""

NOT_COUNTED = frozenset({"rejected", "merged"})
# An incident report referred within this time of its receipt counts as answered in time.
INCIDENT_RESPONSE_TIME = timedelta(days=7)


def counter_key(indicator_id: str, year: int, dimension: str = "") -> str:
    """The key of one yearly counter."""
    return f"{indicator_id}|{year}|{dimension}"


def split_key(key: str) -> tuple[str, int, str]:
    """(indicator_id, year, dimension) of a counter key."""
    indicator_id, year, dimension = key.split("|", 2)
    return indicator_id, int(year), dimension


@dataclass(frozen=True)
class OpenQuestion:
    """A counted question without an answer yet: it is overdue once `due_at` has passed."""

    received_year: int
    due_at: datetime | None


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _earliest(current: str | None, new: datetime) -> str:
    old = _at(current)
    return _iso(new) if old is None or new < old else current  # type: ignore[return-value]


def fact_key(envelope: Envelope) -> str | None:
    """The aggregate an event updates, or None when no indicator depends on the event."""
    p = envelope.payload
    if isinstance(
        p,
        ev.BenchQuestionReceived
        | ev.BenchQuestionAnswered
        | ev.BenchQuestionAnsweredLive
        | ev.BenchQuestionModerated
        | ev.BenchQuestionOverdue
        | ev.BenchQuestionAssigned
        | ev.BenchAnswerVerdictGiven,
    ):
        return f"question:{p.question_id}"
    if isinstance(p, ev.BenchDepartmentSaved):
        return f"department:{p.department_id}"
    if isinstance(p, ev.BenchEditionHeld):
        return f"edition:{p.edition_id}"
    if isinstance(p, ev.CouncilMeetingHeld):
        return f"meeting:{p.meeting_id}"
    if isinstance(p, ev.GrantsApplicationSubmitted | ev.GrantsGrantAwarded):
        return f"application:{p.application_id}"
    if isinstance(p, ev.GrantsCallPublished):
        return f"call:{p.call_id}"
    if isinstance(p, ev.AmbassadorsNominationSubmitted):
        return f"nomination:{p.nomination_id}"
    if isinstance(p, ev.ObservatoryPublicationPublished | ev.ObservatoryPublicationWithdrawn):
        return f"publication:{p.publication_id}"
    if isinstance(p, ev.IncidentReported | ev.IncidentReferred):
        return f"incident:{p.report_id}"
    return None


def merge(data: Mapping[str, Any], envelope: Envelope) -> dict[str, Any]:
    """The fact after this event, whatever order its events arrive in."""
    p = envelope.payload
    d = dict(data)
    if isinstance(p, ev.BenchQuestionReceived):
        d.update(
            kind="question",
            received_at=_iso(p.received_at),
            due_at=_iso(p.due_at),
            group=p.group,
            language=p.language,
            channel=p.channel,
        )
    elif isinstance(p, ev.BenchQuestionAnswered | ev.BenchQuestionAnsweredLive):
        d["kind"] = "question"
        d["answered_at"] = _earliest(d.get("answered_at"), p.answered_at)
    elif isinstance(p, ev.BenchQuestionModerated):
        d["kind"] = "question"
        previous = _at(d.get("moderated_at"))
        if previous is None or p.moderated_at >= previous:
            d.update(moderation=p.decision, moderated_at=_iso(p.moderated_at))
    elif isinstance(p, ev.BenchQuestionOverdue):
        d["kind"] = "question"
        d.setdefault("due_at", _iso(p.due_at))
    elif isinstance(p, ev.BenchQuestionAssigned):
        d["kind"] = "question"
        previous = _at(d.get("assigned_at"))
        if previous is None or p.assigned_at >= previous:
            d.update(
                assigned_at=_iso(p.assigned_at),
                department_id=str(p.department_id) if p.department_id else None,
            )
    elif isinstance(p, ev.BenchAnswerVerdictGiven):
        d["kind"] = "question"
        previous = _at(d.get("verdict_at"))
        if previous is None or p.given_at < previous:
            d.update(verdict=p.verdict, verdict_at=_iso(p.given_at))
    elif isinstance(p, ev.BenchDepartmentSaved):
        previous = _at(d.get("saved_at"))
        if previous is None or p.saved_at >= previous:
            d.update(
                kind="department",
                saved_at=_iso(p.saved_at),
                name=p.name,
                name_i18n=dict(p.name_i18n),
            )
    elif isinstance(p, ev.BenchEditionHeld):
        d.update(kind="edition", held_year=p.held_on.year)
    elif isinstance(p, ev.CouncilMeetingHeld):
        d.update(kind="meeting", year=warsaw_year(p.starts_at), participants=p.participants)
    elif isinstance(p, ev.GrantsApplicationSubmitted):
        d.update(
            kind="application", submitted_year=warsaw_year(p.submitted_at), call_id=str(p.call_id)
        )
    elif isinstance(p, ev.GrantsCallPublished):
        d.update(kind="call", objectives=sorted(set(p.objectives)))
    elif isinstance(p, ev.GrantsGrantAwarded):
        d.update(
            kind="application",
            call_id=str(p.call_id),
            awarded_year=warsaw_year(p.awarded_at),
            amount=p.amount.amount,
            currency=p.amount.currency,
        )
    elif isinstance(p, ev.AmbassadorsNominationSubmitted):
        d.update(
            kind="nomination",
            year=warsaw_year(p.submitted_at),
            group=p.nominator_group,
            language=p.language,
        )
    elif isinstance(p, ev.ObservatoryPublicationPublished):
        d["kind"] = "publication"
        previous = _at(d.get("recorded_at"))
        if previous is None or p.recorded_at >= previous:
            d.update(
                recorded_at=_iso(p.recorded_at),
                publication_kind=p.kind,
                year=p.published_on.year,
            )
    elif isinstance(p, ev.ObservatoryPublicationWithdrawn):
        d.update(kind="publication", withdrawn=True)  # final: no later event undoes it
    elif isinstance(p, ev.IncidentReported):
        d.update(
            kind="incident",
            year=warsaw_year(p.reported_at),
            category=p.category,
            district=p.district,
        )
    elif isinstance(p, ev.IncidentReferred):
        # The year is the report's, known from either event.
        d.update(
            kind="incident",
            referred_year=warsaw_year(p.reported_at),
            referred_on_time=p.referred_at - p.reported_at <= INCIDENT_RESPONSE_TIME,
        )
    return d


def _incident(d: Mapping[str, Any]) -> Contribution:
    """A report counts in the Warsaw year it came in, by its reported category and district;
    referred within 7 days of it, it counts toward the share (dimension `on_time`)."""
    out: Contribution = {}
    if "year" in d:
        y = d["year"]
        out[counter_key("security.incidents_reported", y)] = 1
        out[counter_key("security.incidents_reported", y, f"category:{d['category']}")] = 1
        out[counter_key("security.incidents_reported", y, f"district:{d['district']}")] = 1
    if d.get("referred_on_time"):
        out[counter_key("security.incidents_referred_share", d["referred_year"], "on_time")] = 1
    return out


def _question(d: Mapping[str, Any]) -> Contribution:
    received = _at(d.get("received_at"))
    if received is None or d.get("moderation") in NOT_COUNTED:
        return {}
    year = warsaw_year(received)
    out = {
        counter_key("bench.questions_received", year): 1,
        counter_key("bench.questions_received", year, f"group:{d['group']}"): 1,
        counter_key("bench.questions_received", year, f"language:{d['language']}"): 1,
        counter_key("bench.questions_received", year, f"channel:{d['channel']}"): 1,
    }
    dept = d.get("department_id")
    share = "bench.answered_on_time_share"
    if dept:
        out[counter_key(share, year, f"received:{dept}")] = 1
    answered = _at(d.get("answered_at"))
    if answered is not None:
        days = max(0, (answered - received).days)
        out[counter_key("bench.questions_answered", year)] = 1
        out[counter_key("bench.median_days_to_answer", year, f"days:{days}")] = 1
        due = _at(d.get("due_at"))
        on_time = due is not None and answered <= due
        if on_time:
            out[counter_key(share, year, "on_time")] = 1
        if dept:
            out[counter_key(share, year, f"department:{dept}")] = 1
            out[counter_key(share, year, f"days:{dept}:{days}")] = 1
            if on_time:
                out[counter_key(share, year, f"department_on_time:{dept}")] = 1
        verdict = d.get("verdict")
        if verdict:
            helpful = verdict == "helpful"
            out[counter_key("bench.answers_helpful_share", year, "verdict")] = 1
            if helpful:
                out[counter_key("bench.answers_helpful_share", year, "helpful")] = 1
                out[counter_key("bench.median_days_to_helpful_answer", year, f"days:{days}")] = 1
            if dept:
                out[counter_key(share, year, f"verdict:{dept}")] = 1
                if helpful:
                    out[counter_key(share, year, f"helpful:{dept}")] = 1
    return out


def contributions(data: Mapping[str, Any]) -> Contribution:
    """What a fact adds to the yearly counters."""
    kind = data.get("kind")
    if kind == "question":
        return _question(data)
    if kind == "edition":
        return {counter_key("bench.editions_held", data["held_year"]): 1}
    if kind == "meeting":
        return {
            counter_key("council.meetings_held", data["year"]): 1,
            counter_key("council.meeting_participants", data["year"]): data["participants"],
        }
    if kind == "application":
        out: Contribution = {}
        if "submitted_year" in data:
            out[counter_key("grants.applications_submitted", data["submitted_year"])] = 1
        if "awarded_year" in data:
            year = data["awarded_year"]
            out[counter_key("grants.initiatives_supported", year)] = 1
            out[counter_key("grants.amount_awarded", year, f"currency:{data['currency']}")] = data[
                "amount"
            ]
        return out
    if kind == "incident":
        return _incident(data)
    if kind == "nomination":
        y = data["year"]
        return {
            counter_key("ambassadors.nominations_submitted", y): 1,
            counter_key("ambassadors.nominations_submitted", y, f"group:{data['group']}"): 1,
            counter_key("ambassadors.nominations_submitted", y, f"language:{data['language']}"): 1,
        }
    if kind == "publication":
        # Reports and studies count, in the year of their publication day, until withdrawn.
        if data.get("withdrawn") or data.get("publication_kind") not in ("report", "study"):
            return {}
        return {counter_key("observatory.reports_published", data["year"]): 1}
    return {}


def difference(old: Mapping[str, int], new: Mapping[str, int]) -> Contribution:
    """Per counter, what to add to go from the old contribution to the new one (no zeros)."""
    keys = set(old) | set(new)
    return {
        k: new.get(k, 0) - old.get(k, 0) for k in sorted(keys) if new.get(k, 0) != old.get(k, 0)
    }


def open_question(data: Mapping[str, Any]) -> OpenQuestion | None:
    """The open-question entry of a fact: counted, received, not answered; else None."""
    if data.get("kind") != "question" or data.get("answered_at"):
        return None
    received = _at(data.get("received_at"))
    if received is None or data.get("moderation") in NOT_COUNTED:
        return None
    return OpenQuestion(received_year=warsaw_year(received), due_at=_at(data.get("due_at")))


def changed_indicators(
    diff: Mapping[str, int], envelope: Envelope, data: Mapping[str, Any] | None = None
) -> set[tuple[str, int]]:
    """(indicator id, year) pairs whose shown value may have changed after an event."""
    changed: set[tuple[str, int]] = set()
    received = _at((data or {}).get("received_at"))
    if received is not None:  # any question event may open, close or flag it
        changed.add(("bench.questions_overdue", warsaw_year(received)))
    for key in diff:
        indicator_id, year, _ = split_key(key)
        changed.add((indicator_id, year))
        if indicator_id in ("bench.questions_received", "bench.questions_answered"):
            changed |= {("bench.answer_rate", year), ("bench.questions_overdue", year)}
        if indicator_id == "bench.median_days_to_answer":
            changed |= {("bench.questions_answered", year), ("bench.answered_on_time_share", year)}
        if indicator_id in ("bench.questions_received", "ambassadors.nominations_submitted"):
            changed.add(("participation.foreign_participants_share", year))
        if indicator_id == "security.incidents_reported":
            changed.add(("security.incidents_referred_share", year))
    p = envelope.payload
    if isinstance(p, ev.IndicatorValueReported):
        changed.add((p.indicator_id, p.year))
    return changed
