"""Builders shared by the eligibility, consent and course tests (no tests in this module).

The rule set below is a test protocol built directly from clinical.md so that the engine can be
tested without the shipped YAML packs. Severities are a plausible clinic policy, not advice.
All patient data is synthetic.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ketaclinic.domain.evaluation.intake import (
    BloodPressure,
    CodeSystem,
    Diagnosis,
    Evaluation,
    InstrumentScore,
    ItemAnswer,
    MedicalHistory,
    PsychiatricHistory,
    Reproductive,
    SexAtBirth,
    Status,
    Vitals,
)
from ketaclinic.domain.protocols.sections import (
    AgeRange,
    ContraindicationRule,
    Population,
    RequiredTest,
    Severity,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = AT.date()

HARD, RELATIVE, CAUTION = Severity.HARD_STOP, Severity.RELATIVE, Severity.CAUTION


def rule(
    rule_id: str,
    condition: str,
    severity: Severity,
    source: str,
    **params: str,
) -> ContraindicationRule:
    """A rule as a protocol pack would declare it; relative rules are overridden by a physician."""
    role = "physician" if severity is RELATIVE else None
    decimals = {k: Decimal(v) for k, v in params.items()}
    return ContraindicationRule(rule_id, condition, severity, role, source, rule_id, decimals)


RULES: tuple[ContraindicationRule, ...] = (
    rule("ci.hypersensitivity", "hypersensitivity_ketamine", HARD, "clinical.md §1.2"),
    rule("ci.aneurysm", "aneurysm", HARD, "clinical.md §1.2"),
    rule("ci.ich", "intracerebral_hemorrhage", HARD, "clinical.md §1.2"),
    rule(
        "ci.bp_uncontrolled",
        "uncontrolled_hypertension",
        HARD,
        "clinical.md §1.2 Swiss label",
        sbp_mmhg="180",
        dbp_mmhg="100",
        reading_max_age_days="30",
    ),
    rule(
        "ci.bp_elevated",
        "uncontrolled_hypertension",
        CAUTION,
        "clinical.md §1.3 SPRAVATO PI §2",
        sbp_mmhg="140",
        dbp_mmhg="90",
        reading_max_age_days="30",
    ),
    rule("ci.active_psychosis", "active_psychosis", HARD, "clinical.md §1.3"),
    rule("ci.psychosis_history", "psychosis_history", RELATIVE, "clinical.md §1.3"),
    rule("ci.mania_history", "mania_history", RELATIVE, "clinical.md §1.3"),
    rule("ci.pregnancy", "pregnancy", HARD, "clinical.md §1.3"),
    rule("ci.breastfeeding", "breastfeeding", RELATIVE, "clinical.md §1.3"),
    rule("ci.substance", "recent_substance_use", RELATIVE, "clinical.md §1.3", within_days="90"),
    rule("ci.suicide", "recent_suicide_attempt", RELATIVE, "clinical.md §1.3", within_days="30"),
    rule(
        "ci.benzo",
        "benzodiazepine_load",
        CAUTION,
        "clinical.md §1.5 Andrashko 2020",
        diazepam_eq_mg_per_day="8",
    ),
    rule("ci.maoi", "maoi_use", RELATIVE, "clinical.md §1.5"),
    rule("ci.stimulant", "stimulant_use", CAUTION, "clinical.md §1.5"),
    rule("ci.opioid", "opioid_use", CAUTION, "clinical.md §1.5"),
    rule("ci.naltrexone", "naltrexone_use", CAUTION, "clinical.md §1.5"),
    rule("ci.lamotrigine", "lamotrigine_use", CAUTION, "clinical.md §1.5"),
    rule("ci.unclassified", "unclassified_medication", CAUTION, "clinical.md §1.5"),
    rule("ci.cardiovascular", "cardiovascular_disease", RELATIVE, "clinical.md §1.3"),
    rule("ci.cerebrovascular", "cerebrovascular_disease", RELATIVE, "clinical.md §1.3"),
    rule("ci.icp", "raised_intracranial_pressure", RELATIVE, "clinical.md §1.3"),
    rule("ci.iop", "raised_intraocular_pressure", CAUTION, "clinical.md §1.3"),
    rule("ci.hepatic", "hepatic_impairment", CAUTION, "clinical.md §1.3"),
    rule("ci.urinary", "urinary_symptoms", CAUTION, "clinical.md §1.3"),
    rule("ci.seizures", "seizure_disorder", RELATIVE, "clinical.md §1.3"),
    rule("ci.osa", "sleep_apnea", RELATIVE, "clinical.md §1.3"),
    rule("ci.thyroid", "hyperthyroidism", RELATIVE, "clinical.md §1.2 Swiss label"),
    rule("ci.cognitive", "cognitive_impairment", CAUTION, "clinical.md §1.3"),
    rule("ci.prior_reaction", "prior_adverse_reaction_ketamine", RELATIVE, "clinical.md §1.3"),
)

ADULTS = Population(AgeRange(18, 75), ("mdd",))
ADOLESCENTS = Population(AgeRange(13, 17), ("mdd",))
PREGNANCY_TEST = RequiredTest("pregnancy_test", "Pregnancy test", "can_become_pregnant", 7)
INSTRUMENTS = ("phq9",)
PHQ9_TOTAL_19_ITEM9_NEGATIVE = tuple(
    ItemAnswer(str(item), value) for item, value in enumerate((3, 3, 3, 2, 2, 2, 2, 2, 0), start=1)
)

_NONE = Status.ABSENT


def healthy_adult() -> Evaluation:
    """A synthetic adult with every history item recorded absent and a normal recent BP."""
    return Evaluation(
        age_years=40,
        sex_at_birth=SexAtBirth.MALE,
        presenting_problem="Synthetic test case: recurrent depression",
        diagnoses=(Diagnosis(CodeSystem.ICD10CM, "F33.2", "MDD, recurrent, severe", True),),
        psychiatric=PsychiatricHistory(_NONE, _NONE, (), (), False, False),
        medical=MedicalHistory(**_all_absent()),
        reproductive=Reproductive(can_become_pregnant=False, pregnant=False, breastfeeding=False),
        allergies=(),
        medications=(),
        baseline_instruments=(
            InstrumentScore("phq9", None, AT - timedelta(days=1), PHQ9_TOTAL_19_ITEM9_NEGATIVE),
        ),
        baseline_vitals=Vitals(AT - timedelta(days=1), Decimal(124), Decimal(78), Decimal(70)),
    )


def _all_absent() -> dict[str, Any]:
    names = (
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
    return dict.fromkeys(names, _NONE)


def amend(evaluation: Evaluation, **changes: Any) -> Evaluation:
    """Replace fields; ``medical__x``/``psychiatric__x``/``reproductive__x`` reach nested ones."""
    nested: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if name:
            nested.setdefault(section, {})[name] = value
        else:
            top[key] = value
    for section, fields in nested.items():
        top[section] = replace(getattr(evaluation, section), **fields)
    return replace(evaluation, **top)


def bp(sbp: int, dbp: int, days_ago: int = 1) -> BloodPressure:
    return BloodPressure(AT - timedelta(days=days_ago), Decimal(sbp), Decimal(dbp))


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)
