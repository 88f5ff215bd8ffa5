"""Parse a JSON evaluation (``docs/schemas/evaluation.schema.json``) into a domain Evaluation.

Every problem is collected with its field path (``medical.blood_pressures[0].at``) and raised at
once as :class:`ValidationFailed`. Unknown keys are errors, so a misspelt history item cannot be
silently read as "not recorded". Times must carry a UTC offset; clinical numbers become Decimal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

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

T = TypeVar("T")
_MISSING = object()

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


class _Reader:
    """Reads one JSON object at ``path``, recording errors in the shared ``errors`` dict."""

    def __init__(self, data: Any, path: str, errors: dict[str, str]) -> None:
        self.path, self.errors = path, errors
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            self.error("", "must be an object")

    def at(self, key: str) -> str:
        if not key:
            return self.path or "$"
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(self.at(key), message)

    def reject_unknown(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                self.error(key, "unknown field")

    def get(self, key: str, convert: Callable[[Any], T], *, required: bool = False) -> T | None:
        """``convert(value)`` or ``None``; absent/null is an error only when ``required``."""
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.error(key, "required")
            return None
        try:
            return convert(value)
        except (ValueError, TypeError, InvalidOperation) as exc:
            self.error(key, str(exc) or "invalid value")
            return None

    def child(self, key: str) -> _Reader:
        return _Reader(self.data.get(key, {}), self.at(key), self.errors)

    def items(self, key: str, *, required: bool = False) -> list[_Reader] | None:
        """Readers for each object of list ``key``; ``None`` when absent or null."""
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(key, "required (use [] for none)")
            return None
        if not isinstance(value, list):
            self.error(key, "must be a list")
            return None
        return [_Reader(v, f"{self.at(key)}[{i}]", self.errors) for i, v in enumerate(value)]

    def values(self, key: str, convert: Callable[[Any], T]) -> tuple[T, ...] | None:
        """Each plain value of list ``key`` converted; ``None`` when absent or null."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self.error(key, "must be a list")
            return None
        out: list[T] = []
        for index, item in enumerate(value):
            try:
                out.append(convert(item))
            except (ValueError, TypeError) as exc:
                self.errors.setdefault(f"{self.at(key)}[{index}]", str(exc))
        return tuple(out)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("must be a string")
    return value


