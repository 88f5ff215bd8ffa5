"""Booking an induction series in one action, confirming it, and moving a session by hand.

Every use case: ``require`` the permission, validate, one unit of work, an audit event in the
same transaction, one commit. Booking and confirming refuse while consent is not in force
(``domain.consent.signatures.ensure_sessions_allowed``, clinical.md §6.3) or the safety gate is open
(``services.assessments.safety.ensure_clear``). The series shape (sessions, minimum hours between
starts, window) is the course's pinned protocol's ``Series`` section (clinical.md §3.1; the minimum
interval is UNCONFIRMED, §10 item 4, and flagged ``needs_signoff`` in the pack). What booking
answers (a proposal, a move's outcome) is in ``proposals``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from ketaclinic.domain.consent.signatures import ConsentStatus, ensure_sessions_allowed
from ketaclinic.domain.errors import Conflict, NotFound, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.patients.course import TERMINAL
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.scheduling import (
    Appointment,
    ManualMove,
    MoveDecision,
    Problem,
    Schedule,
    Scheduler,
    SeriesRequest,
    SolveLimits,
    explain_unplaceable,
    nearest_options,
    validate_move,
)
from ketaclinic.domain.scheduling.booking import (
    Booking,
    BookingKind,
    BookingStatus,
    NewBooking,
)
from ketaclinic.services.assessments.safety import ensure_clear
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published
from ketaclinic.services.scheduling.calendar import (
    ChairRoutine,
    Frame,
    booked_shape,
    course_request,
    frame_for,
    induction_of,
    next_slot,
    to_engine,
)
from ketaclinic.services.scheduling.course_kind import kat_course_ids
from ketaclinic.services.scheduling.dropping import visits_of_patient
from ketaclinic.services.scheduling.inputs import MoveRequest
from ketaclinic.services.scheduling.offers import ensure_induction_bookable
from ketaclinic.services.scheduling.problem import problem_with
from ketaclinic.services.scheduling.proposals import (
    MoveOutcome,
    Proposal,
    changeable_booking,
    plain_violations,
)

ConsentCheck = Callable[[UnitOfWork, Course], ConsentStatus]
"""``ConsentService.allows_sessions``: the consent status of a course now."""

WEB_LIMITS = SolveLimits(time_limit_s=5.0, num_workers=1, random_seed=0)
"""Solver limits inside a web request (performance.md §4.3: one worker while serving)."""

HORIZON_SLACK_DAYS = 21
_PROPOSE_ACTION = {
    BookingKind.INDUCTION: "schedule.propose_series",
    BookingKind.BOOSTER: "schedule.propose_booster",
    BookingKind.COACHING: "schedule.propose_coaching",
}


class ScheduleService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        scheduler: Scheduler,
        consent_check: ConsentCheck,
        *,
        routine: ChairRoutine | None = None,
        limits: SolveLimits = WEB_LIMITS,
    ) -> None:
        self._uow, self._clock, self._scheduler = uow_factory, clock, scheduler
        self._consent = consent_check
        self.routine = routine or ChairRoutine()
        self.limits = limits

    def frame(self, uow: UnitOfWork, clinic_id: int, window_days: int = 21) -> Frame:
        """The minute grid for ``clinic_id`` from today's local midnight."""
        clinic = uow.clinics.get(clinic_id)
        if clinic is None:
            raise NotFound("no such clinic", field="clinic_id")
        return frame_for(clinic.timezone, self._clock.now(), window_days + HORIZON_SLACK_DAYS)

    def ensure_may_book(self, uow: UnitOfWork, course: Course) -> None:
        """Refuse unless the course is open, consent is in force and the safety gate is clear."""
        if course.state in TERMINAL:
            raise Conflict(f"the course is {course.state.value}", field="course_id")
        ensure_sessions_allowed(self._consent(uow, course))
        ensure_clear(uow, course.clinic_id, course.patient_id)

    def book_series(self, actor: Actor, course_id: int) -> Proposal:
        """Propose the whole induction series of a consented course in one action.

        Solves with the clinic's scheduler (CP-SAT in production: fixed seed, one worker,
        ``WEB_LIMITS``) against every booked appointment; stores the sessions as ``proposed``.
        When the series cannot be placed nothing is stored and the proposal carries the blocking
        constraint and the nearest options for a clinician. Refused when the course already has
        active bookings (re-plan instead).
        """
        require(actor, Permission.SCHEDULE_WRITE)
        with self._uow() as uow:
            uow.schedule.lock_clinic(actor.clinic_id)
            course = get_course(uow, actor.clinic_id, course_id)
            ensure_induction_bookable(course)
            self.ensure_may_book(uow, course)
            if induction_of(uow.schedule.for_course(actor.clinic_id, course_id)):
                raise Conflict("this course already has booked sessions", field="course_id")
            protocol = load_published(uow, actor.clinic_id, course.protocol_version_id).protocol
            frame = self.frame(uow, actor.clinic_id, protocol.series.window_max_days)
            release = next_slot(frame, self._clock.now())
            request = course_request(uow, course, protocol, frame, self.routine, release)
            proposal = self._solve_and_store(uow, actor, course, frame, request)
            uow.commit()
        return proposal

    def _solve_and_store(
        self, uow: UnitOfWork, actor: Actor, course: Course, frame: Frame, request: SeriesRequest
    ) -> Proposal:
        """Solve ``request`` against every active booking; store it, or explain why not."""
        fixed = uow.schedule.active_between(actor.clinic_id, frame.grid.epoch, frame.end)
        problem = problem_with(
            uow,
            actor.clinic_id,
            frame,
            self.routine,
            now=self._clock.now(),
            fixed=fixed,
            requests=(request,),
        )
        result = self._scheduler.solve(problem, self.limits)
        if request.id in result.schedule.unplaced:
            why = explain_unplaceable(problem, request, problem.fixed)
            options = nearest_options(problem, request, problem.fixed)
            return Proposal(course.id, (), why, options, frame)
        kind = BookingKind(request.kind.value)
        placed = result.schedule.of_series(request.id)
        stored = self._store(uow, actor, course, frame, placed, kind)
        return Proposal(course.id, tuple(stored), frame=frame)

    def confirm_series(self, actor: Actor, course_id: int) -> list[Booking]:
        """Confirm every proposed session of the course (front desk has agreed the times)."""
        require(actor, Permission.SCHEDULE_WRITE)
        now = self._clock.now()
        with self._uow() as uow:
            uow.schedule.lock_clinic(actor.clinic_id)
            course = get_course(uow, actor.clinic_id, course_id)
            self.ensure_may_book(uow, course)
            proposed = [
                b
                for b in uow.schedule.for_course(actor.clinic_id, course_id)
                if b.status is BookingStatus.PROPOSED
            ]
            if not proposed:
                raise Conflict("no proposed sessions to confirm", field="course_id")
            done = [
                uow.schedule.update(
                    actor.clinic_id, replace(b, status=BookingStatus.CONFIRMED), at=now
                )
                for b in proposed
            ]
            record(
                uow,
                self._clock,
                actor,
                "schedule.confirm_series",
                object_type="course",
                object_id=course.id,
                patient_id=course.patient_id,
                detail=f"{len(done)} sessions confirmed",
            )
            uow.commit()
        return done

    def move(self, actor: Actor, booking_id: int, request: MoveRequest) -> MoveOutcome:
        """Move one session by hand, validated against the same hard constraints as the solver.

        Accepted only when the move adds no violation (spacing, window, capacity, opening hours,
        staff on site); the reason is stored on the booking and in the audit trail either way.
        """
        require(actor, Permission.SCHEDULE_WRITE)
        with self._uow() as uow:
            uow.schedule.lock_clinic(actor.clinic_id)
            booking = changeable_booking(uow, actor.clinic_id, booking_id)
            decision = self._judge_move(uow, booking, request)
            if decision.accepted:
                booking = self._apply_move(uow, actor.clinic_id, booking, request)
            rules = ",".join(sorted({v.rule.value for v in decision.violations}))
            record(
                uow,
                self._clock,
                actor,
                "schedule.move",
                object_type="appointment",
                object_id=booking.id,
                patient_id=booking.patient_id,
                outcome="success" if decision.accepted else "refused",
                detail=f"{request.why} {rules}".strip(),
            )
            uow.commit()
        return MoveOutcome(decision.accepted, booking, decision.violations)

    def _judge_move(self, uow: UnitOfWork, booking: Booking, request: MoveRequest) -> MoveDecision:
        """The move checked against the course's series with every other booking fixed."""
        course = get_course(uow, booking.clinic_id, booking.course_id)
        chair = request.chair_id if request.chair_id is not None else booking.chair_id
        nurse = request.nurse_id if request.nurse_id is not None else booking.nurse_id
        problem, schedule = self._series_problem(uow, course, booking)
        frame = self.frame(uow, booking.clinic_id, self._window(uow, course))
        minute = frame.minute(request.start_at)
        move = ManualMove(f"b{booking.id}", minute, str(chair), str(nurse), request.reason)
        decision = validate_move(problem, schedule, move)
        said = plain_violations(
            uow, booking.clinic_id, frame, problem, schedule, move, decision.violations
        )
        return replace(decision, violations=said)

    def _apply_move(
        self, uow: UnitOfWork, clinic_id: int, booking: Booking, request: MoveRequest
    ) -> Booking:
        """Store the accepted move: same length, new start, chair and nurse, the reason noted."""
        length = booking.end_at - booking.start_at
        moved = replace(
            booking,
            start_at=request.start_at,
            end_at=request.start_at + length,
            chair_id=request.chair_id if request.chair_id is not None else booking.chair_id,
            nurse_id=request.nurse_id if request.nurse_id is not None else booking.nurse_id,
            note=f"moved by hand: {request.why}",
        )
        return uow.schedule.update(clinic_id, moved, at=self._clock.now())

    def _store(
        self,
        uow: UnitOfWork,
        actor: Actor,
        course: Course,
        frame: Frame,
        placed: tuple[Appointment, ...],
        kind: BookingKind,
    ) -> list[Booking]:
        """Store solver-placed sessions as ``proposed`` bookings, with their audit event."""
        new = [
            NewBooking(
                course_id=course.id,
                patient_id=course.patient_id,
                chair_id=int(a.chair_id),
                nurse_id=int(a.nurse_id),
                start_at=frame.grid.to_datetime(a.start_min),
                end_at=frame.grid.to_datetime(a.end_min),
                kind=kind,
                status=BookingStatus.PROPOSED,
                session_number=a.index,
                shape=booked_shape(a.shape),
            )
            for a in placed
        ]
        stored = uow.schedule.add_bookings(actor.clinic_id, new, at=self._clock.now())
        record(
            uow,
            self._clock,
            actor,
            _PROPOSE_ACTION[kind],
            object_type="course",
            object_id=course.id,
            patient_id=course.patient_id,
            detail=f"{len(stored)} sessions proposed",
        )
        return stored

    def _window(self, uow: UnitOfWork, course: Course) -> int:
        protocol = load_published(uow, course.clinic_id, course.protocol_version_id).protocol
        return protocol.series.window_max_days

    def _series_problem(
        self, uow: UnitOfWork, course: Course, booking: Booking
    ) -> tuple[Problem, Schedule]:
        """The course's active sessions as one request, every other booking fixed."""
        protocol = load_published(uow, course.clinic_id, course.protocol_version_id).protocol
        frame = self.frame(uow, course.clinic_id, protocol.series.window_max_days)
        own = induction_of(uow.schedule.for_course(course.clinic_id, course.id))
        mine = {b.id for b in own}
        others = [
            b
            for b in uow.schedule.active_between(course.clinic_id, frame.grid.epoch, frame.end)
            if b.id not in mine
        ]
        current = tuple(to_engine(b, frame) for b in own)
        release = min([a.start_min for a in current] + [next_slot(frame, self._clock.now())])
        request = course_request(uow, course, protocol, frame, self.routine, release)
        request = replace(
            request,
            sessions=len(current),
            first_index=min(a.index for a in current),
            release_min=min(release, frame.minute(booking.start_at)),
            current=current,
        )
        now = self._clock.now()
        problem = problem_with(uow, course.clinic_id, frame, self.routine, now=now, fixed=others)
        problem = replace(problem, requests=(request,))
        return problem, Schedule(problem.fixed + current)

    def patient_of(
        self, actor: Actor, *, course_id: int | None = None, appointment_id: int | None = None
    ) -> int:
        """The patient of a course or an appointment of this clinic (for re-rendering a chart)."""
        require(actor, Permission.SCHEDULE_READ)
        with self._uow() as uow:
            if appointment_id is not None:
                booking = uow.schedule.get(actor.clinic_id, appointment_id)
                if booking is None:
                    raise NotFound("no such appointment in this clinic", field="appointment_id")
                return booking.patient_id
            return get_course(uow, actor.clinic_id, course_id or 0).patient_id

    def series_of_patient(self, actor: Actor, patient_id: int) -> list[Booking]:
        """Every appointment of the patient in this clinic (all statuses), by start."""
        require(actor, Permission.SCHEDULE_READ)
        with self._uow() as uow:
            if uow.patients.get(actor.clinic_id, patient_id) is None:
                raise NotFound("no such patient in this clinic", field="patient_id")
            return uow.schedule.for_patient(actor.clinic_id, patient_id)

    def visits(self, actor: Actor, patient_id: int) -> dict[int, SessionState]:
        """The state of each visit of the patient that is open or was attended (discharged), by
        its appointment id: that appointment is neither moved nor dropped while the visit is open
        (``schedule.session_open``) nor once attended (``schedule.visit_attended``)."""
        require(actor, Permission.SCHEDULE_READ)
        with self._uow() as uow:
            return visits_of_patient(uow, actor.clinic_id, patient_id)

    def kat_courses_of_patient(self, actor: Actor, patient_id: int) -> frozenset[int]:
        """The patient's KAT courses (SL, IN or IM dosing): their series reads "KAT series"."""
        require(actor, Permission.SCHEDULE_READ)
        with self._uow() as uow:
            courses = uow.courses.for_patient(actor.clinic_id, patient_id)
            return kat_course_ids(uow, actor.clinic_id, (c.id for c in courses))

    def between(self, actor: Actor, start: datetime, end: datetime) -> list[Booking]:
        """Active appointments overlapping ``[start, end)`` (UTC), by start."""
        require(actor, Permission.SCHEDULE_READ)
        if end <= start:
            raise ValidationFailed({"end": "the end must follow the start"})
        with self._uow() as uow:
            return uow.schedule.active_between(actor.clinic_id, start, end)

    def reminders_due(
        self, actor: Actor, *, within: timedelta = timedelta(hours=48)
    ) -> list[Booking]:
        """Confirmed appointments starting within ``within`` from now: the reminder worklist."""
        now = self._clock.now()
        return [
            b
            for b in self.between(actor, now, now + within)
            if b.status is BookingStatus.CONFIRMED and b.start_at >= now
        ]
