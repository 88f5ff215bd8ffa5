"""Registering, editing, finding and reading patients; guardians, escorts, measurements, allergies.

Every read of a chart and every change is audited in the same unit of work. All queries are scoped
to the actor's clinic: a patient of another clinic is simply not found.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from ketaclinic.domain.errors import NotFound, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.people import (
    Allergy,
    Measurement,
    Patient,
    PatientDetails,
    RelatedPerson,
    RelatedPersonDetails,
    validate_measurement,
    validate_patient,
    validate_related_person,
)
from ketaclinic.domain.units import body_mass_index as bmi
from ketaclinic.services.audit.group_commit import GroupCommit
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

ALLERGY_SEVERITIES = ("mild", "moderate", "severe", "unknown")


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything the chart page shows of the foundation; later areas add their own panels."""

    patient: Patient
    related: Sequence[RelatedPerson]
    measurements: Sequence[Measurement]
    allergies: Sequence[Allergy]

    @property
    def latest_bmi(self) -> Decimal | None:
        weight = next((m.weight_kg for m in self.measurements if m.weight_kg is not None), None)
        height = next((m.height_cm for m in self.measurements if m.height_cm is not None), None)
        return bmi(weight, height) if weight is not None and height is not None else None

    @property
    def guardians(self) -> list[RelatedPerson]:
        return [r for r in self.related if r.details.kind.value == "guardian"]


class PatientService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, appends: GroupCommit | None = None
    ) -> None:
        self._uow, self._clock = uow_factory, clock
        # the chart's read event is committed with other requests' read events
        self._appends = appends or GroupCommit(uow_factory)

    def register(
        self,
        actor: Actor,
        details: PatientDetails,
        guardians: Sequence[RelatedPersonDetails] = (),
    ) -> Patient:
        """Register a patient and any guardians atomically; nothing is stored if a field fails."""
        require(actor, Permission.PATIENT_WRITE)
        now = self._clock.now()
        _validate_all(details, guardians, today=now.date())
        with self._uow() as uow:
            patient = uow.patients.add(
                actor.clinic_id, uow.clinics.next_mrn(actor.clinic_id), details, at=now
            )
            for person in guardians:
                uow.patients.add_related(actor.clinic_id, patient.id, person, at=now)
            record(
                uow,
                self._clock,
                actor,
                "patient.create",
                object_type="patient",
                object_id=patient.id,
                patient_id=patient.id,
            )
            uow.commit()
        return patient

    def update(
        self, actor: Actor, patient_id: int, details: PatientDetails, *, version: int
    ) -> Patient:
        """Edit demographics; refused when the chart changed since ``version`` was read."""
        require(actor, Permission.PATIENT_WRITE)
        validate_patient(details, today=self._clock.now().date())
        with self._uow() as uow:
            current = self._get(uow, actor, patient_id)
            stale = Patient(current.id, current.clinic_id, current.mrn, current.details, version)
            updated = uow.patients.update(stale, details, at=self._clock.now())
            record(
                uow,
                self._clock,
                actor,
                "patient.update",
                object_type="patient",
                object_id=patient_id,
                patient_id=patient_id,
                detail=_changed(current.details, details),
            )
            uow.commit()
        return updated

    def search(self, actor: Actor, q: PatientSearch) -> Sequence[Patient]:
        require(actor, Permission.PATIENT_READ)
        with self._uow().read_only() as uow:
            return uow.patients.search(replace(q, clinic_id=actor.clinic_id))

    def labels(self, actor: Actor, patient_ids: Iterable[int]) -> dict[int, str]:
        """ "Family, Given (MRN ...)" for each of the clinic's patients among ``patient_ids``
        (PATIENT_READ), so that lists such as the audit trail name people, not row ids; an id
        of another clinic is left out."""
        require(actor, Permission.PATIENT_READ)
        wanted = sorted(set(patient_ids))
        with self._uow().read_only() as uow:
            found = [uow.patients.get(actor.clinic_id, pid) for pid in wanted]
        return {p.id: f"{p.display_name} (MRN {p.mrn})" for p in found if p is not None}

    def chart(self, actor: Actor, patient_id: int) -> Chart:
        """Read a whole chart; the read itself is audited.

        The chart is read in a read-only unit (no write lock), then the read is appended to the
        audit chain (committed together with concurrent requests' read events, see
        ``group_commit``); the chart is returned only once that has committed.
        """
        require(actor, Permission.PATIENT_READ)
        with self._uow().read_only() as uow:
            patient = self._get(uow, actor, patient_id)
            chart = Chart(
                patient,
                uow.patients.related(actor.clinic_id, patient_id),
                uow.patients.measurements(actor.clinic_id, patient_id),
                uow.patients.allergies(actor.clinic_id, patient_id),
            )
        self._appends.run(
            lambda uow: record(
                uow,
                self._clock,
                actor,
                "patient.read",
                object_type="patient",
                object_id=patient_id,
                patient_id=patient_id,
            )
        )
        return chart

    def add_related(
        self, actor: Actor, patient_id: int, person: RelatedPersonDetails
    ) -> RelatedPerson:
        require(actor, Permission.PATIENT_WRITE)
        validate_related_person(person)
        with self._uow() as uow:
            self._get(uow, actor, patient_id)
            added = uow.patients.add_related(
                actor.clinic_id, patient_id, person, at=self._clock.now()
            )
            record(
                uow,
                self._clock,
                actor,
                "related_person.create",
                object_type="related_person",
                object_id=added.id,
                patient_id=patient_id,
                detail=f"kind={person.kind.value}",
            )
            uow.commit()
        return added

    def add_measurement(self, actor: Actor, patient_id: int, m: Measurement) -> None:
        require(actor, Permission.PATIENT_WRITE)
        validate_measurement(m, now=self._clock.now())
        assert actor.staff_id is not None
        with self._uow() as uow:
            self._get(uow, actor, patient_id)
            uow.patients.add_measurement(actor.clinic_id, patient_id, m, entered_by=actor.staff_id)
            record(
                uow,
                self._clock,
                actor,
                "measurement.create",
                object_type="measurement",
                object_id=patient_id,
                patient_id=patient_id,
            )
            uow.commit()

    def add_allergy(
        self, actor: Actor, patient_id: int, substance: str, reaction: str, severity: str
    ) -> Allergy:
        require(actor, Permission.PATIENT_WRITE)
        _validate_allergy(substance, reaction, severity)
        with self._uow() as uow:
            self._get(uow, actor, patient_id)
            allergy = uow.patients.add_allergy(
                actor.clinic_id,
                patient_id,
                substance.strip(),
                reaction.strip(),
                severity,
                at=self._clock.now(),
            )
            record(
                uow,
                self._clock,
                actor,
                "allergy.create",
                object_type="allergy",
                object_id=allergy.id,
                patient_id=patient_id,
            )
            uow.commit()
        return allergy

    @staticmethod
    def _get(uow: UnitOfWork, actor: Actor, patient_id: int) -> Patient:
        patient = uow.patients.get(actor.clinic_id, patient_id)
        if patient is None:
            raise NotFound("no such patient in this clinic", field="patient_id")
        return patient


