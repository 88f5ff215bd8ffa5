"""What the bedside team has to do now: for every open session of the clinic, the next step it
waits for (the check-in checklist of a patient who arrived or of an unscheduled visit, the
pre-dose checklist, closing the visit as not dosed after a pre-dose BP hard stop, the bedside
order verification, a prescriber's BP decision, vital signs on the protocol's interval, the
recovery timer and the discharge check).

A read only: it derives each item from the stored session, its records, its readings and its
dose orders, with the same rules the workflow enforces (``discharge.evaluate`` for the
observation time, the protocol's vitals interval). Decision support: the session page is where
each step is done and checked again. Sources: clinical.md §4.1 (vitals), §4.6 (discharge).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ketaclinic.domain.dosing.records import OrderStatus
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import InfusionSession, StoredAlarm
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.infusion.bedside_vitals import VitalsDue, vitals_due
from ketaclinic.services.infusion.discharge import evaluate
from ketaclinic.services.infusion.monitor_presence import monitor_of
from ketaclinic.services.infusion.predose_decisions import hard_stop_record, is_waiting
from ketaclinic.services.infusion.waiting_room import waiting_check_in
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

_ORDER = {"alarm": 0, "overdue": 1, "due": 2, "waiting": 3, "timer": 4}


@dataclass(frozen=True, slots=True)
class DueItem:
    """One thing a session waits for. ``urgency``: alarm, overdue, due, waiting or timer;
    ``at`` is when it became due (or, for a timer, when it runs out)."""

    session: InfusionSession
    patient_name: str
    chair_name: str
    urgency: str
    what: str
    at: datetime | None
    anchor: str  # the session page section where the step is done
    order_id: int | None = None  # the dose order waiting for its bedside check


@dataclass(frozen=True, slots=True)
class OpenAlarm:
    alarm: StoredAlarm
    patient_name: str
    chair_name: str


class DueNowService:
    """The nurse's "due now" list and the clinic's open alarms (PATIENT_READ)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def due_now(self, actor: Actor) -> list[DueItem]:
        """Every open session's next step, alarms and overdue items first."""
        require(actor, Permission.PATIENT_READ)
        now = self._clock.now()
        items: list[DueItem] = []
        with self._uow() as uow:
            chairs = {c.id: c.name for c in uow.clinics.chairs(actor.clinic_id)}
            arrived = waiting_check_in(uow, actor.clinic_id, now)
            for s in [*arrived, *uow.sessions.active(actor.clinic_id)]:
                patient = uow.patients.get(actor.clinic_id, s.patient_id)
                name = patient.display_name if patient else "unknown patient"
                chair = chairs.get(s.chair_id, "unknown chair")
                for urgency, what, at, anchor, order_id in _steps(uow, s, now):
                    items.append(DueItem(s, name, chair, urgency, what, at, anchor, order_id))
        far = now + timedelta(days=1)
        return sorted(items, key=lambda i: (_ORDER[i.urgency], i.at or far, i.session.id))

    def open_alarms(self, actor: Actor) -> list[OpenAlarm]:
        """Alarms that still need someone's attention, newest first."""
        require(actor, Permission.PATIENT_READ)
        found: list[OpenAlarm] = []
        with self._uow() as uow:
            chairs = {c.id: c.name for c in uow.clinics.chairs(actor.clinic_id)}
            for s in uow.sessions.active(actor.clinic_id):
                patient = uow.patients.get(actor.clinic_id, s.patient_id)
                name = patient.display_name if patient else "unknown patient"
                for a in uow.alarms.for_session(actor.clinic_id, s.id):
                    if a.needs_attention:
                        found.append(OpenAlarm(a, name, chairs.get(s.chair_id, "unknown chair")))
        return sorted(found, key=lambda o: o.alarm.raised_at, reverse=True)


_Step = tuple[str, str, datetime | None, str, int | None]


def _steps(uow: UnitOfWork, s: InfusionSession, now: datetime) -> list[_Step]:
    course = get_course(uow, s.clinic_id, s.course_id)
    protocol = load_published(uow, s.clinic_id, course.protocol_version_id).protocol
    if s.state is SessionState.SCHEDULED:  # opened on arrival: the nurse's check-in is next
        return [("due", "check-in checklist", s.created_at, "step-check-in", None)]
    if s.state is SessionState.CHECKED_IN:
        return [_before_dose(uow, s)]
    if s.state is SessionState.READY:
        return [("due", "start dosing", s.ready_at, "step-start", None)]
    if s.state in (SessionState.INFUSING, SessionState.PAUSED):
        return [_vitals(uow, s, protocol, now)]
    if s.state in (SessionState.RECOVERY, SessionState.STOPPED):
        return [_vitals(uow, s, protocol, now), _recovery(uow, s, protocol, now)]
    return []


def _before_dose(uow: UnitOfWork, s: InfusionSession) -> _Step:
    at = s.checked_in_at
    if hard_stop_record(uow.session_records.for_session(s.clinic_id, s.id)) is not None:
        what = "pre-dose BP hard stop, no dose today: close the visit as not dosed"
        return ("due", what, at, "predose-hard-stop", None)
    if is_waiting(uow, s):
        what = "pre-dose BP: a prescriber's decision"
        return ("waiting", what, at, "step-predose-decision", None)
    orders = uow.dosing.orders_for_course(s.clinic_id, s.course_id)
    if any(o.status is OrderStatus.VERIFIED for o in orders):
        return ("due", "pre-dose checklist", at, "step-pre-dose", None)
    signed = [o.id for o in orders if o.status is OrderStatus.SIGNED]
    if signed:
        return ("due", "bedside verification of the dose order", at, "", max(signed))
    return ("waiting", "no signed dose order yet: ask the prescriber", at, "", None)


def _vitals(uow: UnitOfWork, s: InfusionSession, protocol: Protocol, now: datetime) -> _Step:
    """Vital signs on the protocol's interval (``bedside_vitals.vitals_due``, as the session
    page shows them), by hand when no monitor is assigned."""
    readings = uow.readings.for_session(s.clinic_id, s.id)
    due = vitals_due(s, protocol.monitoring, readings)
    m = protocol.monitoring
    every = m.vitals_every_min if s.state in _DOSING else m.recovery_vitals_every_min
    if due is None:  # no phase start recorded: one interval from now
        due = VitalsDue(now + timedelta(minutes=every), every)
    urgency = "overdue" if due.overdue(now) else "due"
    by_hand = "" if monitor_of(uow, s) is not None else ", by hand: no monitor"
    return (
        urgency,
        f"vital signs (every {due.every_min} min{by_hand})",
        due.at,
        "step-vitals",
        None,
    )


_DOSING = (SessionState.INFUSING, SessionState.PAUSED)


def _recovery(uow: UnitOfWork, s: InfusionSession, protocol: Protocol, now: datetime) -> _Step:
    decision = evaluate(uow, s, protocol, escort=True, instructions=True, at=now)
    if decision.earliest_at is not None and decision.earliest_at > now:
        what = "recovery: minimum observation ends"
        return ("timer", what, decision.earliest_at, "discharge-criteria", None)
    if decision.allowed:
        return ("due", "discharge check", decision.earliest_at, "discharge-criteria", None)
    unmet = "; ".join(u.message for u in decision.unmet)
    what = f"discharge criteria not met: {unmet}"
    return ("waiting", what, decision.earliest_at, "discharge-criteria", None)
