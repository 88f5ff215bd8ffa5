"""Between-session check-ins recorded by staff on the chart.

Seed 000 step 5: anxiety spikes, sleep loss, illness and medication changes between infusions
adjust the next session. The answers are stored per course; the titration rules read the latest
one (``domain.dosing.checkin.assess_checkin``). A medication started or changed re-runs the
interaction findings of the evaluation's medication review (``domain.evaluation.medications``,
clinical.md §1.5) and the result is returned to be shown with the check-in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ketaclinic.domain.dosing.checkin import (
    BetweenSessionCheckIn,
    CheckInSource,
    MedicationChange,
    MedicationChangeKind,
    SideEffect,
    TitrationFinding,
    answer_errors,
    assess_checkin,
)
from ketaclinic.domain.dosing.records import StoredCheckIn
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.evaluation.intake import Medication
from ketaclinic.domain.evaluation.medications import MedicationReview, review_medications
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

MAX_DRUG_CHARS = 80
MAX_CHANGES = 30


@dataclass(frozen=True, slots=True)
class CheckinEntry:
    """The answers as entered: the one input of :meth:`CheckinService.record`, built by the
    chart's form (``entry_from_fields``) and the JSON API alike; every bad field is named at
    once, with the domain's own rules (``answer_errors``)."""

    anxiety_0_10: int | None
    anxiety_spike: bool
    sleep_hours_last_night: Decimal
    illness: bool
    medication_changes: tuple[MedicationChange, ...] = ()
    side_effects: tuple[SideEffect, ...] = ()

    def __post_init__(self) -> None:
        errors = answer_errors(
            self.anxiety_0_10, self.sleep_hours_last_night, self.medication_changes
        )
        exponent = self.sleep_hours_last_night.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2 and "sleep_hours_last_night" not in errors:
            errors["sleep_hours_last_night"] = "at most 2 decimal places"
        if len(self.medication_changes) > MAX_CHANGES:
            errors["medication_changes"] = f"at most {MAX_CHANGES} medication changes"
        elif any(len(c.drug) > MAX_DRUG_CHARS for c in self.medication_changes):
            errors["medication_changes"] = (
                f"each medication name must be at most {MAX_DRUG_CHARS} characters"
            )
        if len(self.side_effects) > len(SideEffect):
            errors["side_effects"] = "name each side effect once"
        if errors:
            raise ValidationFailed(errors)


@dataclass(frozen=True, slots=True)
class CheckinView:
    """A stored check-in, what it means for the next session, and the re-run interactions."""

    stored: StoredCheckIn
    findings: tuple[TitrationFinding, ...]
    review: MedicationReview


def medication_review(checkin: BetweenSessionCheckIn) -> MedicationReview:
    """Interaction findings for every medication started or changed (stopped ones drop out)."""
    changed = [
        Medication(c.drug.strip())
        for c in checkin.medication_changes
        if c.change is not MedicationChangeKind.STOPPED
    ]
    return review_medications(changed)


def entry_from_fields(fields: Mapping[str, str], effects: Sequence[str]) -> CheckinEntry:
    """Parse form fields into an entry, collecting every field error (nothing stored on error).

    Medications are comma-separated generic names in ``started``, ``stopped``, ``dose_changed``.
    """
    errors: dict[str, str] = {}
    anxiety = _optional_int(fields.get("anxiety_0_10", ""), "anxiety_0_10", errors)
    sleep = _required_decimal(
        fields.get("sleep_hours_last_night", ""), "sleep_hours_last_night", errors
    )
    changes = tuple(
        MedicationChange(drug, kind)
        for kind in MedicationChangeKind
        for drug in _drugs(fields.get(kind.value, ""), kind.value, errors)
    )
    known = {s.value for s in SideEffect}
    bad = [e for e in effects if e not in known]
    if bad:
        errors["side_effects"] = f"unknown side effect: {', '.join(bad)}"
    try:
        entry = CheckinEntry(
            anxiety_0_10=anxiety,
            anxiety_spike=fields.get("anxiety_spike") in ("on", "true", "yes"),
            sleep_hours_last_night=Decimal(0) if sleep is None else sleep,  # if unparsed
            illness=fields.get("illness") in ("on", "true", "yes"),
            medication_changes=changes,
            side_effects=tuple(SideEffect(e) for e in dict.fromkeys(effects) if e in known),
        )
    except ValidationFailed as failed:
        raise ValidationFailed({**failed.errors, **errors}) from None
    if errors:
        raise ValidationFailed(errors)
    return entry


def _optional_int(raw: str, name: str, errors: dict[str, str]) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        errors[name] = "must be a whole number from 0 to 10"
        return None
    return int(raw)


def _required_decimal(raw: str, name: str, errors: dict[str, str]) -> Decimal | None:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        errors[name] = "enter the hours slept last night"
        return None
    if not value.is_finite():
        errors[name] = "enter the hours slept last night"
        return None
    return value


def _drugs(raw: str, name: str, errors: dict[str, str]) -> list[str]:
    drugs = [d.strip() for d in raw.split(",") if d.strip()]
    if any(len(d) > MAX_DRUG_CHARS for d in drugs):
        errors[name] = f"each medication name must be at most {MAX_DRUG_CHARS} characters"
        return []
    return drugs


class CheckinService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def record(self, actor: Actor, course_id: int, entry: CheckinEntry) -> CheckinView:
        """Store a staff-recorded check-in for the course (``ASSESSMENT_RECORD``), audited."""
        require(actor, Permission.ASSESSMENT_RECORD)
        assert actor.staff_id is not None
        checkin = BetweenSessionCheckIn(
            recorded_at=self._clock.now(),
            recorded_by=CheckInSource.STAFF,
            anxiety_0_10=entry.anxiety_0_10,
            anxiety_spike=entry.anxiety_spike,
            sleep_hours_last_night=entry.sleep_hours_last_night,
            illness=entry.illness,
            medication_changes=entry.medication_changes,
            side_effects=entry.side_effects,
        )
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            stored = uow.dosing.add_checkin(
                actor.clinic_id, course.patient_id, course_id, checkin, by=actor.staff_id
            )
            view = self._view(uow, stored)
            record(
                uow,
                self._clock,
                actor,
                "dose_checkin.record",
                object_type="dose_checkin",
                object_id=stored.id,
                patient_id=course.patient_id,
                detail=f"course={course_id} findings="
                + ",".join(f.reason.rule_id for f in view.findings),
            )
            uow.commit()
        return view

    def latest(self, actor: Actor, course_id: int) -> CheckinView | None:
        """The course's latest check-in with its findings, or None."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            get_course(uow, actor.clinic_id, course_id)
            found = uow.dosing.checkins(actor.clinic_id, course_id)
            return self._view(uow, found[0]) if found else None

    def _view(self, uow: UnitOfWork, stored: StoredCheckIn) -> CheckinView:
        course = get_course(uow, stored.clinic_id, stored.course_id)
        protocol = load_published(uow, stored.clinic_id, course.protocol_version_id).protocol
        given = uow.dosing.administrations(stored.clinic_id, stored.course_id)
        findings = assess_checkin(
            stored.checkin,
            protocol.dosing.titration,
            last_session_at=given[-1].given_at if given else None,
            at=self._clock.now(),
        )
        return CheckinView(stored, findings, medication_review(stored.checkin))
