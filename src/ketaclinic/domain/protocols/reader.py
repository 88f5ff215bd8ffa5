"""Read a plain mapping (parsed YAML or JSON) into the typed protocol sections.

The reader is driven by the dataclass field types of :mod:`sections`, so every key the contract
does not know is refused and every field without a default is required. Every problem is collected
with its dotted path; nothing is coerced silently (a float is not an int, a bool is not a number).

Numbers may be written bare (``0.5``) or as a quantity string carrying the unit implied by the
field name (``"0.5 mg/kg"`` for ``start_mg_per_kg``); a quantity in another unit is refused.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache
from typing import Any

from ketaclinic.domain.protocols.catalog import unit_of_field
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.problems import ProblemLog, join_path
from ketaclinic.domain.protocols.sections import Dosing, Route, RouteDosing, SourceRef


class _Invalid:
    """Marker for a value that could not be read (its problem is already logged)."""


INVALID: Any = _Invalid()

# list field name -> the item field whose value names the item in paths and must be unique
ITEM_KEYS: dict[str, str] = {
    "contraindications": "id",
    "alert_rules": "id",
    "required_tests": "id",
    "documents": "id",
    "domains": "id",
    "premedications": "drug",
    "rescue": "drug",
    "outcomes": "instrument",
    "scales": "instrument",
}
# fields a pack file never carries (computed by the loader)
COMPUTED_FIELDS: dict[type, frozenset[str]] = {
    Protocol: frozenset({"hash"}),
    RouteDosing: frozenset({"route"}),  # taken from its key under ``dosing``
}


def item_key(list_name: str, item: object) -> str | None:
    """The name of a list item in paths, unique within its list: its key field's value; a scale
    schedule for some routes only adds them (``cadss6@sl``), so one instrument may have a
    schedule per route."""
    key_field = ITEM_KEYS.get(list_name)
    if not key_field or not isinstance(item, Mapping):
        return None
    key = item.get(key_field)
    if not isinstance(key, str) or not key:
        return None
    routes = item.get("routes") if list_name == "scales" else None
    if isinstance(routes, list | tuple) and routes:
        return f"{key}@{'+'.join(str(r) for r in routes)}"
    return key


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def read_protocol(data: object, log: ProblemLog) -> Protocol | None:
    """Read ``data`` into a :class:`Protocol` with an empty hash; None when problems were logged."""
    result = _read_dataclass(Protocol, data, "", log, extra={"hash": ""})
    if log or result is INVALID:
        return None
    assert isinstance(result, Protocol)
    return result


def _read(tp: Any, value: object, path: str, log: ProblemLog) -> Any:
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        if value is None:
            return None
        (inner,) = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return _read(inner, value, path, log)
    if origin is tuple:
        return _read_tuple(typing.get_args(tp)[0], value, path, log)
    if origin is dict:
        _key_tp, value_tp = typing.get_args(tp)
        if value_tp is SourceRef:
            return _read_sources(value, path, log)
        return _read_dict(value_tp, value, path, log)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _read_dataclass(tp, value, path, log)
    return _read_scalar(tp, value, path, log)


def _read_scalar(tp: Any, value: object, path: str, log: ProblemLog) -> Any:
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _read_enum(tp, value, path, log)
    if tp is bool:
        if isinstance(value, bool):
            return value
        log.add(path, value, "true or false")
        return INVALID
    if tp is str:
        if isinstance(value, str) and value.strip():
            return value
        log.add(path, value, "a non-empty text")
        return INVALID
    if tp is int:
        return _read_int(value, path, log)
    if tp is Decimal:
        return _read_decimal(value, path, log)
    raise TypeError(f"unsupported field type {tp!r} at {path}")  # a contract change, not bad input


def _read_enum(tp: type[Enum], value: object, path: str, log: ProblemLog) -> Any:
    for member in tp:
        if value == member.value:
            return member
    allowed = ", ".join(str(m.value) for m in tp)
    log.add(path, value, f"one of: {allowed}")
    return INVALID


def _field_unit(path: str) -> str | None:
    name = path.rsplit(".", 1)[-1].split("[", 1)[0]
    return unit_of_field(name)


def _split_quantity(value: str, path: str, log: ProblemLog) -> str | None:
    """``"40 min"`` -> ``"40"`` after checking the unit against the field name, else None."""
    number, _, unit = value.strip().partition(" ")
    if not unit:
        return number
    expected = _field_unit(path)
    if expected is None or unit.strip() != expected:
        log.add(path, value, f"a number in {expected or 'no unit'} (unit {unit.strip()!r} given)")
        return None
    return number


def _read_decimal(value: object, path: str, log: ProblemLog) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        log.add(path, value, f"a number{_unit_hint(path)}")
        return INVALID
    text = value if isinstance(value, str) else str(value)
    if isinstance(value, str):
        number = _split_quantity(value, path, log)
        if number is None:
            return INVALID
        text = number
    try:
        result = Decimal(text)
    except InvalidOperation:
        log.add(path, value, f"a number{_unit_hint(path)}")
        return INVALID
    if not result.is_finite():
        log.add(path, value, f"a finite number{_unit_hint(path)}")
        return INVALID
    return result


def _read_int(value: object, path: str, log: ProblemLog) -> Any:
    if isinstance(value, str):
        number = _split_quantity(value, path, log)
        if number is None:
            return INVALID
        if number.lstrip("-").isdigit():
            return int(number)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    log.add(path, value, f"a whole number{_unit_hint(path)}")
    return INVALID


def _unit_hint(path: str) -> str:
    unit = _field_unit(path)
    return f" in {unit}" if unit else ""


def _read_tuple(item_tp: Any, value: object, path: str, log: ProblemLog) -> Any:
    if not isinstance(value, list | tuple):
        log.add(path, value, "a list")
        return INVALID
    list_name = path.rsplit(".", 1)[-1]
    key_field = ITEM_KEYS.get(list_name)
    seen: set[str] = set()
    items = []
    for index, item in enumerate(value):
        key = item_key(list_name, item)
        item_path = join_path(path, f"[{key}]" if key else f"[{index}]")
        if key and key in seen:
            log.add(join_path(item_path, key_field or ""), key, "a unique id (duplicate)")
        if key:
            seen.add(key)
        items.append(_read(item_tp, item, item_path, log))
    return INVALID if any(i is INVALID for i in items) else tuple(items)


def _read_dict(value_tp: Any, value: object, path: str, log: ProblemLog) -> Any:
    if not isinstance(value, Mapping):
        log.add(path, value, "a mapping")
        return INVALID
    result = {}
    for key, item in value.items():
        if not isinstance(key, str):
            log.add(join_path(path, str(key)), key, "a text key")
            continue
        result[key] = _read(value_tp, item, join_path(path, key), log)
    return INVALID if any(v is INVALID for v in result.values()) else result


def _read_sources(value: object, path: str, log: ProblemLog) -> Any:
    """``{field: "§2.1 Sanacora 2017"}`` or ``{field: {key: ..., needs_signoff: true}}``."""
    if not isinstance(value, Mapping):
        log.add(path, value, "a mapping of field name to clinical.md source key")
        return INVALID
    result: dict[str, SourceRef] = {}
    for name, entry in value.items():
        entry_path = join_path(path, str(name))
        if isinstance(entry, str):
            entry = {"key": entry}
        ref = _read_dataclass(SourceRef, entry, entry_path, log)
        if ref is not INVALID:
            result[str(name)] = ref
    return result


def _read_dataclass(
    cls: type, value: object, path: str, log: ProblemLog, extra: Mapping[str, object] = {}
) -> Any:
    if not isinstance(value, Mapping):
        log.add(path, value, f"a mapping ({cls.__name__})")
        return INVALID
    if cls is Dosing:
        return _read_dosing(value, path, log)
    computed = COMPUTED_FIELDS.get(cls, frozenset())
    fields = [f for f in dataclasses.fields(cls) if f.name not in computed]
    _refuse_unknown_keys(value, {f.name for f in fields}, path, log)
    kwargs: dict[str, Any] = dict(extra)
    for f in fields:
        field_path = join_path(path, f.name)
        if f.name not in value:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                log.add(field_path, None, "a value (required field missing)")
                kwargs[f.name] = INVALID
            continue
        kwargs[f.name] = _read(_hints(cls)[f.name], value[f.name], field_path, log)
    if any(v is INVALID for v in kwargs.values()):
        return INVALID
    return cls(**kwargs)


def _refuse_unknown_keys(
    value: Mapping[Any, Any], known: set[str], path: str, log: ProblemLog
) -> None:
    for key in value:
        if key not in known:
            expected = f"no such key (known: {', '.join(sorted(known))})"
            log.add(join_path(path, str(key)), value[key], expected)


def _read_dosing(value: Mapping[Any, Any], path: str, log: ProblemLog) -> Any:
    """Dosing is written flat: a mapping per route (``dosing.iv``), premedications, titration."""
    hints = _hints(Dosing)
    routes = {r.value for r in Route}
    _refuse_unknown_keys(value, routes | {"premedications", "rescue", "titration"}, path, log)
    parsed: dict[Route, Any] = {}
    for route in Route:
        if route.value in value:
            route_path = join_path(path, route.value)
            extra = {"route": route}
            parsed[route] = _read_dataclass(RouteDosing, value[route.value], route_path, log, extra)
    if not parsed:
        log.add(join_path(path, "routes"), None, f"at least one route among: {sorted(routes)}")
    premeds_path = join_path(path, "premedications")
    premeds = _read(hints["premedications"], value.get("premedications", []), premeds_path, log)
    if "titration" not in value:
        log.add(join_path(path, "titration"), None, "a value (required field missing)")
        return INVALID
    titration = _read(hints["titration"], value["titration"], join_path(path, "titration"), log)
    rescue = _read(hints["rescue"], value.get("rescue", []), join_path(path, "rescue"), log)
    parts = [premeds, titration, rescue, *parsed.values()]
    if not parsed or any(part is INVALID for part in parts):
        return INVALID
    return Dosing(routes=parsed, premedications=premeds, titration=titration, rescue=rescue)
