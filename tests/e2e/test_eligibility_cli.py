"""``eligibility check`` through typer's CliRunner: JSON output, bad input, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ketaclinic.entrypoints.cli.evaluation import app
from tests.spec.test_eligibility_shipped_packs import ADULT, clean

runner = CliRunner()
AT = "2026-03-02T09:00:00Z"


def _run(tmp_path: Path, data: Any, *extra: str) -> Any:
    path = tmp_path / "evaluation.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return runner.invoke(app, ["check", "--protocol", ADULT, str(path), "--at", AT, *extra])


def test_json_output_has_decision_and_findings(tmp_path: Path) -> None:
    data = clean(ADULT)
    data["medical"]["aneurysm"] = "current"
    result = _run(tmp_path, data, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["decision"] == "not_eligible"
    assert document["findings"] == [
        {
            "rule": "aneurysm",
            "severity": "hard_stop",
            "evidence": "aneurysmal vascular disease or AVM: current (medical.aneurysm)",
            "source": "§1.2 SPRAVATO PI §4",
            "not_assessed": False,
        }
    ]


def test_clean_evaluation_is_eligible_with_no_findings(tmp_path: Path) -> None:
    result = _run(tmp_path, clean(ADULT), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"decision": "eligible", "findings": []}


def test_table_output_names_the_decision(tmp_path: Path) -> None:
    data = clean(ADULT)
    data["psychiatric"]["mania"] = "past"
    result = _run(tmp_path, data)
    assert result.exit_code == 0, result.output
    assert "eligible_with_overrides" in result.stdout
    assert "mania_history" in result.stdout


def test_invalid_evaluation_exits_1_with_field_paths(tmp_path: Path) -> None:
    data = clean(ADULT)
    data["medical"]["aneurism"] = "absent"
    result = _run(tmp_path, data, "--json")
    assert result.exit_code == 1
    error = json.loads(result.stderr)
    assert error["error"] == "ValidationFailed"
    assert error["errors"] == {"medical.aneurism": "unknown field"}


def test_unknown_protocol_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "evaluation.json"
    path.write_text(json.dumps(clean(ADULT)), encoding="utf-8")
    result = runner.invoke(app, ["check", "--protocol", "no-such-pack", str(path), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"] == "NotFound"


def test_malformed_json_and_naive_time_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "evaluation.json"
    path.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["check", "--protocol", ADULT, str(path)])
    assert result.exit_code == 1
    assert "not valid JSON" in json.loads(result.stderr)["errors"]["evaluation"]
    naive = _run(tmp_path, clean(ADULT), "--at", "2026-03-02T09:00:00")
    assert naive.exit_code == 1
    assert json.loads(naive.stderr)["errors"] == {"--at": "must include a UTC offset"}


def test_nothing_is_written_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = _run(tmp_path, clean(ADULT), "--json")
    assert result.exit_code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["evaluation.json"]


def test_check_reports_a_not_assessed_item_and_refuses_an_impossible_total(
    tmp_path: Path,
) -> None:
    data = clean(ADULT)
    del data["medical"]["cerebrovascular"]
    result = _run(tmp_path, data, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    [finding] = [f for f in document["findings"] if f["rule"] == "cerebrovascular_disease"]
    assert finding["not_assessed"] and document["decision"] == "not_eligible"
    data = clean(ADULT)
    data["baseline_instruments"][0] = {"instrument": "phq9", "total": 40, "at": AT}
    refused = _run(tmp_path, data, "--json")
    assert refused.exit_code == 1
    assert "baseline_instruments[0].total" in refused.output
