"""What holds a chair and a nurse besides the appointment book: a session opened without an
appointment (an unscheduled visit a prescriber authorised, the demo's monitored sessions).

Such a session holds its chair, and its attendant nurse's monitoring, from its opening until it
closes (discharge, cancellation, no-show); while it is still open it is assumed to last the chair
time of its protocol's series (pre-checks, dosing, recovery minimum) from its opening, or until
now if it has run longer. Every problem the scheduler solves or checks (series booking, re-plans,
manual moves, boosters) holds these as fixed appointments (``problem.problem_with``), so nothing
is booked into a chair with a patient in it. Source: performance.md §4.1 (chair and nurse
capacity); clinical.md §4.6 (recovery minimum).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ketaclinic.domain.scheduling import Appointment, AppointmentStatus, SessionShape
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

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start_at < end and start < self.end_at


def chair_holds(
    uow: UnitOfWork, clinic_id: int, routine: ChairRoutine, *, since: datetime, now: datetime
) -> list[ChairHold]:
    """Every unscheduled session holding a chair at or after ``since``."""
    planned: dict[int, timedelta] = {}
    holds = []
    for s in uow.sessions.unscheduled_since(clinic_id, since):
        course = get_course(uow, clinic_id, s.course_id)
        version = course.protocol_version_id
        if version not in planned:
            protocol = load_published(uow, clinic_id, version).protocol
            planned[version] = timedelta(minutes=shape_for(protocol, routine).chair_min)
        end = s.holds_chair_until(planned[version], now)
        if end > max(s.created_at, since):
            holds.append(
                ChairHold(s.id, s.patient_id, s.chair_id, s.attendant_id, s.created_at, end)
            )
    return holds


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
