"""The JSON stream adapter of ``ketaclinic alarms evaluate`` and its published schema
(docs/schemas/vitals-stream.schema.json): fields, enums and units agree; every bad field named."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.adapters import vitals_stream_json
from ketaclinic.adapters.vitals_stream_json import parse_stream
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.infusion.vitals import Parameter
from ketaclinic.domain.protocols.sections import MonitoringPhase

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "vitals-stream.schema.json"


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def test_schema_example_parses_to_utc_decimal_readings() -> None:
    [example] = schema()["examples"]
    stream = parse_stream(example)
    assert stream.phase is MonitoringPhase.INFUSING
    assert stream.now == datetime(2030, 1, 7, 9, 10, tzinfo=UTC)
    first = stream.readings[0]
    assert (first.parameter, first.value, first.unit) == (Parameter.SPO2, Decimal(35), "%")
    assert stream.readings[2].unit == "mm[Hg]"


def test_schema_fields_and_enums_match_the_parser() -> None:
    s = schema()
    assert set(s["properties"]) == set(vitals_stream_json.TOP_FIELDS) == set(s["required"])
    item = s["properties"]["readings"]["items"]
    assert set(item["properties"]) == set(vitals_stream_json.READING_FIELDS)
    assert s["properties"]["phase"]["enum"] == [p.value for p in MonitoringPhase]
    assert item["properties"]["parameter"]["enum"] == list(vitals_stream_json.STREAM_UNITS)
    assert set(item["properties"]["unit"]["enum"]) == set(vitals_stream_json.STREAM_UNITS.values())
    units = {
        p: rule["then"]["properties"]["unit"]["const"]
        for rule in item["allOf"]
        for p in rule["if"]["properties"]["parameter"].get(
            "enum", [rule["if"]["properties"]["parameter"].get("const")]
        )
    }
    assert units == vitals_stream_json.STREAM_UNITS
    assert s["additionalProperties"] is False and item["additionalProperties"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phase": None}, "phase"),
        ({"now": "yesterday"}, "now"),
        ({"readings": "many"}, "readings"),
        (
            {"readings": [{"at": "2030-01-07T09:00:00Z", "parameter": "hr", "unit": "/min"}]},
            "readings[0].value",
        ),
        (
            {
                "readings": [
                    {"at": "2030-01-07T09:00:00Z", "parameter": "hr", "value": True, "unit": "/min"}
                ]
            },
            "readings[0].value",
        ),
        (
            {
                "readings": [
                    {"at": "2030-01-07T09:00:00", "parameter": "hr", "value": 80, "unit": "/min"}
                ]
            },
            "readings[0].at",
        ),
        (
            {
                "readings": [
                    {
                        "at": "2030-01-07T09:00:00Z",
                        "parameter": "hr",
                        "value": 80,
                        "unit": "/min",
                        "probe": "x",
                    }
                ]
            },
            "readings[0].probe",
        ),
        ({"readings": [7]}, "readings[0]"),
    ],
    ids=[
        "phase",
        "now",
        "readings",
        "value-missing",
        "value-bool",
        "at-naive",
        "unknown",
        "not-object",
    ],
)
def test_bad_fields_are_named(change: dict[str, Any], field: str) -> None:
    document = {**schema()["examples"][0], **change}
    with pytest.raises(ValidationFailed) as failed:
        parse_stream(document)
    assert field in failed.value.errors


def test_a_list_is_not_a_stream() -> None:
    with pytest.raises(ValidationFailed):
        parse_stream([])
