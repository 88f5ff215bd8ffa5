"""The clinic outcomes dashboard: every figure with its denominator, computed from stored rows.

Source of truth: the system-of-record tables of ONE clinic (tagged scores, courses, pinned
protocols, dose administrations), read in one unit of work and turned into the analytics facts of
``domain.outcomes.analytics``; the figures are that module's reference functions. Chosen over
feeding the ``adapters.analytics`` fact tables on every score: a clinic's own dashboard reads
thousands of rows, well inside a request, and cannot drift from the chart; the rollup tables and
their SQL are the network-scale path measured in ``bench/analytics`` (performance.md §5).
Definitions per course come from its pinned protocol (clinical.md §9.1), so rates are grouped by
protocol first. Adverse events come from recorded dose administrations and the events recorded
on the course's sessions; alarms are every alarm raised on the course's sessions (:func:`_alarms`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.outcomes.analytics import (
    CourseFact,
    CourseScores,
    RateRow,
    RemissionRow,
    SafetyRateRow,
    ScoreFact,
    SessionRetentionRow,
    collect_scores,
    compute_rates,
    compute_remission,
    compute_retention,
    compute_safety_rates,
    select_courses,
    series_end_words,
)
from ketaclinic.domain.outcomes.cohort_trajectory import TrajectoryPoint, compute_trajectory
from ketaclinic.domain.outcomes.records import CourseScore
from ketaclinic.domain.outcomes.response import InstrumentScore, ScoreKind
from ketaclinic.domain.outcomes.scores import course_baseline
from ketaclinic.domain.outcomes.time_to_response import KaplanMeierRow, compute_time_to_response
from ketaclinic.domain.patients.course import TERMINAL, CourseState
from ketaclinic.domain.patients.people import age_on
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.sections import OutcomeDefinition
from ketaclinic.domain.scheduling.booking import is_kat
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.infusion.adverse_events import (
    course_adverse_events,
    unknown_kinds,
    with_recorded_events,
)
from ketaclinic.services.ports import UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

SERIES_SESSIONS = 6


@dataclass(frozen=True, slots=True)
class ProtocolFigures:
    """Every figure for the courses of one protocol (one outcome definition)."""

    protocol_id: str
    definition: OutcomeDefinition
    courses: int
    rates_by_month: tuple[RateRow, ...]
    rate_overall: tuple[RateRow, ...]
    remission: tuple[RemissionRow, ...]
    trajectory: tuple[TrajectoryPoint, ...]
    time_to_response: tuple[KaplanMeierRow, ...]
    retention: tuple[SessionRetentionRow, ...] = ()  # drop-out over the protocol's own series
    protocol_name: str = ""  # what staff call it (the pack title's name part)
    series_sessions: int = SERIES_SESSIONS  # sessions in the protocol's series (its own length)
    kat: bool = False  # a KAT protocol (SL, IN or IM dosing): its series is a "KAT series"

    @property
    def name(self) -> str:
        return self.protocol_name or self.protocol_id

    @property
    def measured_at(self) -> str:
        """When response and remission are measured, in words: "at the end of the KAT series
        (session 3)", "at the end of the series (session 6)"."""
        return series_end_words(self.series_sessions, kat=self.kat)


@dataclass(frozen=True, slots=True)
class Dashboard:
    clinic_id: int
    from_month: str
    to_month: str
    protocols: tuple[ProtocolFigures, ...]
    safety: tuple[SafetyRateRow, ...]
    sessions_source: str  # "administrations" when dose records exist, else "scores"


def _age_band(years: int) -> str:
    bands = ((12, 17), (18, 25), (26, 40), (41, 64))
    return next((f"{lo}-{hi}" for lo, hi in bands if lo <= years <= hi), "65+")


def _score_fact(course: Course, s: CourseScore, baselines: Sequence[InstrumentScore]) -> ScoreFact:
    """Session 0 is the course's baseline (the one rule); a superseded baseline has no number."""
    number = s.score.session_number if s.kind is ScoreKind.SESSION else None
    if s.kind is ScoreKind.BASELINE and s.score in baselines:
        number = 0
    days = (s.score.administered_at.date() - course.opened_at.date()).days
    return ScoreFact(course.id, s.score.instrument, number, days, s.score.total)


@dataclass(frozen=True, slots=True)
class _Loaded:
    facts: list[CourseFact]
    scores: list[ScoreFact]
    definitions: dict[str, OutcomeDefinition]
    from_administrations: bool
    names: dict[str, str]  # protocol id -> name
    series: dict[str, int]  # protocol id -> sessions in its series
    kat: frozenset[str]  # ids of the KAT protocols (SL, IN or IM dosing, no infusion)


def _alarms(uow: UnitOfWork, course: Course) -> int:
    """Alarms raised on the course's infusion sessions, whatever became of them (still active,
    cleared, acknowledged or resolved), each counted once however often it repeated before anyone
    acknowledged it. These are the alarms the monitoring stores (``services.infusion``); a dose
    administration's own alarm list is filled only by older records, so it would show none."""
    ids = [
        s.id
        for s in uow.sessions.for_patient(course.clinic_id, course.patient_id)
        if s.course_id == course.id
    ]
    if not ids:
        return 0
    return sum(len(found) for found in uow.alarms.for_sessions(course.clinic_id, ids).values())


def _course_fact(uow: UnitOfWork, course: Course, protocol_id: str, scored: int) -> CourseFact:
    events = course_adverse_events(uow, course.clinic_id, course.id, course.patient_id)
    given = with_recorded_events(uow.dosing.administrations(course.clinic_id, course.id), events)
    patient = uow.patients.get(course.clinic_id, course.patient_id)
    years = age_on(patient.details.date_of_birth, course.opened_at.date()) if patient else 0
    return CourseFact(
        course_id=course.id,
        clinic_id=course.clinic_id,
        protocol_id=protocol_id,
        started_on=course.opened_at.date(),
        age_band=_age_band(years),
        prior_treatments=0,
        sessions_completed=len(given) if given else scored,
        adverse_events=sum(len(a.response.adverse_events) for a in given) + unknown_kinds(events),
        alarms=_alarms(uow, course),
        ended=course.state in TERMINAL,
    )


