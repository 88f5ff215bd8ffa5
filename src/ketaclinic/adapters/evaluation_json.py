"""Parse a JSON evaluation (``docs/schemas/evaluation.schema.json``) into a domain Evaluation.

Every problem is collected with its field path (``medical.blood_pressures[0].at``) and raised at
once as :class:`ValidationFailed`. Unknown keys are errors, so a misspelt history item cannot be
silently read as "not recorded". Times must carry a UTC offset; clinical numbers become Decimal.
The field reader and the plain value types are ``adapters.json_fields``.
"""

from __future__ import annotations

import re
from typing import Any

from ketaclinic.adapters.json_fields import (
    FieldReader,
    as_boolean,
    as_day,
    as_decimal,
    as_enum,
    as_integer,
    as_nonblank,
    as_text,
    as_timestamp,
)
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.evaluation.intake import (
    Allergy,
    BloodPressure,
    CodeSystem,
    Diagnosis,
    Evaluation,
    InstrumentScore,
    ItemAnswer,
    MedicalHistory,
    Medication,
    PriorTreatment,
    PsychiatricHistory,
    Reproductive,
    Response,
    SexAtBirth,
    Status,
    SubstanceUse,
    TestResult,
    TreatmentKind,
    Vitals,
)

SYSTEMS = {
    "snomed-ct": CodeSystem.SNOMED_CT,
    "icd-10-cm": CodeSystem.ICD10CM,
    CodeSystem.SNOMED_CT.value: CodeSystem.SNOMED_CT,
    CodeSystem.ICD10CM.value: CodeSystem.ICD10CM,
}
_CODE_PATTERNS = {
    CodeSystem.SNOMED_CT: re.compile(r"^[1-9][0-9]{5,17}$"),
    CodeSystem.ICD10CM: re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$"),
}
STATUS_FIELDS_MEDICAL = (
    "cardiovascular",
    "cerebrovascular",
    "aneurysm",
    "intracerebral_hemorrhage",
    "hypertension",
    "hepatic",
    "urinary",
    "seizures",
    "sleep_apnea",
    "raised_intracranial_pressure",
    "raised_intraocular_pressure",
    "hyperthyroidism",
    "cognitive_impairment",
)


def _age(value: Any) -> int:
    age = as_integer(value)
    if not 0 <= age <= 130:
        raise ValueError("must be between 0 and 130 years")
    return age


def _system(value: Any) -> CodeSystem:
    system = SYSTEMS.get(as_text(value))
    if system is None:
        raise ValueError("must be one of: " + ", ".join(SYSTEMS))
    return system


def parse_evaluation(data: Any) -> Evaluation:
    """Build an :class:`Evaluation` from decoded JSON or raise ValidationFailed with every error."""
    errors: dict[str, str] = {}
    root = FieldReader(data, "", errors)
    root.reject_unknown(TOP_FIELDS)
    age_years = root.get("age_years", _age, required=True)
    sex_at_birth = root.get("sex_at_birth", as_enum(SexAtBirth), required=True)
    presenting_problem = root.get("presenting_problem", as_nonblank, required=True)
    diagnoses = _diagnoses(root)
    psychiatric = _psychiatric(root.child("psychiatric"))
    medical = _medical(root.child("medical"))
    reproductive = _reproductive(root.child("reproductive"))
    allergies, medications = _allergies(root), _medications(root)
    prior_treatments, baseline_instruments = _prior_treatments(root), _instruments(root)
    baseline_vitals, tests = _vitals(root), _tests(root)
    for section in ("psychiatric", "medical", "reproductive"):
        if section not in root.data:
            root.error(section, "required (use {} when nothing was asked)")
    # a missing required value has already recorded its error; the None tests narrow the types
    if errors or age_years is None or sex_at_birth is None or presenting_problem is None:
        raise ValidationFailed(errors)
    return Evaluation(
        age_years=age_years,
        sex_at_birth=sex_at_birth,
        presenting_problem=presenting_problem,
        diagnoses=diagnoses,
        psychiatric=psychiatric,
        medical=medical,
        reproductive=reproductive,
        allergies=allergies,
        medications=medications,
        prior_treatments=prior_treatments,
        baseline_instruments=baseline_instruments,
        baseline_vitals=baseline_vitals,
        tests=tests,
    )