def _nonblank(value: Any) -> str:
    if not _text(value).strip():
        raise ValueError("must not be empty")
    return str(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("must be true or false")
    return value


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("must be an integer")
    return value


def _age(value: Any) -> int:
    age = _integer(value)
    if not 0 <= age <= 130:
        raise ValueError("must be between 0 and 130 years")
    return age


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError("must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not number.is_finite() or number < 0:
        raise ValueError("must be a finite number >= 0")
    return number


def _timestamp(value: Any) -> datetime:
    moment = datetime.fromisoformat(_text(value))
    if moment.tzinfo is None:
        raise ValueError("must include a UTC offset, e.g. 2026-03-02T09:00:00Z")
    return moment.astimezone(UTC)


def _system(value: Any) -> CodeSystem:
    system = SYSTEMS.get(_text(value))
    if system is None:
        raise ValueError("must be one of: " + ", ".join(SYSTEMS))
    return system


def _day(value: Any) -> date:
    return date.fromisoformat(_text(value))


def _enum(kind: Callable[[str], T]) -> Callable[[Any], T]:
    def convert(value: Any) -> T:
        try:
            return kind(_text(value))
        except ValueError:
            allowed = ", ".join(str(m) for m in kind)  # type: ignore[attr-defined]
            raise ValueError(f"must be one of: {allowed}") from None

    return convert


def parse_evaluation(data: Any) -> Evaluation:
    """Build an :class:`Evaluation` from decoded JSON or raise ValidationFailed with every error."""
    errors: dict[str, str] = {}
    root = _Reader(data, "", errors)
    root.reject_unknown(TOP_FIELDS)
    fields = {
        "age_years": root.get("age_years", _age, required=True),
        "sex_at_birth": root.get("sex_at_birth", _enum(SexAtBirth), required=True),
        "presenting_problem": root.get("presenting_problem", _nonblank, required=True),
        "diagnoses": _diagnoses(root),
        "psychiatric": _psychiatric(root.child("psychiatric")),
        "medical": _medical(root.child("medical")),
        "reproductive": _reproductive(root.child("reproductive")),
        "allergies": _allergies(root),
        "medications": _medications(root),
        "prior_treatments": _prior_treatments(root),
        "baseline_instruments": _instruments(root),
        "baseline_vitals": _vitals(root),
        "tests": _tests(root),
    }
    for section in ("psychiatric", "medical", "reproductive"):
        if section not in root.data:
            root.error(section, "required (use {} when nothing was asked)")
    if errors:
        raise ValidationFailed(errors)
    return Evaluation(**fields)  # type: ignore[arg-type]


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


def _diagnoses(root: _Reader) -> tuple[Diagnosis, ...]:
    out = []
    for item in root.items("diagnoses", required=True) or []:
        item.reject_unknown(("system", "code", "display", "primary"))
        system = item.get("system", _system, required=True)
        code = item.get("code", _nonblank, required=True)
        if system is not None and code is not None and not _CODE_PATTERNS[system].match(code):
            item.error("code", f"not a valid {system.name} code")
        display = item.get("display", _text) or ""
        primary = item.get("primary", _boolean) or False
        if system is not None and code is not None:
            out.append(Diagnosis(system, code, display, primary))
    return tuple(out)


def _psychiatric(r: _Reader) -> PsychiatricHistory:
    r.reject_unknown(PSYCHIATRIC_FIELDS)
    return PsychiatricHistory(
        psychosis=r.get("psychosis", _enum(Status)),
        mania=r.get("mania", _enum(Status)),
        suicide_attempt_dates=r.values("suicide_attempt_dates", _day),
        substance_use=_substances(r),
        family_history_psychosis=r.get("family_history_psychosis", _boolean),
        imminent_suicide_risk=r.get("imminent_suicide_risk", _boolean),
    )


PSYCHIATRIC_FIELDS = (
    "psychosis",
    "mania",
    "suicide_attempt_dates",
    "substance_use",
    "family_history_psychosis",
    "imminent_suicide_risk",
)


def _substances(r: _Reader) -> tuple[SubstanceUse, ...] | None:
    items = r.items("substance_use")
    if items is None:
        return None
    out = []
    for item in items:
        item.reject_unknown(("substance", "last_use_on", "use_disorder"))
        substance = item.get("substance", _nonblank, required=True)
        disorder = item.get("use_disorder", _enum(Status), required=True)
        last = item.get("last_use_on", _day)
        if substance is not None and disorder is not None:
            out.append(SubstanceUse(substance, last, disorder))
    return tuple(out)


def _medical(r: _Reader) -> MedicalHistory:
    r.reject_unknown((*STATUS_FIELDS_MEDICAL, "hepatic_child_pugh", "blood_pressures"))
    statuses = {name: r.get(name, _enum(Status)) for name in STATUS_FIELDS_MEDICAL}
    grade = r.get("hepatic_child_pugh", _text)
    if grade is not None and grade not in ("A", "B", "C"):
        r.error("hepatic_child_pugh", "must be one of: A, B, C")
    readings = []
    for item in r.items("blood_pressures") or []:
        reading = _blood_pressure(item)
        if reading is not None:
            readings.append(reading)
    return MedicalHistory(**statuses, hepatic_child_pugh=grade, blood_pressures=tuple(readings))


def _blood_pressure(item: _Reader) -> BloodPressure | None:
    item.reject_unknown(("at", "sbp_mmhg", "dbp_mmhg"))
    at = item.get("at", _timestamp, required=True)
    sbp = item.get("sbp_mmhg", _decimal, required=True)
    dbp = item.get("dbp_mmhg", _decimal, required=True)
    if at is None or sbp is None or dbp is None:
        return None
    return BloodPressure(at, sbp, dbp)


def _reproductive(r: _Reader) -> Reproductive:
    r.reject_unknown(("can_become_pregnant", "pregnant", "breastfeeding"))
    return Reproductive(
        can_become_pregnant=r.get("can_become_pregnant", _boolean),
        pregnant=r.get("pregnant", _boolean),
        breastfeeding=r.get("breastfeeding", _boolean),
    )


def _allergies(root: _Reader) -> tuple[Allergy, ...] | None:
    items = root.items("allergies")
    if items is None:
        return None
    out = []
    for item in items:
        item.reject_unknown(("substance", "reaction"))
        substance = item.get("substance", _nonblank, required=True)
        if substance is not None:
            out.append(Allergy(substance, item.get("reaction", _text) or ""))
    return tuple(out)


def _medications(root: _Reader) -> tuple[Medication, ...] | None:
    items = root.items("medications")
    if items is None:
        return None
    out = []
    for item in items:
        item.reject_unknown(("name", "daily_dose_mg", "rxnorm"))
        name = item.get("name", _nonblank, required=True)
        dose = item.get("daily_dose_mg", _decimal)
        if name is not None:
            out.append(Medication(name, dose, item.get("rxnorm", _text)))
    return tuple(out)


def _prior_treatments(root: _Reader) -> tuple[PriorTreatment, ...]:
    out = []
    for item in root.items("prior_treatments") or []:
        item.reject_unknown(("kind", "name", "response", "adverse_reaction"))
        kind = item.get("kind", _enum(TreatmentKind), required=True)
        name = item.get("name", _nonblank, required=True)
        response = item.get("response", _enum(Response), required=True)
        reaction = item.get("adverse_reaction", _text) or ""
        if kind is not None and name is not None and response is not None:
            out.append(PriorTreatment(kind, name, response, reaction))
    return tuple(out)


def _instruments(root: _Reader) -> tuple[InstrumentScore, ...]:
    """Baseline instruments: item answers (``answers``), a recorded ``response_id``, or both.

    ``answers`` is an object (item id -> ordinal value) or a list of ``{"item", "value"}``. A bare
    ``total`` is still read (older documents) but never satisfies a required instrument.
    """
    out = []
    for item in root.items("baseline_instruments") or []:
        item.reject_unknown(("instrument", "total", "at", "answers", "response_id"))
        instrument = item.get("instrument", _nonblank, required=True)
        total = item.get("total", _integer)
        at = item.get("at", _timestamp, required=True)
        answers = _answers(item)
        response_id = item.get("response_id", _integer)
        if total is None and answers is None and response_id is None:
            item.error("answers", "record the item answers (or the recorded response_id)")
        if instrument is not None and at is not None:
            out.append(InstrumentScore(instrument, total, at, answers, response_id))
    return tuple(out)


def _answers(item: _Reader) -> tuple[ItemAnswer, ...] | None:
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
            out.append(ItemAnswer(key, _integer(value)))
        except (TypeError, ValueError) as exc:
            item.error(f"answers.{key}", str(exc))
    return tuple(out)


def _vitals(root: _Reader) -> Vitals | None:
    if root.data.get("baseline_vitals") is None:
        return None
    r = root.child("baseline_vitals")
    names = ("sbp_mmhg", "dbp_mmhg", "hr_bpm", "spo2_pct", "weight_kg", "height_cm")
    r.reject_unknown(("at", *names))
    at = r.get("at", _timestamp, required=True)
    values = {name: r.get(name, _decimal) for name in names}
    return Vitals(at, **values) if at is not None else None


def _tests(root: _Reader) -> tuple[TestResult, ...]:
    out = []
    for item in root.items("tests") or []:
        item.reject_unknown(("test", "at", "result", "value"))
        test = item.get("test", _nonblank, required=True)
        at = item.get("at", _timestamp, required=True)
        result = item.get("result", _nonblank, required=True)
        value = item.get("value", _decimal)
        if test is not None and at is not None and result is not None:
            out.append(TestResult(test, at, result, value))
    return tuple(out)
