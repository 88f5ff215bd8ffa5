"""Where a patient's treatment stands, for the top of the chart: the current course and its
state, the session the patient is in right now (which chair, since when), the induction sessions
given and still booked, the next appointment not yet opened, the
latest score of each questionnaire with the one before it, and the last infusion session.

One read in one unit of work (PATIENT_READ). The page shows the scores and the last session only
to staff who record questionnaires or run sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.assessments.instruments import INSTRUMENTS
from ketaclinic.domain.assessments.records import AssessmentResponse
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import CLOSED_STATES, InfusionSession
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.scheduling.booking import Booking, kat_course, visit_words
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

GIVEN = frozenset({SessionState.DISCHARGED, SessionState.RECOVERY, SessionState.STOPPED})


def booking_words(booking: Booking) -> str:
    """What an appointment is, in plain words ("Induction session 3", "Maintenance booster 1")."""
    return booking.words


@dataclass(frozen=True, slots=True)
class InChairNow:
    """The patient's session open right now (arrived, in the chair, dosing or recovering)."""

    session: InfusionSession
    chair_name: str
    visit: str = ""
    """What the visit is ("Induction session 3", "Maintenance booster 1", "unscheduled
    visit")."""

    @property
    def checked_in_at(self) -> datetime:
        """When the nurse checked the patient in at the chair (else when the session was
        opened): not when the dose started (``dose_started_at``)."""
        return self.session.checked_in_at or self.session.created_at

    @property
    def dose_started_at(self) -> datetime | None:
        """When dosing started; None before the dose."""
        return self.session.dosing_started_at

    @property
    def what(self) -> str:
        """ "Induction session 3", "Maintenance booster 1", or "unscheduled visit" for a session
        without an appointment."""
        return self.visit or visit_words(None, self.session.session_number)


@dataclass(frozen=True, slots=True)
class ScoreTrend:
    """The latest complete score of one questionnaire and the one before it."""

    instrument_id: str
    title: str
    total: int
    band_label: str | None
    at: datetime
    previous: int | None
    score_max: int | None

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.total - self.previous

    @property
    def trend(self) -> str:
        """In words, for the page: "down 4 from 18", "up 2 from 7", "unchanged", or ""."""
        change = self.change
        if change is None:
            return ""
        if change == 0:
            return "unchanged"
        return f"{'down' if change < 0 else 'up'} {abs(change)} from {self.previous}"


@dataclass(frozen=True, slots=True)
class ChartSummary:
    course: Course | None
    protocol_title: str
    series_sessions: int
    sessions_given: int
    next_booking: Booking | None
    bookings_ahead: int
    scores: tuple[ScoreTrend, ...]
    last_session: InfusionSession | None
    in_chair: InChairNow | None = None
    last_visit: str = ""
    """What the last session's visit was, in words (see :func:`visit_words`)."""
    sessions_discharged: int = 0
    """Of the sessions given, those the patient was discharged from: only these count towards
    finishing the series (a given session still in recovery does not, yet)."""
    kat: bool = False
    """The course doses by SL, IN or IM (ketamine-assisted therapy): "KAT session", not
    "Induction session"."""

    @property
    def series_words(self) -> str:
        """What the course's series sessions are called: "KAT sessions" or "Induction
        sessions"."""
        return "KAT sessions" if self.kat else "Induction sessions"

    @property
    def next_words(self) -> str:
        """The next booking in plain words, or "" when nothing is booked."""
        return self.next_booking.words_for(kat=self.kat) if self.next_booking else ""


def _trends(responses: list[AssessmentResponse]) -> tuple[ScoreTrend, ...]:
    by_instrument: dict[str, list[AssessmentResponse]] = {}
    for r in sorted(responses, key=lambda r: r.answered_at):
        if r.complete and r.total is not None:
            by_instrument.setdefault(r.instrument_id, []).append(r)
    trends = []
    for instrument_id, scored in sorted(by_instrument.items()):
        last = scored[-1]
        assert last.total is not None
        known = INSTRUMENTS.get(instrument_id)
        trends.append(
            ScoreTrend(
                instrument_id=instrument_id,
                title=known.title if known else instrument_id,
                total=last.total,
                band_label=last.band_label,
                at=last.answered_at,
                previous=scored[-2].total if len(scored) > 1 else None,
                score_max=known.score_max if known else None,
            )
        )
    return tuple(trends)


class ChartSummaryService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def summary(self, actor: Actor, patient_id: int) -> ChartSummary:
        """Where the patient's current course stands (PATIENT_READ)."""
        require(actor, Permission.PATIENT_READ)
        with self._uow().read_only() as uow:
            return _summary(uow, actor.clinic_id, patient_id, self._clock.now())


def _summary(uow: UnitOfWork, clinic_id: int, patient_id: int, now: datetime) -> ChartSummary:
    courses = uow.courses.for_patient(clinic_id, patient_id)
    course = max(courses, key=lambda c: c.id) if courses else None
    title, series = "", 0
    ahead: list[Booking] = []
    given, discharged, kat = 0, 0, False
    sessions = uow.sessions.for_patient(clinic_id, patient_id)
    opened_for = {s.appointment_id for s in sessions if s.state is not SessionState.SCHEDULED}
    if course is not None:
        loaded = load_published(uow, clinic_id, course.protocol_version_id)
        title, series = loaded.published.title, loaded.protocol.series.sessions
        ordered = sorted(uow.dosing.orders_for_course(clinic_id, course.id), key=lambda o: o.id)
        kat = kat_course([o.content.route for o in ordered], loaded.protocol.dosing.routes)
        ahead = sorted(
            (b for b in uow.schedule.for_course(clinic_id, course.id) if b.active),
            key=lambda b: b.start_at,
        )
        ahead = [b for b in ahead if b.end_at >= now and b.id not in opened_for]
        given = sum(1 for s in sessions if s.course_id == course.id and s.state in GIVEN)
        discharged = sum(
            1 for s in sessions if s.course_id == course.id and s.state is SessionState.DISCHARGED
        )
    opened = [
        s for s in sessions if s.state not in (SessionState.SCHEDULED, SessionState.CANCELLED)
    ]
    last = max(opened, key=lambda s: s.checked_in_at or s.created_at) if opened else None
    now_open = [s for s in sessions if s.state not in CLOSED_STATES]
    in_chair = None
    if now_open:
        current = max(now_open, key=lambda s: s.id)
        chairs = {c.id: c.name for c in uow.clinics.chairs(clinic_id)}
        in_chair = InChairNow(
            current,
            chairs.get(current.chair_id, f"chair {current.chair_id}"),
            _visit(uow, current, kat=kat and course is not None and current.course_id == course.id),
        )
    return ChartSummary(
        course=course,
        protocol_title=title,
        series_sessions=series,
        sessions_given=given,
        sessions_discharged=discharged,
        next_booking=ahead[0] if ahead else None,
        bookings_ahead=len(ahead),
        scores=_trends(list(uow.assessments.for_patient(clinic_id, patient_id))),
        last_session=last,
        in_chair=in_chair,
        last_visit=(
            _visit(uow, last, kat=kat and course is not None and last.course_id == course.id)
            if last is not None
            else ""
        ),
        kat=kat,
    )


def _visit(uow: UnitOfWork, s: InfusionSession, *, kat: bool = False) -> str:
    booking = (
        uow.schedule.get(s.clinic_id, s.appointment_id) if s.appointment_id is not None else None
    )
    return visit_words(booking, s.session_number, kat=kat)
