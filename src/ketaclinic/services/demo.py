"""The demo clinic: deterministic, obviously synthetic people, created once.

Every family name starts with ``Demo-`` so nobody can mistake a demo chart for a real one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor, Clinic, StaffMember
from ketaclinic.domain.patients.people import (
    Measurement,
    PatientDetails,
    RelatedPersonDetails,
    RelationshipKind,
    SexAtBirth,
)
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.identity.clinics import create_clinic
from ketaclinic.services.identity.staff_admin import NewStaff, StaffAdminService
from ketaclinic.services.patients.registry import PatientService
from ketaclinic.services.ports import Clock, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import ProtocolService

DEMO_SLUG = "demo"
DEMO_PASSWORD = "lantern-orchard-basin"  # noqa: S105 - documented demo login, synthetic clinic only
DEMO_STAFF: tuple[tuple[str, str, Role], ...] = (
    ("physician@demo.ketaclinic.test", "Dana Demo-Physician", Role.PHYSICIAN),
    ("physician2@demo.ketaclinic.test", "Robin Demo-Attending", Role.PHYSICIAN),
    ("np@demo.ketaclinic.test", "Casey Demo-Practitioner", Role.APP),
    ("nurse@demo.ketaclinic.test", "Jordan Demo-Nurse", Role.NURSE),
    ("nurse2@demo.ketaclinic.test", "Riley Demo-Charge", Role.NURSE),
    ("nurse3@demo.ketaclinic.test", "Quinn Demo-Infusion", Role.NURSE),
    ("coach@demo.ketaclinic.test", "Sage Demo-Coach", Role.COACH),
    ("frontdesk@demo.ketaclinic.test", "Morgan Demo-Desk", Role.FRONT_DESK),
    ("admin@demo.ketaclinic.test", "Alex Demo-Admin", Role.ADMIN),
    ("auditor@demo.ketaclinic.test", "Taylor Demo-Auditor", Role.AUDITOR),
)
_GIVEN = (
    "Avery",
    "Blake",
    "Cameron",
    "Devon",
    "Emerson",
    "Finley",
    "Gray",
    "Harper",
    "Indigo",
    "Jules",
    "Kai",
    "Lane",
    "Marlo",
    "Noel",
    "Oakley",
    "Parker",
    "Reese",
    "Skyler",
    "Tatum",
    "Wren",
)
_FAMILY = (
    "Alder",
    "Birch",
    "Cedar",
    "Dogwood",
    "Elm",
    "Fir",
    "Ginkgo",
    "Hazel",
    "Ironwood",
    "Juniper",
)
DEMO_PATIENTS = 40
DEMO_ADOLESCENTS = 6
DEMO_CHAIRS = 8


@dataclass(frozen=True, slots=True)
class DemoResult:
    clinic: Clinic
    created: bool


def _patient(index: int, today: date) -> PatientDetails:
    adolescent = index < DEMO_ADOLESCENTS
    years = 13 + index % 4 if adolescent else 19 + (index * 7) % 55
    born = date(today.year - years, 1 + index % 12, 1 + (index * 3) % 27)
    if born > today - timedelta(days=365 * years):
        born = born - timedelta(days=366)
    return PatientDetails(
        given_name=_GIVEN[index % len(_GIVEN)],
        # shift the family name each round of given names, so no two patients share a name
        family_name=f"Demo-{_FAMILY[(index // len(_GIVEN) + index) % len(_FAMILY)]}",
        date_of_birth=born,
        sex_at_birth=SexAtBirth.FEMALE if index % 2 else SexAtBirth.MALE,
        phone=f"+1 555 01{index:02d}",
        email=f"patient{index:02d}@example.invalid",
        preferred_language="es" if index % 9 == 0 else "en",
        emergency_contact_name=f"Pat Demo-{_FAMILY[(index + 3) % len(_FAMILY)]}",
        emergency_contact_phone=f"+1 555 02{index:02d}",
    )


def _guardian(details: PatientDetails) -> RelatedPersonDetails:
    return RelatedPersonDetails(
        kind=RelationshipKind.GUARDIAN,
        name=f"Lee {details.family_name}",
        relationship="parent",
        phone="+1 555 0300",
        legal_authority=True,
    )


def seed_demo(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    staff: StaffAdminService,
    patients: PatientService,
    protocols: ProtocolService | None = None,
    packs: Sequence[Protocol] = (),
) -> DemoResult:
    """Create the demo clinic once; a second run finds it and changes nothing."""
    with uow_factory() as uow:
        existing = uow.clinics.by_slug(DEMO_SLUG)
    if existing is not None:
        return DemoResult(existing, created=False)
    clinic = create_clinic(
        uow_factory,
        clock,
        DEMO_SLUG,
        "Demo Ketamine Clinic (synthetic data)",
        "America/Chicago",
        "DEMO",
    )
    with uow_factory() as uow:
        for n in range(1, DEMO_CHAIRS + 1):
            uow.clinics.add_chair(
                clinic.id, f"Chair {n}", ("recliner", "monitor") if n <= 2 else ("monitor",)
            )
        uow.commit()
    members = [
        staff.bootstrap_create(clinic, NewStaff(e, n, r, DEMO_PASSWORD), by="demo")
        for e, n, r in DEMO_STAFF
    ]
    desk = next(m for m, (_, _, r) in zip(members, DEMO_STAFF, strict=True) if r is Role.FRONT_DESK)
    actor = Actor(desk.id, Role.FRONT_DESK, clinic.id, "demo")
    today = clock.now().date()
    for index in range(DEMO_PATIENTS):
        details = _patient(index, today)
        guardians = [_guardian(details)] if index < DEMO_ADOLESCENTS else []
        patient = patients.register(actor, details, guardians)
        weight = Decimal(48 + (index * 11) % 70)
        height = Decimal(150 + (index * 5) % 45)
        patients.add_measurement(actor, patient.id, Measurement(clock.now(), weight, height))
    if protocols is not None:
        _publish_and_sign(clinic, protocols, packs, members)
    return DemoResult(clinic, created=True)


def _publish_and_sign(
    clinic: Clinic,
    protocols: ProtocolService,
    packs: Sequence[Protocol],
    members: Sequence[StaffMember],
) -> None:
    """Demo only: the demo physician signs off the shipped packs so the demo can open courses."""
    physician = Actor(members[0].id, Role.PHYSICIAN, clinic.id, "demo")
    for published in protocols.publish(clinic.id, packs):
        items = protocols.signoff_items(physician, published.id)
        protocols.sign_off(physician, published.id, [i.path for i in items])
