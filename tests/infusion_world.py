"""Infusion-day test setup on a ``World``: a signed-off adult IV protocol, chairs, synthetic adult
patients, and running sessions with fake monitors (through the real services, demo attestations).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from ketaclinic.adapters.hl7.builder import MonitorSnapshot, build_pcd01
from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.monitor_ingest import NewGateway
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.services.infusion.demo_sessions import DemoMonitor, start_demo_sessions
from tests.conftest import World


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
        s.uow, s.pathway(), s.sessions, world.clinic.id, count=count, clock=world.clock
    )


def snapshot(at: datetime, sbp: int = 120, dbp: int = 80, hr: int = 72) -> MonitorSnapshot:
    return MonitorSnapshot(
        at=at, sbp_mmhg=Decimal(sbp), dbp_mmhg=Decimal(dbp), map_mmhg=Decimal((sbp + 2 * dbp) // 3),
        hr_per_min=Decimal(hr), spo2_pct=Decimal(98), rr_per_min=Decimal(14),
    )  # fmt: skip


def pcd01(monitor: DemoMonitor, control_id: str, at: datetime, **values: int) -> bytes:
    return build_pcd01(
        snapshot(at, **values), control_id=control_id, patient_id=monitor.mrn,
        device_eui64=monitor.device_id, full=True,
    )  # fmt: skip


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
