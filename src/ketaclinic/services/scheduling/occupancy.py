"""What holds a chair and a nurse besides the appointment book: a session opened without an
appointment (an unscheduled visit a prescriber authorised, the demo's monitored sessions).

Such a session holds its chair, and its attendant nurse's monitoring, from its opening until it
closes (discharge, cancellation, no-show). While it is open it holds the chair until its expected
end (``InfusionSession.expected_end``): the chair time of its protocol's series from its opening;
once dosing has started, the dosing time of its order plus the recovery minimum; once dosing has
ended, the recovery minimum. A session still open past its expected end (the patient is still in
the chair; nobody knows for how long) holds the chair for the rest of the clinic day: the scheduler
offers that chair again only once the session closes. Every problem the scheduler solves or checks
(series booking, re-plans, manual moves, boosters) holds these as fixed appointments
(``problem.problem_with``), so nothing is booked into a chair with a patient in it. Source:
performance.md §4.1 (chair and nurse capacity); clinical.md §4.6 (recovery minimum).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ketaclinic.domain.infusion.records import ChairTime, InfusionSession
from ketaclinic.domain.scheduling import Appointment, AppointmentStatus, SessionShape
from ketaclinic.services.infusion.ports import RecordKind
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.protocols.publishing import load_published
from ketaclinic.services.scheduling.calendar import ChairRoutine, Frame, shape_for

HOLD_PREFIX = "s"


@dataclass(frozen=True, slots=True)
class ChairHold:
    """One session in a chair outside the appointment book, over ``[start_at, end_at)`` (UTC)."""

    session_id: int
    patient_id: int
    chair_id: int
    nurse_id: int | None  # the attendant, if one is assigned
    start_at: datetime
    end_at: datetime
    closed_at: datetime | None = None  # None while the session is still open

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start_at < end and start < self.end_at


def chair_holds(
    uow: UnitOfWork, clinic_id: int, routine: ChairRoutine, *, since: datetime, now: datetime
) -> list[ChairHold]:
    """Every unscheduled session holding a chair at or after ``since`` (see the module)."""
    shapes: dict[int, SessionShape] = {}
    day_end = _end_of_clinic_day(uow, clinic_id, now)
    holds = []
    for s in uow.sessions.unscheduled_since(clinic_id, since):
        course = get_course(uow, clinic_id, s.course_id)
        version = course.protocol_version_id
        if version not in shapes:
            protocol = load_published(uow, clinic_id, version).protocol
            shapes[version] = shape_for(protocol, routine)
        end = s.holds_chair_until(chair_time(uow, s, shapes[version]), now, day_end)
        if s.closed_at is None or end > max(s.created_at, since):
            holds.append(
                ChairHold(
                    s.id, s.patient_id, s.chair_id, s.attendant_id, s.created_at, end, s.closed_at
                )
            )
    return holds


def chair_time(uow: UnitOfWork, s: InfusionSession, shape: SessionShape) -> ChairTime:
    """The session's chair time: the protocol's series shape, with the dosing time of the order
    checked at its pre-dose checklist once dosing has started (an order may run longer)."""
    dosing = shape.dosing_min
    if s.dosing_started_at is not None and s.closed_at is None:
        records = uow.session_records.for_session(s.clinic_id, s.id)
        predose = [r for r in records if r.kind is RecordKind.PRE_DOSE]
        order_id = predose[-1].payload.get("order_id") if predose else None
        order = uow.dosing.get_order(s.clinic_id, int(order_id)) if order_id else None
        if order is not None:
            dosing = order.content.duration_min
    return ChairTime(
        planned=timedelta(minutes=shape.chair_min),
        dosing=timedelta(minutes=dosing),
        recovery=timedelta(minutes=shape.recovery_min),
    )


def _end_of_clinic_day(uow: UnitOfWork, clinic_id: int, now: datetime) -> datetime:
    """Midnight after ``now`` in the clinic's time zone (the end of its clinic day)."""
    clinic = uow.clinics.get(clinic_id)
    zone = ZoneInfo(clinic.timezone if clinic else "UTC")
    day = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=zone)


@dataclass(frozen=True, slots=True)
class ChairUse:
    """What holds one chair over a span: an active booking, or a session open in the chair."""

    chair_id: int
    patient_id: int
    start_at: datetime
    end_at: datetime
    booked: bool  # a booked appointment; else a session open in the chair (no end known yet)


def chair_uses(
    uow: UnitOfWork,
    clinic_id: int,
    chair_id: int,
    routine: ChairRoutine,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[ChairUse]:
    """Everything that holds ``chair_id`` over ``[start, end)``, earliest first: active bookings
    (infusions, boosters, coaching) and sessions open in the chair. A session without an
    appointment is held as the scheduler holds it (:func:`chair_holds`); a session still open in
    the chair holds it whatever its planned time (nobody knows yet when the patient leaves)."""
    booked = [
        ChairUse(b.chair_id, b.patient_id, b.start_at, b.end_at, booked=True)
        for b in uow.schedule.active_between(clinic_id, start, end)
        if b.chair_id == chair_id
    ]
    holds = [
        ChairUse(h.chair_id, h.patient_id, h.start_at, h.end_at, booked=False)
        for h in chair_holds(uow, clinic_id, routine, since=start, now=max(now, end))
        if h.chair_id == chair_id and h.overlaps(start, end)
    ]
    in_chair = uow.sessions.active_on_chair(clinic_id, chair_id)
    if in_chair is not None and in_chair.appointment_id is not None:  # a booking running over
        holds.append(ChairUse(chair_id, in_chair.patient_id, in_chair.created_at, end, False))
    return sorted(booked + holds, key=lambda u: (u.start_at, not u.booked))


def hold_to_engine(hold: ChairHold, frame: Frame) -> Appointment:
    """The engine's fixed appointment for a hold (id ``s<session id>``): the whole span is
    chair time; no nurse set-up is left to do (the patient is already in the chair)."""
    start = frame.minute(hold.start_at)
    length = max(1, frame.minute(hold.end_at) - start)
    return Appointment(
        id=f"{HOLD_PREFIX}{hold.session_id}",
        series_id=f"session-{hold.session_id}",
        patient_id=str(hold.patient_id),
        index=1,
        start_min=start,
        chair_id=str(hold.chair_id),
        nurse_id="" if hold.nurse_id is None else str(hold.nurse_id),
        shape=SessionShape(0, length, 0, 0),
        status=AppointmentStatus.CONFIRMED,
    )
