"""Values a clinician types to change a protocol: which fields are editable, parsing, versions.

At sign-off (and when adopting a local copy) a clinician sees each default as text and may type a
new value. This module turns that text back into the plain form the pack reader accepts, typed by
the field's current value (whole numbers stay whole, decimals stay exact ``Decimal`` text, lists of
numbers are comma-separated), and says which sign-off items a submission leaves unaddressed.
Nothing here stores anything; :mod:`ketaclinic.services.protocols.publishing` applies the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ketaclinic.domain.protocols.canonical import to_plain
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.paths import PathError, iter_leaves, value_at
from ketaclinic.domain.protocols.signoff import SignoffItem

# fields of a whole-rule item that identify or document it rather than set a clinical value
_FIXED_KEYS = frozenset({"id", "source", "needs_signoff", "condition", "parameter", "unit"})
_TOP_FIXED = frozenset({"id", "version", "base", "hash", "title"})
_SEMVER_CORE = re.compile(r"^(\d+)\.(\d+)\.(\d+)")
MAX_VALUE_CHARS = 200


@dataclass(frozen=True, slots=True)
class EditableField:
    """One value a clinician may change: its field path, current value and that value as text."""

    path: str
    value: Any
    text: str


@dataclass(frozen=True, slots=True)
class SignoffEntry:
    """A sign-off item with the fields that change it (a whole rule has several, a value one)."""

    item: SignoffItem
    fields: tuple[EditableField, ...]
    details: tuple[tuple[str, str], ...]  # the rule's fixed attributes, shown for context


def value_text(value: Any) -> str:
    """A plain value as the text shown in an input (lists comma-separated)."""
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _is_numeric_text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return Decimal(value).is_finite()
    except InvalidOperation:
        return False


def _editable(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int) or _is_numeric_text(value):
        return True
    return isinstance(value, list) and bool(value) and all(_editable(v) for v in value)


def signoff_entries(items: Iterable[SignoffItem]) -> list[SignoffEntry]:
    """Each sign-off item with its editable numeric fields (a whole rule: each numeric leaf)."""
    entries = []
    for item in items:
        fields: tuple[EditableField, ...]
        if not isinstance(item.value, Mapping):
            fields = (EditableField(item.path, item.value, value_text(item.value)),)
            entries.append(SignoffEntry(item, fields, ()))
            continue
        leaves = list(iter_leaves(dict(item.value), item.path))
        fields = tuple(
            EditableField(path, value, value_text(value))
            for path, value in leaves
            if _editable(value) and path.rsplit(".", 1)[-1] not in _FIXED_KEYS
        )
        details = tuple(
            (path.removeprefix(item.path + "."), value_text(value))
            for path, value in leaves
            if not _editable(value) and path.rsplit(".", 1)[-1] not in {"needs_signoff", "source"}
        )
        entries.append(SignoffEntry(item, fields, details))
    return entries


def parse_value(current: Any, text: str) -> Any:
    """``text`` typed like ``current``; ValueError says what was expected.

    Whole numbers stay ``int``; decimal quantities stay exact decimal text (the plain form of a
    ``Decimal``); lists take comma-separated items typed like the current first item.
    """
    text = text.strip()
    if len(text) > MAX_VALUE_CHARS:
        raise ValueError(f"at most {MAX_VALUE_CHARS} characters")
    if isinstance(current, list):
        return _parse_list(current, text)
    return _parse_scalar(current, text)


def _parse_list(current: list[Any], text: str) -> list[Any]:
    """Comma-separated items, each typed like the current first item (a number if empty)."""
    model = current[0] if current else 0
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise ValueError("one or more numbers separated by commas")
    return [parse_value(model, part) for part in parts]


def _parse_scalar(current: Any, text: str) -> Any:
    """One stripped value typed like ``current``: a flag, a whole number, a decimal or text."""
    if isinstance(current, bool):
        if text.lower() not in {"true", "false"}:
            raise ValueError("true or false")
        return text.lower() == "true"
    if isinstance(current, int):
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError("a whole number")
        return int(text)
    if _is_numeric_text(current):
        if not _is_numeric_text(text):
            raise ValueError("a number")
        return text
    if not text:
        raise ValueError("a value")
    return text


def collect_changes(
    fields: Iterable[EditableField], submitted: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The changed fields (path -> typed value) and the errors (path -> message) of a submission.

    A field whose submitted text is missing or equal to its current value (after typing) is not
    a change; ``1.50`` for ``1.5`` is no change.
    """
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        text = submitted.get(field.path)
        if text is None or text.strip() == field.text:
            continue
        try:
            value = parse_value(field.value, text)
        except ValueError as bad:
            errors[field.path] = f"{field.path}: expected {bad}"
            continue
        if value != field.value and not _same_number(value, field.value):
            changes[field.path] = value
    return changes, errors


def _same_number(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_number(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return False


def covers(item_path: str, changed_path: str) -> bool:
    """Whether a change at ``changed_path`` changes the sign-off item at ``item_path``."""
    return changed_path == item_path or changed_path.startswith((item_path + ".", item_path + "["))


def unaddressed(
    items: Iterable[SignoffItem], confirmed: Iterable[str], changed: Iterable[str]
) -> list[SignoffItem]:
    """Sign-off items neither confirmed nor changed (a physician must address every one)."""
    confirmed_set = set(confirmed)
    changed_list = list(changed)
    return [
        item
        for item in items
        if item.path not in confirmed_set and not any(covers(item.path, c) for c in changed_list)
    ]


def next_version(version: str, taken: Iterable[str]) -> str:
    """The next patch version after ``version`` that is not in ``taken`` (``1.0.0`` -> ``1.0.1``).

    A pre-release suffix is dropped; a version that is not semantic gets ``1.0.1`` as a start.
    """
    match = _SEMVER_CORE.match(version)
    major, minor, patch = (int(g) for g in match.groups()) if match else (1, 0, 0)
    used = set(taken)
    patch += 1
    while f"{major}.{minor}.{patch}" in used:
        patch += 1
    return f"{major}.{minor}.{patch}"


def editable_fields(protocol: Protocol) -> list[EditableField]:
    """Every numeric field of a protocol a clinic may change in an adopted copy, in file order."""
    plain = to_plain(protocol)
    return [
        EditableField(path, value, value_text(value))
        for path, value in iter_leaves(plain)
        if _editable(value) and ".sources." not in path and path.split(".")[0] not in _TOP_FIXED
    ]


def parse_changes(
    protocol: Protocol, rows: Iterable[tuple[str, str]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """``(field path, typed text)`` rows as changes typed like the protocol's current values.

    Errors are keyed by the path as typed: an empty path with a value, a path naming no field,
    a repeated path, or a value that is not of the field's kind.
    """
    plain = to_plain(protocol)
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for path, text in rows:
        if not path and not text:
            continue
        if not path:
            errors[""] = "name the field to change (a path such as dosing.iv.max_mg)"
            continue
        if path in changes:
            errors[path] = f"{path}: changed twice; give each field once"
            continue
        try:
            changes[path] = parse_value(value_at(plain, path), text)
        except PathError as unknown:
            errors[path] = f"{path}: no such field; expected {unknown.expected}"
        except ValueError as bad:
            errors[path] = f"{path}: expected {bad}"
    return changes, errors
