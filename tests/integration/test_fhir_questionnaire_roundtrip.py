"""Export -> R4 validation -> import keeps every item answer; score Observations; the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from typer.testing import CliRunner

from ketaclinic.adapters.fhir.questionnaire import export_questionnaire
from ketaclinic.adapters.fhir.questionnaire_response import (
    export_questionnaire_response,
    score_questionnaire_response,
)
from ketaclinic.adapters.fhir.score_observation import export_score_observations
from ketaclinic.domain.assessments.instruments import INSTRUMENTS, get_instrument, score
from ketaclinic.domain.assessments.instruments.model import Instrument
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.entrypoints.cli.assessments import app

AUTHORED = datetime(2030, 1, 2, 10, 30, tzinfo=UTC)


def full_answers(instrument: Instrument) -> dict[str, int]:
    """Every item answered (skip logic opened), each with its highest-but-one value."""
    answers = {}
    for item in instrument.items:
        values = sorted(item.allowed_values())
        answers[item.id] = values[-1] if item.id in {"2", "6"} else values[max(0, len(values) - 2)]
    return answers


@pytest.mark.parametrize("instrument_id", sorted(INSTRUMENTS))
def test_exported_questionnaire_is_valid_r4(instrument_id: str) -> None:
    exported = export_questionnaire(get_instrument(instrument_id))
    Questionnaire.model_validate(exported)
    assert len(exported["item"]) == len(get_instrument(instrument_id).items)


@pytest.mark.parametrize("with_questionnaire", [True, False], ids=["with-q", "own-list"])
@pytest.mark.parametrize("instrument_id", sorted(INSTRUMENTS))
def test_round_trip_keeps_every_item_answer(instrument_id: str, with_questionnaire: bool) -> None:
    instrument = get_instrument(instrument_id)
    answers = full_answers(instrument)
    qr = export_questionnaire_response(
        instrument, answers, response_id="qr-1", authored=AUTHORED, subject_reference="Patient/x"
    )
    QuestionnaireResponse.model_validate(qr)
    q = export_questionnaire(instrument) if with_questionnaire else None
    outcome = score_questionnaire_response(json.loads(json.dumps(qr)), q)
    assert outcome.imported.answers == answers
    assert outcome.scorable
    assert outcome.result == score(instrument_id, answers)


def test_export_refuses_an_impossible_answer() -> None:
    with pytest.raises(ValidationFailed) as caught:
        export_questionnaire_response(
            get_instrument("phq9"), {"9": 7}, response_id="x", authored=AUTHORED
        )
    assert caught.value.field == "answers.9"


def test_score_observation_is_valid_and_linked() -> None:
    instrument = get_instrument("pcl5")
    result = score("pcl5", {str(n): 2 for n in range(1, 21)})
    [obs] = export_score_observations(
        instrument, result, response_id="qr-1", observation_id="obs-1", effective=AUTHORED
    )
    Observation.model_validate(obs)
    assert obs["valueInteger"] == 40
    assert obs["derivedFrom"] == [{"reference": "QuestionnaireResponse/qr-1"}]
    assert {c["code"]["coding"][0]["code"]: c["valueInteger"] for c in obs["component"]} == {
        "pcl5.B": 10,
        "pcl5.C": 4,
        "pcl5.D": 14,
        "pcl5.E": 12,
    }


def test_phq9_observation_uses_the_confirmed_total_code() -> None:
    result = score("phq9", {str(n): 1 for n in range(1, 10)})
    [obs] = export_score_observations(
        get_instrument("phq9"), result, response_id="r", observation_id="o", effective=AUTHORED
    )
    Observation.model_validate(obs)
    assert obs["code"]["coding"][0] == {"system": "http://loinc.org", "code": "44261-6"}


def test_cssrs_observation_carries_the_risk_level() -> None:
    result = score("cssrs-screen", {"1": 1, "2": 1, "3": 1, "4": 1, "5": 0, "6": 0})
    [obs] = export_score_observations(
        get_instrument("cssrs-screen"),
        result,
        response_id="r",
        observation_id="o",
        effective=AUTHORED,
    )
    Observation.model_validate(obs)
    assert obs["valueCodeableConcept"]["coding"][0]["code"] == "high"


def test_incomplete_response_exports_no_score() -> None:
    result = score("phq9", {"1": 1})
    assert (
        export_score_observations(
            get_instrument("phq9"), result, response_id="r", observation_id="o", effective=AUTHORED
        )
        == []
    )


# --- CLI ---------------------------------------------------------------------------------------

runner = CliRunner()
FHIR = "fhir"


def cli(public_fixtures: Path, response: str, questionnaire: str | None = None) -> Any:
    args = ["score", str(public_fixtures / FHIR / response), "--json"]
    if questionnaire:
        args += ["--questionnaire", str(public_fixtures / FHIR / questionnaire)]
    return runner.invoke(app, args)


def test_cli_scores_the_sdc_profile_response(public_fixtures: Path) -> None:
    run = cli(
        public_fixtures,
        "questionnaireresponse-sdc-profile-example-PHQ9.json",
        "questionnaire-sdc-profile-example-PHQ9.json",
    )
    assert run.exit_code == 0, run.output
    payload = json.loads(run.stdout)
    assert {k: payload[k] for k in ("instrument", "total", "band", "subscales", "complete")} == {
        "instrument": "phq9",
        "total": 10,
        "band": "moderate",
        "subscales": {},
        "complete": True,
    }
    assert payload["stored_total_disagrees"] is True and payload["stored_total"] == "13"
    assert payload["safety_flags"][0]["items"] == ["9"]


def test_cli_scores_the_us_core_response_without_its_questionnaire(public_fixtures: Path) -> None:
    run = cli(public_fixtures, "QuestionnaireResponse-phq-9-example.json")
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["total"] == 12


def test_cli_exits_1_naming_the_unknown_codes(public_fixtures: Path) -> None:
    run = cli(
        public_fixtures,
        "questionnaireresponse-sdc-example-PHQ9.json",
        "questionnaire-sdc-profile-example-PHQ9.json",
    )
    assert run.exit_code == 1
    error = json.loads(run.stdout)["error"]
    assert "unscorable" in error and "answers.9" in error and "answers.1" in error


def test_cli_exits_1_on_an_incomplete_response(tmp_path: Path) -> None:
    qr = export_questionnaire_response(
        get_instrument("gad7"), {"1": 1, "2": 2}, response_id="r", authored=AUTHORED
    )
    path = tmp_path / "qr.json"
    path.write_text(json.dumps(qr))
    run = runner.invoke(app, ["score", str(path), "--json"])
    assert run.exit_code == 1
    assert "answers.3: required item not answered" in json.loads(run.stdout)["error"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [("{not json", "cannot read"), ('{"resourceType": "Patient"}', "QuestionnaireResponse")],
    ids=["bad-json", "wrong-resource"],
)
def test_cli_exits_1_on_invalid_input(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "qr.json"
    path.write_text(content)
    run = runner.invoke(app, ["score", str(path), "--json"])
    assert run.exit_code == 1
    assert expected in json.loads(run.stdout)["error"]
