"""Patients, related persons, measurements and allergies, always scoped by clinic."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Select,
    String,
    column,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    union,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError

from ketaclinic.adapters.db.patients.search_index import FTS_TABLE, MIN_TRIGRAM_TERM, fts_phrase
from ketaclinic.adapters.db.tables import allergies, measurements, patients, related_persons
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.patients.people import (
    Allergy,
    Measurement,
    Patient,
    PatientDetails,
    RelatedPerson,
    RelatedPersonDetails,
    RelationshipKind,
    SexAtBirth,
)
from ketaclinic.services.patients.ports import PatientSearch

_DETAIL_FIELDS = PatientDetails.__slots__


def fold(text: str) -> str:
    """Case- and accent-insensitive search key."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _search_name(d: PatientDetails) -> str:
    return f"{fold(d.family_name)} {fold(d.given_name)}"


def _given_family() -> ColumnElement[str]:
    """``lower(given_name) || ' ' || lower(family_name)``, spelled as its PostgreSQL index is."""
    return (
        func.lower(patients.c.given_name, type_=String)
        + literal_column("' '", String)
        + func.lower(patients.c.family_name, type_=String)
    )


def _term_matches(text: str) -> ColumnElement[bool]:
    """The search's meaning: the term inside either name spelling, or the exact MRN."""
    return or_(
        patients.c.search_name.like(f"%{_escape(fold(text))}%", escape="\\"),
        func.lower(patients.c.mrn) == text.lower(),
        _given_family().like(f"%{_escape(text.lower())}%", escape="\\"),
    )


def _has_trigrams(text: str) -> bool:
    return min(len(fold(text)), len(text.lower())) >= MIN_TRIGRAM_TERM


def _sqlite_candidates(clinic_id: int, text: str) -> CompoundSelect[tuple[int]]:
    """Ids that may match: the trigram table's hits for either spelling, and the exact MRN."""
    phrase = f"search_name : {fts_phrase(fold(text))} OR given_family : {fts_phrase(text.lower())}"
    fts = table(FTS_TABLE, column("rowid"))
    by_name = select(fts.c.rowid).where(
        sql_text(f"{FTS_TABLE} MATCH :phrase").bindparams(phrase=phrase)
    )
    by_mrn = select(patients.c.id).where(
        patients.c.clinic_id == clinic_id, func.lower(patients.c.mrn) == text.lower()
    )
    return union(by_name, by_mrn)


def _patient(m: Any) -> Patient:
    values = {name: m[name] for name in _DETAIL_FIELDS}
    values["sex_at_birth"] = SexAtBirth(values["sex_at_birth"])
    return Patient(
        id=m["id"],
        clinic_id=m["clinic_id"],
        mrn=m["mrn"],
        details=PatientDetails(**values),
        version=m["version"],
    )


def _detail_values(d: PatientDetails) -> dict[str, Any]:
    values = {name: getattr(d, name) for name in _DETAIL_FIELDS}
    values["sex_at_birth"] = d.sex_at_birth.value
    values["search_name"] = _search_name(d)
    return values


class SqlPatientRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, clinic_id: int, mrn: str, details: PatientDetails, *, at: datetime) -> Patient:
        values = _detail_values(details)
        stmt = (
            insert(patients)
            .values(clinic_id=clinic_id, mrn=mrn, version=1, created_at=at, updated_at=at)
            .values(**values)
            .returning(patients.c.id)
        )
        try:
            with self._conn.begin_nested():
                new_id = self._conn.execute(stmt).scalar_one()
        except IntegrityError as exc:
            raise Conflict("this medical record number is taken", field="mrn") from exc
        return Patient(id=new_id, clinic_id=clinic_id, mrn=mrn, details=details, version=1)

    def get(self, clinic_id: int, patient_id: int) -> Patient | None:
        stmt = select(patients).where(
            patients.c.clinic_id == clinic_id, patients.c.id == patient_id
        )
        row = self._conn.execute(stmt).first()
        return _patient(row._mapping) if row else None

    def update(self, patient: Patient, details: PatientDetails, *, at: datetime) -> Patient:
        """Optimistic update: refused when someone else saved the chart in between."""
        result = self._conn.execute(
            update(patients)
            .where(
                patients.c.clinic_id == patient.clinic_id,
                patients.c.id == patient.id,
                patients.c.version == patient.version,
            )
            .values(**_detail_values(details), version=patient.version + 1, updated_at=at)
        )
        if result.rowcount != 1:
            raise Conflict(
                "the patient was changed by someone else; reload and retry", field="version"
            )
        return Patient(patient.id, patient.clinic_id, patient.mrn, details, patient.version + 1)

    def search(self, q: PatientSearch) -> Sequence[Patient]:
        """Patients whose name contains the term or whose MRN is the term (see
        ``search_index``): on SQLite the trigram table narrows the rows, the conditions decide."""
        stmt = select(patients).where(patients.c.clinic_id == q.clinic_id)
        text = q.text.strip()
        if text:
            stmt = stmt.where(_term_matches(text))
            if self._conn.dialect.name == "sqlite" and _has_trigrams(text):
                stmt = stmt.where(patients.c.id.in_(_sqlite_candidates(q.clinic_id, text)))
        return self._page(stmt, q)

    def scan(self, q: PatientSearch) -> Sequence[Patient]:
        """The same search without the trigram table: every row of the clinic is compared."""
        stmt = select(patients).where(patients.c.clinic_id == q.clinic_id)
        text = q.text.strip()
        if text:
            stmt = stmt.where(_term_matches(text))
        return self._page(stmt, q)

    def _page(self, stmt: Select[Any], q: PatientSearch) -> Sequence[Patient]:
        if q.date_of_birth is not None:
            stmt = stmt.where(patients.c.date_of_birth == q.date_of_birth)
        stmt = stmt.order_by(patients.c.search_name, patients.c.id).limit(q.limit).offset(q.offset)
        return [_patient(r._mapping) for r in self._conn.execute(stmt)]

    def count(self, clinic_id: int) -> int:
        stmt = select(func.count()).select_from(patients).where(patients.c.clinic_id == clinic_id)
        return int(self._conn.execute(stmt).scalar_one())

    def add_related(
        self, clinic_id: int, patient_id: int, person: RelatedPersonDetails, *, at: datetime
    ) -> RelatedPerson:
        new_id = self._conn.execute(
            insert(related_persons)
            .values(clinic_id=clinic_id, patient_id=patient_id, created_at=at)
            .values(kind=person.kind.value, name=person.name, relationship=person.relationship)
            .values(phone=person.phone, email=person.email, legal_authority=person.legal_authority)
            .returning(related_persons.c.id)
        ).scalar_one()
        return RelatedPerson(id=new_id, patient_id=patient_id, details=person)

    def related(self, clinic_id: int, patient_id: int) -> Sequence[RelatedPerson]:
        stmt = select(related_persons).where(
            related_persons.c.clinic_id == clinic_id, related_persons.c.patient_id == patient_id
        )
        return [
            RelatedPerson(
                id=r.id,
                patient_id=r.patient_id,
                details=RelatedPersonDetails(
                    kind=RelationshipKind(r.kind),
                    name=r.name,
                    relationship=r.relationship,
                    phone=r.phone,
                    email=r.email,
                    legal_authority=bool(r.legal_authority),
                ),
            )
            for r in self._conn.execute(stmt.order_by(related_persons.c.id))
        ]

    def add_measurement(
        self, clinic_id: int, patient_id: int, m: Measurement, *, entered_by: int
    ) -> None:
        self._conn.execute(
            insert(measurements).values(
                clinic_id=clinic_id,
                patient_id=patient_id,
                measured_at=m.measured_at,
                weight_kg=m.weight_kg,
                height_cm=m.height_cm,
                entered_by=entered_by,
            )
        )

    def measurements(self, clinic_id: int, patient_id: int) -> Sequence[Measurement]:
        stmt = (
            select(measurements)
            .where(measurements.c.clinic_id == clinic_id, measurements.c.patient_id == patient_id)
            .order_by(measurements.c.measured_at.desc(), measurements.c.id.desc())
        )
        return [
            Measurement(r.measured_at, r.weight_kg, r.height_cm) for r in self._conn.execute(stmt)
        ]

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
        new_id = self._conn.execute(
            insert(allergies)
            .values(clinic_id=clinic_id, patient_id=patient_id, substance=substance)
            .values(reaction=reaction, severity=severity, recorded_at=at)
            .returning(allergies.c.id)
        ).scalar_one()
        return Allergy(new_id, patient_id, substance, reaction, severity, at)

    def allergies(self, clinic_id: int, patient_id: int) -> Sequence[Allergy]:
        stmt = select(allergies).where(
            allergies.c.clinic_id == clinic_id, allergies.c.patient_id == patient_id
        )
        return [
            Allergy(r.id, r.patient_id, r.substance, r.reaction, r.severity, r.recorded_at)
            for r in self._conn.execute(stmt.order_by(allergies.c.id))
        ]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