def _load(uow: UnitOfWork, clinic_id: int) -> _Loaded:
    by_course: dict[int, list[CourseScore]] = {}
    for s in uow.outcomes.scores_for_clinic(clinic_id):
        by_course.setdefault(s.course_id, []).append(s)
    facts: list[CourseFact] = []
    scores: list[ScoreFact] = []
    definitions: dict[str, OutcomeDefinition] = {}
    names: dict[str, str] = {}
    series: dict[str, int] = {}
    kat: set[str] = set()
    administered = False
    for course in uow.courses.in_states(clinic_id, tuple(CourseState)):
        if course.id not in by_course:
            continue
        loaded = load_published(uow, clinic_id, course.protocol_version_id)
        rules = loaded.protocol.reassessment
        names[loaded.published.protocol_id] = loaded.published.name
        series[loaded.published.protocol_id] = loaded.protocol.series.sessions
        if is_kat(loaded.protocol.dosing.routes):
            kat.add(loaded.published.protocol_id)
        definitions[loaded.published.protocol_id] = next(
            o for o in rules.outcomes if o.instrument == rules.primary_instrument
        )
        tagged = by_course[course.id]
        scored = max((s.score.session_number or 0 for s in tagged), default=0)
        fact = _course_fact(uow, course, loaded.published.protocol_id, scored)
        administered = administered or bool(uow.dosing.administrations(clinic_id, course.id))
        facts.append(fact)
        plain = [s.score for s in tagged]
        baselines = [
            b for i in {s.instrument for s in plain} if (b := course_baseline(plain, i)) is not None
        ]
        scores.extend(_score_fact(course, s, baselines) for s in tagged)
    return _Loaded(facts, scores, definitions, administered, names, series, frozenset(kat))


def _figures(
    protocol_id: str,
    definition: OutcomeDefinition,
    courses: Sequence[CourseScores],
    name: str,
    series_sessions: int,
    facts: Sequence[CourseFact],
    *,
    kat: bool,
) -> ProtocolFigures:
    """One protocol's figures; the sessions listed run over its own series (3 for a KAT series
    of 3, 6 for an IV induction of 6), never another protocol's, and response and remission are
    measured at its last session (the end of the series)."""
    end = series_sessions
    return ProtocolFigures(
        protocol_id=protocol_id,
        protocol_name=name,
        series_sessions=series_sessions,
        kat=kat,
        definition=definition,
        courses=len(courses),
        rates_by_month=tuple(
            compute_rates(courses, definition, group_by=("month",), at_session=end)
        ),
        rate_overall=tuple(
            compute_rates(courses, definition, group_by=("clinic",), at_session=end)
        ),
        remission=tuple(compute_remission(courses, definition, at_session=end)),
        trajectory=tuple(compute_trajectory(courses, max_session=series_sessions)),
        time_to_response=tuple(
            compute_time_to_response(courses, definition, max_session=series_sessions)
        ),
        retention=tuple(compute_retention(facts, series_sessions=series_sessions)),
    )


def check_months(from_month: str, to_month: str) -> None:
    """Both months as "YYYY-MM" with ``from_month <= to_month``; names the bad field."""
    errors = {}
    for name, value in (("from_month", from_month), ("to_month", to_month)):
        try:
            date.fromisoformat(f"{value}-01")
            if len(value) != 7:
                raise ValueError(value)
        except ValueError:
            errors[name] = "must be a month (YYYY-MM)"
    if not errors and from_month > to_month:
        errors["to_month"] = "must not be before from_month"
    if errors:
        raise ValidationFailed(errors)


class DashboardService:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory

    def build(self, actor: Actor, from_month: str, to_month: str) -> Dashboard:
        """The clinic's figures for courses opened in ``[from_month, to_month]`` (inclusive).

        Response = drop >= the protocol's ``response_pct_drop`` at the end of the protocol's own
        series (its last session: 6 for an IV induction of 6, 3 for a KAT series of 3);
        remission = score <= ``remission_max_score`` there; mean trajectory with a 95 %
        t-interval; Kaplan-Meier time to first response; drop-out after each session; events per
        100 sessions (clinical.md §9.1).
        """
        require(actor, Permission.OUTCOMES_READ)
        check_months(from_month, to_month)
        with self._uow() as uow:
            loaded = _load(uow, actor.clinic_id)
        chosen = select_courses(loaded.facts, from_month=from_month, to_month=to_month)
        ids = {c.course_id for c in chosen}
        figures = []
        for protocol_id in sorted({c.protocol_id for c in chosen}):
            definition = loaded.definitions[protocol_id]
            mine = [c for c in chosen if c.protocol_id == protocol_id]
            scores = [s for s in loaded.scores if s.course_id in ids]
            grouped = collect_scores(mine, scores, definition.instrument)
            name = loaded.names.get(protocol_id, protocol_id)
            series = loaded.series.get(protocol_id, SERIES_SESSIONS)
            kat = protocol_id in loaded.kat
            figures.append(_figures(protocol_id, definition, grouped, name, series, mine, kat=kat))
        return Dashboard(
            clinic_id=actor.clinic_id,
            from_month=from_month,
            to_month=to_month,
            protocols=tuple(figures),
            safety=tuple(compute_safety_rates(chosen, group_by=("protocol",))),
            sessions_source="administrations" if loaded.from_administrations else "scores",
        )