TOP_FIELDS = (
    "age_years",
    "sex_at_birth",
    "presenting_problem",
    "diagnoses",
    "psychiatric",
    "medical",
    "reproductive",
    "allergies",
    "medications",
    "prior_treatments",
    "baseline_instruments",
    "baseline_vitals",
    "tests",
)


def _diagnoses(root: FieldReader) -> tuple[Diagnosis, ...]:
    out = []
    for item in root.items("diagnoses", required=True) or []:
        item.reject_unknown(("system", "code", "display", "primary"))
        system = item.get("system", _system, required=True)
        code = item.get("code", as_nonblank, required=True)
        if system is not None and code is not None and not _CODE_PATTERNS[system].match(code):
            item.error("code", f"not a valid {system.name} code")
        display = item.get("display", as_text) or ""
        primary = item.get("primary", as_boolean) or False
        if system is not None and code is not None:
            out.append(Diagnosis(system, code, display, primary))
    return tuple(out)


def _psychiatric(r: FieldReader) -> PsychiatricHistory:
    r.reject_unknown(PSYCHIATRIC_FIELDS)
    return PsychiatricHistory(
        psychosis=r.get("psychosis", as_enum(Status)),
        mania=r.get("mania", as_enum(Status)),
        suicide_attempt_dates=r.values("suicide_attempt_dates", as_day),
        substance_use=_substances(r),
        family_history_psychosis=r.get("family_history_psychosis", as_boolean),
        imminent_suicide_risk=r.get("imminent_suicide_risk", as_boolean),
    )


PSYCHIATRIC_FIELDS = (
    "psychosis",
    "mania",
    "suicide_attempt_dates",
    "substance_use",
    "family_history_psychosis",
    "imminent_suicide_risk",
)


def _substances(r: FieldReader) -> tuple[SubstanceUse, ...] | None:
    items = r.items("substance_use")
    if items is None:
        return None
    out = []
    for item in items:
        item.reject_unknown(("substance", "last_use_on", "use_disorder"))
        substance = item.get("substance", as_nonblank, required=True)
        disorder = item.get("use_disorder", as_enum(Status), required=True)
        last = item.get("last_use_on", as_day)
        if substance is not None and disorder is not None:
            out.append(SubstanceUse(substance, last, disorder))
    return tuple(out)


def _medical(r: FieldReader) -> MedicalHistory:
    r.reject_unknown((*STATUS_FIELDS_MEDICAL, "hepatic_child_pugh", "blood_pressures"))
    statuses = {name: r.get(name, as_enum(Status)) for name in STATUS_FIELDS_MEDICAL}
    grade = r.get("hepatic_child_pugh", as_text)
    if grade is not None and grade not in ("A", "B", "C"):
        r.error("hepatic_child_pugh", "must be one of: A, B, C")
    readings = []
    for item in r.items("blood_pressures") or []:
        reading = _blood_pressure(item)
        if reading is not None:
            readings.append(reading)
    return MedicalHistory(**statuses, hepatic_child_pugh=grade, blood_pressures=tuple(readings))


def _blood_pressure(item: FieldReader) -> BloodPressure | None:
    item.reject_unknown(("at", "sbp_mmhg", "dbp_mmhg"))
    at = item.get("at", as_timestamp, required=True)
    sbp = item.get("sbp_mmhg", as_decimal, required=True)
    dbp = item.get("dbp_mmhg", as_decimal, required=True)
    if at is None or sbp is None or dbp is None:
        return None
    return BloodPressure(at, sbp, dbp)


def _reproductive(r: FieldReader) -> Reproductive:
    r.reject_unknown(("can_become_pregnant", "pregnant", "breastfeeding"))
    return Reproductive(
        can_become_pregnant=r.get("can_become_pregnant", as_boolean),
        pregnant=r.get("pregnant", as_boolean),
        breastfeeding=r.get("breastfeeding", as_boolean),
    )


