"""Stored codes as the words people read on a page: eligibility decisions, urgencies, titration
outcomes, drug classes, note and booking kinds, the course moves a button offers, and each
dosing limit of a protocol route with its unit.

One place for every code whose words are more than the code with its underscores turned into
spaces; any other code is shown capitalised with spaces (``step_up`` -> ``Step up``). Pages keep
the raw code in ``data-*`` attributes, so tests and scripts never read these words."""

from __future__ import annotations

from typing import Any

#: Codes whose words are not just the code with spaces, capitalised.
LABELS = {
    # eligibility decisions and findings
    "not_eligible": "Not eligible",
    "eligible_with_overrides": "Eligible with overrides",
    "eligible_with_conditions": "Eligible with conditions",
    "hard_stop": "Hard stop",
    "missing_evidence": "Not assessed",
    # safety-task urgency
    "same_day": "Same day",
    # a risk screen, or any other choice of "nothing": never the bare word a page could mistake
    # for an empty value
    "none": "None identified",
    # drug classes
    "z_drug": "Z-drug",
    "maoi": "MAOI",
    "cyp_modifier": "CYP enzyme modifier",
    # check-ins and titration
    "patient_link": "Patient, by link",
    "dose_changed": "Dose changed",
    # integration
    "in_person": "In person",
    # questionnaire answers
    "chart": "On the chart",
    "link": "By link",
    "fhir": "From another system (FHIR)",
    # scheduling rules a re-plan can be blocked by
    "SCH-WINDOW": "The series window",
    "SCH-SPACING": "The minimum gap between sessions",
    "SCH-OPENING-HOURS": "Opening hours",
    "SCH-CHAIR-CAPACITY": "A free chair",
    "SCH-CHAIR-FEATURE": "A chair with what the session needs",
    "SCH-CHAIR-OUT-OF-SERVICE": "A chair out of service",
    "SCH-NURSE-SHIFT": "A nurse on shift",
    "SCH-NURSE-SETUP": "The nurse's set-up time",
    "SCH-NURSE-RATIO": "Patients per nurse",
    "SCH-PRESCRIBER-ON-SITE": "A prescriber on site",
    "SCH-PATIENT-AVAILABILITY": "The patient's available times",
    "SCH-SESSION-COUNT": "The number of sessions in the series",
    "SCH-FIXED-MOVED": "A session already given or fixed",
    "SCH-GRID": "The booking time grid",
    "SCH-UNKNOWN-RESOURCE": "A chair or nurse the clinic does not have",
}

#: What the button says for each course state a course can be moved to.
MOVE_LABELS = {
    "referred": "Return to referred",
    "evaluating": "Start the evaluation",
    "eligible": "Mark eligible",
    "ineligible": "Mark not eligible",
    "consented": "Mark consented",
    "induction": "Move to induction",
    "reassessment": "Move to reassessment",
    "maintenance": "Move to maintenance",
    "completed": "Complete the course",
    "discontinued": "Discontinue the course",
}

#: Each dosing limit of a protocol route (its key in the protocol file) as staff read it, with
#: its unit: the "Why these limits" list of the dose order form.
DOSING_LIMIT_LABELS = {
    "start_mg_per_kg": "Starting dose (mg/kg)",
    "start_fixed_mg": "Starting dose (mg)",
    "duration_min": "Infusion duration (min)",
    "weight_basis": "Weight the dose is based on",
    "adjusted_above_bmi": "Dose by adjusted weight above BMI (kg/m²)",
    "adjusted_weight_factor": "Adjusted-weight factor",
    "titration_step_mg_per_kg": "Titration step (mg/kg)",
    "titration_step_mg": "Titration step (mg)",
    "max_mg_per_kg": "Maximum dose (mg/kg)",
    "max_mg": "Maximum dose (mg)",
    "rounding_mg": "Dose rounded to (mg)",
    "concentrations_mg_per_ml": "Concentrations (mg/mL)",
    "max_mg_per_kg_per_h": "Maximum infusion rate (mg/kg/h)",
    "max_rate_ml_per_h": "Maximum pump rate (mL/h)",
}


def _code(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


def label(value: Any) -> str:
    """A stored code as a label: ``not_eligible`` -> ``Not eligible``, ``same_day`` -> ``Same
    day``, ``z_drug`` -> ``Z-drug``; any other code capitalised with spaces."""
    code = _code(value)
    if code in LABELS:
        return LABELS[code]
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def lower_label(value: Any) -> str:
    """The label inside a sentence: lower case unless it is an abbreviation (``MAOI``)."""
    text = label(value)
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def move_label(target: Any) -> str:
    """A course move as its button says it: ``completed`` -> ``Complete the course``."""
    code = _code(target)
    return MOVE_LABELS.get(code, f"Move to {label(code).lower()}")


def dosing_limit_label(key: Any) -> str:
    """A route's dosing limit as the order form names it, with its unit: ``max_mg_per_kg`` ->
    ``Maximum dose (mg/kg)``; a key this release does not know reads as a label."""
    code = _code(key)
    return DOSING_LIMIT_LABELS.get(code) or label(code)
