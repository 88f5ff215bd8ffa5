"""Engine behaviour beyond the spec table: loud refusals, finding content, medication review."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.evaluation.eligibility import (
    KNOWN_CONDITIONS,
    Decision,
    OutcomeKind,
    ProtocolRuleError,
    assess_eligibility,
    check_rules,
)
from ketaclinic.domain.evaluation.intake import Medication, Status, Vitals
from ketaclinic.domain.evaluation.medications import (
    DrugClass,
    classify_medication,
    review_medications,
)
from ketaclinic.domain.protocols.sections import Severity
from tests.unit.test_eligibility_fixtures import (
    ADULTS,
    AT,
    HARD,
    RELATIVE,
    RULES,
    amend,
    healthy_adult,
    rule,
)

PACK_CONDITIONS = (
    "uncontrolled_hypertension",
    "active_psychosis",
    "mania_history",
    "pregnancy",
    "aneurysm",
    "intracerebral_hemorrhage",
    "recent_substance_use",
    "benzodiazepine_load",
    "hypersensitivity_ketamine",
    "age_outside_population",
)


@pytest.mark.parametrize("condition", PACK_CONDITIONS)
def test_every_condition_the_packs_use_has_a_predicate(condition: str) -> None:
    assert condition in KNOWN_CONDITIONS


def test_unknown_condition_is_a_loud_error_naming_the_rule() -> None:
    bad = rule("ci.typo", "uncontroled_hypertension", HARD, "clinical.md §1.2")
    with pytest.raises(ProtocolRuleError) as err:
        assess_eligibility(healthy_adult(), (*RULES, bad), ADULTS, at=AT)
    assert err.value.errors == {
        f"contraindications[{len(RULES)}].condition": (
            "rule 'ci.typo': unknown condition id 'uncontroled_hypertension'"
        )
    }


@pytest.mark.parametrize(
    ("bad_rule", "field", "message"),
    [
        pytest.param(
            rule("r", "uncontrolled_hypertension", HARD, "s", sbp_mmhg="180"),
            "params",
            "needs params dbp_mmhg",
            id="missing-param",
        ),
        pytest.param(
            rule("r", "aneurysm", HARD, "s", sbp_mmhg="1"),
            "params",
            "unexpected params sbp_mmhg",
            id="unexpected-param",
        ),
        pytest.param(
            replace(rule("r", "mania_history", RELATIVE, "s"), override_role=None),
            "override_role",
            "names no override role",
            id="relative-without-role",
        ),
        pytest.param(
            rule("r", "age_outside_population", RELATIVE, "s"),
            "severity",
            "must be a hard stop",
            id="age-rule-overridable",
        ),
    ],
)
def test_rule_set_problems_are_refused(bad_rule: object, field: str, message: str) -> None:
    with pytest.raises(ProtocolRuleError) as err:
        check_rules([bad_rule])  # type: ignore[list-item]
    assert list(err.value.errors) == [f"contraindications[0].{field}"]
    assert message in err.value.errors[f"contraindications[0].{field}"]


def test_duplicate_rule_ids_are_refused() -> None:
    with pytest.raises(ProtocolRuleError, match="duplicate rule id"):
        check_rules([RULES[0], RULES[0]])


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="timezone-aware"):
        assess_eligibility(healthy_adult(), RULES, ADULTS, at=datetime(2026, 3, 2))


def test_finding_carries_rule_severity_evidence_source_and_role() -> None:
    evaluation = amend(healthy_adult(), baseline_vitals=Vitals(AT, Decimal(190), Decimal(104)))
    result = assess_eligibility(evaluation, RULES, ADULTS, at=AT)
    finding = result.finding("ci.bp_uncontrolled")
    assert finding is not None
    assert finding.severity is Severity.HARD_STOP
    assert finding.kind is OutcomeKind.HIT
    assert "190/104" in finding.evidence and "180/100" in finding.evidence
    assert finding.source == "clinical.md §1.2 Swiss label"


def test_every_rule_runs_and_all_findings_are_returned() -> None:
    evaluation = amend(
        healthy_adult(),
        psychiatric__psychosis=Status.CURRENT,
        medical__aneurysm=Status.CURRENT,
        medications=(Medication("lorazepam", Decimal(3)),),
    )
    result = assess_eligibility(evaluation, RULES, ADULTS, at=AT)
    assert result.rules_run == tuple(r.id for r in RULES)
    assert {f.rule for f in result.findings} == {
        "ci.active_psychosis",
        "ci.psychosis_history",
        "ci.aneurysm",
        "ci.benzo",
    }
    assert result.decision is Decision.NOT_ELIGIBLE


def test_future_blood_pressure_reading_is_refused_naming_the_field() -> None:
    evaluation = amend(
        healthy_adult(), baseline_vitals=Vitals(AT + timedelta(hours=1), Decimal(200), Decimal(120))
    )
    with pytest.raises(ValidationFailed) as caught:
        assess_eligibility(evaluation, RULES, ADULTS, at=AT)
    assert "baseline_vitals.at" in caught.value.errors


def test_pack_age_rule_replaces_the_builtin_population_check() -> None:
    age_rule = rule("ci.age", "age_outside_population", HARD, "clinical.md §6.1")
    result = assess_eligibility(amend(healthy_adult(), age_years=16), (age_rule,), ADULTS, at=AT)
    assert [f.rule for f in result.findings] == ["ci.age"]
    assert result.decision is Decision.NOT_ELIGIBLE


@pytest.mark.parametrize(
    ("name", "dose", "drug_class", "equivalent"),
    [
        pytest.param("Lorazepam 1 mg tablet", "2", DrugClass.BENZODIAZEPINE, "20", id="lorazepam"),
        pytest.param("XANAX", "1", DrugClass.BENZODIAZEPINE, "20", id="alprazolam-brand"),
        pytest.param("clonazepam", "0.5", DrugClass.BENZODIAZEPINE, "10.0", id="clonazepam"),
        pytest.param("oxazepam", "30", DrugClass.BENZODIAZEPINE, "15.0", id="oxazepam"),
        pytest.param("zolpidem", "10", DrugClass.Z_DRUG, None, id="z-drug"),
        pytest.param("tramadol", "100", DrugClass.OPIOID, None, id="opioid"),
        pytest.param("Adderall", "20", DrugClass.STIMULANT, None, id="stimulant"),
        pytest.param("tranylcypromine", "30", DrugClass.MAOI, None, id="maoi"),
        pytest.param("sertraline", "100", DrugClass.ANTIDEPRESSANT, None, id="ssri"),
        pytest.param("examplamab", "1", DrugClass.UNCLASSIFIED, None, id="unknown"),
    ],
)
def test_classify_medication(
    name: str, dose: str, drug_class: DrugClass, equivalent: str | None
) -> None:
    classified = classify_medication(Medication(name, Decimal(dose)))
    assert classified.drug_class is drug_class
    expected = None if equivalent is None else Decimal(equivalent)
    assert classified.diazepam_eq_mg_per_day == expected


def test_review_sums_benzodiazepines_and_lists_missing_doses() -> None:
    review = review_medications(
        [
            Medication("diazepam", Decimal(5)),
            Medication("lorazepam", Decimal("0.5")),
            Medication("clonazepam"),
        ]
    )
    assert review.diazepam_eq_mg_per_day == Decimal("10.0")
    assert review.missing_doses == ("clonazepam",)
    assert [i.drug_class for i in review.interactions] == [DrugClass.BENZODIAZEPINE] * 3
    assert all(
        "8 mg" in i.effect and i.source.startswith("clinical.md §1.5") for i in review.interactions
    )


def test_benzodiazepine_equivalence_is_flagged_for_signoff() -> None:
    review = review_medications(
        [Medication("lorazepam", Decimal(1)), Medication("naltrexone", Decimal(50))]
    )
    flags = {i.medication: i.needs_signoff for i in review.interactions}
    assert flags == {"lorazepam": True, "naltrexone": False}
