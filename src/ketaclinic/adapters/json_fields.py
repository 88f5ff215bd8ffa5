"""Reading a decoded JSON object field by field: every problem is recorded under its path
(``medical.blood_pressures[0].at``) in one shared dict, so a caller reports all of them at once;
unknown keys are errors. The value types: text, non-blank text, true/false, integers,
non-negative decimals (exact, never float), ISO days and UTC-offset timestamps, enumerations.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")
E = TypeVar("E", bound=Enum)
_MISSING = object()


class FieldReader:
    """Reads one JSON object at ``path``, recording errors in the shared ``errors`` dict."""

    def __init__(self, data: Any, path: str, errors: dict[str, str]) -> None:
        self.path, self.errors = path, errors
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            self.error("", "must be an object")

    def at(self, key: str) -> str:
        if not key:
            return self.path or "$"
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(self.at(key), message)

    def reject_unknown(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                self.error(key, "unknown field")

    def get(self, key: str, convert: Callable[[Any], T], *, required: bool = False) -> T | None:
        """``convert(value)`` or ``None``; absent/null is an error only when ``required``."""
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.error(key, "required")
            return None
        try:
            return convert(value)
        except (ValueError, TypeError, InvalidOperation) as exc:
            self.error(key, str(exc) or "invalid value")
            return None

    def child(self, key: str) -> FieldReader:
        return FieldReader(self.data.get(key, {}), self.at(key), self.errors)

    def items(self, key: str, *, required: bool = False) -> list[FieldReader] | None:
        """Readers for each object of list ``key``; ``None`` when absent or null."""
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(key, "required (use [] for none)")
            return None
        if not isinstance(value, list):
            self.error(key, "must be a list")
            return None
        return [FieldReader(v, f"{self.at(key)}[{i}]", self.errors) for i, v in enumerate(value)]

    def values(self, key: str, convert: Callable[[Any], T]) -> tuple[T, ...] | None:
        """Each plain value of list ``key`` converted; ``None`` when absent or null."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self.error(key, "must be a list")
            return None
        out: list[T] = []
        for index, item in enumerate(value):
            try:
                out.append(convert(item))
            except (ValueError, TypeError) as exc:
                self.errors.setdefault(f"{self.at(key)}[{index}]", str(exc))
        return tuple(out)


def as_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("must be a string")
    return value


def as_nonblank(value: Any) -> str:
    if not as_text(value).strip():
        raise ValueError("must not be empty")
    return str(value)


def as_boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("must be true or false")
    return value


def as_integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("must be an integer")
    return value


def as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError("must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not number.is_finite() or number < 0:
        raise ValueError("must be a finite number >= 0")
    return number


def as_timestamp(value: Any) -> datetime:
    moment = datetime.fromisoformat(as_text(value))
    if moment.tzinfo is None:
        raise ValueError("must include a UTC offset, e.g. 2026-03-02T09:00:00Z")
    return moment.astimezone(UTC)


def as_day(value: Any) -> date:
    return date.fromisoformat(as_text(value))


def as_enum(kind: type[E]) -> Callable[[Any], E]:
    def convert(value: Any) -> E:
        try:
            return kind(as_text(value))
        except ValueError:
            allowed = ", ".join(str(m) for m in kind)
            raise ValueError(f"must be one of: {allowed}") from None

    return convert
