"""Contraindications every shipped pack must see, one row per clinical case with its source.

Psychosis history, stroke and cerebrovascular disease, a suicide attempt in the past 3 months,
prior recreational ketamine use and a substance use disorder (not any use) are findings on every
pack; a blank safety-relevant item is "not assessed" and blocks sign-off; every blood pressure in
the window counts, not only the latest; baseline instruments are read item by item, so a positive
PHQ-9 item 9 or C-SSRS item is a finding and a typed total satisfies nothing; impossible and
future-dated values are refused naming the field.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ketaclinic.adapters.evaluation_json import parse_evaluation
from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.evaluation.eligibility import Decision, assess_protocol
from tests.baseline import baseline_entry
from tests.spec.test_eligibility_shipped_packs import ADULT, AT, KAT, TEEN, WHEN, _set, clean

PACKS = (ADULT, TEEN, KAT)
TEEN_AGE = 15
STROKE_F20 = {"system": "icd-10-cm", "code": "F20.9", "display": "Schizophrenia, unspecified"}


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    changes: dict[str, Any]
    decision: Decision
    findings: dict[str, str] = field(default_factory=dict)


def _age(pack: str) -> int:
    return TEEN_AGE if pack == TEEN else 40


def _assess(pack: str, changes: dict[str, Any]) -> Any:
    data = copy.deepcopy(clean(pack, _age(pack)))
    for path, value in changes.items():
        _set(data, path, value)
    return assess_protocol(parse_evaluation(data), shipped_protocol(pack), at=AT)


EVERY_PACK = (
    Case(
        "past psychosis (F20.9) needs a physician override",
        "clinical.md §1.3 SPRAVATO PI §5.2; trial exclusions",
        {
            "psychiatric.psychosis": "past",
            "diagnoses": [
                {**STROKE_F20, "primary": False},
                {"system": "snomed-ct", "code": "370143000", "primary": True},
            ],
        },
        Decision.ELIGIBLE_WITH_OVERRIDES,
        {"psychosis_history": "relative"},
    ),
    Case(
        "psychosis not assessed blocks sign-off",
        "clinical.md §1.3; missing evidence is never a pass",
        {"psychiatric.psychosis": None},
        Decision.NOT_ELIGIBLE,
        {"active_psychosis": "relative", "psychosis_history": "relative"},
    ),
    Case(
        "prior ischaemic stroke needs a physician override",
        "clinical.md §1.2 UK SmPC, Swiss label (prior stroke)",
        {"medical.cerebrovascular": "past"},
        Decision.ELIGIBLE_WITH_OVERRIDES,
        {"cerebrovascular_disease": "relative"},
    ),
    Case(
        "cerebrovascular history not assessed blocks sign-off",
        "clinical.md §1.2; missing evidence is never a pass",
        {"medical.cerebrovascular": None},
        Decision.NOT_ELIGIBLE,
        {"cerebrovascular_disease": "relative"},
    ),
    Case(
        "suicide attempt 3 weeks ago",
        "clinical.md §5.2 C-SSRS (behaviour in the past 3 months = high risk)",
        {"psychiatric.suicide_attempt_dates": ["2026-02-09"]},
        Decision.ELIGIBLE_WITH_OVERRIDES,
        {"recent_suicide_attempt": "relative"},
    ),
    Case(
        "suicide attempt 2 years ago is not a finding",
        "clinical.md §5.2 C-SSRS (3-month window)",
        {"psychiatric.suicide_attempt_dates": ["2024-03-01"]},
        Decision.ELIGIBLE,
    ),
    Case(
        "suicide attempt history not assessed blocks sign-off",
        "clinical.md §5.2; missing evidence is never a pass",
        {"psychiatric.suicide_attempt_dates": None},
        Decision.NOT_ELIGIBLE,
        {"recent_suicide_attempt": "relative"},
    ),
    Case(
        "alcohol 3 days ago without a use disorder is no finding",
        "clinical.md §1.3 SPRAVATO PI §5.3 (use disorder, not use)",
        {
            "psychiatric.substance_use": [
                {"substance": "alcohol", "last_use_on": "2026-02-27", "use_disorder": "absent"}
            ]
        },
        Decision.ELIGIBLE,
    ),
    Case(
        "current alcohol use disorder",
        "clinical.md §1.3 SPRAVATO PI §5.3",
        {
            "psychiatric.substance_use": [
                {"substance": "alcohol", "last_use_on": "2026-02-27", "use_disorder": "current"}
            ]
        },
        Decision.ELIGIBLE_WITH_OVERRIDES,
        {"recent_substance_use": "relative"},
    ),
    Case(
        "past recreational ketamine misuse, years ago",
        "clinical.md §1.3 SPRAVATO PI §5.3; NCT02461927",
        {
            "psychiatric.substance_use": [
                {
                    "substance": "ketamine (recreational)",
                    "last_use_on": "2019-06-01",
                    "use_disorder": "absent",
                }
            ]
        },
        Decision.ELIGIBLE_WITH_OVERRIDES,
        {"ketamine_misuse_history": "relative"},
    ),
    Case(
        "substance history not assessed blocks sign-off",
        "clinical.md §1.3; missing evidence is never a pass",
        {"psychiatric.substance_use": None},
        Decision.NOT_ELIGIBLE,
        {"recent_substance_use": "relative", "ketamine_misuse_history": "relative"},
    ),
    Case(
        "200/120 followed by 130/80: the first reading is a hard stop",
        "clinical.md §1.2 Swiss label (resting BP above 180/100)",
        {
            "medical.blood_pressures": [
                {"at": "2026-02-20T09:00:00Z", "sbp_mmhg": 200, "dbp_mmhg": 120},
                {"at": "2026-02-27T09:00:00Z", "sbp_mmhg": 130, "dbp_mmhg": 80},
            ]
        },
        Decision.NOT_ELIGIBLE,
        {"uncontrolled_hypertension": "hard_stop", "elevated_blood_pressure": "caution"},
    ),
    Case(
        "a high reading older than the 30-day window does not count",
        "clinical.md §1.2 Swiss label; window is site policy (needs sign-off)",
        {
            "medical.blood_pressures": [
                {"at": "2025-11-01T09:00:00Z", "sbp_mmhg": 200, "dbp_mmhg": 120},
            ]
        },
        Decision.ELIGIBLE,
        {"elevated_blood_pressure": "caution"},
    ),
    Case(
        "typed totals without item answers do not satisfy the baseline",
        "clinical.md §5.1 (item 9 is read item by item)",
        {"baseline_instruments": [{"instrument": "gad7", "total": 5, "at": WHEN}]},
        Decision.NOT_ELIGIBLE,
    ),
)


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("case", EVERY_PACK, ids=[c.id for c in EVERY_PACK])
def test_every_pack_sees_the_contraindication(pack: str, case: Case) -> None:
    result = _assess(pack, case.changes)
    found = {f.rule: f.severity.value for f in result.findings}
    if case.id.startswith("typed totals"):
        assert any(r.startswith("baseline_instrument.") for r in found), case.source
    elif case.id.startswith("a high reading"):
        assert "uncontrolled_hypertension" not in found, case.source
    else:
        assert found == case.findings, case.source
    assert result.decision is case.decision, case.source


def test_the_first_of_two_readings_is_named_in_the_evidence() -> None:
    result = _assess(ADULT, EVERY_PACK[11].changes)
    finding = result.finding("uncontrolled_hypertension")
    assert finding is not None
    assert "200/120 mmHg on 20 Feb 2026" in finding.evidence
    assert "1 of 3 readings above limit 180/100" in finding.evidence


def test_evidence_dates_are_days_in_the_clinic_zone() -> None:
    """A reading taken at 02:30 UTC on 21 Feb was taken on the evening of 20 Feb in Chicago."""
    data = copy.deepcopy(clean(ADULT, _age(ADULT)))
    late = {"at": "2026-02-21T02:30:00Z", "sbp_mmhg": 200, "dbp_mmhg": 120}
    _set(data, "medical.blood_pressures", [late])
    evaluation, protocol = parse_evaluation(data), shipped_protocol(ADULT)
    chicago = assess_protocol(evaluation, protocol, at=AT, zone=ZoneInfo("America/Chicago"))
    utc = assess_protocol(evaluation, protocol, at=AT)
    in_chicago = chicago.finding("uncontrolled_hypertension")
    in_utc = utc.finding("uncontrolled_hypertension")
    assert in_chicago is not None and in_utc is not None
    assert "200/120 mmHg on 20 Feb 2026" in in_chicago.evidence
    assert "200/120 mmHg on 21 Feb 2026" in in_utc.evidence


def test_not_assessed_findings_say_so() -> None:
    result = _assess(ADULT, {"medical.cerebrovascular": None})
    finding = result.finding("cerebrovascular_disease")
    assert finding is not None and finding.not_assessed and finding.blocking
    assert "not recorded" in finding.evidence


SAFETY_ITEMS = (
    (
        "PHQ-9 item 9 = 1",
        "clinical.md §5.1 GLAD-PC (any item 9 >= 1 positive)",
        "phq9",
        {"item_9": 1},
    ),
    (
        "C-SSRS item 6 = yes, recent",
        "clinical.md §5.2 C-SSRS triage (high risk)",
        "cssrs-screen",
        {"item_6": 1, "item_6_recent": 1},
    ),
    (
        "C-SSRS item 2 and 4 = yes",
        "clinical.md §5.2 C-SSRS triage (high risk)",
        "cssrs-screen",
        {"item_2": 1, "item_4": 1},
    ),
)


@pytest.mark.parametrize(
    ("case", "source", "instrument", "answers"), SAFETY_ITEMS, ids=[s[0] for s in SAFETY_ITEMS]
)
def test_baseline_safety_items_gate_eligibility(
    case: str, source: str, instrument: str, answers: dict[str, int]
) -> None:
    entries = [baseline_entry(i, WHEN) for i in ("phq9", "gad7", "pcl5", "wsas", "cssrs-screen")]
    entries = [e for e in entries if e["instrument"] != instrument]
    entries.append(baseline_entry(instrument, WHEN, **answers))
    result = _assess(ADULT, {"baseline_instruments": entries})
    safety = [f for f in result.findings if f.condition == "baseline_instrument_safety_item"]
    assert safety, source
    assert all(f.override_role == "physician" for f in safety), source
    assert result.decision is not Decision.ELIGIBLE, source


def test_incomplete_baseline_instrument_is_not_assessed() -> None:
    entry = baseline_entry("phq9", WHEN)
    del entry["answers"]["3"]
    entries = [baseline_entry(i, WHEN) for i in ("gad7", "pcl5", "wsas", "cssrs-screen")]
    result = _assess(ADULT, {"baseline_instruments": [*entries, entry]})
    finding = result.finding("baseline_instrument.phq9")
    assert finding is not None and finding.blocking
    assert "incomplete" in finding.evidence


IMPOSSIBLE = (
    (
        "PHQ-9 total of 40",
        {"baseline_instruments": [{"instrument": "phq9", "total": 40, "at": WHEN}]},
        "baseline_instruments[0].total",
    ),
    (
        "PHQ-9 total of -3",
        {"baseline_instruments": [{"instrument": "phq9", "total": -3, "at": WHEN}]},
        "baseline_instruments[0].total",
    ),
    (
        "C-SSRS total of 5",
        {"baseline_instruments": [{"instrument": "cssrs-screen", "total": 5, "at": WHEN}]},
        "baseline_instruments[0].total",
    ),
    (
        "PHQ-9 dated next week",
        {"baseline_instruments": [baseline_entry("phq9", "2026-03-09T09:00:00Z")]},
        "baseline_instruments[0].at",
    ),
    (
        "PHQ-9 item 9 answered 4",
        {"baseline_instruments": [baseline_entry("phq9", WHEN, item_9=4)]},
        "baseline_instruments[0].answers.9",
    ),
    (
        "BP 400/20",
        {
            "medical.blood_pressures": [
                {"at": "2026-02-27T09:00:00Z", "sbp_mmhg": 400, "dbp_mmhg": 20}
            ]
        },
        "medical.blood_pressures[0].sbp_mmhg",
    ),
    (
        "suicide attempt dated tomorrow",
        {"psychiatric.suicide_attempt_dates": ["2026-03-04"]},
        "psychiatric.suicide_attempt_dates[0]",
    ),
)


@pytest.mark.parametrize(("case", "changes", "path"), IMPOSSIBLE, ids=[i[0] for i in IMPOSSIBLE])
def test_impossible_values_are_refused_naming_the_field(
    case: str, changes: dict[str, Any], path: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _assess(ADULT, changes)
    assert path in caught.value.errors, caught.value.errors
