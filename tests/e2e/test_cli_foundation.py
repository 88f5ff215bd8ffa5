"""The command line as an operator uses it: a real process on a SQLite file in a temp var dir."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "ketaclinic.entrypoints.cli"]


def run(var: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETACLINIC_")}
    env["KETACLINIC_VAR_DIR"] = str(var)
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var = tmp_path_factory.mktemp("var")
    assert run(var, "db", "upgrade").returncode == 0
    made = run(
        var,
        "clinic",
        "create",
        "--slug",
        "cli-test",
        "--name",
        "CLI Test Clinic",
        "--timezone",
        "Europe/Berlin",
        "--mrn-prefix",
        "CT",
    )
    assert made.returncode == 0, made.stderr
    return var


def test_user_create_reads_the_password_file_and_lists_the_account(
    var: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "pw"
    secret.write_text("a-long-enough-password\n", encoding="utf-8")
    made = run(
        var,
        "user",
        "create",
        "--email",
        "Nurse@CLI.test",
        "--role",
        "nurse",
        "--name",
        "Noor Demo-Nurse",
        "--password-file",
        str(secret),
    )
    assert made.returncode == 0, made.stderr
    listed = run(var, "user", "list")
    assert "nurse@cli.test\tnurse\tactive\tNoor Demo-Nurse" in listed.stdout
    again = run(
        var,
        "user",
        "create",
        "--email",
        "nurse@cli.test",
        "--role",
        "coach",
        "--name",
        "Noor Demo-Nurse",
        "--password-file",
        str(secret),
    )
    assert again.returncode == 1 and "email" in again.stderr


def test_bad_role_and_short_password_are_named(var: Path, tmp_path: Path) -> None:
    short = tmp_path / "short"
    short.write_text("short", encoding="utf-8")
    bad = run(
        var,
        "user",
        "create",
        "--email",
        "x@cli.test",
        "--role",
        "nurse",
        "--name",
        "X Demo",
        "--password-file",
        str(short),
    )
    assert bad.returncode == 1 and "password" in bad.stderr


def test_audit_verify_names_the_tampered_event_and_exits_1(var: Path) -> None:
    intact = run(var, "audit", "verify")
    assert intact.returncode == 0 and intact.stdout.startswith("audit chain intact: ")
    with sqlite3.connect(var / "ketaclinic.db") as db:
        (event_id,) = db.execute(
            "SELECT id FROM audit_events WHERE action = 'clinic.create'"
        ).fetchone()
        db.execute("UPDATE audit_events SET detail = 'edited' WHERE id = ?", (event_id,))
    broken = run(var, "audit", "verify")
    assert broken.returncode == 1
    assert f"event id {event_id} " in broken.stderr


def test_protocol_list_is_json(var: Path) -> None:
    listed = run(var, "protocol", "list", "--json")
    ids = {p["id"] for p in json.loads(listed.stdout)}
    assert ids == {"adult-iv-induction", "adolescent-iv", "kat-holistic"}


def test_db_heads_and_status_name_the_one_head(var: Path) -> None:
    heads = run(var, "db", "heads")
    assert heads.returncode == 0 and heads.stdout.splitlines() == ["0023_transition_why"]
    status = run(var, "db", "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines() == [
        "database at 0023_transition_why",
        "code head 0023_transition_why",
        "migrations current",
    ]


def test_db_status_on_an_unmigrated_database_exits_1(tmp_path: Path) -> None:
    status = run(tmp_path, "db", "status")
    assert status.returncode == 1
    assert "database at nothing applied" in status.stdout
    assert "migrations pending" in status.stderr
