"""Every file in tests/fixtures/fhir gets the verdict its README predicts.

README "PHQ-9 totals, for test assertions": sdc-profile response -> 10 with the stored 13 flagged;
sdc-example response -> strict verdict unscorable naming Q1, Q2, Q3, Q4, Q6 and Q9; US Core
response -> 12, consistent. Questionnaires without responses are tested for their ordinals.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.adapters.fhir.questionnaire import index_questionnaire
from ketaclinic.adapters.fhir.questionnaire_response import score_questionnaire_response

SDC_Q = "questionnaire-sdc-profile-example-PHQ9.json"
SDC_PROFILE_QR = "questionnaireresponse-sdc-profile-example-PHQ9.json"
SDC_EXAMPLE_QR = "questionnaireresponse-sdc-example-PHQ9.json"
US_CORE_Q = "Questionnaire-phq-9-example.json"
US_CORE_QR = "QuestionnaireResponse-phq-9-example.json"
LFORMS_Q = "lforms-phq9-R4.json"
CODESYSTEM = "codesystem-sdc-profile-example-PHQ9.json"


def load(public_fixtures: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((public_fixtures / "fhir" / name).read_text("utf-8"))
    return data


def test_sdc_profile_response_scores_10_and_flags_the_stored_13(public_fixtures: Path) -> None:
    outcome = score_questionnaire_response(
        load(public_fixtures, SDC_PROFILE_QR), load(public_fixtures, SDC_Q)
    )
    assert (outcome.scorable, outcome.result.total, outcome.result.band) == (True, 10, "moderate")
    assert outcome.imported.stored_total == Decimal(13)
    assert outcome.stored_total_disagrees is True
    assert outcome.imported.answers == {
        "1": 0,
        "2": 0,
        "3": 0,
        "4": 1,
        "5": 2,
        "6": 1,
        "7": 3,
        "8": 2,
        "9": 1,
    }
    assert [f.rule_id for f in outcome.result.safety_flags] == ["phq9.item9_positive"]


def test_sdc_example_response_is_unscorable_naming_the_unknown_codes(
    public_fixtures: Path,
) -> None:
    outcome = score_questionnaire_response(
        load(public_fixtures, SDC_EXAMPLE_QR), load(public_fixtures, SDC_Q)
    )
    assert outcome.scorable is False
    assert outcome.result.total is None  # never the partial 7, never the stored 13
    assert sorted(outcome.imported.unresolved) == [
        f"answers.{n}" for n in ("1", "2", "3", "4", "6", "9")
    ]
    assert "'Several days'" in outcome.imported.unresolved["answers.9"]
    assert outcome.imported.answers == {"5": 2, "7": 3, "8": 2}
    assert outcome.unreadable_safety_items == ("9",)
    assert outcome.stored_total_disagrees is False


@pytest.mark.parametrize("name", [SDC_PROFILE_QR, SDC_EXAMPLE_QR])
def test_sdc_local_codes_without_their_questionnaire_are_unscorable(
    public_fixtures: Path, name: str
) -> None:
    outcome = score_questionnaire_response(load(public_fixtures, name))
    assert outcome.scorable is False and outcome.result.total is None
    assert "answers.9" in outcome.imported.unresolved


@pytest.mark.parametrize(
    "questionnaire", [None, US_CORE_Q, LFORMS_Q], ids=["own-list", "us-core", "lforms"]
)
def test_us_core_response_scores_12_consistently(
    public_fixtures: Path, questionnaire: str | None
) -> None:
    q = load(public_fixtures, questionnaire) if questionnaire else None
    outcome = score_questionnaire_response(load(public_fixtures, US_CORE_QR), q)
    assert (outcome.scorable, outcome.result.total, outcome.stored_total_disagrees) == (
        True,
        12,
        False,
    )
    assert outcome.result.safety_flags == ()
    assert "difficulty" not in outcome.imported.answers  # no ordinal anywhere: not scored


@pytest.mark.parametrize("name", [SDC_Q, US_CORE_Q, LFORMS_Q])
def test_questionnaire_ordinals_for_the_nine_items(public_fixtures: Path, name: str) -> None:
    specs = index_questionnaire(load(public_fixtures, name))
    choice = [s for s in specs.values() if len(s.answers) == 4 and s.answers[0].ordinal is not None]
    assert len(choice) == 9
    assert all([a.ordinal for a in s.answers] == [0, 1, 2, 3] for s in choice)


@pytest.mark.parametrize("name", [US_CORE_Q, LFORMS_Q])
def test_difficulty_item_has_no_ordinals(public_fixtures: Path, name: str) -> None:
    spec = index_questionnaire(load(public_fixtures, name))["/69722-7"]
    assert spec.answers and all(a.ordinal is None for a in spec.answers)


def test_codesystem_has_codes_but_no_ordinals(public_fixtures: Path) -> None:
    codesystem = load(public_fixtures, CODESYSTEM)
    codes = [c["code"] for c in codesystem["concept"]]
    assert codes == ["Not-at-all", "Several-days", "More than half the days", "Nearly every day"]
    assert not any("extension" in c for c in codesystem["concept"])


OBSERVATION_ITEMS = {
    "44250-9": 2,
    "44255-8": 2,
    "44259-0": 2,
    "44254-1": 2,
    "44251-7": 1,
    "44258-2": 1,
    "44252-5": 2,
    "44253-3": 0,
    "44260-8": 0,
}


def test_us_core_item_observations_agree_with_the_response(public_fixtures: Path) -> None:
    from ketaclinic.domain.assessments.instruments import get_instrument, score

    phq9 = get_instrument("phq9")
    by_code = {o.loinc: o.value for item in phq9.items for o in item.options if o.loinc}
    answers = {}
    for code, expected in OBSERVATION_ITEMS.items():
        obs = load(public_fixtures, f"Observation-PHQ9-item-example-{code}.json")
        answer_code = obs["valueCodeableConcept"]["coding"][0]["code"]
        assert by_code[answer_code] == expected, code
        item = next(i for i in phq9.items if i.loinc == code)
        answers[item.id] = by_code[answer_code]
    total_obs = load(public_fixtures, "Observation-PHQ9-item-example-44261-6.json")
    assert score("phq9", answers).total == int(total_obs["valueString"]) == 12
    panel = load(public_fixtures, "Observation-PHQ9-panel-example-44249-1.json")
    assert panel["code"]["coding"][0]["code"] == phq9.loinc_panel
    difficulty = load(public_fixtures, "Observation-PHQ9-item-example-69722-7.json")
    assert difficulty["code"]["coding"][0]["code"] == phq9.item("difficulty").loinc  # type: ignore[union-attr]


def test_every_fixture_file_is_covered(public_fixtures: Path) -> None:
    covered = {SDC_Q, SDC_PROFILE_QR, SDC_EXAMPLE_QR, US_CORE_Q, US_CORE_QR, LFORMS_Q, CODESYSTEM}
    covered |= {
        f"Observation-PHQ9-item-example-{c}.json"
        for c in [*OBSERVATION_ITEMS, "44261-6", "69722-7"]
    }
    covered.add("Observation-PHQ9-panel-example-44249-1.json")
    assert {p.name for p in (public_fixtures / "fhir").glob("*.json")} == covered
