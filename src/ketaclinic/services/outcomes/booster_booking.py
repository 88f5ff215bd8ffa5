"""Booking maintenance boosters: the one path every entry point takes (the chart's "Book
maintenance booster N" button, the outcome page's "Book boosters", the API, the demo seeder).

A booster is a dose decision by a prescriber, so a booster is only ever booked from the booster
plan the prescriber stored for the course (``maintenance.booster_plans``, the latest in force);
before a plan is stored booking is refused with that reason, never filled in from the protocol's
default intervals. Each window booked becomes a one-session request that may start anywhere
between the window's first day and the end of its last day (clinic local time), placed by the
clinic's scheduler against every booked appointment, chairs, nurses and opening hours; bookings
are stored as ``proposed`` boosters (confirmed like any series). Booking refuses while consent is
not in force or the safety gate is open (the scheduling service's ``ensure_may_book``), and while
the relapse-watch results meet the relapse criteria until a physician or APP records a decision
on the course (rule ``booster.relapse_review``, ``services.outcomes.overdue``). Windows
that cannot be placed are reported, never silently dropped: a clinician moves them by hand.
Source: clinical.md §3.3 (maintenance spacing is a proposal the clinician edits).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from ketaclinic.domain.errors import Conflict, SafetyBlock, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.outcomes.maintenance import BoosterWindow
from ketaclinic.domain.outcomes.records import StoredBoosterPlan
from ketaclinic.domain.outcomes.standing import Overdue
from ketaclinic.domain.patients.course import TERMINAL
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.scheduling import (
    Schedule,
    Scheduler,
    SeriesKind,
    SeriesRequest,
    SessionShape,
)
from ketaclinic.domain.scheduling.booking import Booking, BookingKind, BookingStatus, NewBooking
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.outcomes.overdue import (
    clinic_today,
    course_overdue,
    relapse_review_pending,
    relapse_review_refusal,
    relapse_review_words,
)
from ketaclinic.services.outcomes.review import build_review
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published
from ketaclinic.services.scheduling.booking import ScheduleService
from ketaclinic.services.scheduling.calendar import (
    Frame,
    booked_shape,
    induction_of,
    next_slot,
    shape_for,
)
from ketaclinic.services.scheduling.problem import problem_with


@dataclass(frozen=True, slots=True)
class BoosterBooking:
    """Stored booster bookings and the window numbers the engine could not place."""

    bookings: tuple[Booking, ...]
    unplaced: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BoostersDue:
    """A course whose stored booster plan has boosters still to book, or something overdue: the
    desk's worklist row."""

    course_id: int
    patient_id: int
    patient_name: str
    windows: tuple[BoosterWindow, ...]  # unbooked windows not yet over, earliest first
    overdue: tuple[Overdue, ...] = ()  # missed boosters, an overdue relapse-watch check
    relapse_review: bool = False  # booking waits for the prescriber's decision after a relapse

    @property
    def next(self) -> BoosterWindow | None:
        return self.windows[0] if self.windows else None

    @property
    def missed(self) -> tuple[int, ...]:
        """Numbers of the plan's boosters whose dates passed without the booster being given:
        they come before any open window, yet cannot be booked in dates that are over (the
        booking gate refuses an ended window); the prescriber moves them in the booster plan."""
        return tuple(o.booster_number for o in self.overdue if o.booster_number is not None)

    @property
    def due_on(self) -> date:
        """The oldest date this row is about: what is overdue, else the next window's start."""
        dates = [o.due_on for o in self.overdue]
        if self.windows:
            dates.append(self.windows[0].earliest_on)
        return min(dates)


def open_windows(
    stored: StoredBoosterPlan, booked: set[int], today: date
) -> tuple[BoosterWindow, ...]:
    """The plan's windows not booked yet whose last day is not past."""
    return tuple(w for w in stored.plan.windows if w.number not in booked and w.latest_on >= today)


NO_PLAN_YET = "No maintenance plan yet: the physician decides maintenance on the outcome page"
"""Why the schedule offers no booster to book before a plan is stored (for the desk's screens)."""

NO_PLAN = (
    "store the booster plan first: a prescriber stores the course's booster plan on its "
    "outcome page before any booster is booked"
)
"""Why a booster cannot be booked before the prescriber's plan exists (plain words)."""

BOOSTER = BookingKind.BOOSTER


def _booked(uow: UnitOfWork, clinic_id: int, course_id: int) -> set[int]:
    """Numbers of the course's boosters booked (proposed or confirmed)."""
    existing = uow.schedule.for_course(clinic_id, course_id)
    return {b.session_number for b in existing if b.active and b.kind is BOOSTER}


