"""``ketaclinic protocol publish``: shipped packs into a clinic's database, idempotently."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.entrypoints.cli.root import build_cli

runner = CliRunner()


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty SQLite deployment configured through the environment, migrated."""
    monkeypatch.setenv("KETACLINIC_ENVIRONMENT", "test")
    monkeypatch.setenv("KETACLINIC_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("KETACLINIC_DATABASE_URL", f"sqlite:///{(tmp_path / 'cli.db').as_posix()}")
    monkeypatch.setenv("KETACLINIC_SECRET_KEY", "c" * 40)
    assert runner.invoke(build_cli(), ["db", "upgrade"]).exit_code == 0
    return tmp_path


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(build_cli(), list(args))
    return result.exit_code, result.output


def clinic(slug: str) -> None:
    code, output = cli(
        "clinic", "create", "--slug", slug, "--name", f"{slug} (synthetic)", "--timezone", "UTC"
    )
    assert code == 0, output


def test_publish_writes_every_shipped_pack_once_and_needs_sign_off(deployment: Path) -> None:
    clinic("northside")
    code, first = cli("protocol", "publish")
    assert code == 0, first
    lines = first.splitlines()
    assert len(lines) == len(shipped_protocols())
    for pack, line in zip(shipped_protocols(), lines, strict=True):
        _id, ref, hash_prefix, state = line.split("\t")
        assert (ref, hash_prefix, state) == (pack.ref, pack.hash[:12], "needs sign-off")
    code, second = cli("protocol", "publish", "--clinic", "northside")
    assert code == 0 and second == first  # idempotent: the same rows, nothing new


def test_publish_names_the_clinic_when_there_is_not_exactly_one(deployment: Path) -> None:
    code, output = cli("protocol", "publish")
    assert code == 1 and "no clinic yet" in output
    clinic("northside")
    clinic("southside")
    code, output = cli("protocol", "publish")
    assert code == 1 and "--clinic" in output
    code, output = cli("protocol", "publish", "--clinic", "westside")
    assert code == 1 and "no clinic with slug 'westside'" in output
    assert cli("protocol", "publish", "--clinic", "southside")[0] == 0
