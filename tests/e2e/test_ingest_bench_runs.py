"""The ingest benchmark still runs end to end (tiny parameters; no timing assertions)."""

from __future__ import annotations

import json

import pytest
from bench.ingest.__main__ import main

KEYS = {
    "case",
    "backend",
    "chairs",
    "messages_per_s",
    "ack_p50_ms",
    "ack_p99_ms",
    "lost",
    "duplicated",
}


@pytest.mark.slow
def test_the_quick_ingest_benchmark_runs_and_loses_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    tiny = [
        "--sqlite-only",
        "--no-write",
        "--chairs-sqlite",
        "2",
        "--seconds",
        "2",
        "--saturation-s",
        "1",
        "--a3-clients",
        "2",
        "--a3-crossings",
        "2",
        "--a4-clients",
        "2",
        "--a4-chairs",
        "2",
        "--a4-seconds",
        "2",
        "--fsync-s",
        "0",
    ]
    assert main(tiny) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    cases = {r["case"]: r for r in lines}
    assert {"machine", "reference-sink", "A1", "A1-saturation", "A3", "A4"} <= set(cases)
    for name in ("reference-sink", "A1", "A1-saturation", "A3", "A4"):
        assert set(cases[name]) >= KEYS, name
        assert cases[name]["lost"] == 0 and cases[name]["duplicated"] == 0
        assert cases[name]["messages"] > 0
    assert cases["A3"]["alarms_raised"] == 2
    assert cases["A3"]["missed"] == 0 and cases["A3"]["duplicated_alarms"] == 0
    assert "nproc" in cases["machine"] and "cpu" in cases["machine"]
    for name in ("A1", "A1-saturation"):
        assert set(cases[name]["ratio_to_sink"]) == {"messages_per_s", "ack_p50_ms", "ack_p99_ms"}