def _validate_all(
    details: PatientDetails, guardians: Sequence[RelatedPersonDetails], *, today: date
) -> None:
    errors: dict[str, str] = {}
    try:
        validate_patient(details, today=today)
    except ValidationFailed as failed:
        errors.update(failed.errors)
    for index, person in enumerate(guardians):
        try:
            validate_related_person(person)
        except ValidationFailed as failed:
            errors.update({f"guardians[{index}].{k}": v for k, v in failed.errors.items()})
    if errors:
        raise ValidationFailed(errors)


def _validate_allergy(substance: str, reaction: str, severity: str) -> None:
    errors: dict[str, str] = {}
    if not substance.strip() or len(substance) > 120 or "<" in substance:
        errors["substance"] = "is required, at most 120 characters, no markup"
    if len(reaction) > 200 or "<" in reaction:
        errors["reaction"] = "must be at most 200 characters, no markup"
    if severity not in ALLERGY_SEVERITIES:
        errors["severity"] = f"must be one of {', '.join(ALLERGY_SEVERITIES)}"
    if errors:
        raise ValidationFailed(errors)


def _changed(before: PatientDetails, after: PatientDetails) -> str:
    """Names (never values) of the fields an edit changed, for the audit trail."""
    names = [n for n in PatientDetails.__slots__ if getattr(before, n) != getattr(after, n)]
    return "fields=" + ",".join(names)
