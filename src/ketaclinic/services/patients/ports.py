"""What the services need from the outside world, as Protocols.

Adapters implement these (``ketaclinic.adapters``); tests use in-memory fakes. A service opens one
unit of work per use case and commits once; the audit event is written in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import (
    Allergy,
    Measurement,
    Patient,
    PatientDetails,
    RelatedPerson,
    RelatedPersonDetails,
)
from ketaclinic.domain.patients.treatment import Course, CourseTransition


@dataclass(frozen=True, slots=True)
class PatientSearch:
    clinic_id: int
    text: str = ""
    date_of_birth: date | None = None
    limit: int = 50
    offset: int = 0


class PatientRepository(Protocol):
    def add(
        self, clinic_id: int, mrn: str, details: PatientDetails, *, at: datetime
    ) -> Patient: ...
    def get(self, clinic_id: int, patient_id: int) -> Patient | None: ...
    def update(self, patient: Patient, details: PatientDetails, *, at: datetime) -> Patient: ...
    def search(self, q: PatientSearch) -> Sequence[Patient]: ...
    def count(self, clinic_id: int) -> int: ...
    def add_related(
        self, clinic_id: int, patient_id: int, person: RelatedPersonDetails, *, at: datetime
    ) -> RelatedPerson: ...
    def related(self, clinic_id: int, patient_id: int) -> Sequence[RelatedPerson]: ...
    def add_measurement(
        self, clinic_id: int, patient_id: int, m: Measurement, *, entered_by: int
    ) -> None: ...
    def measurements(self, clinic_id: int, patient_id: int) -> Sequence[Measurement]: ...
    def add_allergy(
        self,
        clinic_id: int,
        patient_id: int,
        substance: str,
        reaction: str,
        severity: str,
        *,
        at: datetime,
    ) -> Allergy: ...
    def allergies(self, clinic_id: int, patient_id: int) -> Sequence[Allergy]: ...


class CourseRepository(Protocol):
    def add(
        self, clinic_id: int, patient_id: int, version_id: int, *, by: int, at: datetime
    ) -> Course: ...
    def get(self, clinic_id: int, course_id: int) -> Course | None: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[Course]: ...
    def get_many(self, clinic_id: int, course_ids: Collection[int]) -> Sequence[Course]:
        """Those of ``course_ids`` in the clinic (read only, no lock), by id: one read."""
        ...

    def in_states(self, clinic_id: int, states: Sequence[CourseState]) -> Sequence[Course]: ...
    def move(
        self, course: Course, to: CourseState, *, by: int, at: datetime, reason: str
    ) -> Course: ...
    def history(self, clinic_id: int, course_id: int) -> Sequence[CourseTransition]: ...
