"""A course's tagged scores, and the one rule that decides a course's baseline on an instrument.

Every complete answer recorded on a course is tagged with its point on the course's timeline
(``services.outcomes.timeline``); the tag is the link between a score and its course. The
baseline of a course on an instrument is decided here and nowhere else: the outcome
classification, the futility review, the relapse watch, the dosing screen, the score trajectory
and its charts, the course report and the dashboard all call :func:`course_baseline`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ScoreKind(StrEnum):
    """Why an instrument was administered."""

    BASELINE = "baseline"  # at evaluation, before the first infusion
    SESSION = "session"  # before an induction infusion
    REASSESSMENT = "reassessment"  # the protocol's post-induction reassessment visits
    RELAPSE_WATCH = "relapse_watch"  # the maintenance check instrument
    MAINTENANCE = "maintenance"  # at a booster visit


_SCORE_KIND_WORDS = {
    ScoreKind.BASELINE: "Baseline",
    ScoreKind.SESSION: "Induction session",
    ScoreKind.REASSESSMENT: "Reassessment",
    ScoreKind.RELAPSE_WATCH: "Relapse-watch check",
    ScoreKind.MAINTENANCE: "Maintenance booster",
}


def score_kind_words(kind: ScoreKind, *, kat: bool = False) -> str:
    """Why a score was taken, as people read it on a printed report: "Baseline", "Relapse-watch
    check"; a score before a session of a KAT course's series is "KAT session", never
    "Induction session" (see ``domain.scheduling.booking.is_kat``)."""
    if kat and kind is ScoreKind.SESSION:
        return "KAT session"
    return _SCORE_KIND_WORDS[kind]


@dataclass(frozen=True, slots=True)
class InstrumentScore:
    """One administered instrument's total score (points on the instrument's own scale)."""

    instrument: str
    total: int
    administered_at: datetime
    kind: ScoreKind
    session_number: int | None = None  # induction session the score was taken at, if any


@dataclass(frozen=True, slots=True)
class CourseScore:
    """One recorded response tagged with why it was taken (points on the instrument's scale)."""

    response_id: int
    course_id: int
    patient_id: int
    score: InstrumentScore

    @property
    def kind(self) -> ScoreKind:
        return self.score.kind


def course_baseline(
    scores: Iterable[InstrumentScore], instrument: str, *, at: datetime | None = None
) -> InstrumentScore | None:
    """The baseline of a course on ``instrument``, from the course's tagged scores (or None).

    The rule (clinical.md §9.2: baseline at evaluation, before the first infusion):

    - only a score tagged **baseline** on the course counts. An answer with no course link is
      never tagged, so it is never a course's baseline, whatever its date or total; nor is the
      first score ever recorded unless the course tagged it baseline;
    - a baseline taken after the course's first induction-session score is not one;
    - with ``at``, only scores taken at or before ``at`` count (the picture as of that time);
    - when several remain (the questionnaire was retaken before the first infusion), the
      **latest** counts: it is the patient's state closest to the start of treatment. Two taken
      at the same instant: the one recorded last (the later one in ``scores``).

    ``scores`` are one course's tagged scores (:func:`tagged_on`); any order.
    """
    own = [s for s in scores if s.instrument == instrument]
    first_session = min(
        (s.administered_at for s in own if s.kind is ScoreKind.SESSION), default=None
    )
    found: InstrumentScore | None = None
    for s in own:
        if s.kind is not ScoreKind.BASELINE:
            continue
        if (at is not None and s.administered_at > at) or (
            first_session is not None and s.administered_at > first_session
        ):
            continue
        if found is None or s.administered_at >= found.administered_at:
            found = s
    return found


def tagged_on(scores: Iterable[CourseScore], course_id: int) -> list[InstrumentScore]:
    """The scores tagged on course ``course_id`` (oldest first), for :func:`course_baseline`."""
    own = [s.score for s in scores if s.course_id == course_id]
    return sorted(own, key=lambda s: s.administered_at)


def course_baseline_of(
    scores: Sequence[CourseScore], course_id: int, instrument: str, *, at: datetime | None = None
) -> InstrumentScore | None:
    """:func:`course_baseline` of course ``course_id`` from a list of tagged scores (any course)."""
    return course_baseline(tagged_on(scores, course_id), instrument, at=at)