def _allergies(root: FieldReader) -> tuple[Allergy, ...] | None:
    items = root.items("allergies")
    if items is None:
        return None
    out = []
    for item in items:
        item.reject_unknown(("substance", "reaction"))
        substance = item.get("substance", as_nonblank, required=True)
        if substance is not None:
            out.append(Allergy(substance, item.get("reaction", as_text) or ""))
    return tuple(out)


def _medications(root: FieldReader) -> tuple[Medication, ...] | None:
    items = root.items("medications")
    if items is None:
        return None
    out = []
    for item in items:
        item.reject_unknown(("name", "daily_dose_mg", "rxnorm"))
        name = item.get("name", as_nonblank, required=True)
        dose = item.get("daily_dose_mg", as_decimal)
        if name is not None:
            out.append(Medication(name, dose, item.get("rxnorm", as_text)))
    return tuple(out)


def _prior_treatments(root: FieldReader) -> tuple[PriorTreatment, ...]:
    out = []
    for item in root.items("prior_treatments") or []:
        item.reject_unknown(("kind", "name", "response", "adverse_reaction"))
        kind = item.get("kind", as_enum(TreatmentKind), required=True)
        name = item.get("name", as_nonblank, required=True)
        response = item.get("response", as_enum(Response), required=True)
        reaction = item.get("adverse_reaction", as_text) or ""
        if kind is not None and name is not None and response is not None:
            out.append(PriorTreatment(kind, name, response, reaction))
    return tuple(out)


def _instruments(root: FieldReader) -> tuple[InstrumentScore, ...]:
    """Baseline instruments: item answers (``answers``), a recorded ``response_id``, or both.

    ``answers`` is an object (item id -> ordinal value) or a list of ``{"item", "value"}``. A bare
    ``total`` is still read (older documents) but never satisfies a required instrument.
    """
    out = []
    for item in root.items("baseline_instruments") or []:
        item.reject_unknown(("instrument", "total", "at", "answers", "response_id"))
        instrument = item.get("instrument", as_nonblank, required=True)
        total = item.get("total", as_integer)
        at = item.get("at", as_timestamp, required=True)
        answers = _answers(item)
        response_id = item.get("response_id", as_integer)
        if total is None and answers is None and response_id is None:
            item.error("answers", "record the item answers (or the recorded response_id)")
        if instrument is not None and at is not None:
            out.append(InstrumentScore(instrument, total, at, answers, response_id))
    return tuple(out)


def _answers(item: FieldReader) -> tuple[ItemAnswer, ...] | None:
    raw = item.data.get("answers")
    if raw is None:
        return None
    pairs: list[tuple[Any, Any]]
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list) and all(isinstance(a, dict) for a in raw):
        pairs = [(a.get("item"), a.get("value")) for a in raw]
    else:
        item.error("answers", "must be an object of item id -> value")
        return None
    out = []
    for key, value in pairs:
        if not isinstance(key, str) or not key:
            item.error("answers", "every answer needs an item id")
            continue
        try:
            out.append(ItemAnswer(key, as_integer(value)))
        except (TypeError, ValueError) as exc:
            item.error(f"answers.{key}", str(exc))
    return tuple(out)


def _vitals(root: FieldReader) -> Vitals | None:
    if root.data.get("baseline_vitals") is None:
        return None
    r = root.child("baseline_vitals")
    names = ("sbp_mmhg", "dbp_mmhg", "hr_bpm", "spo2_pct", "weight_kg", "height_cm")
    r.reject_unknown(("at", *names))
    at = r.get("at", as_timestamp, required=True)
    values = {name: r.get(name, as_decimal) for name in names}
    return Vitals(at, **values) if at is not None else None


def _tests(root: FieldReader) -> tuple[TestResult, ...]:
    out = []
    for item in root.items("tests") or []:
        item.reject_unknown(("test", "at", "result", "value"))
        test = item.get("test", as_nonblank, required=True)
        at = item.get("at", as_timestamp, required=True)
        result = item.get("result", as_nonblank, required=True)
        value = item.get("value", as_decimal)
        if test is not None and at is not None and result is not None:
            out.append(TestResult(test, at, result, value))
    return tuple(out)
