"""The shipped protocol packs through the eligibility engine, one row per clinical case.

Rows start from a complete synthetic JSON evaluation (every item the pack's rules read is
recorded) and change one thing; the expected decision and findings follow from the pack's own
severities. This guards the contract between the packs and the predicates: every condition id a
pack names must have a predicate, and a clean evaluation must come out eligible.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from ketaclinic.adapters.evaluation_json import parse_evaluation
from ketaclinic.adapters.protocol_files import shipped_protocol, shipped_protocol_ids
from ketaclinic.domain.evaluation.eligibility import Decision, assess_protocol, check_rules
from tests.baseline import baseline_entry

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WHEN = "2026-03-01T09:00:00Z"
ADULT, TEEN, KAT = "adult-iv-induction", "adolescent-iv", "kat-holistic"
INSTRUMENTS = {
    ADULT: ("phq9", "gad7", "pcl5", "cssrs-screen", "wsas"),
    TEEN: ("phq-a", "cssrs-screen", "madrs", "gad7"),
    KAT: ("phq9", "gad7", "pcl5", "cssrs-screen"),
}
_ABSENT = (
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


def clean(protocol_id: str, age: int = 40) -> dict[str, Any]:
    """A synthetic evaluation with nothing to find for ``protocol_id``."""
    return {
        "age_years": age,
        "sex_at_birth": "male",
        "presenting_problem": "Synthetic test case",
        "diagnoses": [{"system": "snomed-ct", "code": "370143000", "primary": True}],
        "psychiatric": {
            "psychosis": "absent",
            "mania": "absent",
            "suicide_attempt_dates": [],
            "substance_use": [],
            "family_history_psychosis": False,
            "imminent_suicide_risk": False,
        },
        "medical": dict.fromkeys(_ABSENT, "absent"),
        "reproductive": {"can_become_pregnant": False, "pregnant": False, "breastfeeding": False},
        "allergies": [],
        "medications": [],
        "baseline_instruments": [baseline_entry(i, WHEN) for i in INSTRUMENTS[protocol_id]],
        "baseline_vitals": {"at": WHEN, "sbp_mmhg": 122, "dbp_mmhg": 78, "hr_bpm": 72},
        "tests": [{"test": "ecg", "at": WHEN, "result": "normal"}],
    }


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data[key]
    data[last] = value


@dataclass(frozen=True)
class PackCase:
    id: str
    protocol: str
    source: str
    changes: dict[str, Any]
    decision: Decision
    findings: dict[str, str] = field(default_factory=dict)
    age: int = 40


TEEN_AGE = 15
CASES = (
    PackCase("adult clean", ADULT, "clinical.md §1.4", {}, Decision.ELIGIBLE),
    PackCase("KAT clean", KAT, "clinical.md §7.1", {}, Decision.ELIGIBLE),
    PackCase("adolescent clean", TEEN, "clinical.md §6.2", {}, Decision.ELIGIBLE, age=TEEN_AGE),
    PackCase(
        "adolescent on the adult pack",
        ADULT,
        "clinical.md §6.1",
        {},
        Decision.NOT_ELIGIBLE,
        {"age_outside_population": "hard_stop"},
        age=TEEN_AGE,
    ),
    PackCase(
        "adult on the adolescent pack",
        TEEN,
        "clinical.md §6.1",
        {},
        Decision.NOT_ELIGIBLE,
        {"age_outside_population": "hard_stop"},
        age=19,
    ),
    PackCase(
        "BP 186/104 on the adult pack",
        ADULT,
        "clinical.md §1.2 Swiss label",
        {"baseline_vitals.sbp_mmhg": 186, "baseline_vitals.dbp_mmhg": 104},
        Decision.NOT_ELIGIBLE,
        {"uncontrolled_hypertension": "hard_stop", "elevated_blood_pressure": "caution"},
    ),
    PackCase(
        "BP 170/95 on the adolescent pack: above its own 160/100 limit (pre-dose hold 160/100)",
        TEEN,
        "clinical.md §6.3 paediatric BP UNCONFIRMED (needs sign-off)",
        {"baseline_vitals.sbp_mmhg": 170, "baseline_vitals.dbp_mmhg": 95},
        Decision.NOT_ELIGIBLE,
        {"uncontrolled_hypertension": "hard_stop", "elevated_blood_pressure": "caution"},
        age=TEEN_AGE,
    ),
    PackCase(
        "BP 135/82 on the adolescent pack: above its own 130/80 caution",
        TEEN,
        "clinical.md §6.3 paediatric BP UNCONFIRMED (needs sign-off)",
        {"baseline_vitals.sbp_mmhg": 135, "baseline_vitals.dbp_mmhg": 82},
        Decision.ELIGIBLE,
        {"elevated_blood_pressure": "caution"},
        age=TEEN_AGE,
    ),
    PackCase(
        "no blood pressure at all",
        ADULT,
        "clinical.md §1.4",
        {"baseline_vitals": None},
        Decision.NOT_ELIGIBLE,
        {
            "uncontrolled_hypertension": "hard_stop",
            "elevated_blood_pressure": "caution",
            "required_test.baseline_bp": "hard_stop",
        },
    ),
    PackCase(
        "aneurysm on the KAT pack",
        KAT,
        "clinical.md §1.2 SPRAVATO PI §4",
        {"medical.aneurysm": "past"},
        Decision.NOT_ELIGIBLE,
        {"aneurysm": "hard_stop"},
    ),
    PackCase(
        "active psychosis needs a physician override on the adult pack",
        ADULT,
        "clinical.md §1.3",
        {"psychiatric.psychosis": "current"},
        Decision.ELIGIBLE_WITH_OVERRIDES,
        {"active_psychosis": "relative", "psychosis_history": "relative"},
    ),
    PackCase(
        "family history of psychosis on the KAT pack",
        KAT,
        "clinical.md §1.3 Psyon",
        {"psychiatric.family_history_psychosis": True},
        Decision.ELIGIBLE_WITH_OVERRIDES,
        {"family_history_psychosis": "relative"},
    ),
    PackCase(
        "lorazepam 2 mg/day on the adolescent pack",
        TEEN,
        "clinical.md §1.5 Andrashko 2020",
        {"medications": [{"name": "lorazepam", "daily_dose_mg": 2}]},
        Decision.ELIGIBLE,
        {"benzodiazepine_load": "caution"},
        age=TEEN_AGE,
    ),
    PackCase(
        "severe hepatic impairment (Child-Pugh C)",
        ADULT,
        "clinical.md §1.3 SPRAVATO PI",
        {"medical.hepatic": "current", "medical.hepatic_child_pugh": "C"},
        Decision.ELIGIBLE_WITH_OVERRIDES,
        {"severe_hepatic_impairment": "relative"},
    ),
    PackCase(
        "ECG missing",
        ADULT,
        "clinical.md §1.4 CPSBC",
        {"tests": []},
        Decision.NOT_ELIGIBLE,
        {"required_test.ecg": "hard_stop"},
    ),
)


@pytest.mark.parametrize("protocol_id", shipped_protocol_ids())
def test_every_shipped_rule_has_a_predicate(protocol_id: str) -> None:
    check_rules(shipped_protocol(protocol_id).contraindications)


def test_the_three_packs_are_covered() -> None:
    assert {ADULT, TEEN, KAT} <= set(shipped_protocol_ids())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_shipped_pack_case(case: PackCase) -> None:
    data = copy.deepcopy(clean(case.protocol, case.age))
    for path, value in case.changes.items():
        _set(data, path, value)
    result = assess_protocol(parse_evaluation(data), shipped_protocol(case.protocol), at=AT)
    assert {f.rule: f.severity.value for f in result.findings} == case.findings, case.source
    assert result.decision is case.decision, case.source
