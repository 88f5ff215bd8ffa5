"""Who is waiting for the nurse's check-in today: sessions opened on arrival at the front desk
(a booked appointment) or by a prescriber for an unscheduled visit, still ``scheduled``.

Such a session already holds its chair (the patient is in the clinic for it), so the nurse's
lists show it: Due now (the check-in checklist) and the chairs table (who waits for which chair).
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.ports import UnitOfWork


def waiting_check_in(uow: UnitOfWork, clinic_id: int, now: datetime) -> list[InfusionSession]:
    """Sessions opened today (clinic day) and not yet checked in by the nurse, by id."""
    start, end = _day(uow, clinic_id, now)
    found: dict[int, InfusionSession] = {}
    for b in uow.schedule.active_between(clinic_id, start, end):
        s = uow.sessions.for_appointment(clinic_id, b.id)
        if s is not None and s.state is SessionState.SCHEDULED:
            found[s.id] = s
    for s in uow.sessions.unscheduled_since(clinic_id, start):
        if s.state is SessionState.SCHEDULED and s.closed_at is None:
            found[s.id] = s
    return [found[k] for k in sorted(found)]


def day_end(uow: UnitOfWork, clinic_id: int, now: datetime) -> datetime:
    """The last moment of the clinic day of ``now``: who waits is that day's list until then."""
    return _day(uow, clinic_id, now)[1]


def _day(uow: UnitOfWork, clinic_id: int, now: datetime) -> tuple[datetime, datetime]:
    clinic = uow.clinics.get(clinic_id)
    zone = ZoneInfo(clinic.timezone if clinic else "UTC")
    day = now.astimezone(zone).date()
    return datetime.combine(day, time.min, zone), datetime.combine(day, time.max, zone)
