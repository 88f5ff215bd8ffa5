"""Values an evaluation cannot hold: outside an instrument's range, outside physiology, or dated
after the moment of assessment.

:func:`implausible_entries` names every such value by its field path (``baseline_instruments[0]
.total``) so the edge can show the error beside the field; :func:`ensure_plausible` raises them
at once as :class:`ValidationFailed`. The eligibility engine calls it before any rule runs, so no
entry point (web, API, CLI, import) can have a PHQ-9 total of 40, a blood pressure of 400/20 or a
questionnaire dated next week assessed as if it were real (clinical.md §5.1 score ranges).

The physiological bounds are wide plausibility limits for typing errors, not clinical thresholds:
a value inside them may still be alarming and is judged by the rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from ketaclinic.domain.assessments.instruments.model import ScoringMethod
from ketaclinic.domain.assessments.instruments.registry import INSTRUMENTS
from ketaclinic.domain.assessments.instruments.scoring import validate_answers
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.evaluation.intake import BloodPressure, Evaluation, InstrumentScore, Vitals

CLOCK_SKEW = timedelta(minutes=5)
"""A timed entry later than the assessment by more than this is a typing error, not clock drift."""

_BOUNDS: dict[str, tuple[Decimal, Decimal, str]] = {
    "sbp_mmhg": (Decimal(40), Decimal(300), "mmHg"),
    "dbp_mmhg": (Decimal(20), Decimal(200), "mmHg"),
    "hr_bpm": (Decimal(20), Decimal(250), "bpm"),
    "spo2_pct": (Decimal(50), Decimal(100), "%"),
    "weight_kg": (Decimal(2), Decimal(400), "kg"),
    "height_cm": (Decimal(40), Decimal(250), "cm"),
}


def ensure_plausible(evaluation: Evaluation, at: datetime) -> None:
    """Raise :class:`ValidationFailed` naming every implausible or future entry."""
    errors = implausible_entries(evaluation, at)
    if errors:
        raise ValidationFailed(errors)


def implausible_entries(evaluation: Evaluation, at: datetime) -> dict[str, str]:
    """Every implausible value of ``evaluation`` at ``at`` (timezone-aware), by field path."""
    errors = dict(_future_entries(evaluation, at + CLOCK_SKEW))
    for index, score in enumerate(evaluation.baseline_instruments):
        path = f"baseline_instruments[{index}]"
        problem = instrument_total_problem(score)
        if problem is not None:
            errors[f"{path}.total"] = problem
        errors.update(_answer_problems(path, score))
    for index, reading in enumerate(evaluation.medical.blood_pressures):
        errors.update(_bp_problems(f"medical.blood_pressures[{index}]", reading))
    if evaluation.baseline_vitals is not None:
        errors.update(_vitals_problems(evaluation.baseline_vitals))
    return errors


def instrument_total_problem(score: InstrumentScore) -> str | None:
    """Why ``score.total`` cannot be a total of its instrument, or ``None`` when it can."""
    total = score.total
    if total is None:
        return None
    instrument = INSTRUMENTS.get(score.instrument)
    if instrument is None:
        return None if total >= 0 else "must be 0 or more"
    if instrument.scoring is ScoringMethod.RISK_LEVEL:
        return f"{instrument.title} has no total score; record the item answers"
    low, high = instrument.score_min, instrument.score_max
    if low is not None and high is not None and not low <= total <= high:
        return f"{instrument.title} totals range {low}-{high}; {total} is impossible"
    return None


def _answer_problems(path: str, score: InstrumentScore) -> dict[str, str]:
    """Unknown items, impossible values and never-asked answers of an item-level instrument."""
    instrument = INSTRUMENTS.get(score.instrument)
    if not score.itemised:
        return {}
    if instrument is None:
        return {f"{path}.instrument": f"{score.instrument!r} is not an instrument of the library"}
    try:
        validate_answers(instrument, score.answer_map())
    except ValidationFailed as err:
        return {f"{path}.{field}": message for field, message in err.errors.items()}
    return {}


def _future_entries(evaluation: Evaluation, limit: datetime) -> Iterator[tuple[str, str]]:
    later = "must not be after the time of assessment"
    for path, moment in _timed_entries(evaluation):
        if moment > limit:
            yield path, later
    psych = evaluation.psychiatric
    for index, day in enumerate(psych.suicide_attempt_dates or ()):
        if day > limit.date():
            yield f"psychiatric.suicide_attempt_dates[{index}]", later
    for index, use in enumerate(psych.substance_use or ()):
        if use.last_use_on is not None and use.last_use_on > limit.date():
            yield f"psychiatric.substance_use[{index}].last_use_on", later


def _timed_entries(evaluation: Evaluation) -> Iterator[tuple[str, datetime]]:
    for index, reading in enumerate(evaluation.medical.blood_pressures):
        yield f"medical.blood_pressures[{index}].at", reading.at
    for index, score in enumerate(evaluation.baseline_instruments):
        yield f"baseline_instruments[{index}].at", score.at
    for index, test in enumerate(evaluation.tests):
        yield f"tests[{index}].at", test.at
    if evaluation.baseline_vitals is not None:
        yield "baseline_vitals.at", evaluation.baseline_vitals.at


def _bp_problems(path: str, reading: BloodPressure) -> dict[str, str]:
    errors = _bounded(path, {"sbp_mmhg": reading.sbp_mmhg, "dbp_mmhg": reading.dbp_mmhg})
    if not errors and reading.dbp_mmhg >= reading.sbp_mmhg:
        errors[f"{path}.dbp_mmhg"] = "diastolic must be lower than systolic"
    return errors


def _vitals_problems(vitals: Vitals) -> dict[str, str]:
    values = {
        "sbp_mmhg": vitals.sbp_mmhg,
        "dbp_mmhg": vitals.dbp_mmhg,
        "hr_bpm": vitals.hr_bpm,
        "spo2_pct": vitals.spo2_pct,
        "weight_kg": vitals.weight_kg,
        "height_cm": vitals.height_cm,
    }
    errors = _bounded("baseline_vitals", values)
    sbp, dbp = vitals.sbp_mmhg, vitals.dbp_mmhg
    if not errors and sbp is not None and dbp is not None and dbp >= sbp:
        errors["baseline_vitals.dbp_mmhg"] = "diastolic must be lower than systolic"
    return errors


def _bounded(path: str, values: dict[str, Decimal | None]) -> dict[str, str]:
    errors = {}
    for name, value in values.items():
        low, high, unit = _BOUNDS[name]
        if value is not None and not low <= value <= high:
            errors[f"{path}.{name}"] = f"{value} {unit} is outside {low}-{high} {unit}"
    return errors
