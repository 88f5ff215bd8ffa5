"""``ketaclinic alarms evaluate`` as an operator runs it: a real process, a JSON stream file, the
pack named as ``ketaclinic protocol list --json`` names it; bad input exits non-zero naming the
field. The same stream through live ingest raises the same rules (one evaluation path)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.vitals import (
    CANONICAL_UNITS,
    Parameter,
    ReadingSource,
    VitalReading,
)
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from tests.conftest import World
from tests.infusion_world import running_sessions

CLI = [sys.executable, "-m", "ketaclinic.entrypoints.cli"]
NOW = "2030-01-07T09:10:00+00:00"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETACLINIC_")}
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def stream(tmp_path: Path, document: Any, name: str = "stream.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def reading(at: str, parameter: str, value: float, unit: str) -> dict[str, Any]:
    return {"at": at, "parameter": parameter, "value": value, "unit": unit}


DESATURATION = {
    "phase": "infusing",
    "now": NOW,
    "readings": [
        reading("2030-01-07T09:00:00Z", "sbp", 122, "mmHg"),
        reading("2030-01-07T09:00:00Z", "spo2", 97, "%"),
        reading("2030-01-07T09:00:00Z", "pr", 76, "/min"),
        reading("2030-01-07T09:09:55Z", "spo2", 35, "%"),
        reading("2030-01-07T09:09:55Z", "pr", 78, "/min"),
        reading("2030-01-07T09:09:55Z", "sbp", 124, "mmHg"),
    ],
}


def test_shipped_pack_ids_are_the_protocol_option() -> None:
    listed = json.loads(run("protocol", "list", "--json").stdout)
    assert {"adult-iv-induction", "adolescent-iv", "kat-holistic"} <= {p["id"] for p in listed}


def test_deep_desaturation_is_a_high_priority_stop(tmp_path: Path) -> None:
    done = run(
        "alarms",
        "evaluate",
        "--protocol",
        "adult-iv-induction",
        str(stream(tmp_path, DESATURATION)),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    alarms = json.loads(done.stdout)["alarms"]
    assert alarms == [
        {
            "rule": "spo2-deep-stop",
            "parameter": "spo2",
            "severity": "high",
            "action": "stop",
            "reason": alarms[0]["reason"],
        }
    ]
    assert "35" in alarms[0]["reason"]


def test_data_missing_probe_off_and_pre_dose_holds_in_one_run_each(tmp_path: Path) -> None:
    silent_oximeter = {
        "phase": "infusing",
        "now": NOW,
        "readings": [
            reading("2030-01-07T09:00:00Z", "spo2", 0, "%"),
            reading("2030-01-07T09:09:30Z", "sbp", 121, "mmHg"),
            reading("2030-01-07T09:09:30Z", "hr", 80, "/min"),
        ],
    }
    done = run(
        "alarms",
        "evaluate",
        "--protocol",
        "kat-holistic",
        str(stream(tmp_path, silent_oximeter)),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    found = {(a["rule"], a["severity"], a["action"]) for a in json.loads(done.stdout)["alarms"]}
    assert found == {
        ("spo2-signal-lost", "medium", "check_sensor"),
        ("spo2-data-missing", "medium", "check_sensor"),
    }
    assert "technical: spo2 0 (probe off" in done.stderr
    pre_dose = {
        "phase": "pre_dose",
        "now": NOW,
        "readings": [
            reading("2030-01-07T09:09:00Z", "spo2", 85, "%"),
            reading("2030-01-07T09:09:00Z", "hr", 140, "/min"),
        ],
    }
    done = run(
        "alarms",
        "evaluate",
        "--protocol",
        "adolescent-iv",
        str(stream(tmp_path, pre_dose, "pre.json")),
        "--json",
    )
    holds = {a["rule"] for a in json.loads(done.stdout)["alarms"] if a["action"] == "hold"}
    assert holds == {"predose-spo2-hold", "predose-hr-high-hold"}


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({**DESATURATION, "phase": "dosing"}, "phase"),
        ({**DESATURATION, "now": "2030-01-07T09:10:00"}, "now"),
        ({**DESATURATION, "readings": [reading(NOW, "spo2", 95, "mmHg")]}, "readings[0].unit"),
        ({**DESATURATION, "readings": [reading(NOW, "temp", 37, "Cel")]}, "readings[0].parameter"),
        (
            {**DESATURATION, "readings": [{**reading(NOW, "hr", 80, "/min"), "value": "80"}]},
            "readings[0].value",
        ),
        ({**DESATURATION, "colour": "blue"}, "colour"),
    ],
    ids=["phase", "now-without-offset", "unit", "parameter", "value-as-text", "unknown-field"],
)
def test_bad_input_exits_non_zero_naming_the_field(
    tmp_path: Path, document: dict[str, Any], field: str
) -> None:
    done = run(
        "alarms",
        "evaluate",
        "--protocol",
        "adult-iv-induction",
        str(stream(tmp_path, document)),
        "--json",
    )
    assert done.returncode != 0
    assert field in json.loads(done.stderr)["errors"]


def test_unknown_protocol_exits_non_zero(tmp_path: Path) -> None:
    done = run("alarms", "evaluate", "--protocol", "nope", str(stream(tmp_path, DESATURATION)))
    assert done.returncode != 0 and "protocol_id" in done.stderr


def test_live_ingest_raises_what_the_cli_raises(tmp_path: Path, world: World) -> None:
    """One evaluation path: the same readings through the staff ingest of a running session."""
    [monitor] = running_sessions(world)
    # The pre-dose checklist stored its heart rate as a reading; a heart rate from within a minute
    # stands in for the oximeter's pulse rate, so these readings come two minutes after it.
    world.clock.advance(minutes=2)
    now = world.clock.now()
    values = (("sbp", 70, "mmHg"), ("dbp", 40, "mmHg"), ("spo2", 35, "%"), ("pr", 30, "/min"))
    stored = tuple(
        VitalReading(
            Parameter(p), Decimal(v), CANONICAL_UNITS[Parameter(p)], now, ReadingSource.STAFF
        )
        for p, v, _ in values
    )
    result = world.services.monitoring.ingest(
        world.actor(Role.NURSE), VitalsBatch(stored, session_id=monitor.session.id)
    )
    at = now.isoformat()
    document = {
        "phase": "infusing",
        "now": (now + timedelta(seconds=1)).isoformat(),
        "readings": [reading(at, p, v, u) for p, v, u in values],
    }
    done = run(
        "alarms",
        "evaluate",
        "--protocol",
        "adult-iv-induction",
        str(stream(tmp_path, document)),
        "--json",
    )
    cli = {a["rule"] for a in json.loads(done.stdout)["alarms"]}
    live = {a.rule_id for a in result.raised}
    assert live == cli
    assert {"bp-systolic-low-severe", "spo2-deep-stop", "hr-extreme-low"} <= live
