"""Clinic outcome analytics: the pure reference computation of every dashboard figure.

The independent computation the SQL of ``ketaclinic.adapters.analytics`` is tested against. Rows
always carry their denominator; rates and statistics are floats (summaries), counts are exact.
Conventions shared with the SQL: ``session_number`` 0 is the baseline, 1..n induction sessions,
``None`` later; at most one score per course, instrument and session; the 3-month score is the
latest in :data:`THREE_MONTH_WINDOW_DAYS`; response = drop >= ``response_pct_drop`` (exact),
remission = score <= ``remission_max_score``. A course is classified only from a usable baseline
(:func:`usable_baseline`, the course page's rule): a missing or 0 baseline, or one already at or
below the remission threshold (:meth:`OutcomeDefinition.classifiable_from`), leaves the course out
of every figure measured from baseline, as the course page shows it "cannot classify". The mean
trajectory is in ``cohort_trajectory`` and the time to response in ``time_to_response``.
Source: clinical.md §9.1; performance.md §5.3 (the six D1 queries).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter

from ketaclinic.domain.outcomes.response import drop_reaches
from ketaclinic.domain.protocols.sections import OutcomeDefinition

THREE_MONTH_WINDOW_DAYS = (76, 104)  # 90 +/- 14 days from the course start


@dataclass(frozen=True, slots=True)
class CourseFact:
    """One treatment course (one patient's induction and follow-up) as analytics sees it."""

    course_id: int
    clinic_id: int
    protocol_id: str
    started_on: date
    age_band: str  # e.g. "18-25"
    prior_treatments: int  # count of prior failed treatments, capped by the source
    sessions_completed: int
    adverse_events: int
    alarms: int
    # False while the course is still in treatment (not completed or discontinued): a course that
    # has not ended has not stopped, whatever its session count today
    ended: bool = True

    @property
    def start_month(self) -> str:
        return f"{self.started_on.year:04d}-{self.started_on.month:02d}"


@dataclass(frozen=True, slots=True)
class ScoreFact:
    """One administered instrument total for a course."""

    course_id: int
    instrument: str
    session_number: int | None
    days_from_start: int
    total: int


@dataclass(frozen=True, slots=True)
class CourseScores:
    """One course's scores on one instrument, keyed the way every query reads them."""

    course: CourseFact
    baseline: int | None
    by_session: dict[int, int]
    three_month: int | None

    @property
    def last_session(self) -> int:
        return max((k for k in self.by_session if k >= 1), default=0)


def usable_baseline(cs: CourseScores, definition: OutcomeDefinition) -> int | None:
    """The course's baseline when a course can be classified from it, else ``None``.

    Session 0 is the course's baseline (``domain.outcomes.scores.course_baseline``); it must be
    above 0 and above the remission threshold (:meth:`OutcomeDefinition.classifiable_from`): a
    course that starts in the remission range cannot reach remission, and a percent drop from it
    says nothing about response, so the course page shows it as "cannot classify".
    """
    if cs.baseline is None or cs.baseline <= 0 or not definition.classifiable_from(cs.baseline):
        return None
    return cs.baseline


def end_pair(
    cs: CourseScores, definition: OutcomeDefinition, at_session: int
) -> tuple[int, int] | None:
    """``(baseline, score at at_session)`` when both exist and the baseline is usable."""
    score = cs.by_session.get(at_session)
    baseline = usable_baseline(cs, definition)
    if baseline is None or score is None:
        return None
    return baseline, score


def series_end_words(sessions: int, *, kat: bool) -> str:
    """When a protocol's response and remission are measured, in words: at the last session of
    its own series, "at the end of the KAT series (session 3)" for a KAT series of 3, "at the end
    of the series (session 6)" for an IV induction of 6."""
    return f"at the end of the {'KAT ' if kat else ''}series (session {sessions})"


def _natural(key: tuple[str, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, int(v), "") if v.isdigit() else (1, 0, v) for v in key)


def select_courses(
    courses: Iterable[CourseFact],
    *,
    from_month: str,
    to_month: str,
    clinic_ids: Sequence[int] | None = None,
) -> list[CourseFact]:
    """Courses started in ``[from_month, to_month]`` ("YYYY-MM", inclusive) (and clinics)."""
    wanted = set(clinic_ids) if clinic_ids is not None else None
    return [
        c
        for c in courses
        if from_month <= c.start_month <= to_month and (wanted is None or c.clinic_id in wanted)
    ]


def collect_scores(
    courses: Iterable[CourseFact], scores: Iterable[ScoreFact], instrument: str
) -> list[CourseScores]:
    """Group scores of ``instrument`` per course (every given course, with or without scores)."""
    low, high = THREE_MONTH_WINDOW_DAYS
    by_course: dict[int, list[ScoreFact]] = defaultdict(list)
    for score in scores:
        if score.instrument == instrument:
            by_course[score.course_id].append(score)
    out = []
    for course in courses:
        rows = by_course.get(course.course_id, [])
        sessions = {s.session_number: s.total for s in rows if s.session_number is not None}
        window = sorted(
            (s.days_from_start, s.total) for s in rows if low <= s.days_from_start <= high
        )
        three = window[-1][1] if window else None
        out.append(CourseScores(course, sessions.pop(0, None), sessions, three))
    return out


@dataclass(frozen=True, slots=True)
class RateRow:
    """Response and remission at one session for one group, with the denominator."""

    group: tuple[str, ...]
    denominator: int  # courses with a usable baseline and a score at the session
    responders: int
    remitters: int

    @property
    def response_rate(self) -> float:
        return self.responders / self.denominator if self.denominator else 0.0

    @property
    def remission_rate(self) -> float:
        return self.remitters / self.denominator if self.denominator else 0.0


_GROUP_KEYS: dict[str, Callable[[CourseFact], str]] = {
    "protocol": attrgetter("protocol_id"),
    "clinic": lambda c: str(c.clinic_id),
    "month": attrgetter("start_month"),
}


def compute_rates(
    course_scores: Iterable[CourseScores],
    definition: OutcomeDefinition,
    *,
    group_by: Sequence[str],
    at_session: int = 6,
) -> list[RateRow]:
    """Response and remission rates at ``at_session`` grouped by protocol, clinic and/or month."""
    counts: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for cs in course_scores:
        if (pair := end_pair(cs, definition, at_session)) is not None:
            row = counts[tuple(_GROUP_KEYS[name](cs.course) for name in group_by)]
            row[0] += 1
            row[1] += drop_reaches(*pair, definition.response_pct_drop)
            row[2] += pair[1] <= definition.remission_max_score
    return [RateRow(key, *counts[key]) for key in sorted(counts, key=_natural)]


@dataclass(frozen=True, slots=True)
class RemissionRow:
    """Remission at the end of the protocol's series (its last session) and at 3 months."""

    protocol_id: str
    end_of_series_n: int
    end_of_series_remitted: int
    three_month_n: int
    three_month_remitted: int


def compute_remission(
    course_scores: Iterable[CourseScores], definition: OutcomeDefinition, *, at_session: int = 6
) -> list[RemissionRow]:
    """Remission (score <= remission cut) at ``at_session`` and at 3 months, per protocol, over
    courses with a usable baseline (:func:`usable_baseline`)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    cut = definition.remission_max_score
    for cs in course_scores:
        if usable_baseline(cs, definition) is None:
            continue
        row = counts[cs.course.protocol_id]
        score = cs.by_session.get(at_session)
        if score is not None:
            row[0] += 1
            row[1] += score <= cut
        if cs.three_month is not None:
            row[2] += 1
            row[3] += cs.three_month <= cut
    return [RemissionRow(key, *counts[key]) for key in sorted(counts)]


@dataclass(frozen=True, slots=True)
class CohortChange:
    """Median and interquartile range of the change (points) from baseline, for one cohort."""

    age_band: str
    prior_treatments: int
    n: int
    median: float
    q1: float
    q3: float


def compute_median_change(
    course_scores: Iterable[CourseScores], definition: OutcomeDefinition, *, at_session: int = 6
) -> list[CohortChange]:
    """Change ``score(at_session) - baseline`` by cohort (age band x prior treatments), over
    courses with a usable baseline (:func:`usable_baseline`).

    Quartiles use linear interpolation between order statistics (PostgreSQL ``percentile_cont``).
    """
    changes: dict[tuple[str, int], list[int]] = defaultdict(list)
    for cs in course_scores:
        if (pair := end_pair(cs, definition, at_session)) is not None:
            changes[(cs.course.age_band, cs.course.prior_treatments)].append(pair[1] - pair[0])
    rows = []
    for key in sorted(changes):
        xs = changes[key]
        one = [float(xs[0])] * 3
        q1, median, q3 = statistics.quantiles(xs, n=4, method="inclusive") if len(xs) > 1 else one
        rows.append(CohortChange(key[0], key[1], len(xs), median, q1, q3))
    return rows


@dataclass(frozen=True, slots=True)
class ClinicRank:
    """A clinic's end-of-induction response, adjusted for case mix (indirect standardisation)."""

    clinic_id: int
    n: int
    observed: int
    expected: float
    adjusted_rate: float  # observed / expected x overall rate


def compute_top_clinics(
    course_scores: Iterable[CourseScores],
    definition: OutcomeDefinition,
    *,
    at_session: int = 6,
    min_courses: int = 20,
    limit: int = 10,
) -> list[ClinicRank]:
    """Top clinics by risk-adjusted response; strata = age band x prior treatments.

    Expected responders of a clinic = sum over its courses of the network response rate of the
    course's stratum. Clinics with fewer than ``min_courses`` eligible courses are left out.
    """
    pct = definition.response_pct_drop
    pairs = ((cs.course, end_pair(cs, definition, at_session)) for cs in course_scores)
    eligible = [(c, int(drop_reaches(*p, pct))) for c, p in pairs if p is not None]
    if not eligible:
        return []
    strata: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for course, resp in eligible:
        s = strata[(course.age_band, course.prior_treatments)]
        s[0], s[1] = s[0] + 1, s[1] + resp
    overall = sum(r for _, r in eligible) / len(eligible)
    clinics: dict[int, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for course, resp in eligible:
        n, r = strata[(course.age_band, course.prior_treatments)]
        row = clinics[course.clinic_id]
        row[0], row[1], row[2] = row[0] + 1, row[1] + resp, row[2] + r / n
    ranks = [
        ClinicRank(cid, int(n), int(obs), exp, (obs / exp * overall) if exp else 0.0)
        for cid, (n, obs, exp) in clinics.items()
        if n >= min_courses
    ]
    ranks.sort(key=lambda r: (-r.adjusted_rate, r.clinic_id))
    return ranks[:limit]


@dataclass(frozen=True, slots=True)
class SessionRetentionRow:
    """How many courses reached session k and how many stopped right after it.

    A course stopped after session k when it has ended (completed or discontinued) with exactly k
    sessions although the series has more; a course still in treatment with k sessions has not
    stopped (``in_treatment``) and its next step is not known yet, so it is left out of the
    drop-out rate's denominator.
    """

    session_number: int
    reached: int
    dropped_after: int  # ended with exactly k sessions although the series has more
    in_treatment: int = 0  # still in treatment with exactly k sessions: not stopped, not yet on

    @property
    def decided(self) -> int:
        """Courses reaching session k whose step after it is known (went on or ended)."""
        return self.reached - self.in_treatment

    @property
    def dropout_rate(self) -> float:
        return self.dropped_after / self.decided if self.decided else 0.0


def compute_retention(
    courses: Iterable[CourseFact], *, series_sessions: int = 6
) -> list[SessionRetentionRow]:
    """Sessions completed per course and drop-out after each session of the induction series.

    Only an ended course (completed or discontinued) short of the series counts as a drop-out;
    a course still in treatment is not one, however few sessions it has had so far."""
    done = [(c.sessions_completed, c.ended) for c in courses]
    return [
        SessionRetentionRow(
            k,
            sum(1 for n, _ in done if n >= k),
            sum(1 for n, ended in done if n == k and ended) if k < series_sessions else 0,
            sum(1 for n, ended in done if n == k and not ended) if k < series_sessions else 0,
        )
        for k in range(1, series_sessions + 1)
    ]


@dataclass(frozen=True, slots=True)
class SafetyRateRow:
    """Adverse events and alarms per 100 completed sessions for one group."""

    group: tuple[str, ...]
    sessions: int
    adverse_events: int
    alarms: int

    @property
    def adverse_events_per_100(self) -> float:
        return 100 * self.adverse_events / self.sessions if self.sessions else 0.0

    @property
    def alarms_per_100(self) -> float:
        return 100 * self.alarms / self.sessions if self.sessions else 0.0


def compute_safety_rates(
    courses: Iterable[CourseFact], *, group_by: Sequence[str]
) -> list[SafetyRateRow]:
    """Adverse-event and alarm rates per 100 sessions, grouped by protocol, clinic and/or month."""
    sums: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for course in courses:
        row = sums[tuple(_GROUP_KEYS[name](course) for name in group_by)]
        row[0] += course.sessions_completed
        row[1] += course.adverse_events
        row[2] += course.alarms
    return [SafetyRateRow(key, *sums[key]) for key in sorted(sums, key=_natural)]
