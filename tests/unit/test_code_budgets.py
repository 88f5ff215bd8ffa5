"""Code-size budgets on the real source tree: every module under ``src/`` stays within 400 lines,
and the formatter is never switched off in ``src/``, ``tests/`` or ``bench/`` (no ``fmt: skip`` /
``fmt: off`` markers).

Function size and branching are ruff's (``C901``, ``PLR0915`` in pyproject.toml); these two are
what ruff cannot check. Each check is a pure function over (path, text) pairs, shown to catch a
synthetic offender, then run on every ``.py`` file under ``src/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
FORMATTED = (SRC, ROOT / "tests", ROOT / "bench")
# This file names the markers in its synthetic offenders; the vendored browser files are not ours.
NOT_OURS = (Path(__file__).resolve(), ROOT / "tests" / "e2e" / "browser" / "vendor")
MAX_MODULE_LINES = 400
FORMATTER_OFF = re.compile(r"#\s*fmt:\s*(skip|off)\b")


def oversized(modules: Iterable[tuple[str, str]], limit: int = MAX_MODULE_LINES) -> list[str]:
    """``"path: N lines"`` for each module longer than ``limit`` lines, longest first."""
    lengths = [(len(text.splitlines()), name) for name, text in modules]
    return [
        f"{name}: {count} lines" for count, name in sorted(lengths, reverse=True) if count > limit
    ]


def formatter_switched_off(modules: Iterable[tuple[str, str]]) -> list[str]:
    """``"path:line: text"`` for each line that switches the formatter off."""
    found: list[str] = []
    for name, text in modules:
        for number, line in enumerate(text.splitlines(), start=1):
            if FORMATTER_OFF.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    return found


def source_modules() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(SRC)), path.read_text(encoding="utf-8"))
        for path in sorted(SRC.rglob("*.py"))
    ]


def test_the_source_tree_is_found() -> None:
    modules = source_modules()
    assert len(modules) > 100
    assert any(name.endswith("bootstrap.py") for name, _ in modules)


def test_a_module_over_the_budget_is_named_with_its_length() -> None:
    modules = [("a/long.py", "x = 1\n" * 401), ("a/fits.py", "x = 1\n" * 400)]
    assert oversized(modules) == ["a/long.py: 401 lines"]


def test_a_formatter_switch_is_named_with_its_line() -> None:
    modules = [
        ("a/skip.py", "x = 1\ny = [1,2]  # fmt: skip\n"),
        ("a/off.py", "# fmt: off\nz = 3\n# fmt: on\n"),
        ("a/clean.py", "format_text = 'fmt'\n"),
    ]
    assert formatter_switched_off(modules) == [
        "a/skip.py:2: y = [1,2]  # fmt: skip",
        "a/off.py:1: # fmt: off",
    ]


def test_every_source_module_is_within_400_lines() -> None:
    too_long = oversized(source_modules())
    assert not too_long, "modules over 400 lines (split by clinical noun):\n" + "\n".join(too_long)


def formatted_modules() -> list[tuple[str, str]]:
    """Every ``.py`` file the formatter owns: src, tests and bench."""
    return [
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        for tree in FORMATTED
        for path in sorted(tree.rglob("*.py"))
        if not any(path == skip or skip in path.parents for skip in NOT_OURS)
    ]


def test_the_formatter_is_never_switched_off() -> None:
    modules = formatted_modules()
    assert any(name.startswith("tests/") for name, _ in modules)
    assert any(name.startswith("bench/") for name, _ in modules)
    switched = formatter_switched_off(modules)
    assert not switched, "formatter switched off:\n" + "\n".join(switched)
