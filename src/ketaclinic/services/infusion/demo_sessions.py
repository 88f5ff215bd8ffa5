"""Demo only: put a few synthetic adults of a clinic into infusing sessions with fake monitors.

``ketaclinic serve --with-monitors`` and ``ketaclinic simulate-monitors`` call this so the live
board moves as soon as the demo starts. It goes through the real services: each course is
prepared like a real one (``demo_pathway.prepare_course``: evaluated, eligible, consented, in
induction, with a signed dose order), the session is an unscheduled visit authorised by the demo
prescriber (through ``session_opening.open_session``, like any walk-in) in a chair nobody is booked
into for the rest of the clinic day (clinic time zone; with no such chair, fewer sessions open);
the scheduler then holds that chair like any session without an appointment
(``scheduling.occupancy``). Attendant and monitor are assigned, and the demo nurse then does what
a nurse does on the session page (:func:`walk_to`): the bedside verification of the order,
check-in, premedication and IV placement, the pre-dose checklist and the start of dosing, each
through the infusion-day workflow and its guards (no fact is attested). Tests reuse it to get a
running session. Monitor ids are obviously fake EUI-64s (``DE00000000000001``...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ketaclinic.domain.dosing.records import DoseOrder, OrderStatus
from ketaclinic.domain.errors import ClinicError
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.monitor_ingest import NewGateway
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.demo_pathway import PathwayServices, prepare_course
from ketaclinic.services.dosing.inputs import BedsideEntry
from ketaclinic.services.dosing.orders import OrderService
from ketaclinic.services.infusion.sessions import SessionService
from ketaclinic.services.infusion.workflow import SessionWorkflowService
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

DEMO_PROTOCOL = "adult-iv-induction"

#: Demo only: the check-in form as the demo nurse fills it (a synthetic escort).
DEMO_CHECK_IN: dict[str, Any] = {
    "identity_confirmed": True,
    "escort_name": "Sam Demo-Escort",
    "escort_phone": "555-0100",
    "escort_reachable": True,
    "fasting_confirmed": True,
    "pregnancy_test": "negative",
    "checkin_reviewed": True,
}
_STOPS = (SessionState.CHECKED_IN, SessionState.READY, SessionState.INFUSING)


@dataclass(frozen=True, slots=True)
class DemoMonitor:
    session: InfusionSession
    device_id: str
    mrn: str


# The demo monitor simulator sends from this machine as MSH-3 "KETASIM" with an empty MSH-4.
SIMULATOR_GATEWAY = NewGateway("Demo monitor simulator (this machine)", "127.0.0.1/32", "KETASIM")


def demo_device(n: int) -> str:
    return f"DE{n:014X}"


def start_demo_sessions(
    uow_factory: UnitOfWorkFactory,
    pathway: PathwayServices,
    sessions: SessionService,
    clinic_id: int,
    *,
    workflow: SessionWorkflowService,
    count: int = 3,
    clock: Clock,
) -> list[DemoMonitor]:
    """Return ``count`` infusing sessions with monitors, creating what is missing (demo only)."""
    today = clock.now().date()
    physician, nurse, _version_id, adults, chairs = _demo_inputs(uow_factory, clinic_id, today)
    running = _running(uow_factory, clinic_id)
    result = list(running.values())[:count]
    now = clock.now()
    with uow_factory() as uow:
        active = uow.sessions.active(clinic_id)
        booked = uow.schedule.active_between(
            clinic_id, now, _end_of_clinic_day(uow, clinic_id, now)
        )
    busy_patients = {a.patient_id for a in active}
    # a chair with a patient in it, or booked for anyone later this clinic day (a demo session
    # stays open until someone closes it); with no such chair left, fewer sessions open
    busy_chairs = {a.chair_id for a in active} | {b.chair_id for b in booked}
    for patient_id, mrn in adults:
        if len(result) >= count:
            break
        chair = next((c for c in chairs if c not in busy_chairs), None)
        if chair is None:
            break
        if patient_id in busy_patients:
            continue
        try:
            course_id, _order_id = prepare_course(
                uow_factory, clock, pathway, clinic_id, patient_id
            )
        except ClinicError:  # e.g. a demo adult outside the pack's population: try the next one
            busy_patients.add(patient_id)
            continue
        s = sessions.create(
            physician,
            course_id,
            chair,
            unscheduled_reason="demo clinic: synthetic patient",
            prescriber_id=physician.staff_id,
        )
        device = demo_device(chair)
        s = sessions.assign(nurse, s.id, attendant_id=nurse.staff_id, device_id=device)
        s = walk_to(workflow, pathway.orders, nurse, s.id, _order_id, mrn)
        busy_patients.add(patient_id)
        busy_chairs.add(chair)
        result.append(DemoMonitor(s, device, mrn))
    return result


def walk_to(
    workflow: SessionWorkflowService,
    orders: OrderService,
    nurse: Actor,
    session_id: int,
    order_id: int,
    mrn: str,
    *,
    until: SessionState = SessionState.INFUSING,
) -> InfusionSession:
    """What the nurse does on the session page, step by step, up to ``until`` (checked in,
    ready or infusing): the bedside check of the order (wristband, label, pump), check-in,
    premedication and IV placement, the pre-dose checklist, the start of dosing."""
    if until not in _STOPS:
        raise ClinicError(f"the demo walks to one of {', '.join(_STOPS)}", field="until")
    order = _verified(orders, nurse, order_id, mrn)
    s = workflow.check_in(nurse, session_id, DEMO_CHECK_IN)
    if until is SessionState.CHECKED_IN:
        return s
    for premed in order.content.premedications:
        given = {"drug": premed.drug, "dose_mg": str(premed.dose_mg), "route": premed.route}
        by_nurse = {"lot": "DEMO-LOT-P", "given_by": nurse.staff_id}
        workflow.give(nurse, session_id, {**given, **by_nurse})
    if order.content.route is Route.IV:
        iv = {"site": "left antecubital", "gauge": "22", "attempts": "1"}
        workflow.place_iv(nurse, session_id, {**iv, "placed_by": nurse.staff_id})
    vitals = {"sbp_mmhg": "124", "dbp_mmhg": "78", "hr_per_min": "72", "spo2_pct": "98"}
    checks = {"symptom_check": "no headache, no nausea", "order_id": str(order_id)}
    s = workflow.pre_dose(nurse, session_id, {**vitals, **checks})
    if until is SessionState.READY:
        return s
    return workflow.start(nurse, session_id, demo_start(workflow, nurse, session_id))


def demo_start(workflow: SessionWorkflowService, nurse: Actor, session_id: int) -> dict[str, Any]:
    """The start form as the demo nurse fills it: the nurse gives the dose, the first prescriber
    offered (rostered today first) is on site, and the first permitted attendant attends a
    non-IV dose; the same checks as any start (demo only)."""
    offered = workflow.dose_choices(nurse, session_id)
    if not offered.prescribers or (offered.needs_attending and not offered.attending):
        raise ClinicError("the demo needs a prescriber and a permitted attendant", field="clinic")
    start: dict[str, Any] = {
        "lot": "DEMO-LOT-K",
        "given_by": nurse.staff_id,
        "prescriber_on_site": offered.prescribers[0].staff_id,
    }
    if offered.needs_attending:
        start["attending"] = offered.attending[0].staff_id
    return start


def _verified(orders: OrderService, nurse: Actor, order_id: int, mrn: str) -> DoseOrder:
    """The order after the nurse's bedside check, reading what the order says (demo)."""
    order, _ = orders.get(nurse, order_id)
    if order.status is OrderStatus.VERIFIED:
        return order
    c = order.content
    entry = BedsideEntry(
        mrn=mrn,
        drug=c.drug,
        route=c.route,
        concentration_mg_per_ml=c.final_concentration_mg_per_ml or c.vial_mg_per_ml,
        dose_mg=c.dose_mg,
        rate_ml_per_h=c.rate_ml_per_h,
    )
    outcome = orders.verify(nurse, order_id, entry)
    if not outcome.verified:
        raise ClinicError("the demo order did not pass the bedside check", field="order_id")
    return outcome.order


