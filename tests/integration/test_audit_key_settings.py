"""The audit key: generated under var/ in development, refused when missing in production."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from ketaclinic.settings import Settings, load_settings

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


def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in [k for k in os.environ if k.upper().startswith("KETACLINIC_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("KETACLINIC_VAR_DIR", str(tmp_path))


def test_the_process_environment_is_read_as_pydantic_settings_reads_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _clean_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("ketaclinic_idle_timeout_min", "30")
    monkeypatch.setenv("KETACLINIC_HL7_PORT", "2600")
    monkeypatch.setenv("KETACLINIC_COOKIE_SECURE", "true")
    monkeypatch.setenv("KETACLINIC_HL7_TLS_CERT", str(tmp_path / "cert.pem"))
    monkeypatch.setenv("KETACLINIC_HL7_TLS_KEY", str(tmp_path / "key.pem"))
    loaded, reference = load_settings(), Settings()
    wanted = (30, 2600, True, tmp_path, tmp_path / "cert.pem")
    for settings in (loaded, reference):
        read = (settings.idle_timeout_min, settings.hl7_port, settings.cookie_secure)
        assert (*read, settings.var_dir, settings.hl7_tls_cert) == wanted


def test_a_secret_file_in_the_process_environment_beats_the_plain_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _clean_environment(monkeypatch, tmp_path)
    secret = tmp_path / "secret"
    secret.write_text("from-the-file\n", encoding="utf-8")
    monkeypatch.setenv("KETACLINIC_SECRET_KEY", "from-the-variable")
    monkeypatch.setenv("KETACLINIC_SECRET_KEY_FILE", str(secret))
    assert load_settings().secret_key.get_secret_value() == "from-the-file"


def test_a_bad_environment_value_is_refused_naming_the_field(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _clean_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("KETACLINIC_HL7_PORT", "70000")
    with pytest.raises(ValidationError, match="hl7_port"):
        load_settings()
