"""The hazard log names a real test for every hazard, and one of them tries an entry point.

``docs/safety/hazards.md`` is parsed: every table with the hazard columns must list, per row, at
least one pytest node id whose file exists and whose function (top level, or a method of a
class) is defined in that file's AST. Parametrised ids (``[case]``) are stripped first. At least
one of a row's tests lives under ``tests/e2e/``: it goes through an entry point (HTTP, the
command line or MLLP) as the person who would try the way around the gate.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "safety" / "hazards.md"
HEADER = ("Hazard", "Cause", "Severity", "Mitigation", "Test")
SEVERITIES = {"catastrophic", "critical", "serious", "minor"}
REQUIRED_SECTIONS = (
    "Eligibility",
    "Consent and assent",
    "Suicide-risk gate",
    "Order and verification",
    "KAT attendance",
    "Monitoring and alarms",
    "Pre-dose blood pressure hold and hard stop",
    "Safety-task dispositions",
    "Discharge overrides",
    "Ketamine dose gate (every route, KAT journeys included)",
    "Dosing weight",
    "Protocol coherence and the dose-rate limit",
)
ENTRY_POINT_TESTS = "tests/e2e/"
NODE = re.compile(r"^(tests/[\w/]+\.py)::([\w:]+?)(\[.*\])?$")


@dataclass(frozen=True)
class Row:
    section: str
    line: int
    cells: tuple[str, ...]

    @property
    def hazard(self) -> str:
        return self.cells[0]


def _cells(line: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in line.strip().strip("|").split("|"))


def parse_log(text: str) -> tuple[dict[str, int], list[Row]]:
    """Sections (title -> line) and every hazard row, refusing a table with other columns."""
    sections: dict[str, int] = {}
    rows: list[Row] = []
    section, in_table = "", False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            section, in_table = line[3:].strip(), False
            sections[section] = number
        elif line.startswith("|") and not in_table:
            if _cells(line) != HEADER:
                raise AssertionError(f"line {number}: table columns must be {HEADER}")
            in_table = True
        elif line.startswith("|") and set(line.replace("|", "").strip()) <= {"-", ":", " "}:
            continue
        elif line.startswith("|"):
            rows.append(Row(section, number, _cells(line)))
        else:
            in_table = False
    return sections, rows


def node_ids(cell: str) -> list[str]:
    return [part.strip().strip("`").strip() for part in cell.split("<br>") if part.strip()]


@cache
def _defined(path: Path) -> frozenset[str]:
    """``name`` and ``Class::name`` of every function defined in the module at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}::{item.name}")
    return frozenset(names)


def node_problem(node_id: str) -> str | None:
    """Why ``node_id`` does not name an existing test, or ``None``."""
    match = NODE.match(node_id)
    if match is None:
        return f"{node_id!r} is not a node id tests/path.py::test_name"
    path = ROOT / match.group(1)
    if not path.is_file():
        return f"{node_id!r}: no file {match.group(1)}"
    name = match.group(2)
    if name not in _defined(path):
        return f"{node_id!r}: no function {name} in {match.group(1)}"
    return None


def row_problems(row: Row) -> list[str]:
    where = f"line {row.line} ({row.hazard or 'no hazard'})"
    if len(row.cells) != len(HEADER):
        return [f"{where}: {len(row.cells)} cells, expected {len(HEADER)}"]
    problems = [f"{where}: empty {HEADER[i]}" for i, c in enumerate(row.cells) if not c]
    if row.cells[2] and row.cells[2] not in SEVERITIES:
        problems.append(f"{where}: severity {row.cells[2]!r} not one of {sorted(SEVERITIES)}")
    ids = node_ids(row.cells[4])
    if not ids:
        problems.append(f"{where}: lists no test")
    elif not any(i.startswith(ENTRY_POINT_TESTS) for i in ids):
        problems.append(f"{where}: names no entry-point test under {ENTRY_POINT_TESTS}")
    problems += [f"{where}: {p}" for i in ids if (p := node_problem(i)) is not None]
    return problems


def test_the_log_covers_every_gate() -> None:
    sections, rows = parse_log(LOG.read_text(encoding="utf-8"))
    assert [s for s in REQUIRED_SECTIONS if s not in sections] == []
    assert rows, "the hazard log lists no hazard"


def test_every_hazard_names_existing_tests() -> None:
    _sections, rows = parse_log(LOG.read_text(encoding="utf-8"))
    problems = [p for row in rows for p in row_problems(row)]
    assert problems == []


SAMPLE = """## Gate

| Hazard | Cause | Severity | Mitigation | Test |
|---|---|---|---|---|
| {hazard} | a cause | serious | services.x rule y | {test} |
"""


@pytest.mark.parametrize(
    ("test", "problem"),
    [
        pytest.param("", "lists no test", id="no-test"),
        pytest.param("`tests/unit/nope.py::test_x`", "no file", id="missing-file"),
        pytest.param(
            "`tests/unit/test_hazard_log.py::test_not_there`", "no function", id="missing-function"
        ),
        pytest.param("`test_every_hazard_names_existing_tests`", "not a node id", id="bare-name"),
        pytest.param(
            "`tests/unit/test_hazard_log.py::test_the_log_covers_every_gate`",
            "names no entry-point test",
            id="no-entry-point-test",
        ),
    ],
)
def test_a_bad_row_is_caught(test: str, problem: str) -> None:
    _sections, rows = parse_log(SAMPLE.format(hazard="h", test=test))
    [row] = rows
    assert any(problem in p for p in row_problems(row)), row_problems(row)


def test_parametrised_ids_and_class_methods_are_accepted() -> None:
    assert node_problem("tests/unit/test_hazard_log.py::test_a_bad_row_is_caught[no-test]") is None
    assert node_problem("tests/unit/test_hazard_log.py::Sample::test_method") is None


def test_a_table_with_other_columns_is_refused() -> None:
    with pytest.raises(AssertionError, match="table columns"):
        parse_log("## Gate\n\n| Hazard | Test |\n|---|---|\n| h | t |\n")


class Sample:
    """A class whose method the node-id check must find (not collected: no Test prefix)."""

    def test_method(self) -> None:
        assert NODE.pattern
