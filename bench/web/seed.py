"""A synthetic clinic for the web benchmark: staff accounts and N obviously fake patients.

Patients go through the real repository (same columns and search keys as registration) in batches
of one transaction each, with a weight/height measurement apiece and a guardian for every
adolescent. Data is validated with the same domain rules as the registration form. The seed skips
the audit trail (bench data only); every chart read during the run is audited as usual.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import update

from ketaclinic.adapters.db.tables import clinics
from ketaclinic.adapters.db.uow import SqlUnitOfWork
from ketaclinic.bootstrap import Services
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Clinic
from ketaclinic.domain.patients.people import (
    Measurement,
    PatientDetails,
    RelatedPersonDetails,
    RelationshipKind,
    SexAtBirth,
    validate_patient,
)
from ketaclinic.services.identity.clinics import create_clinic
from ketaclinic.services.identity.staff_admin import NewStaff

SLUG = "bench"
MRN_PREFIX = "BN"
PASSWORD = "quartz-river-signal"  # synthetic benchmark clinic only
BATCH = 500
GIVEN = ("Avery", "Blake", "Cameron", "Devon", "Emerson", "Finley", "Gray", "Harper", "Indigo")
FAMILY_ROOTS = ("Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Ginkgo", "Hazel", "Juniper")


@dataclass(frozen=True, slots=True)
class BenchClinic:
    clinic: Clinic
    logins: tuple[str, ...]
    patient_ids: tuple[int, ...]
    family_names: tuple[str, ...]


def family_name(index: int) -> str:
    """``Demo-<Tree><abc>``: about 9 patients share each family name, so searches find a handful.

    Names hold letters only, as the registration rules require.
    """
    group = index // len(FAMILY_ROOTS) ** 2
    suffix = "".join(chr(97 + group // 26**k % 26) for k in (2, 1, 0))
    return f"Demo-{FAMILY_ROOTS[index % len(FAMILY_ROOTS)]}{suffix}"


def patient_details(index: int, today: date, rng: random.Random) -> PatientDetails:
    years = rng.randrange(13, 18) if index % 10 == 0 else rng.randrange(18, 85)
    born = today - timedelta(days=365 * years + rng.randrange(0, 360))
    return PatientDetails(
        given_name=GIVEN[index % len(GIVEN)],
        family_name=family_name(index),
        date_of_birth=born,
        sex_at_birth=SexAtBirth.FEMALE if index % 2 else SexAtBirth.MALE,
        phone=f"+1 555 01{index % 100:02d}",
        email=f"bench{index:05d}@example.invalid",
        preferred_language="en",
    )


def seed(services: Services, patients: int, users: int, seed_value: int = 7) -> BenchClinic:
    """Create the bench clinic, ``users`` front-desk logins and ``patients`` patients."""
    clock = services.clock
    clinic = create_clinic(services.uow, clock, SLUG, "Bench Clinic (synthetic)", "UTC", MRN_PREFIX)
    logins = tuple(f"bench{n:02d}@bench.ketaclinic.test" for n in range(users))
    for n, email in enumerate(logins):
        name = f"{GIVEN[n % len(GIVEN)]} Demo-Bench"
        new = NewStaff(email, name, Role.FRONT_DESK, PASSWORD)
        services.staff.bootstrap_create(clinic, new, by="bench")
    staff_id = _first_staff_id(services, logins[0])
    rng = random.Random(seed_value)
    ids: list[int] = []
    for start in range(0, patients, BATCH):
        batch = range(start, min(start + BATCH, patients))
        ids.extend(_add_batch(services, clinic, staff_id, batch, rng))
    _advance_mrn(services, clinic, patients + 1)
    families = tuple(sorted({family_name(i) for i in range(patients)}))
    return BenchClinic(clinic, logins, tuple(ids), families)


def _first_staff_id(services: Services, email: str) -> int:
    with services.uow() as uow:
        member = uow.staff.by_email(email)
    assert member is not None
    return member.id


def _add_batch(
    services: Services, clinic: Clinic, staff_id: int, batch: range, rng: random.Random
) -> list[int]:
    now = services.clock.now()
    ids: list[int] = []
    with SqlUnitOfWork(services.engine, services.audit_key) as uow:
        for index in batch:
            details = patient_details(index, now.date(), rng)
            validate_patient(details, today=now.date())
            patient = uow.patients.add(clinic.id, f"{MRN_PREFIX}{index + 1:06d}", details, at=now)
            ids.append(patient.id)
            weight, height = Decimal(45 + index % 70), Decimal(150 + index % 45)
            measurement = Measurement(now, weight, height)
            uow.patients.add_measurement(clinic.id, patient.id, measurement, entered_by=staff_id)
            if index % 10 == 0:
                name = f"Lee {details.family_name}"
                guardian = RelatedPersonDetails(
                    RelationshipKind.GUARDIAN, name, "parent", legal_authority=True
                )
                uow.patients.add_related(clinic.id, patient.id, guardian, at=now)
        uow.commit()
    return ids


def _advance_mrn(services: Services, clinic: Clinic, next_mrn: int) -> None:
    """Keep the clinic's MRN counter past the seeded numbers, as registration would have."""
    with SqlUnitOfWork(services.engine, services.audit_key) as uow:
        uow.connection.execute(
            update(clinics).where(clinics.c.id == clinic.id).values(next_mrn=next_mrn)
        )
        uow.commit()
