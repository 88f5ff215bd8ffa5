"""Demo only: put a few synthetic adults of a clinic into infusing sessions with fake monitors.

``ketaclinic serve --with-monitors`` and ``ketaclinic simulate-monitors`` call this so the live
board moves as soon as the demo starts. It goes through the real services: each course is
prepared like a real one (``demo_pathway.prepare_course``: evaluated, eligible, consented, in
induction, with a signed dose order), the session is an unscheduled visit authorised by the demo
prescriber, attendant and monitor are assigned and the state machine moves it. It ATTESTS the
check-in and pre-dose checklist facts instead of recording them: that is only acceptable for the
synthetic demo clinic, never for a patient. Tests reuse it to get a running session. Monitor ids
are obviously fake EUI-64s (``DE00000000000001``...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ketaclinic.domain.errors import ClinicError
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.monitor_ingest import NewGateway
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionFacts, SessionState
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.demo_pathway import PathwayServices, prepare_course
from ketaclinic.services.infusion.sessions import SessionService
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.ports import Clock, UnitOfWorkFactory

DEMO_PROTOCOL = "adult-iv-induction"

#: Demo only: every checklist fact attested true, so the demo can reach ``infusing``.
DEMO_ATTESTED = SessionFacts(
    identity_confirmed=True,
    escort_named=True,
    escort_reachable=True,
    fasting_confirmed=True,
    pregnancy_test_required=False,
    checkin_reviewed=True,
    baseline_vitals_recorded=True,
    symptom_check_done=True,
    premedication_recorded=True,
    route=Route.IV,
    iv_placement_recorded=True,
    verified_order=True,
    attendant_present=True,
    prescriber_on_site=True,
)
_PATH = (SessionState.CHECKED_IN, SessionState.READY, SessionState.INFUSING)


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
    count: int = 3,
    clock: Clock,
) -> list[DemoMonitor]:
    """Return ``count`` infusing sessions with monitors, creating what is missing (demo only)."""
    today = clock.now().date()
    physician, nurse, _version_id, adults, chairs = _demo_inputs(uow_factory, clinic_id, today)
    running = _running(uow_factory, clinic_id)
    result = list(running.values())[:count]
    with uow_factory() as uow:
        active = uow.sessions.active(clinic_id)
    busy_patients = {a.patient_id for a in active}
    busy_chairs = {a.chair_id for a in active}
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
        for to in _PATH:
            s = sessions.move(nurse, s.id, to, reason="demo", attested=DEMO_ATTESTED)
        busy_patients.add(patient_id)
        busy_chairs.add(chair)
        result.append(DemoMonitor(s, device, mrn))
    return result


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


def _running(uow_factory: UnitOfWorkFactory, clinic_id: int) -> dict[int, DemoMonitor]:
    with uow_factory() as uow:
        found: dict[int, DemoMonitor] = {}
        for s in uow.sessions.active(clinic_id):
            patient = uow.patients.get(clinic_id, s.patient_id)
            if s.monitor_device_id and patient is not None:
                found[s.chair_id] = DemoMonitor(s, s.monitor_device_id, patient.mrn)
        return found
