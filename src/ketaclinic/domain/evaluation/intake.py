"""The initial evaluation of a patient before any ketamine is scheduled.

An :class:`Evaluation` is what the evaluating physician or APP records (clinical.md §1.4, the
pre-treatment work-up): presenting problem and coded diagnoses, psychiatric and medical history,
allergies, current medications with doses, prior treatments with their response, baseline
instruments, baseline vitals and required tests.

Nothing here has a silent default for a safety-relevant fact: a history item that was not asked
is ``None`` ("not recorded"), which the eligibility engine reports as missing evidence, never as a
pass.
``Status.ABSENT`` is the clinician's positive statement that the condition is not present.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class CodeSystem(StrEnum):
    """Code systems accepted for diagnoses (landscape.md §3.4)."""

    SNOMED_CT = "http://snomed.info/sct"
    ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"


class Status(StrEnum):
    """What the clinician recorded about one history item."""

    ABSENT = "absent"  # asked and not present
    PAST = "past"  # history of, not current
    CURRENT = "current"  # present now


class SexAtBirth(StrEnum):
    FEMALE = "female"
    MALE = "male"
    INTERSEX = "intersex"
    UNKNOWN = "unknown"


class TreatmentKind(StrEnum):
    MEDICATION = "medication"
    PSYCHOTHERAPY = "psychotherapy"
    ECT = "ect"
    TMS = "tms"
    KETAMINE = "ketamine"
    ESKETAMINE = "esketamine"


class Response(StrEnum):
    """Response to a prior treatment, as reported or documented."""

    NONE = "none"
    PARTIAL = "partial"
    RESPONSE = "response"
    REMISSION = "remission"
    NOT_TOLERATED = "not_tolerated"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """A coded diagnosis; ``primary`` marks the presenting one."""

    system: CodeSystem
    code: str
    display: str
    primary: bool = False


@dataclass(frozen=True, slots=True)
class SubstanceUse:
    """One substance the patient uses or used, with the date of last use if known."""

    substance: str
    last_use_on: date | None
    use_disorder: Status


@dataclass(frozen=True, slots=True)
class PsychiatricHistory:
    """Psychosis, mania, suicide attempts and risk, and substance use (clinical.md §1.3).

    ``substance_use`` is ``None`` when substance use was not asked; an empty tuple means "none".
    ``imminent_suicide_risk`` is the clinician's judgement at evaluation (needing inpatient care).
    """

    psychosis: Status | None = None
    mania: Status | None = None
    suicide_attempt_dates: tuple[date, ...] | None = None
    substance_use: tuple[SubstanceUse, ...] | None = None
    family_history_psychosis: bool | None = None
    imminent_suicide_risk: bool | None = None


@dataclass(frozen=True, slots=True)
class BloodPressure:
    """A blood pressure reading in mmHg, timezone-aware ``at``."""

    at: datetime
    sbp_mmhg: Decimal
    dbp_mmhg: Decimal


@dataclass(frozen=True, slots=True)
class MedicalHistory:
    """Medical history items relevant to ketamine (clinical.md §1.2, §1.3).

    ``blood_pressures`` are recent readings (office, home); the baseline vitals reading is added
    to them by :meth:`Evaluation.blood_pressure_readings`.
    """

    cardiovascular: Status | None = None
    cerebrovascular: Status | None = None
    aneurysm: Status | None = None
    intracerebral_hemorrhage: Status | None = None
    hypertension: Status | None = None
    blood_pressures: tuple[BloodPressure, ...] = ()
    hepatic: Status | None = None
    hepatic_child_pugh: str | None = None  # "A", "B" or "C" when hepatic impairment is current
    urinary: Status | None = None
    seizures: Status | None = None
    sleep_apnea: Status | None = None
    raised_intracranial_pressure: Status | None = None
    raised_intraocular_pressure: Status | None = None
    hyperthyroidism: Status | None = None
    cognitive_impairment: Status | None = None


@dataclass(frozen=True, slots=True)
class Reproductive:
    """Pregnancy potential, pregnancy and breastfeeding; ``None`` = not recorded."""

    can_become_pregnant: bool | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None


@dataclass(frozen=True, slots=True)
class Allergy:
    substance: str
    reaction: str = ""


@dataclass(frozen=True, slots=True)
class Medication:
    """A current medication; ``daily_dose_mg`` is ``None`` when the dose is not known."""

    name: str
    daily_dose_mg: Decimal | None = None
    rxnorm: str | None = None


@dataclass(frozen=True, slots=True)
class PriorTreatment:
    kind: TreatmentKind
    name: str
    response: Response
    adverse_reaction: str = ""


@dataclass(frozen=True, slots=True)
class ItemAnswer:
    """One answered item of a questionnaire: the instrument's item id and its ordinal value."""

    item: str
    value: int


@dataclass(frozen=True, slots=True)
class InstrumentScore:
    """A baseline instrument: a recorded questionnaire with its item-level answers.

    ``answers`` are the item answers (item id -> ordinal value) of the recorded response
    ``response_id``; eligibility scores them itself, so the PHQ-9 item 9 and the C-SSRS items
    gate the decision (clinical.md §5.1, §5.2). A ``total`` typed without ``answers`` is kept as
    entered but never satisfies a required baseline instrument.
    """

    instrument: str
    total: int | None
    at: datetime
    answers: tuple[ItemAnswer, ...] | None = None
    response_id: int | None = None

    @property
    def itemised(self) -> bool:
        return self.answers is not None

    def answer_map(self) -> dict[str, int]:
        """The answers as item id -> ordinal value (empty when only a total was typed)."""
        return {a.item: a.value for a in self.answers or ()}


@dataclass(frozen=True, slots=True)
class Vitals:
    """Baseline vitals; any field may be missing."""

    at: datetime
    sbp_mmhg: Decimal | None = None
    dbp_mmhg: Decimal | None = None
    hr_bpm: Decimal | None = None
    spo2_pct: Decimal | None = None
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TestResult:
    """A required test (``test`` is the protocol's RequiredTest id) and its result."""

    __test__ = False  # not a pytest test class

    test: str
    at: datetime
    result: str  # e.g. "negative", "positive", "normal", "abnormal"
    value: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything the eligibility rules read.

    ``allergies`` and ``medications`` are ``None`` when not recorded; ``()`` means "none".
    """

    age_years: int
    sex_at_birth: SexAtBirth
    presenting_problem: str
    diagnoses: tuple[Diagnosis, ...]
    psychiatric: PsychiatricHistory
    medical: MedicalHistory
    reproductive: Reproductive
    allergies: tuple[Allergy, ...] | None
    medications: tuple[Medication, ...] | None
    prior_treatments: tuple[PriorTreatment, ...] = ()
    baseline_instruments: tuple[InstrumentScore, ...] = ()
    baseline_vitals: Vitals | None = None
    tests: tuple[TestResult, ...] = ()

    def blood_pressure_readings(self) -> tuple[BloodPressure, ...]:
        """Every recorded blood pressure, oldest first: history readings plus baseline vitals."""
        readings = list(self.medical.blood_pressures)
        vitals = self.baseline_vitals
        if vitals is not None and vitals.sbp_mmhg is not None and vitals.dbp_mmhg is not None:
            readings.append(BloodPressure(vitals.at, vitals.sbp_mmhg, vitals.dbp_mmhg))
        return tuple(sorted(readings, key=lambda r: r.at))

    def latest_test(self, test_id: str) -> TestResult | None:
        """The most recent result of ``test_id``, or ``None``."""
        results = [t for t in self.tests if t.test == test_id]
        return max(results, key=lambda t: t.at) if results else None
