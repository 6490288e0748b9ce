"""Request and response bodies of the ambassadors API (validated at the edge by msgspec)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from shared import addresses
from shared.events.catalogue import Group, Language

EMAIL_PATTERN = addresses.PATTERN
Email = addresses.Email  # checked and normalised by addresses.check_fields
AwareDatetime = Annotated[datetime, Meta(tz=True)]
Name = Annotated[str, Meta(min_length=2, max_length=200)]
CriterionKey = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Score = Annotated[int, Meta(ge=0, le=10)]
NominationStatus = Literal["awaiting_acceptance", "accepted", "merged", "withdrawn"]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


TextLanguage = Literal["pl", "en", "uk"]
TranslationLanguage = Literal["en", "uk"]  # a staff text's original is Polish


class CriterionIn(Strict):
    key: CriterionKey
    name: Name
    weight: Annotated[float, Meta(gt=0, le=100)]
    # The name in English and Ukrainian (shown to readers of those languages; else the Polish
    # original, marked as such).
    name_i18n: dict[TranslationLanguage, Annotated[str, Meta(min_length=2, max_length=200)]] = {}


class EditionText(Strict):
    """An edition's own words in one language, shown on the public pages."""

    title: Annotated[str, Meta(min_length=3, max_length=200)]
    description: Annotated[str, Meta(max_length=5000)] = ""


class EditionIn(Strict):
    year: Annotated[int, Meta(ge=2000, le=2100)]
    nominations_close_at: AwareDatetime
    criteria: Annotated[list[CriterionIn], Meta(min_length=1, max_length=12)]
    titles: Annotated[int, Meta(ge=1, le=50)] = 3
    jury_deadline_at: AwareDatetime | None = None
    texts: dict[TextLanguage, EditionText] = {}


class Criterion(msgspec.Struct, kw_only=True):
    key: str
    name: str
    weight: float
    name_i18n: dict[str, str] = {}


class Edition(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    year: int
    nominations_close_at: datetime
    jury_deadline_at: datetime
    titles: int
    criteria: list[Criterion]
    published_at: datetime | None
    texts: dict[str, EditionText] = {}


class NominationIn(Strict):
    candidate_name: Name
    candidate_email: Email
    justification: Annotated[str, Meta(min_length=20, max_length=5000)]
    nominator_name: Name
    nominator_email: Email
    consent: bool
    nominator_group: Group = "undisclosed"
    language: Language = "pl"

    def __post_init__(self) -> None:
        addresses.check_fields(self, "candidate_email", "nominator_email")


class NominationCreated(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: uuid.UUID
    reference: str
    status: str
    merged_into: uuid.UUID | None = None


class TokenIn(Strict):
    token: Annotated[str, Meta(min_length=8, max_length=200)]


class WithdrawalIn(Strict):
    """The nominator's or the candidate's token from their e-mail; a coordinator sends none."""

    token: Annotated[str, Meta(min_length=8, max_length=200)] | None = None


class NominationState(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    status: str


class Supporter(msgspec.Struct, kw_only=True):
    reference: str
    nominator_name: str
    justification: str
    submitted_at: datetime


class NominationSummary(msgspec.Struct, kw_only=True):
    """The coordinator's view of a candidacy (a merged duplicate shows as merged)."""

    id: uuid.UUID
    reference: str
    status: str
    candidate_name: str
    nominators: int
    language: str
    submitted_at: datetime
    accepted_at: datetime | None
    merged_into: uuid.UUID | None


MailLanguage = Literal["pl", "en", "uk"]


class JurorIn(Strict):
    """A juror to appoint. Without `subject` the one this service already holds for the address
    is reused, else a new one is made (`shared.people.new_subject`): the coordinator's page
    appoints by name and address only."""

    name: Name
    email: Email
    subject: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    linked_nominations: Annotated[list[uuid.UUID], Meta(max_length=200)] = []
    language: MailLanguage = "pl"

    def __post_init__(self) -> None:
        addresses.check_fields(self, "email")


class Juror(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    edition_id: uuid.UUID
    subject: str
    name: str
    linked_nominations: list[uuid.UUID]


class NominationsOpenIn(Strict):
    """Open nominations (again) until a moment in the future."""

    nominations_close_at: AwareDatetime


class LinkIn(Strict):
    nomination_id: uuid.UUID


class JurorProgress(msgspec.Struct, kw_only=True):
    juror_id: uuid.UUID
    subject: str
    name: str
    eligible: int
    scored: int
    recused: int
    pending: int


class ScoresIn(Strict):
    scores: dict[CriterionKey, Score] = {}
    comment: Annotated[str, Meta(max_length=2000)] | None = None
    conflict_of_interest: bool = False


class ScoreRecorded(msgspec.Struct, kw_only=True):
    nomination_id: uuid.UUID
    juror_id: uuid.UUID
    recused: bool
    submitted_at: datetime


class JurorNomination(msgspec.Struct, kw_only=True):
    """What a juror sees of a candidacy: the candidate and every nominator's justification."""

    id: uuid.UUID
    reference: str
    candidate_name: str
    supporters: list[Supporter]
    my_decision: Literal["pending", "scored", "recused"]


class ScoreView(msgspec.Struct, kw_only=True):
    juror_name: str
    recused: bool
    scores: dict[str, int] | None
    weighted_total: float | None
    comment: str | None
    submitted_at: datetime


class Standing(msgspec.Struct, kw_only=True):
    nomination_id: uuid.UUID
    reference: str
    candidate_name: str
    weighted_mean: float | None
    normalised_score: float | None
    rank: int
    normalised_rank: int
    jurors_scored: int
    recusals: int
    tied: bool


class Ranking(msgspec.Struct, kw_only=True):
    edition_id: uuid.UUID
    titles: int
    items: list[Standing]
    total: int
    tie_break: str


class ResultsIn(Strict):
    laureates: Annotated[list[uuid.UUID], Meta(min_length=1, max_length=50)]


class Laureate(msgspec.Struct, kw_only=True):
    """A laureate. On the public results (API and pages) the name and the short justification
    are there only when the laureate agreed to publish them (`name_published`); the
    coordinator's pages see the candidate's name and the publication state."""

    nomination_id: uuid.UUID
    reference: str
    candidate_name: str | None
    name_published: bool = False
    justification: str | None = None
    justification_language: str | None = None
    justification_i18n: dict[str, str] = {}


class MayorMeeting(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    held_on: date
    place: str
    ambassadors_present: list[uuid.UUID]


class Results(msgspec.Struct, kw_only=True):
    edition_id: uuid.UUID
    year: int
    published_at: datetime
    laureates: list[Laureate]
    mayor_meetings: list[MayorMeeting]


class MayorMeetingIn(Strict):
    held_on: date
    place: Annotated[str, Meta(min_length=2, max_length=300)]
    ambassadors_present: Annotated[list[uuid.UUID], Meta(min_length=1, max_length=50)]
    notes: Annotated[str, Meta(max_length=5000)] | None = None
