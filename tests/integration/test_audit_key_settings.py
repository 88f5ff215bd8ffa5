"""The audit key: generated under var/ in development, refused when missing in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ketaclinic.settings import load_settings

PRODUCTION = {
    "KETACLINIC_ENVIRONMENT": "production",
    "KETACLINIC_DATABASE_URL": "postgresql://app@db/ketaclinic",
    "KETACLINIC_SECRET_KEY": "s" * 40,
}


@pytest.mark.parametrize("key", ["", "changeme", "short-key"])
def test_production_refuses_a_missing_or_placeholder_audit_key(key: str, tmp_path: Path) -> None:
    env = {**PRODUCTION, "KETACLINIC_VAR_DIR": str(tmp_path), "KETACLINIC_AUDIT_KEY": key}
    with pytest.raises(ValidationError, match="audit_key"):
        load_settings(env)


def test_production_refuses_an_audit_key_equal_to_the_secret_key(tmp_path: Path) -> None:
    env = {**PRODUCTION, "KETACLINIC_VAR_DIR": str(tmp_path), "KETACLINIC_AUDIT_KEY": "s" * 40}
    with pytest.raises(ValidationError, match="audit_key"):
        load_settings(env)


def test_production_reads_the_audit_key_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "audit.key"
    key_file.write_text("k" * 48 + "\n", encoding="utf-8")
    env = {**PRODUCTION, "KETACLINIC_AUDIT_KEY_FILE": str(key_file)}
    assert load_settings(env).audit_key_bytes() == b"k" * 48


def test_development_generates_and_keeps_an_audit_key_under_var(tmp_path: Path) -> None:
    first = load_settings({"KETACLINIC_VAR_DIR": str(tmp_path)}).audit_key_bytes()
    again = load_settings({"KETACLINIC_VAR_DIR": str(tmp_path)}).audit_key_bytes()
    assert first == again and len(first) >= 32
    assert (tmp_path / "audit_key").stat().st_mode & 0o077 == 0
