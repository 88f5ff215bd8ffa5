"""Demo only: one whole induction session day, from the order to discharge, through the services.

The demo's history (``services.demo_history``) walks each past session the way the clinic does:
between sessions the nurse records the patient's check-in and the prescriber signs the dose the
titration recommends; on the day the prescriber opens the visit, the nurse is assigned, checks
the order at the bedside, checks the patient in, gives the premedication, places the IV, runs the
pre-dose checklist and starts dosing (:func:`demo_sessions.walk_to`), records hand vital signs
every 10 minutes while dosing and every 15 minutes in recovery, the CADSS-6 at the protocol's
minute, ends dosing, scores the modified Aldrete and discharges once the minimum observation has
passed. Each guard applies; nothing is attested.

The day is a generator: it yields the time at which its next step happens and the seeder moves
its clock there before resuming it, so every record and audit event carries its own time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ketaclinic.domain.errors import ClinicError
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.dosing.checkins import CheckinEntry, CheckinService
from ketaclinic.services.dosing.inputs import OrderDraft
from ketaclinic.services.dosing.orders import OrderService
from ketaclinic.services.infusion.bedside_vitals import readings_from_fields
from ketaclinic.services.infusion.demo_sessions import walk_to
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from ketaclinic.services.infusion.monitoring import MonitoringService
from ketaclinic.services.infusion.sessions import SessionService
from ketaclinic.services.infusion.workflow import SessionWorkflowService
from ketaclinic.services.ports import Clock

#: Synthetic resting vital signs, within every alert rule of the shipped packs.
DEMO_VITALS = {
    "sbp_mmhg": "126",
    "dbp_mmhg": "80",
    "hr_per_min": "74",
    "spo2_pct": "98",
    "rr_per_min": "14",
}
DOSING_MIN, VITALS_EVERY_MIN, RECOVERY_EVERY_MIN, OBSERVED_MIN = 40, 10, 15, 31
NAUSEA = {
    "kind": "nausea",
    "severity": "mild",
    "intervention": "ondansetron given before dosing; reassurance",
    "outcome": "resolved",
}


@dataclass(frozen=True, slots=True)
class DayServices:
    """The use cases of an infusion session day (from the composition root)."""

    clock: Clock
    orders: OrderService
    checkins: CheckinService
    sessions: SessionService
    workflow: SessionWorkflowService
    monitoring: MonitoringService


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One session of a course: who, where, when, and whether nausea is recorded."""

    course_id: int
    mrn: str
    chair_id: int
    prescriber: Actor
    nurse: Actor
    start: datetime
    number: int
    order_id: int | None = None  # the first session's order is signed with the course
    nausea: bool = False


def sign_recommended(orders: OrderService, prescriber: Actor, course_id: int) -> int:
    """The prescriber signs the dose the titration recommends for the next session."""
    screen = orders.screen(prescriber, course_id)
    proposed = screen.recommendation.proposed if screen.recommendation else None
    if proposed is None or proposed.requested_mg_per_kg is None:
        raise ClinicError("the demo course has no dose recommendation", field="course_id")
    draft = OrderDraft(
        route=Route.IV,
        mg_per_kg=proposed.requested_mg_per_kg,
        vial_mg_per_ml=Decimal(50),
        final_volume_ml=Decimal(100),
        premedications=("ondansetron",),
    )
    return orders.sign(prescriber, course_id, draft).id


def session_day(d: DayServices, plan: DayPlan) -> Iterator[datetime]:
    """Walk one session from the order to discharge (yields the time of each next step)."""
    order_id = plan.order_id
    if order_id is None:
        yield plan.start - timedelta(minutes=90)
        entry = CheckinEntry(3, False, Decimal(7), False)
        d.checkins.record(plan.nurse, plan.course_id, entry)
        yield plan.start - timedelta(minutes=60)
        order_id = sign_recommended(d.orders, plan.prescriber, plan.course_id)
    yield plan.start
    opened = d.sessions.create(
        plan.prescriber,
        plan.course_id,
        plan.chair_id,
        unscheduled_reason="demo clinic: synthetic patient",
        prescriber_id=plan.prescriber.staff_id,
    )
    session_id = opened.id
    d.sessions.assign(plan.nurse, session_id, attendant_id=plan.nurse.staff_id, device_id=None)
    walk_to(d.workflow, d.orders, plan.nurse, session_id, order_id, plan.mrn)
    dosing_started = d.clock.now()
    for minute in range(VITALS_EVERY_MIN, DOSING_MIN + 1, VITALS_EVERY_MIN):
        yield dosing_started + timedelta(minutes=minute)
        _vitals(d, plan.nurse, session_id)
        if plan.nausea and minute == 2 * VITALS_EVERY_MIN:
            d.workflow.adverse_event(plan.nurse, session_id, NAUSEA)
    cadss = {"instrument": "cadss6", "total": str(4 + plan.number % 3), "minute": str(DOSING_MIN)}
    d.workflow.score(plan.nurse, session_id, cadss)
    d.workflow.end_dosing(plan.nurse, session_id)
    ended = d.clock.now()
    d.workflow.aldrete(plan.nurse, session_id, AldreteScore(2, 2, 2, 2, 2))
    for minute in range(RECOVERY_EVERY_MIN, OBSERVED_MIN, RECOVERY_EVERY_MIN):
        yield ended + timedelta(minutes=minute)
        _vitals(d, plan.nurse, session_id)
    yield ended + timedelta(minutes=OBSERVED_MIN)
    discharge = {"escort_present": True, "instructions_given": True}
    d.workflow.discharge(plan.nurse, session_id, discharge)


def _vitals(d: DayServices, nurse: Actor, session_id: int) -> None:
    readings = readings_from_fields(DEMO_VITALS, at=d.clock.now())
    d.monitoring.ingest(nurse, VitalsBatch(readings, session_id=session_id))
