"""The service unit tests and the fakes load no database or web library.

Checked in a fresh interpreter: the test session itself has SQLAlchemy loaded by the shared
``tests/conftest.py`` for the other tiers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FORBIDDEN = ("sqlalchemy", "psycopg", "fastapi", "alembic", "yaml", "ortools")


def test_importing_the_service_unit_tests_loads_no_database_library() -> None:
    modules = sorted(
        f"tests.unit.services.{p.stem}"
        for p in HERE.glob("test_*.py")
        if p.stem != Path(__file__).stem
    )
    assert modules, "no service unit test modules found"
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "import tests.fakes.conformance\n"
        f"print(','.join(sorted(m for m in {FORBIDDEN!r} if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"loaded by the unit tests: {done.stdout.strip()}"