def _demo_inputs(
    uow_factory: UnitOfWorkFactory, clinic_id: int, today: date
) -> tuple[Actor, Actor, int, list[tuple[int, str]], list[int]]:
    with uow_factory() as uow:
        staff = uow.staff.list_for_clinic(clinic_id)
        physician = next((m for m, r in staff if r is Role.PHYSICIAN), None)
        nurse = next((m for m, r in staff if r is Role.NURSE), None)
        version = next(
            (
                p
                for p in uow.protocols.list(clinic_id)
                if p.protocol_id == DEMO_PROTOCOL and p.signed_off
            ),
            None,
        )
        patients = uow.patients.search(PatientSearch(clinic_id, limit=200))
        chairs = [c.id for c in uow.clinics.chairs(clinic_id) if c.in_service]
    if physician is None or nurse is None or version is None:
        raise ClinicError(
            f"the demo needs a physician, a nurse and a signed-off {DEMO_PROTOCOL} protocol",
            field="clinic",
        )
    adults = [(p.id, p.mrn) for p in patients if (today - p.details.date_of_birth).days >= 18 * 366]
    return (
        Actor(physician.id, Role.PHYSICIAN, clinic_id, "demo"),
        Actor(nurse.id, Role.NURSE, clinic_id, "demo"),
        version.id,
        adults,
        chairs,
    )


def _end_of_clinic_day(uow: UnitOfWork, clinic_id: int, now: datetime) -> datetime:
    """Midnight after ``now`` in the clinic's time zone (the end of its clinic day)."""
    clinic = uow.clinics.get(clinic_id)
    zone = ZoneInfo(clinic.timezone if clinic else "UTC")
    day = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=zone)


def _running(uow_factory: UnitOfWorkFactory, clinic_id: int) -> dict[int, DemoMonitor]:
    with uow_factory() as uow:
        found: dict[int, DemoMonitor] = {}
        for s in uow.sessions.active(clinic_id):
            patient = uow.patients.get(clinic_id, s.patient_id)
            if s.monitor_device_id and patient is not None:
                found[s.chair_id] = DemoMonitor(s, s.monitor_device_id, patient.mrn)
        return found
