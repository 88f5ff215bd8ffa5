"""``ketaclinic audit checkpoint`` and ``audit verify --checkpoint``, as an operator runs them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.e2e.test_cli_foundation import run


@pytest.fixture
def var(tmp_path: Path) -> Path:
    var = tmp_path / "var"
    assert run(var, "db", "upgrade").returncode == 0
    clinic = ["--slug", "cp-test", "--name", "Checkpoint Test Clinic"]
    made = run(
        var, "clinic", "create", *clinic, "--timezone", "Europe/Berlin", "--mrn-prefix", "CP"
    )
    assert made.returncode == 0, made.stderr
    return var


def test_audit_key_is_generated_outside_the_database(var: Path) -> None:
    key = var / "audit_key"
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"


def test_checkpoint_then_deleting_the_newest_event_is_caught(var: Path, tmp_path: Path) -> None:
    out = tmp_path / "cp.json"
    made = run(var, "audit", "checkpoint", "--out", str(out))
    assert made.returncode == 0, made.stderr
    intact = run(var, "audit", "verify", "--checkpoint", str(out))
    assert intact.returncode == 0 and "matches checkpoint" in intact.stdout
    with sqlite3.connect(var / "ketaclinic.db") as db:
        db.execute("DELETE FROM audit_events WHERE id = (SELECT MAX(id) FROM audit_events)")
    assert run(var, "audit", "verify").returncode == 0  # a shorter chain alone looks whole
    broken = run(var, "audit", "verify", "--checkpoint", str(out))
    assert broken.returncode == 1 and "events removed" in broken.stderr


def test_checkpoint_without_out_goes_to_the_checkpoint_directory(var: Path) -> None:
    made = run(var, "audit", "checkpoint")
    assert made.returncode == 0, made.stderr
    assert list((var / "audit-checkpoints").glob("audit-checkpoint-*.json"))


def test_unreadable_checkpoint_is_named(var: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    refused = run(var, "audit", "verify", "--checkpoint", str(bad))
    assert refused.returncode == 1 and "checkpoint" in refused.stderr
