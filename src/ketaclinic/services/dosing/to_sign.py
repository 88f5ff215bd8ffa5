"""Dose orders a prescriber should sign: an infusion or booster appointment on the given clinic day
whose course has no open order (signed or verified and not yet given), and whose visit has not
already been dosed or closed: once its session has started dosing (or gone on to recovery,
discharge or an early stop) the order was given, and a cancelled or no-show visit needs none.

A read only: signing goes through :meth:`OrderService.sign` and its screen, unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from ketaclinic.domain.dosing.records import OrderStatus
from ketaclinic.domain.errors import NotFound
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.scheduling.booking import Booking, BookingKind
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.ports import UnitOfWorkFactory
from ketaclinic.services.scheduling.course_kind import kat_course_ids

_OPEN = frozenset({OrderStatus.SIGNED, OrderStatus.VERIFIED})
#: A visit whose session is still before dosing may need an order; any other state is past it.
_BEFORE_DOSING = frozenset({SessionState.SCHEDULED, SessionState.CHECKED_IN, SessionState.READY})


@dataclass(frozen=True, slots=True)
class OrderToSign:
    booking: Booking
    patient_name: str
    chair_name: str
    visit: str = ""  # the appointment in words for its course ("KAT session 1")


class OrdersToSignService:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory

    def for_day(self, actor: Actor, day: date) -> list[OrderToSign]:
        """The day's dosing appointments still without an open dose order, by time (ORDER_WRITE)."""
        require(actor, Permission.ORDER_WRITE)
        with self._uow() as uow:
            clinic = uow.clinics.get(actor.clinic_id)
            if clinic is None:
                raise NotFound("no such clinic", field="clinic_id")
            zone = ZoneInfo(clinic.timezone)
            start = datetime.combine(day, time.min, tzinfo=zone)
            end = datetime.combine(day, time.max, tzinfo=zone)
            chairs = {c.id: c.name for c in uow.clinics.chairs(actor.clinic_id)}
            found: list[OrderToSign] = []
            bookings = uow.schedule.active_between(actor.clinic_id, start, end)
            kat = kat_course_ids(uow, actor.clinic_id, (b.course_id for b in bookings))
            for b in sorted(bookings, key=lambda b: (b.start_at, b.id)):
                if b.kind is BookingKind.COACHING:
                    continue
                visit = uow.sessions.for_appointment(actor.clinic_id, b.id)
                if visit is not None and visit.state not in _BEFORE_DOSING:
                    continue
                orders = uow.dosing.orders_for_course(actor.clinic_id, b.course_id)
                if any(o.status in _OPEN for o in orders):
                    continue
                patient = uow.patients.get(actor.clinic_id, b.patient_id)
                name = patient.display_name if patient else "unknown patient"
                chair = chairs.get(b.chair_id, "unknown chair")
                found.append(OrderToSign(b, name, chair, b.words_for(kat=b.course_id in kat)))
        return found
