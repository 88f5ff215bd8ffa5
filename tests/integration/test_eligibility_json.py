"""The JSON evaluation adapter and its published schema (docs/schemas/evaluation.schema.json)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.adapters import evaluation_json
from ketaclinic.adapters.evaluation_json import parse_evaluation
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.evaluation.intake import CodeSystem, SexAtBirth, Status

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "evaluation.schema.json"

EXAMPLE: dict[str, Any] = {
    "age_years": 34,
    "sex_at_birth": "female",
    "presenting_problem": "Synthetic example: treatment-resistant depression",
    "diagnoses": [{"system": "icd-10-cm", "code": "F33.2", "display": "MDD", "primary": True}],
    "psychiatric": {
        "psychosis": "absent",
        "mania": "absent",
        "suicide_attempt_dates": ["2019-05-01"],
        "substance_use": [
            {"substance": "alcohol", "last_use_on": "2026-01-10", "use_disorder": "absent"}
        ],
        "family_history_psychosis": False,
        "imminent_suicide_risk": False,
    },
    "medical": {
        "cardiovascular": "absent",
        "aneurysm": "absent",
        "hepatic": "current",
        "hepatic_child_pugh": "A",
        "blood_pressures": [{"at": "2026-03-01T09:00:00Z", "sbp_mmhg": 128, "dbp_mmhg": "82"}],
    },
    "reproductive": {"can_become_pregnant": True, "pregnant": False, "breastfeeding": False},
    "allergies": [],
    "medications": [{"name": "lorazepam", "daily_dose_mg": "1.5"}],
    "prior_treatments": [{"kind": "ect", "name": "ECT", "response": "partial"}],
    "baseline_instruments": [{"instrument": "phq9", "total": 19, "at": "2026-03-01T09:00:00Z"}],
    "baseline_vitals": {"at": "2026-03-01T09:00:00+01:00", "sbp_mmhg": 126.5, "dbp_mmhg": 80},
    "tests": [{"test": "pregnancy_test", "at": "2026-03-01T09:00:00Z", "result": "negative"}],
}


def test_example_parses_with_decimals_dates_and_utc_times() -> None:
    evaluation = parse_evaluation(EXAMPLE)
    assert evaluation.sex_at_birth is SexAtBirth.FEMALE
    assert evaluation.diagnoses[0].system is CodeSystem.ICD10CM
    assert evaluation.psychiatric.suicide_attempt_dates == (date(2019, 5, 1),)
    assert evaluation.medical.hepatic is Status.CURRENT
    assert evaluation.medical.cardiovascular is Status.ABSENT
    assert evaluation.medical.urinary is None  # not recorded stays not recorded
    assert evaluation.medical.blood_pressures[0].dbp_mmhg == Decimal(82)
    assert evaluation.medications is not None
    assert evaluation.medications[0].daily_dose_mg == Decimal("1.5")
    assert evaluation.baseline_vitals is not None
    assert evaluation.baseline_vitals.sbp_mmhg == Decimal("126.5")
    assert evaluation.baseline_vitals.at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_null_lists_mean_not_recorded_and_empty_lists_mean_none() -> None:
    data = {**EXAMPLE, "allergies": None, "medications": []}
    data.pop("tests")
    evaluation = parse_evaluation(data)
    assert evaluation.allergies is None
    assert evaluation.medications == ()
    assert evaluation.tests == ()


def _errors(data: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as err:
        parse_evaluation(data)
    return err.value.errors


def _with(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    target: Any = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is _DELETE:
        del target[keys[-1]]
    elif isinstance(target, list):
        target[int(keys[-1])] = value
    else:
        target[keys[-1]] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        pytest.param("age_years", _DELETE, "age_years", "required", id="age-missing"),
        pytest.param("age_years", "40", "age_years", "must be an integer", id="age-string"),
        pytest.param("age_years", 140, "age_years", "between 0 and 130", id="age-range"),
        pytest.param("sex_at_birth", "f", "sex_at_birth", "must be one of", id="sex-enum"),
        pytest.param(
            "medical.aneurism", "absent", "medical.aneurism", "unknown field", id="typo-field"
        ),
        pytest.param(
            "medical.aneurysm", "maybe", "medical.aneurysm", "must be one of", id="status-enum"
        ),
        pytest.param(
            "medical.blood_pressures.0.at",
            "2026-03-01T09:00:00",
            "medical.blood_pressures[0].at",
            "UTC offset",
            id="naive-time",
        ),
        pytest.param(
            "medical.blood_pressures.0.sbp_mmhg",
            True,
            "medical.blood_pressures[0].sbp_mmhg",
            "must be a number",
            id="bool-number",
        ),
        pytest.param(
            "medications.0.daily_dose_mg",
            "-2",
            "medications[0].daily_dose_mg",
            ">= 0",
            id="negative-dose",
        ),
        pytest.param(
            "diagnoses.0.code", "F3", "diagnoses[0].code", "not a valid ICD10CM", id="bad-icd"
        ),
        pytest.param(
            "diagnoses.0.system", "icd9", "diagnoses[0].system", "must be one of", id="bad-system"
        ),
        pytest.param(
            "psychiatric.suicide_attempt_dates",
            ["May 2019"],
            "psychiatric.suicide_attempt_dates[0]",
            "Invalid isoformat",
            id="bad-date",
        ),
        pytest.param("psychiatric", _DELETE, "psychiatric", "required", id="section-missing"),
        pytest.param("medications", {"name": "x"}, "medications", "must be a list", id="not-list"),
    ],
)
def test_errors_name_the_field_path(path: str, value: Any, field: str, message: str) -> None:
    errors = _errors(_with(path, value))
    assert field in errors, errors
    assert message in errors[field]


def test_every_error_is_reported_at_once() -> None:
    data = _with("age_years", "x")
    data["medical"]["aneurysm"] = "perhaps"
    data["bogus"] = 1
    assert set(_errors(data)) == {"age_years", "medical.aneurysm", "bogus"}


def test_non_object_is_refused() -> None:
    errors = _errors([1, 2])
    assert errors["$"] == "must be an object"
    assert errors["age_years"] == "required"


def _properties(node: dict[str, Any]) -> set[str]:
    return set(node["properties"])


def test_schema_fields_match_the_parser() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    props = schema["properties"]
    assert _properties(schema) == set(evaluation_json.TOP_FIELDS)
    assert _properties(props["psychiatric"]) == set(evaluation_json.PSYCHIATRIC_FIELDS)
    medical = {*evaluation_json.STATUS_FIELDS_MEDICAL, "hepatic_child_pugh", "blood_pressures"}
    assert _properties(props["medical"]) == medical
    assert set(schema["required"]) == {
        "age_years",
        "sex_at_birth",
        "presenting_problem",
        "diagnoses",
        "psychiatric",
        "medical",
        "reproductive",
    }
    assert schema["additionalProperties"] is False


def test_schema_enums_match_the_domain() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$defs"]["status"]["enum"] == [*(s.value for s in Status), None]
    assert schema["properties"]["sex_at_birth"]["enum"] == [s.value for s in SexAtBirth]
