"""Infusion-day test setup on a ``World``: a signed-off adult IV protocol, chairs, synthetic adult
patients, and running sessions with fake monitors, all through the real services: a session gets
to ``infusing`` only through the infusion-day steps a nurse takes on the session page
(:func:`walked_session`, the demo's ``walk_to``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from ketaclinic.adapters.hl7.builder import MonitorSnapshot, build_pcd01
from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.monitor_ingest import NewGateway
from ketaclinic.domain.infusion.records import InfusionSession, StoredReading
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import ReadingSource
from ketaclinic.domain.patients.people import Patient, PatientDetails, SexAtBirth
from ketaclinic.services.demo_pathway import prepare_course
from ketaclinic.services.infusion.demo_sessions import DemoMonitor, start_demo_sessions, walk_to
from ketaclinic.services.patients.ports import PatientSearch
from tests.conftest import World


def start_fields(world: World, lot: str = "KET-DEMO-1", **more: str) -> dict[str, str]:
    """The start-of-dosing form as a nurse fills it: the nurse gives the dose and the clinic's
    physician is the prescriber on site (both chosen by staff id)."""
    return {
        "lot": lot,
        "given_by": str(world.actor(Role.NURSE).staff_id),
        "prescriber_on_site": str(world.actor(Role.PHYSICIAN).staff_id),
        **more,
    }


def register_gateway(
    world: World, application: str = "KETASIM", facility: str = "", source: str = "127.0.0.1"
) -> None:
    """Allow monitor messages from ``source`` with this MSH-3/MSH-4 (the simulator's by default)."""
    world.services.gateways.bootstrap_add(
        world.clinic.id, NewGateway("Test gateway", source, application, facility), by="test"
    )


def prepare_clinic(world: World, *, chairs: int = 3, patients: int = 3) -> None:
    """Publish and sign off the adult IV pack; add chairs and synthetic adults; register the
    simulator's gateway (loopback, MSH-3 KETASIM)."""
    register_gateway(world)
    physician = world.actor(Role.PHYSICIAN)
    for published in world.services.protocols.publish(
        world.clinic.id, [shipped_protocol("adult-iv-induction")]
    ):
        items = world.services.protocols.signoff_items(physician, published.id)
        world.services.protocols.sign_off(physician, published.id, [i.path for i in items])
    with world.services.uow() as uow:
        for n in range(chairs):
            uow.clinics.add_chair(world.clinic.id, f"Chair {n + 1}", ("monitor",))
        uow.commit()
    for n in range(patients):
        world.services.patients.register(
            world.actor(Role.FRONT_DESK),
            PatientDetails(
                "Avery" + "abcdefghij"[n % 10],
                "Demo-Infusion",
                date(1980, 1, 1 + n),
                SexAtBirth.FEMALE,
            ),
        )


def running_sessions(world: World, count: int = 1, **kw: int) -> list[DemoMonitor]:
    prepare_clinic(world, **kw)
    s = world.services
    return start_demo_sessions(
        s.uow,
        s.pathway(),
        s.sessions,
        world.clinic.id,
        workflow=s.session_workflow,
        count=count,
        clock=world.clock,
    )


@dataclass(frozen=True)
class Walked:
    session: InfusionSession
    course_id: int
    order_id: int
    chair_id: int


def walked_session(
    world: World,
    until: SessionState = SessionState.INFUSING,
    *,
    prepared: bool = False,
    patient: Patient | None = None,
) -> Walked:
    """A synthetic adult's session taken to ``until`` (checked in, ready or infusing) through the
    real steps: a prepared course with a signed order (``demo_pathway.prepare_course``), an
    unscheduled visit, then the nurse's bedside check, check-in, premedication, IV, pre-dose
    checklist and start (``demo_sessions.walk_to``). ``prepared``: the clinic is already set up;
    ``patient``: this one (else a synthetic adult without a course)."""
    if not prepared:
        prepare_clinic(world)
    s, nurse, physician = world.services, world.actor(Role.NURSE), world.actor(Role.PHYSICIAN)
    found = s.patients.search(nurse, PatientSearch(0, text="Demo-Infusion"))
    with s.uow() as uow:  # a patient without a course yet, a chair without an open session
        opened = uow.sessions.unscheduled_since(world.clinic.id, world.clock.now())
        taken = {a.chair_id for a in uow.sessions.active(world.clinic.id)} | {
            o.chair_id for o in opened if o.closed_at is None
        }
        chair = next(c.id for c in uow.clinics.chairs(world.clinic.id) if c.id not in taken)
        if patient is None:
            patient = next(p for p in found if not uow.courses.for_patient(world.clinic.id, p.id))
    course_id, order_id = prepare_course(
        s.uow, world.clock, s.pathway(), world.clinic.id, patient.id
    )
    session = s.sessions.create(physician, course_id, chair, unscheduled_reason="walk-in")
    s.sessions.assign(nurse, session.id, attendant_id=nurse.staff_id, device_id=None)
    walked = walk_to(
        s.session_workflow, s.orders, nurse, session.id, order_id, patient.mrn, until=until
    )
    return Walked(walked, course_id, order_id, chair)


def snapshot(at: datetime, sbp: int = 120, dbp: int = 80, hr: int = 72) -> MonitorSnapshot:
    return MonitorSnapshot(
        at=at,
        sbp_mmhg=Decimal(sbp),
        dbp_mmhg=Decimal(dbp),
        map_mmhg=Decimal((sbp + 2 * dbp) // 3),
        hr_per_min=Decimal(hr),
        spo2_pct=Decimal(98),
        rr_per_min=Decimal(14),
    )


def pcd01(monitor: DemoMonitor, control_id: str, at: datetime, **values: int) -> bytes:
    return build_pcd01(
        snapshot(at, **values),
        control_id=control_id,
        patient_id=monitor.mrn,
        device_eui64=monitor.device_id,
        full=True,
    )


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def device_readings(world: World, actor: Actor, session_id: int) -> list[StoredReading]:
    """The session's readings a device sent (the pre-dose checklist's baseline, entered by
    hand, left out)."""
    stored = world.services.alarms.readings(actor, session_id)
    return [r for r in stored if r.reading.source is not ReadingSource.STAFF]
