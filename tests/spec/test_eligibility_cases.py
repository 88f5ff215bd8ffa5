"""Eligibility spec table: one row per clinical case, each citing its source in clinical.md.

Each row starts from a synthetic adult with every history item recorded absent, a normal recent
blood pressure and a baseline PHQ-9, applies the row's changes, runs the test rule set of
``tests/unit/test_eligibility_fixtures.py`` and checks the decision and the exact set of
findings (rule id and kind: ``hit`` or ``missing_evidence``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.domain.evaluation.eligibility import Decision, assess_eligibility
from ketaclinic.domain.evaluation.intake import (
    Allergy,
    Medication,
    PriorTreatment,
    Response,
    SexAtBirth,
    Status,
    SubstanceUse,
    TestResult,
    TreatmentKind,
    Vitals,
)
from ketaclinic.domain.protocols.sections import Population
from tests.unit.test_eligibility_fixtures import (
    ADOLESCENTS,
    ADULTS,
    AT,
    INSTRUMENTS,
    PREGNANCY_TEST,
    RULES,
    amend,
    bp,
    days_ago,
    healthy_adult,
)

H, M = "hit", "missing_evidence"
ELIGIBLE = Decision.ELIGIBLE
NOT_ELIGIBLE = Decision.NOT_ELIGIBLE
OVERRIDES = Decision.ELIGIBLE_WITH_OVERRIDES


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    changes: dict[str, Any]
    decision: Decision
    findings: dict[str, str] = field(default_factory=dict)
    population: Population = ADULTS


def _no_vitals_bp() -> Vitals:
    return Vitals(AT - timedelta(days=1), None, None, Decimal(70))


def _mg(value: str) -> Decimal:
    return Decimal(value)


CASES = (
    Case("healthy adult is eligible", "clinical.md §1.4", {}, ELIGIBLE),
    Case(
        "BP 190/105 is uncontrolled hypertension",
        "clinical.md §1.2 Swiss label >180/100",
        {"baseline_vitals": Vitals(AT, Decimal(190), Decimal(105))},
        NOT_ELIGIBLE,
        {"ci.bp_uncontrolled": H, "ci.bp_elevated": H},
    ),
    Case(
        "BP 181/80: systolic alone above the limit",
        "clinical.md §1.2 Swiss label",
        {"baseline_vitals": Vitals(AT, Decimal(181), Decimal(80))},
        NOT_ELIGIBLE,
        {"ci.bp_uncontrolled": H, "ci.bp_elevated": H},
    ),
    Case(
        "BP exactly 180/100 is not above the hard limit, caution only",
        "clinical.md §1.2 Swiss label (above 180/100)",
        {"baseline_vitals": Vitals(AT, Decimal(180), Decimal(100))},
        ELIGIBLE,
        {"ci.bp_elevated": H},
    ),
    Case(
        "BP 150/92 is a caution to weigh",
        "clinical.md §1.3 SPRAVATO >140/90",
        {"baseline_vitals": Vitals(AT, Decimal(150), Decimal(92))},
        ELIGIBLE,
        {"ci.bp_elevated": H},
    ),
    Case(
        "every reading counts: high last week, controlled today",
        "clinical.md §1.2 Swiss label (a later normal reading does not erase a high one)",
        {"medical__blood_pressures": (bp(200, 110, days_ago=7),)},
        NOT_ELIGIBLE,
        {"ci.bp_uncontrolled": H, "ci.bp_elevated": H},
    ),
    Case(
        "blood pressure not recorded",
        "clinical.md §1.4",
        {"baseline_vitals": _no_vitals_bp()},
        NOT_ELIGIBLE,
        {"ci.bp_uncontrolled": M, "ci.bp_elevated": M},
    ),
    Case(
        "only reading is 45 days old: not recent",
        "clinical.md §1.4",
        {"baseline_vitals": None, "medical__blood_pressures": (bp(120, 80, days_ago=45),)},
        NOT_ELIGIBLE,
        {"ci.bp_uncontrolled": M, "ci.bp_elevated": M},
    ),
    Case(
        "active psychosis",
        "clinical.md §1.3 SPRAVATO PI §5.2",
        {"psychiatric__psychosis": Status.CURRENT},
        NOT_ELIGIBLE,
        {"ci.active_psychosis": H, "ci.psychosis_history": H},
    ),
    Case(
        "past psychosis needs a physician override",
        "clinical.md §1.3",
        {"psychiatric__psychosis": Status.PAST},
        OVERRIDES,
        {"ci.psychosis_history": H},
    ),
    Case(
        "psychosis history not recorded",
        "clinical.md §1.4",
        {"psychiatric__psychosis": None},
        NOT_ELIGIBLE,
        {"ci.active_psychosis": M, "ci.psychosis_history": M},
    ),
    Case(
        "mania history",
        "clinical.md §1.3 Oxford Health; Diazgranados 2010",
        {"psychiatric__mania": Status.PAST},
        OVERRIDES,
        {"ci.mania_history": H},
    ),
    Case(
        "pregnancy",
        "clinical.md §1.3 SPRAVATO PI §8.1",
        {
            "sex_at_birth": SexAtBirth.FEMALE,
            "reproductive__can_become_pregnant": True,
            "reproductive__pregnant": True,
            "tests": (TestResult("pregnancy_test", AT, "positive"),),
        },
        NOT_ELIGIBLE,
        {"ci.pregnancy": H},
    ),
    Case(
        "can become pregnant, negative test this week",
        "clinical.md §1.4 pregnancy test",
        {
            "sex_at_birth": SexAtBirth.FEMALE,
            "reproductive__can_become_pregnant": True,
            "tests": (TestResult("pregnancy_test", AT - timedelta(days=2), "negative"),),
        },
        ELIGIBLE,
    ),
    Case(
        "can become pregnant, no pregnancy test",
        "clinical.md §1.4 pregnancy test",
        {"sex_at_birth": SexAtBirth.FEMALE, "reproductive__can_become_pregnant": True},
        NOT_ELIGIBLE,
        {"required_test.pregnancy_test": M},
    ),
    Case(
        "pregnancy test older than 7 days",
        "clinical.md §1.4 pregnancy test",
        {
            "sex_at_birth": SexAtBirth.FEMALE,
            "reproductive__can_become_pregnant": True,
            "tests": (TestResult("pregnancy_test", AT - timedelta(days=9), "negative"),),
        },
        NOT_ELIGIBLE,
        {"required_test.pregnancy_test": M},
    ),
    Case(
        "pregnancy potential not recorded",
        "clinical.md §1.4",
        {"reproductive__can_become_pregnant": None, "reproductive__pregnant": None},
        NOT_ELIGIBLE,
        {"ci.pregnancy": M, "required_test.pregnancy_test": M},
    ),
    Case(
        "breastfeeding",
        "clinical.md §1.3 SPRAVATO PI §8.2",
        {"sex_at_birth": SexAtBirth.FEMALE, "reproductive__breastfeeding": True},
        OVERRIDES,
        {"ci.breastfeeding": H},
    ),
    Case(
        "aneurysm",
        "clinical.md §1.2 SPRAVATO PI §4",
        {"medical__aneurysm": Status.PAST},
        NOT_ELIGIBLE,
        {"ci.aneurysm": H},
    ),
    Case(
        "intracerebral haemorrhage history",
        "clinical.md §1.2 SPRAVATO PI §4",
        {"medical__intracerebral_hemorrhage": Status.PAST},
        NOT_ELIGIBLE,
        {"ci.ich": H},
    ),
    Case(
        "ketamine allergy",
        "clinical.md §1.2 hypersensitivity",
        {"allergies": (Allergy("Ketamine", "anaphylaxis"),)},
        NOT_ELIGIBLE,
        {"ci.hypersensitivity": H},
    ),
    Case(
        "allergies not recorded",
        "clinical.md §1.4 allergy list",
        {"allergies": None},
        NOT_ELIGIBLE,
        {"ci.hypersensitivity": M},
    ),
    Case(
        "cannabis used 10 days ago without a use disorder is not a finding",
        "clinical.md §1.3 SPRAVATO PI §5.3 (use disorder, not use)",
        {"psychiatric__substance_use": (SubstanceUse("cannabis", days_ago(10), Status.ABSENT),)},
        ELIGIBLE,
    ),
    Case(
        "cannabis use disorder in remission, last use 10 days ago",
        "clinical.md §1.3 SUD past 3 months",
        {"psychiatric__substance_use": (SubstanceUse("cannabis", days_ago(10), Status.PAST),)},
        OVERRIDES,
        {"ci.substance": H},
    ),
    Case(
        "alcohol last used 200 days ago",
        "clinical.md §1.3 SUD past 3 months",
        {"psychiatric__substance_use": (SubstanceUse("alcohol", days_ago(200), Status.PAST),)},
        ELIGIBLE,
    ),
    Case(
        "substance use not asked",
        "clinical.md §1.4 substance history",
        {"psychiatric__substance_use": None},
        NOT_ELIGIBLE,
        {"ci.substance": M},
    ),
    Case(
        "lorazepam 2 mg/day = 20 mg diazepam-equivalent",
        "clinical.md §1.5 Andrashko 2020 >8 mg",
        {"medications": (Medication("lorazepam", _mg("2")),)},
        ELIGIBLE,
        {"ci.benzo": H},
    ),
    Case(
        "diazepam 5 mg/day is under the 8 mg threshold",
        "clinical.md §1.5 Andrashko 2020",
        {"medications": (Medication("diazepam", _mg("5")),)},
        ELIGIBLE,
    ),
    Case(
        "benzodiazepine with unknown dose is not assessed and blocks sign-off",
        "clinical.md §1.5 capture daily dose",
        {"medications": (Medication("clonazepam", None),)},
        NOT_ELIGIBLE,
        {"ci.benzo": M},
    ),
    Case(
        "medication list not recorded",
        "clinical.md §1.4 medication list",
        {"medications": None},
        NOT_ELIGIBLE,
        {
            "ci.benzo": M,
            "ci.maoi": M,
            "ci.stimulant": M,
            "ci.opioid": M,
            "ci.naltrexone": M,
            "ci.lamotrigine": M,
            "ci.unclassified": M,
        },
    ),
    Case(
        "phenelzine (MAOI)",
        "clinical.md §1.5 MAOIs raise BP",
        {"medications": (Medication("Nardil", _mg("45")),)},
        OVERRIDES,
        {"ci.maoi": H},
    ),
    Case(
        "naltrexone and lamotrigine",
        "clinical.md §1.5 Williams 2018; Andrade 2017",
        {"medications": (Medication("naltrexone", _mg("50")), Medication("lamotrigine"))},
        ELIGIBLE,
        {"ci.naltrexone": H, "ci.lamotrigine": H},
    ),
    Case(
        "unknown drug is flagged for review",
        "clinical.md §1.5",
        {"medications": (Medication("examplamab", _mg("10")),)},
        ELIGIBLE,
        {"ci.unclassified": H},
    ),
    Case(
        "suicide attempt 2 weeks ago",
        "clinical.md §1.3 imminent suicide risk",
        {"psychiatric__suicide_attempt_dates": (days_ago(14),)},
        OVERRIDES,
        {"ci.suicide": H},
    ),
    Case(
        "ischaemic heart disease",
        "clinical.md §1.3 cardiovascular disease",
        {"medical__cardiovascular": Status.CURRENT},
        OVERRIDES,
        {"ci.cardiovascular": H},
    ),
    Case(
        "severe obstructive sleep apnea",
        "clinical.md §1.3 CPSBC STOP-BANG",
        {"medical__sleep_apnea": Status.CURRENT},
        OVERRIDES,
        {"ci.osa": H},
    ),
    Case(
        "glaucoma is a caution",
        "clinical.md §1.3 raised IOP",
        {"medical__raised_intraocular_pressure": Status.CURRENT},
        ELIGIBLE,
        {"ci.iop": H},
    ),
    Case(
        "prior esketamine not tolerated",
        "clinical.md §1.3 Miller's",
        {
            "prior_treatments": (
                PriorTreatment(TreatmentKind.ESKETAMINE, "esketamine", Response.NOT_TOLERATED),
            )
        },
        OVERRIDES,
        {"ci.prior_reaction": H},
    ),
    Case(
        "adolescent on an adult protocol",
        "clinical.md §6.1",
        {"age_years": 15},
        NOT_ELIGIBLE,
        {"population.age": H},
    ),
    Case(
        "adult on an adolescent protocol",
        "clinical.md §6.1",
        {"age_years": 19},
        NOT_ELIGIBLE,
        {"population.age": H},
        ADOLESCENTS,
    ),
    Case(
        "15-year-old on the adolescent protocol",
        "clinical.md §6.2",
        {"age_years": 15},
        ELIGIBLE,
        {},
        ADOLESCENTS,
    ),
    Case(
        "baseline PHQ-9 not recorded",
        "protocol evaluation.baseline_instruments",
        {"baseline_instruments": ()},
        NOT_ELIGIBLE,
        {"baseline_instrument.phq9": M},
    ),
    Case(
        "relative and hard findings together: hard stop wins",
        "clinical.md §1.1",
        {"psychiatric__mania": Status.PAST, "medical__aneurysm": Status.CURRENT},
        NOT_ELIGIBLE,
        {"ci.mania_history": H, "ci.aneurysm": H},
    ),
)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_eligibility_case(case: Case) -> None:
    evaluation = amend(healthy_adult(), **case.changes)
    result = assess_eligibility(
        evaluation,
        RULES,
        case.population,
        at=AT,
        required_tests=(PREGNANCY_TEST,),
        baseline_instruments=INSTRUMENTS,
    )
    assert {f.rule: f.kind.value for f in result.findings} == case.findings, case.source
    assert result.decision is case.decision, case.source


def test_table_has_at_least_thirty_cases_each_with_a_source() -> None:
    assert len(CASES) >= 30
    assert all(c.source for c in CASES)
    assert len({c.id for c in CASES}) == len(CASES)