def _request_id(course_id: int, number: int) -> str:
    return f"booster-{course_id}-{number}"


class BoosterBookingService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        schedule: ScheduleService,
        scheduler: Scheduler,
    ) -> None:
        self._uow, self._clock = uow_factory, clock
        self._schedule, self._scheduler = schedule, scheduler

    def book(self, actor: Actor, course_id: int, number: int | None = None) -> BoosterBooking:
        """Propose bookings from the stored booster plan in one action: booster ``number`` of
        the plan, or (``None``) every window of the plan still ahead and not yet booked.

        Refused without a stored plan ("store the booster plan first"): the protocol's default
        intervals are never applied in the prescriber's place."""
        require(actor, Permission.SCHEDULE_WRITE)
        if number is not None and number < 1:
            raise ValidationFailed({"booster_number": "boosters are numbered from 1"})
        with self._uow() as uow:
            uow.schedule.lock_clinic(actor.clinic_id)
            course = get_course(uow, actor.clinic_id, course_id)
            self._schedule.ensure_may_book(uow, course)
            stored = uow.outcomes.latest_plan(actor.clinic_id, course_id)
            if stored is None:
                raise Conflict(NO_PLAN, field="course_id")
            self._ensure_no_relapse_pending(uow, course)
            windows = self._to_book(stored, _booked(uow, actor.clinic_id, course_id), number)
            result = self._place(uow, actor, course, windows)
            uow.commit()
        return result

    def _ensure_no_relapse_pending(self, uow: UnitOfWork, course: Course) -> None:
        """Refuse (rule ``booster.relapse_review``) while the relapse-watch results meet the
        relapse criteria and no physician or APP decided on the course since."""
        protocol = load_published(uow, course.clinic_id, course.protocol_version_id).protocol
        review = build_review(uow, course, protocol, at=self._clock.now())
        refusal = relapse_review_refusal(uow, review)
        if refusal is not None:
            words = relapse_review_words(kat=review.kat)
            raise SafetyBlock(
                f"Booster not booked: {words}.", reasons=(refusal,), field="course_id"
            )

    def _to_book(
        self, stored: StoredBoosterPlan, booked: set[int], number: int | None
    ) -> list[BoosterWindow]:
        """The plan's windows to book now, or a plain reason why there is none."""
        today = self._clock.now().date()
        windows = stored.plan.windows
        if number is not None:
            chosen = [w for w in windows if w.number == number]
            if not chosen:
                raise Conflict(
                    f"the stored booster plan has {len(windows)} boosters, not {number}",
                    field="booster_number",
                )
            if number in booked:
                raise Conflict(f"booster {number} is already booked", field="booster_number")
            if chosen[0].latest_on < today:
                raise Conflict(
                    f"booster {number}'s window ended {chosen[0].latest_on:%a %-d %b %Y}",
                    field="booster_number",
                )
            return chosen
        ahead = [w for w in windows if w.number not in booked]
        if not ahead:
            raise Conflict(
                "this course already has booked boosters for every window of the plan",
                field="course_id",
            )
        ahead = list(open_windows(stored, booked, today))
        if not ahead:
            raise Conflict(
                "every booster window of the plan still to book has passed", field="course_id"
            )
        return ahead

    def to_book(self, actor: Actor, course_id: int) -> tuple[BoosterWindow, ...] | None:
        """The course's planned boosters still to book (next first), or ``None`` while no
        booster plan is stored (then there is nothing to book: see :data:`NO_PLAN_YET`)."""
        require(actor, Permission.SCHEDULE_READ)
        with self._uow() as uow:
            get_course(uow, actor.clinic_id, course_id)
            stored = uow.outcomes.latest_plan(actor.clinic_id, course_id)
            if stored is None:
                return None
            booked = _booked(uow, actor.clinic_id, course_id)
        return open_windows(stored, booked, self._clock.now().date())

    def due_to_book(self, actor: Actor) -> list[BoostersDue]:
        """The front desk's worklist: every open course with a stored booster plan and boosters
        still to book or something overdue (a missed booster, the relapse-watch check), the
        oldest date first, ties by patient name. The desk reads dates and what to do, never the
        scores or the outcome behind them; a course whose relapse waits for the prescriber's
        decision is marked (booking it is refused until then)."""
        require(actor, Permission.SCHEDULE_WRITE)
        now = self._clock.now()
        found: list[BoostersDue] = []
        with self._uow() as uow:
            today = clinic_today(uow, actor.clinic_id, now)
            for stored in uow.outcomes.latest_plans(actor.clinic_id):
                course = get_course(uow, actor.clinic_id, stored.course_id)
                if course.state in TERMINAL:
                    continue
                booked = _booked(uow, actor.clinic_id, course.id)
                windows = open_windows(stored, booked, today)
                protocol = load_published(uow, course.clinic_id, course.protocol_version_id)
                review = build_review(uow, course, protocol.protocol, at=now)
                overdue = course_overdue(uow, review, today=today)
                if not windows and not overdue:
                    continue
                patient = uow.patients.get(actor.clinic_id, course.patient_id)
                name = patient.display_name if patient else f"patient {course.patient_id}"
                pending = relapse_review_pending(uow, review)
                found.append(
                    BoostersDue(course.id, course.patient_id, name, windows, overdue, pending)
                )
        return sorted(found, key=lambda d: (d.due_on, d.patient_name.casefold(), d.course_id))

    def booked(self, actor: Actor, course_id: int) -> list[Booking]:
        """The course's active booster bookings, earliest first."""
        require(actor, Permission.PATIENT_READ)
        with self._uow() as uow:
            get_course(uow, actor.clinic_id, course_id)
            found = uow.schedule.for_course(actor.clinic_id, course_id)
        boosters = [b for b in found if b.active and b.kind is BOOSTER]
        return sorted(boosters, key=lambda b: b.start_at)

    def _place(
        self, uow: UnitOfWork, actor: Actor, course: Course, windows: list[BoosterWindow]
    ) -> BoosterBooking:
        clinic_id = course.clinic_id
        today = self._clock.now().date()
        horizon = (windows[-1].latest_on - today).days + 2
        frame = self._schedule.frame(uow, clinic_id, horizon)
        protocol = load_published(uow, clinic_id, course.protocol_version_id).protocol
        shape = shape_for(protocol, self._schedule.routine)
        # never sooner than the series' minimum gap after the last induction session (§3.1)
        gap = protocol.series.min_hours_between * 60
        induction = induction_of(uow.schedule.for_course(clinic_id, course.id))
        after = max((frame.minute(b.start_at) + gap for b in induction), default=0)
        release = max(next_slot(frame, self._clock.now()), after)
        requests = [r for w in windows if (r := self._request(frame, course, shape, w, release))]
        fixed = uow.schedule.active_between(clinic_id, frame.grid.epoch, frame.end)
        now, routine = self._clock.now(), self._schedule.routine
        problem = problem_with(uow, clinic_id, frame, routine, now=now, fixed=fixed)
        problem = replace(problem, requests=tuple(requests))
        solved = (
            self._scheduler.solve(problem, self._schedule.limits).schedule
            if requests
            else Schedule(())
        )
        new: list[NewBooking] = []
        unplaced: list[int] = []
        for w in windows:
            placed = solved.of_series(_request_id(course.id, w.number))
            if not placed:
                unplaced.append(w.number)
            new += [
                NewBooking(
                    course_id=course.id,
                    patient_id=course.patient_id,
                    chair_id=int(a.chair_id),
                    nurse_id=int(a.nurse_id),
                    start_at=frame.grid.to_datetime(a.start_min),
                    end_at=frame.grid.to_datetime(a.end_min),
                    kind=BookingKind.BOOSTER,
                    status=BookingStatus.PROPOSED,
                    session_number=w.number,
                    shape=booked_shape(a.shape),
                )
                for a in placed
            ]
        stored = uow.schedule.add_bookings(clinic_id, new, at=self._clock.now()) if new else []
        record(
            uow,
            self._clock,
            actor,
            "maintenance.book_boosters",
            object_type="course",
            object_id=course.id,
            patient_id=course.patient_id,
            detail=f"{len(stored)} boosters proposed, unplaced={unplaced}",
        )
        return BoosterBooking(tuple(stored), tuple(unplaced))

    @staticmethod
    def _request(
        frame: Frame, course: Course, shape: SessionShape, w: BoosterWindow, release: int
    ) -> SeriesRequest | None:
        """The window as a one-session request; ``None`` (reported unplaced) once it is shut."""
        start = max(release, frame.local_minute(w.earliest_on, 0))
        end = frame.local_minute(w.latest_on + timedelta(days=1), 0)
        if start >= end:
            return None
        return SeriesRequest(
            id=_request_id(course.id, w.number),
            patient_id=str(course.patient_id),
            sessions=1,
            shape=shape,
            release_min=start,
            deadline_min=end,
            min_gap_min=0,
            max_span_min=end - start,
            kind=SeriesKind.BOOSTER,
        )
