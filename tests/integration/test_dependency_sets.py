"""`make run` installs only requirements/runtime.lock, so the product must never need a package
that only requirements/dev.lock brings, and the two locks must not disagree."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEV_TOOLS = {
    "pytest",
    "pytest-timeout",
    "pytest-cov",
    "pytest-xdist",
    "execnet",
    "coverage",
    "hypothesis",
    "mypy",
    "ruff",
    "import-linter",
    "playwright",
    "duckdb",
    "httpx",
    "httpx2",
    "pypdf",
    "fhir-resources",
}
DEV_MODULES = (
    "pytest",
    "_pytest",
    "coverage",
    "hypothesis",
    "mypy",
    "playwright",
    "duckdb",
    "httpx",
    "httpx2",
    "pypdf",
    "fhir",
    "importlinter",
)
IMPORT_EVERY_MODULE = f"""
import importlib, pkgutil, sys, ketaclinic
for info in pkgutil.walk_packages(ketaclinic.__path__, "ketaclinic."):
    if not info.name.endswith(("__main__", ".migrations.env")):
        importlib.import_module(info.name)
print(" ".join(sorted({{m.split(".")[0] for m in sys.modules}} & set({DEV_MODULES!r}))))
"""


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict[str, str]:
    lines = (REPO / "requirements" / lock).read_text("utf-8").splitlines()
    found = {}
    for line in lines:
        if line and not line.startswith(("#", "-")):
            name, version = line.split("==")
            found[normalise(name)] = version
    return found


def test_runtime_lock_holds_no_development_tool() -> None:
    assert not DEV_TOOLS & set(pins("runtime.lock"))


def test_dev_lock_builds_on_the_runtime_lock_without_repeating_it() -> None:
    assert "-r runtime.lock" in (REPO / "requirements" / "dev.lock").read_text("utf-8")
    assert not set(pins("runtime.lock")) & set(pins("dev.lock"))
    assert set(pins("dev.lock")) >= DEV_TOOLS


def test_every_declared_dependency_is_pinned_in_its_own_lock() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]

    def names(requirements: list[str]) -> set[str]:
        return {normalise(re.split(r"[<>=\[ ;]", r, maxsplit=1)[0]) for r in requirements}

    assert names(project["dependencies"]) <= set(pins("runtime.lock"))
    assert names(project["optional-dependencies"]["dev"]) <= set(pins("dev.lock"))


def test_the_product_imports_no_development_package() -> None:
    run = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""
