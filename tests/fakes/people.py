"""Clinics and chairs, staff and memberships, patients (related people, measurements, allergies)
in memory: the people the dosing, infusion and scheduling use cases look up."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Chair, Clinic, Membership, StaffMember
from ketaclinic.domain.patients.people import (
    Allergy,
    Measurement,
    Patient,
    PatientDetails,
    RelatedPerson,
    RelatedPersonDetails,
)
from ketaclinic.services.patients.ports import PatientSearch
from tests.fakes.tables import Tables


@dataclass(frozen=True, slots=True)
class ClinicRow:
    clinic: Clinic
    mrn_prefix: str
    next_mrn: int


@dataclass
class PeopleTables(Tables):
    clinics: dict[int, ClinicRow] = field(default_factory=dict)
    chairs: dict[int, Chair] = field(default_factory=dict)
    staff: dict[int, StaffMember] = field(default_factory=dict)
    memberships: dict[tuple[int, int], Role] = field(default_factory=dict)  # (staff, clinic)
    patients: dict[int, Patient] = field(default_factory=dict)
    related: dict[int, tuple[int, RelatedPerson]] = field(default_factory=dict)
    measurements: list[tuple[int, int, int, Measurement]] = field(default_factory=list)
    allergies: dict[int, tuple[int, Allergy]] = field(default_factory=dict)


class InMemoryClinicRepository:
    def __init__(self, tables: PeopleTables) -> None:
        self._t = tables

    def add(self, slug: str, name: str, timezone: str, mrn_prefix: str, *, at: datetime) -> Clinic:
        if self.by_slug(slug) is not None:
            raise Conflict("a clinic with this slug exists", field="slug")
        clinic = Clinic(id=self._t.next_id("clinics"), slug=slug, name=name, timezone=timezone)
        self._t.clinics[clinic.id] = ClinicRow(clinic, mrn_prefix, 1)
        return clinic

    def get(self, clinic_id: int) -> Clinic | None:
        row = self._t.clinics.get(clinic_id)
        return row.clinic if row else None

    def by_slug(self, slug: str) -> Clinic | None:
        return next((r.clinic for r in self._t.clinics.values() if r.clinic.slug == slug), None)

    def list(self) -> Sequence[Clinic]:
        return [r.clinic for _, r in sorted(self._t.clinics.items())]

    def next_mrn(self, clinic_id: int) -> str:
        row = self._t.clinics[clinic_id]
        self._t.clinics[clinic_id] = replace(row, next_mrn=row.next_mrn + 1)
        return f"{row.mrn_prefix}{row.next_mrn:06d}"

    def add_chair(self, clinic_id: int, name: str, features: tuple[str, ...]) -> int:
        if any(c.name == name for c in self.chairs(clinic_id)):
            raise Conflict("a chair with this name exists", field="name")
        chair = Chair(
            self._t.next_id("chairs"), clinic_id, name, tuple(f for f in features if f), True
        )
        self._t.chairs[chair.id] = chair
        return chair.id

    def chairs(self, clinic_id: int) -> Sequence[Chair]:
        return [c for _, c in sorted(self._t.chairs.items()) if c.clinic_id == clinic_id]


class InMemoryStaffRepository:
    def __init__(self, tables: PeopleTables) -> None:
        self._t = tables

    def add(self, email: str, name: str, password_hash: str, *, at: datetime) -> StaffMember:
        if self.by_email(email) is not None:
            raise Conflict("a staff member with this email exists", field="email")
        member = StaffMember(
            id=self._t.next_id("staff"),
            email=email,
            name=name,
            active=True,
            failed_signins=0,
            locked_until=None,
            password_hash=password_hash,
        )
        self._t.staff[member.id] = member
        return member

    def get(self, staff_id: int) -> StaffMember | None:
        return self._t.staff.get(staff_id)

    def by_email(self, email: str) -> StaffMember | None:
        return next((s for s in self._t.staff.values() if s.email == email.lower()), None)

    def list_for_clinic(self, clinic_id: int) -> Sequence[tuple[StaffMember, Role]]:
        found = [
            (self._t.staff[s], role)
            for (s, c), role in self._t.memberships.items()
            if c == clinic_id
        ]
        return sorted(found, key=lambda pair: pair[0].name)

    def memberships(self, staff_id: int) -> Sequence[Membership]:
        return [
            Membership(clinic_id=c, staff_id=s, role=role)
            for (s, c), role in sorted(self._t.memberships.items(), key=lambda kv: kv[0][1])
            if s == staff_id
        ]

    def set_membership(self, staff_id: int, clinic_id: int, role: Role) -> None:
        self._t.memberships[(staff_id, clinic_id)] = role

    def record_signin_failure(self, staff_id: int, locked_until: datetime | None) -> None:
        member = self._t.staff.get(staff_id)
        if member is not None:
            self._t.staff[staff_id] = replace(
                member, failed_signins=member.failed_signins + 1, locked_until=locked_until
            )

    def record_signin_success(self, staff_id: int) -> None:
        member = self._t.staff.get(staff_id)
        if member is not None:
            self._t.staff[staff_id] = replace(member, failed_signins=0, locked_until=None)

    def set_active(self, staff_id: int, active: bool) -> None:
        member = self._t.staff.get(staff_id)
        if member is not None:
            self._t.staff[staff_id] = replace(member, active=active)

    def set_password_hash(self, staff_id: int, password_hash: str) -> None:
        member = self._t.staff.get(staff_id)
        if member is not None:
            self._t.staff[staff_id] = replace(member, password_hash=password_hash)


def fold(text: str) -> str:
    """Case- and accent-insensitive search key (as the database stores ``search_name``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _search_name(d: PatientDetails) -> str:
    return f"{fold(d.family_name)} {fold(d.given_name)}"


class InMemoryPatientRepository:
    def __init__(self, tables: PeopleTables) -> None:
        self._t = tables

    def add(self, clinic_id: int, mrn: str, details: PatientDetails, *, at: datetime) -> Patient:
        if any(p.clinic_id == clinic_id and p.mrn == mrn for p in self._t.patients.values()):
            raise Conflict("this medical record number is taken", field="mrn")
        patient = Patient(self._t.next_id("patients"), clinic_id, mrn, details, 1)
        self._t.patients[patient.id] = patient
        return patient

    def get(self, clinic_id: int, patient_id: int) -> Patient | None:
        found = self._t.patients.get(patient_id)
        return found if found is not None and found.clinic_id == clinic_id else None

    def update(self, patient: Patient, details: PatientDetails, *, at: datetime) -> Patient:
        """Optimistic update: refused when someone else saved the chart in between."""
        current = self.get(patient.clinic_id, patient.id)
        if current is None or current.version != patient.version:
            raise Conflict(
                "the patient was changed by someone else; reload and retry", field="version"
            )
        updated = replace(current, details=details, version=patient.version + 1)
        self._t.patients[patient.id] = updated
        return updated

    def search(self, q: PatientSearch) -> Sequence[Patient]:
        text = q.text.strip()

        def matches(p: Patient) -> bool:
            d = p.details
            return (
                not text
                or fold(text) in _search_name(d)
                or p.mrn.lower() == text.lower()
                or text.lower() in f"{d.given_name.lower()} {d.family_name.lower()}"
            ) and (q.date_of_birth is None or d.date_of_birth == q.date_of_birth)

        found = [p for p in self._t.patients.values() if p.clinic_id == q.clinic_id and matches(p)]
        found.sort(key=lambda p: (_search_name(p.details), p.id))
        return found[q.offset : q.offset + q.limit]

    def count(self, clinic_id: int) -> int:
        return sum(1 for p in self._t.patients.values() if p.clinic_id == clinic_id)

    def add_related(
        self, clinic_id: int, patient_id: int, person: RelatedPersonDetails, *, at: datetime
    ) -> RelatedPerson:
        related = RelatedPerson(self._t.next_id("related"), patient_id, person)
        self._t.related[related.id] = (clinic_id, related)
        return related

    def related(self, clinic_id: int, patient_id: int) -> Sequence[RelatedPerson]:
        return [
            r
            for _, (c, r) in sorted(self._t.related.items())
            if c == clinic_id and r.patient_id == patient_id
        ]

    def add_measurement(
        self, clinic_id: int, patient_id: int, m: Measurement, *, entered_by: int
    ) -> None:
        self._t.measurements.append((self._t.next_id("measurements"), clinic_id, patient_id, m))

    def measurements(self, clinic_id: int, patient_id: int) -> Sequence[Measurement]:
        """Newest first."""
        found = [
            (m.measured_at, i, m)
            for i, c, p, m in self._t.measurements
            if (c, p) == (clinic_id, patient_id)
        ]
        return [m for _, _, m in sorted(found, key=lambda x: (x[0], x[1]), reverse=True)]

    def add_allergy(
        self,
        clinic_id: int,
        patient_id: int,
        substance: str,
        reaction: str,
        severity: str,
        *,
        at: datetime,
    ) -> Allergy:
        allergy = Allergy(
            self._t.next_id("allergies"), patient_id, substance, reaction, severity, at
        )
        self._t.allergies[allergy.id] = (clinic_id, allergy)
        return allergy

    def allergies(self, clinic_id: int, patient_id: int) -> Sequence[Allergy]:
        return [
            a
            for _, (c, a) in sorted(self._t.allergies.items())
            if c == clinic_id and a.patient_id == patient_id
        ]
