"""Every file of the broken corpus is rejected, naming the expected field path and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaclinic.adapters.protocol_files import ProtocolInvalid, load_pack, parse_pack
from ketaclinic.domain.errors import ValidationFailed

CORPUS = Path(__file__).parent / "data" / "protocols"
BROKEN = sorted(CORPUS.glob("*.yaml"))


def _expected_path(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect: "):
            return line.removeprefix("# expect: ").strip()
    raise AssertionError(f"{path.name} has no '# expect:' line")


def test_corpus_has_at_least_fifteen_broken_files() -> None:
    assert len(BROKEN) >= 15


@pytest.mark.parametrize("pack_file", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_pack_is_rejected_with_its_field_path(pack_file: Path) -> None:
    expected = _expected_path(pack_file)
    with pytest.raises(ProtocolInvalid) as caught:
        load_pack(pack_file)
    paths = [problem.path for problem in caught.value.problems]
    assert expected in paths, f"{pack_file.name}: expected {expected!r} among {paths}"
    line = next(line for line in caught.value.lines() if f": {expected}: " in line)
    assert line.startswith(f"{pack_file.name}: ")
    assert "expected" in line


def test_invalid_pack_is_a_validation_failure_mapping_every_path() -> None:
    with pytest.raises(ValidationFailed) as caught:
        load_pack(CORPUS / "start-above-ceiling.yaml")
    assert "dosing.iv.start_mg_per_kg" in caught.value.errors
    assert caught.value.field is not None


def test_all_errors_are_reported_not_only_the_first() -> None:
    text = (CORPUS / "unknown-key.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1.0.0", "version: 1.0.0\ncolour: blue").replace(
        "  sessions: 6\n", '  sessions: "six"\n'
    )
    with pytest.raises(ProtocolInvalid) as caught:
        parse_pack(text, source_name="many.yaml")
    paths = {problem.path for problem in caught.value.problems}
    assert {"colour", "dosing.iv.infusion_speed", "series.sessions"} <= paths


def test_malformed_yaml_is_reported_with_its_position() -> None:
    with pytest.raises(ProtocolInvalid) as caught:
        parse_pack("id: [unclosed\n", source_name="bad.yaml")
    assert "line" in str(caught.value)
    assert str(caught.value).startswith("bad.yaml: ")


def test_a_list_where_a_mapping_belongs_is_rejected() -> None:
    with pytest.raises(ProtocolInvalid) as caught:
        parse_pack("- just\n- a list\n", source_name="list.yaml")
    assert caught.value.problems[0].expected.startswith("a mapping")
