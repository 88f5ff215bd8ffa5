"""What a maintenance course has let pass, and whether a relapse still waits for a decision.

One place decides both, for every reader: the prescriber's Today list, the chart summary, the
course page, the desk's "Boosters to book", the course PDF (``overdue``), and the booster booking
gate (``relapse_review_refusal``). The rules are the domain's
(``domain.outcomes.maintenance.overdue_items`` and ``relapse_decision_pending``); this module
gathers their inputs inside a unit of work: the stored plan, the boosters given, the relapse
watch, the prescribers' decisions and the clinic's local date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ketaclinic.domain.assessments.instruments.registry import instrument_name
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.outcomes.maintenance import RelapseWatch
from ketaclinic.domain.outcomes.standing import Overdue, overdue_items, relapse_decision_pending
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import Patient
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.scheduling.booking import BookingKind
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.outcomes.review import CourseReview, build_review
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

#: A maintenance plan and its relapse watch are in force in these states (not once it ended).
OVERDUE_STATES = frozenset({CourseState.REASSESSMENT, CourseState.MAINTENANCE})

RELAPSE_REVIEW_RULE = "booster.relapse_review"


def relapse_review_words(*, kat: bool) -> str:
    """Why a booster cannot be booked while a relapse waits for the prescriber (plain words), in
    the course's own words: a KAT course starts again with a new KAT series, never a
    "re-induction" (see :func:`ketaclinic.services.scheduling.course_kind.course_is_kat`)."""
    again = "a new KAT series" if kat else "re-induction"
    return (
        "the patient's relapse-watch results meet the relapse criteria: a physician or APP "
        f"decides on the course's outcome page ({again}, a new booster plan, or ending the "
        "course) before a maintenance booster is booked"
    )


RELAPSE_REVIEW_SOURCE = "clinical.md §3.4 (relapse definitions) and §9.2 (maintenance decisions)"
"""The clinical source of the relapse-review hold, shown one click away beside its rule."""


def clinic_today(uow: UnitOfWork, clinic_id: int, now: datetime) -> date:
    """The clinic's local date at ``now``."""
    clinic = uow.clinics.get(clinic_id)
    return now.astimezone(ZoneInfo(clinic.timezone if clinic else "UTC")).date()


def boosters_given(uow: UnitOfWork, course: Course) -> dict[int, datetime]:
    """Booster number -> start of dosing, for each booked booster whose session was dosed."""
    numbers = {
        b.id: b.session_number
        for b in uow.schedule.for_course(course.clinic_id, course.id)
        if b.kind is BookingKind.BOOSTER
    }
    return {
        numbers[s.appointment_id]: s.dosing_started_at
        for s in uow.sessions.for_patient(course.clinic_id, course.patient_id)
        if s.course_id == course.id
        and s.appointment_id in numbers
        and s.dosing_started_at is not None
    }


def course_overdue(uow: UnitOfWork, review: CourseReview, *, today: date) -> tuple[Overdue, ...]:
    """Missed boosters and an overdue relapse-watch check of the course on ``today`` (clinic
    local date), oldest first; nothing once the course ended or before a plan or watch exists."""
    course = review.course
    if course.state not in OVERDUE_STATES:
        return ()
    windows = review.plan.plan.windows if review.plan is not None else ()
    next_check = review.relapse.next_check_on if review.relapse is not None else None
    instrument = instrument_name(review.protocol.maintenance.relapse_watch_instrument)
    given = set(boosters_given(uow, course)) if windows else set()
    return overdue_items(
        windows,
        given,
        next_check,
        check_label=f"Relapse-watch check ({instrument})",
        today=today,
    )


def _decided_at(uow: UnitOfWork, course: Course) -> list[datetime]:
    """When a prescriber recorded a decision on the course: a course decision (every move is a
    physician's or APP's, with its reason) or a booster plan stored."""
    found = [t.at for t in uow.courses.history(course.clinic_id, course.id)]
    plan = uow.outcomes.latest_plan(course.clinic_id, course.id)
    if plan is not None:
        found.append(plan.created_at)
    return found


def _relapse_entered_at(uow: UnitOfWork, course: Course, watch: RelapseWatch) -> datetime | None:
    """When the last score that met a relapse rule was entered in the system."""
    met = {(s.instrument, s.administered_at) for e in watch.met for s in e.meeting_scores}
    entered = [
        r.recorded_at
        for instrument in {i for i, _ in met}
        for r in uow.assessments.for_patient(course.clinic_id, course.patient_id, instrument)
        if (r.instrument_id, r.answered_at) in met
    ]
    return max(entered, default=None)


def relapse_review_pending(uow: UnitOfWork, review: CourseReview) -> bool:
    """The relapse criteria are met and no prescriber decision was recorded since the relapse
    was known (the meeting scores answered and entered)."""
    if review.relapse is None or not review.relapse.watch.relapse:
        return False
    watch = review.relapse.watch
    return relapse_decision_pending(
        watch,
        _decided_at(uow, review.course),
        known_at=_relapse_entered_at(uow, review.course, watch),
    )


def relapse_review_refusal(uow: UnitOfWork, review: CourseReview) -> str | None:
    """``booster.relapse_review: <reason>`` while booking must wait for the prescriber."""
    if not relapse_review_pending(uow, review):
        return None
    return f"{RELAPSE_REVIEW_RULE}: {relapse_review_words(kat=review.kat)}"


@dataclass(frozen=True, slots=True)
class OverdueEntry:
    """One course with something overdue: the prescriber's Today row."""

    patient: Patient
    course: Course
    items: tuple[Overdue, ...]

    @property
    def since(self) -> date:
        return self.items[0].since


@dataclass(frozen=True, slots=True)
class CourseStanding:
    """One course's overdue items and whether its relapse waits for a decision."""

    overdue: tuple[Overdue, ...]
    relapse_review: bool


class OverdueService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def course(self, actor: Actor, course_id: int) -> CourseStanding:
        """What the course has let pass today (clinic local date), and whether a met relapse
        waits for a prescriber's decision (booster booking is held until then)."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            course = uow.courses.get(actor.clinic_id, course_id)
            if course is None:
                return CourseStanding((), False)
            protocol = load_published(uow, actor.clinic_id, course.protocol_version_id).protocol
            review = build_review(uow, course, protocol, at=self._clock.now())
            today = clinic_today(uow, actor.clinic_id, self._clock.now())
            return CourseStanding(
                course_overdue(uow, review, today=today), relapse_review_pending(uow, review)
            )

    def worklist(self, actor: Actor) -> list[OverdueEntry]:
        """Every open maintenance course (each patient's latest) with a missed booster or an
        overdue relapse-watch check, the longest overdue first, ties by patient name."""
        require(actor, Permission.COURSE_MANAGE)
        now = self._clock.now()
        found: list[OverdueEntry] = []
        with self._uow() as uow:
            today = clinic_today(uow, actor.clinic_id, now)
            for course in uow.courses.in_states(actor.clinic_id, tuple(OVERDUE_STATES)):
                others = uow.courses.for_patient(actor.clinic_id, course.patient_id)
                if course.id != max(c.id for c in others):
                    continue
                protocol = load_published(uow, course.clinic_id, course.protocol_version_id)
                review = build_review(uow, course, protocol.protocol, at=now)
                items = course_overdue(uow, review, today=today)
                patient = uow.patients.get(actor.clinic_id, course.patient_id)
                if items and patient is not None:
                    found.append(OverdueEntry(patient, course, items))
        return sorted(
            found, key=lambda e: (e.since, e.patient.display_name.casefold(), e.course.id)
        )
