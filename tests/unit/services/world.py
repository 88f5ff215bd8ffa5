"""A clinic in memory for service unit tests: the in-memory unit of work, a fake clock, one staff
member of every role, a synthetic patient with a course on a signed-off test protocol, chairs.

No database and no network: the services run exactly as in production against the fakes of
``tests.fakes`` (held to the repository contracts in ``tests/integration/contracts``). The protocol
is the shipped adult IV pack as canonical JSON (``data/``, kept equal to the pack by
``tests/unit/test_service_unit_pack.py``), read once per run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from ketaclinic.domain.assessments.safety import SafetyTask, Urgency
from ketaclinic.domain.audit.events import AuditEvent
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor, Clinic
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import Measurement, PatientDetails, SexAtBirth
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.canonical import canonical_json, with_hash
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.pack import build_protocol
from ketaclinic.services.ports import UnitOfWork, UnitOfWorkFactory
from tests.fakes import FakeClock
from tests.fakes.uow import InMemoryDatabase, Rows, unit_of_work_factory

PACK_JSON = Path(__file__).with_name("data") / "adult-iv-induction.json"


@cache
def adult_iv_pack() -> Protocol:
    """The shipped adult IV induction pack, from its committed canonical JSON."""
    plain = json.loads(PACK_JSON.read_text(encoding="utf-8"))
    return with_hash(build_protocol(plain, source_name="adult-iv-induction"))


@dataclass
class FakeWorld:
    """One clinic (and a second one, ``other_clinic``, for scoping checks)."""

    db: InMemoryDatabase
    clock: FakeClock
    uow: UnitOfWorkFactory
    clinic: Clinic
    other_clinic: Clinic
    actors: dict[Role, Actor]
    patient_id: int
    mrn: str
    course: Course
    protocol: Protocol
    chairs: tuple[int, int]

    def actor(self, role: Role) -> Actor:
        return self.actors[role]

    def outsider(self, role: Role) -> Actor:
        """The same role, signed in to the other clinic."""
        return replace(self.actors[role], clinic_id=self.other_clinic.id)

    @property
    def committed(self) -> Rows:
        return self.db.committed

    def audit(self) -> list[AuditEvent]:
        """Committed audit events, oldest first."""
        return [e for _, e in self.db.committed.audit.events]

    def actions(self) -> list[str]:
        return [e.action for e in self.audit()]

    def move_course(self, to: CourseState) -> Course:
        """Put the course in a state directly (the course guards are not under test here)."""
        with self.uow() as uow:
            current = uow.courses.get(self.clinic.id, self.course.id)
            assert current is not None
            self.course = uow.courses.move(
                current, to, by=self.staff(Role.PHYSICIAN), at=self.clock.now(), reason="test"
            )
            uow.commit()
        return self.course

    def open_safety_task(self) -> SafetyTask:
        with self.uow() as uow:
            task = uow.safety_tasks.open_task(
                self.clinic.id,
                self.patient_id,
                source="phq9",
                rule_id="phq9.item9",
                reason="item 9 answered above 0",
                urgency=Urgency.URGENT,
                at=self.clock.now(),
            )
            uow.commit()
        return task

    def staff(self, role: Role) -> int:
        staff_id = self.actors[role].staff_id
        assert staff_id is not None
        return staff_id


def _seed_clinic(uow: UnitOfWork, slug: str, clock: FakeClock) -> tuple[Clinic, dict[Role, Actor]]:
    clinic = uow.clinics.add(
        slug, f"Test {slug}", "America/Chicago", slug[:2].upper(), at=clock.now()
    )
    actors = {}
    for role in Role:
        member = uow.staff.add(
            f"{role.value}@{slug}.test", f"Test {role.value.title()}", "x", at=clock.now()
        )
        uow.staff.set_membership(member.id, clinic.id, role)
        actors[role] = Actor(member.id, role, clinic.id, "127.0.0.1")
    return clinic, actors


def make_world() -> FakeWorld:
    """Seed through the repositories and commit; ``db.commits`` then counts the use cases."""
    db, clock = InMemoryDatabase(), FakeClock()
    uow_factory = unit_of_work_factory(db)
    pack = adult_iv_pack()
    with uow_factory() as uow:
        clinic, actors = _seed_clinic(uow, "unitclinic", clock)
        other, _ = _seed_clinic(uow, "otherclinic", clock)
        physician = actors[Role.PHYSICIAN].staff_id
        assert physician is not None
        mrn = uow.clinics.next_mrn(clinic.id)
        patient = uow.patients.add(
            clinic.id,
            mrn,
            PatientDetails("Avery", "Demo-Unit", date(1980, 1, 1), SexAtBirth.FEMALE),
            at=clock.now(),
        )
        uow.patients.add_measurement(
            clinic.id,
            patient.id,
            Measurement(clock.now(), Decimal("70"), Decimal("175")),
            entered_by=physician,
        )
        published = uow.protocols.publish(
            clinic.id,
            protocol_id=pack.id,
            version=pack.version,
            hash=pack.hash,
            title=pack.title,
            base_ref=None,
            content=canonical_json(pack),
            at=clock.now(),
            by=physician,
        )
        uow.protocols.sign_off(
            clinic.id,
            published.id,
            hash=pack.hash,
            by=physician,
            at=clock.now(),
            confirmed_paths=[],
        )
        course = uow.courses.add(clinic.id, patient.id, published.id, by=physician, at=clock.now())
        chairs = (
            uow.clinics.add_chair(clinic.id, "Chair 1", ("monitor",)),
            uow.clinics.add_chair(clinic.id, "Chair 2", ("monitor",)),
        )
        uow.commit()
    db.commits = 0
    return FakeWorld(
        db, clock, uow_factory, clinic, other, actors, patient.id, mrn, course, pack, chairs
    )
