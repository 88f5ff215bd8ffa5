"""The published FHIR and HL7 v2 fixtures are byte-for-byte as their README records them.

A checkout that rewrote line endings (HL7 v2 segments end in CRLF) or an edited fixture would make
the parser and scorer tests prove something about a file nobody published; this fails first.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

README_ROW = re.compile(r"^\| ((?:fhir|hl7v2)/\S+) \| [0-9a-f]{40} \| ([0-9a-f]{64}) \|$")


def recorded_sums(public_fixtures: Path) -> dict[str, str]:
    lines = (public_fixtures / "README.md").read_text("utf-8").splitlines()
    return {m[1]: m[2] for line in lines if (m := README_ROW.match(line))}


def test_every_fixture_has_its_recorded_sha256(public_fixtures: Path) -> None:
    sums = recorded_sums(public_fixtures)
    assert len(sums) == 24
    for name, expected in sums.items():
        actual = hashlib.sha256((public_fixtures / name).read_bytes()).hexdigest()
        assert actual == expected, f"{name} differs from the published bytes"


def test_every_fixture_file_is_listed_in_the_readme(public_fixtures: Path) -> None:
    on_disk = {
        p.relative_to(public_fixtures).as_posix()
        for folder in ("fhir", "hl7v2")
        for p in (public_fixtures / folder).iterdir()
    }
    assert on_disk == set(recorded_sums(public_fixtures))


def test_hl7_fixtures_keep_their_crlf_terminators(public_fixtures: Path) -> None:
    raw = (public_fixtures / "hl7v2" / "valid-pcd01-request.hl7v2").read_bytes()
    assert b"\r\n" in raw
    assert raw.count(b"\n") == raw.count(b"\r\n")
