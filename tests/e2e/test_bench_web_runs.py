"""The web benchmark still runs end to end: a tiny clinic, two users, a few requests per case.

No timing is asserted (performance lives in ``bench/``); the output shape and the absence of failed
or wrong pages are.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bench.web.__main__ import PG_ENV, main

CASE_FIELDS = {
    "bench",
    "backend",
    "case",
    "patients",
    "users",
    "requests",
    "errors",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
    "throughput_rps",
}
DATASET_FIELDS = {"bench", "backend", "case", "patients", "users", "seed_s", "nproc", "cpu"}


@pytest.mark.slow
def test_bench_web_runs_in_a_tiny_mode_and_prints_the_documented_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["--patients", "200", "--users", "2", "--requests", "3", "--results-dir", str(tmp_path)]
    )
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]

    assert code == 0
    assert records, "the benchmark printed nothing"
    for backend in {r["backend"] for r in records}:
        mine = {r["case"]: r for r in records if r["backend"] == backend}
        assert set(mine) == {"dataset", "chart", "search", "search_live"}
        assert set(mine["dataset"]) >= DATASET_FIELDS
        assert mine["dataset"]["patients"] == 200
        for case in ("chart", "search", "search_live"):
            record = mine[case]
            assert set(record) >= CASE_FIELDS, case
            assert record["requests"] == 2 * 3
            assert record["errors"] == 0
            assert 0 < record["p50_ms"] <= record["p95_ms"] <= record["max_ms"]
    expected = {"sqlite", "postgres"} if os.environ.get(PG_ENV) else {"sqlite"}
    assert {r["backend"] for r in records} == expected
    written = list(tmp_path.glob("web-*.jsonl"))
    assert len(written) == 1
    assert written[0].read_text(encoding="utf-8").splitlines() == lines
