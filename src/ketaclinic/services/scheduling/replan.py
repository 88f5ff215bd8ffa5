"""Re-planning: a dropped session (cancelled, missed, postponed) and a chair out of service.

A dropped session re-plans that patient's remaining sessions inside the protocol's window
(clinical.md §3.1; seed 000 step 5: timing is adjusted when needed). When the window can no
longer be met, nothing else moves and the outcome carries the blocking constraint and the
nearest options for a clinician to decide. A chair going out of service re-plans the clinic,
moving as few appointments as possible, and lists the patients who must be called.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ketaclinic.domain.errors import NotFound
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.scheduling import (
    Appointment,
    Infeasibility,
    Option,
    PatientReplan,
    ReplanStatus,
    Schedule,
    SeriesRequest,
    replan_clinic,
    replan_patient,
)
from ketaclinic.domain.scheduling.booking import Booking, BookingKind, BookingStatus, NewBooking
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.protocols.publishing import load_published
from ketaclinic.services.scheduling.booking import ScheduleService
from ketaclinic.services.scheduling.calendar import (
    Frame,
    booked_shape,
    course_request,
    induction_of,
    infusions,
    next_slot,
    rooms_only,
    to_engine,
    without_day,
)
from ketaclinic.services.scheduling.dropping import (
    audit_drop,
    drop_booster,
    droppable_booking,
    dropped_status,
)
from ketaclinic.services.scheduling.inputs import DropReason, DropRequest, check_span
from ketaclinic.services.scheduling.problem import problem_with
from ketaclinic.services.scheduling.replan_calls import CallItem, ClinicReplanOutcome, for_the_desk


@dataclass(frozen=True, slots=True)
class PatientReplanOutcome:
    status: ReplanStatus
    dropped: Booking
    bookings: tuple[Booking, ...]  # the patient's active sessions after the re-plan
    explanation: Infeasibility | None
    options: tuple[Option, ...]
    frame: Frame


class ReplanService:
    def __init__(self, schedule: ScheduleService) -> None:
        self._s = schedule

    def drop(self, actor: Actor, booking_id: int, request: DropRequest) -> PatientReplanOutcome:
        """Mark a session cancelled, missed or postponed and re-plan the patient's remaining
        sessions within the protocol window (clinical.md §3.1). When the window cannot be met,
        the other sessions stay and the outcome lists the blocking rule and nearest options.
        A booster is dropped alone (status ``not_needed``): it is booked again from the plan."""
        require(actor, Permission.SCHEDULE_WRITE)
        s = self._s
        with s._uow() as uow:
            uow.schedule.lock_clinic(actor.clinic_id)
            booking = droppable_booking(uow, actor.clinic_id, booking_id)
            if booking.kind is BookingKind.BOOSTER:
                dropped = drop_booster(uow, s._clock, actor, booking, request)
                status, plan, frame = ReplanStatus.NOT_NEEDED, None, s.frame(uow, actor.clinic_id)
            else:
                dropped, plan, frame = self._drop(uow, actor, booking, request)
                status = plan.status
            uow.commit()
            after = uow.schedule.for_course(actor.clinic_id, booking.course_id)
        active = tuple(b for b in after if b.active)
        if plan is None:
            return PatientReplanOutcome(status, dropped, active, None, (), frame)
        return PatientReplanOutcome(status, dropped, active, plan.explanation, plan.options, frame)

    def release(self, uow: UnitOfWork, actor: Actor, booking_id: int, reason: str) -> None:
        """Release the appointment of a visit that ended without a dose, in the caller's unit
        of work (the caller gates who may end the visit): the appointment is cancelled with
        ``reason`` and the series re-planned exactly as for a cancellation on the schedule
        (:meth:`drop`), from the next day on. A booster is cancelled alone, as on the
        schedule; an appointment no longer active is left as it is."""
        uow.schedule.lock_clinic(actor.clinic_id)
        booking = uow.schedule.get(actor.clinic_id, booking_id)
        if booking is None or not booking.active:
            return
        request = DropRequest(DropReason.CANCELLED, reason)
        if booking.kind is BookingKind.BOOSTER:
            drop_booster(uow, self._s._clock, actor, booking, request)
        else:  # no dose today: the session is offered again from tomorrow
            self._drop(uow, actor, booking, request, from_tomorrow=True)

    def _drop(
        self,
        uow: UnitOfWork,
        actor: Actor,
        booking: Booking,
        request: DropRequest,
        *,
        from_tomorrow: bool = False,
    ) -> tuple[Booking, PatientReplan, Frame]:
        """Drop ``booking`` and re-plan its series in ``uow`` (clinic locked, not committed)."""
        s = self._s
        frame, own, at, plan = self._replan(uow, booking, from_tomorrow)
        now = s._clock.now()
        note = f"{request.why.value}: {request.reason.strip()}"
        status = dropped_status(request)
        dropped = uow.schedule.update(
            actor.clinic_id, replace(booking, status=status, note=note), at=now
        )
        if plan.status is ReplanStatus.REPLANNED:
            fresh = plan.new_appointments
            self._apply(uow, actor.clinic_id, frame, own, dropped, at, fresh, now)
        audit_drop(uow, s._clock, actor, booking, request, f"re-plan {plan.status.value}")
        return dropped, plan, frame

    def _replan(
        self, uow: UnitOfWork, booking: Booking, from_tomorrow: bool = False
    ) -> tuple[Frame, list[Booking], int, PatientReplan]:
        """The patient's re-plan after ``booking`` is dropped, from the next slot on (or from
        the next local day). The clinic day of the dropped appointment is never offered back to
        the course: the patient cancelled it, missed it or could not be dosed that day."""
        s, clinic_id, now = self._s, booking.clinic_id, self._s._clock.now()
        course = get_course(uow, clinic_id, booking.course_id)
        protocol = load_published(uow, clinic_id, course.protocol_version_id).protocol
        frame = s.frame(uow, clinic_id, protocol.series.window_max_days)
        everyone = uow.schedule.active_between(clinic_id, frame.grid.epoch, frame.end)
        own = induction_of(uow.schedule.for_course(clinic_id, course.id))
        at = next_slot(frame, now)
        if from_tomorrow:
            tomorrow = now.astimezone(frame.zone).date() + timedelta(days=1)
            at = max(at, frame.local_minute(tomorrow, 0))
        request = course_request(uow, course, protocol, frame, s.routine, at)
        starts = [frame.minute(b.start_at) for b in own]
        request = replace(request, release_min=min([at, *starts]))
        request = replace(request, availability=without_day(frame, request, booking.start_at))
        mine = {b.id for b in own}
        others = [b for b in infusions(everyone) if b.id not in mine]
        problem = problem_with(
            uow,
            clinic_id,
            frame,
            s.routine,
            now=s._clock.now(),
            fixed=rooms_only(everyone),
            requests=(request,),
        )
        booked = tuple(to_engine(b, frame) for b in [*others, *own])
        schedule = Schedule(problem.fixed + booked)  # sessions in a chair stay where they are
        plan = replan_patient(
            problem,
            schedule,
            request.id,
            dropped_appointment_id=f"b{booking.id}",
            at_min=at,
            scheduler=s._scheduler,
            limits=s.limits,
        )
        return frame, own, at, plan

    def _apply(
        self,
        uow: UnitOfWork,
        clinic_id: int,
        frame: Frame,
        own: list[Booking],
        dropped: Booking,
        at: int,
        fresh: tuple[Appointment, ...],
        now: datetime,
    ) -> None:
        """Re-use the patient's remaining rows for the re-planned sessions and add one for the
        dropped session. A row whose time changed goes back to ``proposed`` (to confirm)."""
        remaining = [b for b in own if b.id != dropped.id and frame.minute(b.start_at) >= at]
        for row, new in zip(remaining, fresh, strict=False):
            start, end = frame.grid.to_datetime(new.start_min), frame.grid.to_datetime(new.end_min)
            if (start, end) == (row.start_at, row.end_at):
                # same span: the row keeps its chair, nurse and status. They held before the
                # drop, and a drop only frees capacity, so nothing the patient was told changes.
                kept = replace(row, session_number=new.index)
                uow.schedule.update(clinic_id, kept, at=now)
                continue
            status = row.status if start == row.start_at else BookingStatus.PROPOSED
            uow.schedule.update(
                clinic_id,
                replace(
                    row,
                    start_at=start,
                    end_at=end,
                    chair_id=int(new.chair_id),
                    nurse_id=int(new.nurse_id),
                    status=status,
                    session_number=new.index,
                ),
                at=now,
            )
        uow.schedule.add_bookings(
            clinic_id,
            [
                NewBooking(
                    dropped.course_id,
                    dropped.patient_id,
                    int(a.chair_id),
                    int(a.nurse_id),
                    frame.grid.to_datetime(a.start_min),
                    frame.grid.to_datetime(a.end_min),
                    dropped.kind,
                    BookingStatus.PROPOSED,
                    a.index,
                    booked_shape(a.shape),
                )
                for a in fresh[len(remaining) :]
            ],
            at=now,
        )

    def chair_out_of_service(
        self, actor: Actor, chair_id: int, *, start_at: datetime, end_at: datetime, reason: str
    ) -> ClinicReplanOutcome:
        """Take a chair out of service for ``[start_at, end_at)`` and re-plan the clinic.

        Every future session of every booked series may move; each move of a booked session
        costs the solver ``moved_session``, so as few appointments as possible move. Sessions
        that cannot be rebooked are cancelled. Returns the patients who must be called.
        """
        require(actor, Permission.SCHEDULE_WRITE)
        check_span(start_at, end_at, reason)
        s = self._s
        with s._uow() as uow:
            uow.schedule.lock_clinic(actor.clinic_id)
            if chair_id not in {c.id for c in uow.clinics.chairs(actor.clinic_id)}:
                raise NotFound("no such chair in this clinic", field="chair_id")
            uow.schedule.add_outage(actor.clinic_id, chair_id, start_at, end_at, reason.strip())
            outcome = self._replan_clinic(uow, actor.clinic_id, chair_id=chair_id)
            record(
                uow,
                s._clock,
                actor,
                "schedule.chair_out_of_service",
                object_type="chair",
                object_id=chair_id,
                detail=f"{reason.strip()}; {len(outcome.to_call)} to call",
            )
            uow.commit()
        return outcome

    def staff_unavailable(
        self, actor: Actor, staff_id: int, *, start_at: datetime, end_at: datetime, reason: str
    ) -> ClinicReplanOutcome:
        """A nurse or prescriber off (sick, called away) over ``[start_at, end_at)``: their shifts
        are cut out of that span and the clinic is re-planned like for a chair out of service."""
        require(actor, Permission.SCHEDULE_WRITE)
        check_span(start_at, end_at, reason)
        s = self._s
        with s._uow() as uow:
            uow.schedule.lock_clinic(actor.clinic_id)
            if staff_id not in {m.id for m, _ in uow.staff.list_for_clinic(actor.clinic_id)}:
                raise NotFound("no such staff member in this clinic", field="staff_id")
            for shift in uow.schedule.shifts(actor.clinic_id, start_at, end_at):
                if shift.staff_id != staff_id:
                    continue
                uow.schedule.remove_shift(actor.clinic_id, shift.id)
                for lo, hi in ((shift.start_at, start_at), (end_at, shift.end_at)):
                    if hi > lo:
                        uow.schedule.add_shift(actor.clinic_id, staff_id, shift.role, lo, hi)
            outcome = self._replan_clinic(uow, actor.clinic_id, staff_id=staff_id)
            record(
                uow,
                s._clock,
                actor,
                "schedule.staff_unavailable",
                object_type="staff",
                object_id=staff_id,
                detail=f"{reason.strip()}; {len(outcome.to_call)} to call",
            )
            uow.commit()
        return outcome

    def _replan_clinic(
        self,
        uow: UnitOfWork,
        clinic_id: int,
        *,
        chair_id: int | None = None,
        staff_id: int | None = None,
    ) -> ClinicReplanOutcome:
        """Re-plan every booked series against the changed calendar; store and name the calls."""
        s = self._s
        frame = s.frame(uow, clinic_id, _LONGEST_WINDOW_DAYS)
        everyone = uow.schedule.active_between(clinic_id, frame.grid.epoch, frame.end)
        booked = infusions(everyone)  # coaching appointments keep their room and time
        requests = self._requests(uow, clinic_id, frame, booked)
        problem = problem_with(
            uow,
            clinic_id,
            frame,
            s.routine,
            now=s._clock.now(),
            fixed=rooms_only(everyone),
            requests=requests,
        )
        held = problem.fixed  # sessions in a chair without an appointment: never moved
        schedule = Schedule(held + tuple(to_engine(b, frame) for b in booked))
        at = next_slot(frame, s._clock.now())
        plan = replan_clinic(problem, schedule, at_min=at, scheduler=s._scheduler, limits=s.limits)
        outcome = self._store(uow, clinic_id, frame, booked, plan.result.schedule)
        return for_the_desk(uow, clinic_id, outcome, chair_id=chair_id, staff_id=staff_id)

    def _requests(
        self, uow: UnitOfWork, clinic_id: int, frame: Frame, booked: list[Booking]
    ) -> tuple[SeriesRequest, ...]:
        """One request per booked course (its series rules), releasing from its first session."""
        out = []
        induction = induction_of(booked)  # boosters stay where they are
        for course_id in dict.fromkeys(b.course_id for b in induction):
            course = get_course(uow, clinic_id, course_id)
            protocol = load_published(uow, clinic_id, course.protocol_version_id).protocol
            first = min(frame.minute(b.start_at) for b in induction if b.course_id == course_id)
            request = course_request(uow, course, protocol, frame, self._s.routine, first)
            out.append(replace(request, release_min=min(first, request.release_min)))
        return tuple(out)

    def _store(
        self,
        uow: UnitOfWork,
        clinic_id: int,
        frame: Frame,
        booked: list[Booking],
        after: Schedule,
    ) -> ClinicReplanOutcome:
        """Write every changed booking; cancel the ones of series that could not be rebooked."""
        now, placed = self._s._clock.now(), {a.id: a for a in after.appointments}
        calls: list[CallItem] = []
        reassigned: list[CallItem] = []
        for b in booked:
            new = placed.get(f"b{b.id}")
            if new is None:
                gone = replace(b, status=BookingStatus.CANCELLED, note="chair out of service")
                uow.schedule.update(clinic_id, gone, at=now)
                calls.append(CallItem(b.patient_id, b, None))
                continue
            start = frame.grid.to_datetime(new.start_min)
            moved = replace(
                b,
                start_at=start,
                end_at=frame.grid.to_datetime(new.end_min),
                chair_id=int(new.chair_id),
                nurse_id=int(new.nurse_id),
            )
            if moved == b:
                continue
            stored = uow.schedule.update(clinic_id, moved, at=now)
            if start != b.start_at:
                calls.append(CallItem(b.patient_id, b, stored))
            else:
                reassigned.append(CallItem(b.patient_id, b, stored))
        return ClinicReplanOutcome(None, tuple(calls), tuple(reassigned))


_LONGEST_WINDOW_DAYS = 42  # horizon for clinic-wide re-plans (longest shipped series window)
