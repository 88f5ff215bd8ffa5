"""The test tiers say what they hold: ``tests/unit`` is domain and pure logic without I/O, and a
test that runs a benchmark is marked ``slow``.

Read from the test sources (no test is imported or run): a unit test that opens a database,
drives the command line, serves HTTP, spawns a process or writes temporary files belongs in
``tests/integration`` or ``tests/e2e``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
UNIT_FORBIDDEN_IMPORTS = (
    "sqlalchemy",
    "duckdb",
    "psycopg",
    "subprocess",
    "socket",
    "typer.testing",
    "fastapi.testclient",
    "starlette.testclient",
    "httpx",
    "playwright",
    "uvicorn",
    "ketaclinic.adapters.db",
    "ketaclinic.bootstrap",
    "ketaclinic.entrypoints.cli",
    "ketaclinic.entrypoints.http",
    "ketaclinic.entrypoints.hl7_listener",
    "tests.conftest",
    "ketaclinic.adapters.hl7.server",
    "bench",
)
UNIT_FORBIDDEN_FIXTURES = {
    "world",
    "migrated_engine",
    "empty_engine",
    "client",
    "tmp_path",
    "tmp_path_factory",
}


def imported_modules(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def defined_tests(tree: ast.Module) -> list[ast.FunctionDef]:
    return [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]


def is_under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def marks_slow(decorators: list[ast.expr]) -> bool:
    return any("mark.slow" in ast.unparse(d) for d in decorators)


def module_marked_slow(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            return "mark.slow" in ast.unparse(node.value)
    return False


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text("utf-8"), filename=str(path))


@pytest.mark.parametrize("path", sorted((TESTS / "unit").glob("*.py")), ids=lambda p: p.name)
def test_unit_tests_do_no_io(path: Path) -> None:
    tree = parse(path)
    io_imports = {
        m for m in imported_modules(tree) for p in UNIT_FORBIDDEN_IMPORTS if is_under(m, p)
    }
    assert not io_imports, f"{path.name} imports {sorted(io_imports)}: not a unit test"
    for fn in defined_tests(tree):
        fixtures = {a.arg for a in fn.args.args} & UNIT_FORBIDDEN_FIXTURES
        assert not fixtures, f"{path.name}::{fn.name} uses {sorted(fixtures)}: not a unit test"


def test_every_test_that_runs_a_benchmark_is_marked_slow() -> None:
    checked = 0
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = parse(path)
        if not any(is_under(m, "bench") for m in imported_modules(tree)):
            continue
        checked += 1
        if module_marked_slow(tree):
            continue
        for fn in defined_tests(tree):
            assert marks_slow(fn.decorator_list), f"{path.name}::{fn.name} runs a benchmark"
    assert checked >= 2  # the web and ingest benchmark smoke tests
