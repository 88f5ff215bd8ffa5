"""Parse a JSON stream of vital-sign readings (``docs/schemas/vitals-stream.schema.json``).

``{"phase": "pre_dose|infusing|recovery", "now": ISO-8601, "readings": [{"at", "parameter",
"value", "unit"}]}``. Every problem is collected with its field path (``readings[2].unit``) and
raised at once as :class:`ValidationFailed`; unknown keys are errors. Times must carry a UTC
offset; values become Decimal in the parameter's UCUM unit. Nothing here judges plausibility:
that, and the alarms, belong to the one evaluation path (``services.infusion.vitals_evaluation``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.infusion.vitals import (
    CANONICAL_UNITS,
    Parameter,
    ReadingSource,
    VitalReading,
    normalise_unit,
)
from ketaclinic.domain.protocols.sections import MonitoringPhase

TOP_FIELDS = ("phase", "now", "readings")
READING_FIELDS = ("at", "parameter", "value", "unit")
#: parameters a stream may carry, and the unit each is written in
STREAM_UNITS: dict[str, str] = {
    "sbp": "mmHg",
    "dbp": "mmHg",
    "hr": "/min",
    "pr": "/min",
    "spo2": "%",
    "rr": "/min",
}
MAX_READINGS = 100_000


@dataclass(frozen=True, slots=True)
class VitalsStream:
    phase: MonitoringPhase
    now: datetime
    readings: tuple[VitalReading, ...]


def parse_stream(data: Any) -> VitalsStream:
    """Read the stream document; raise ValidationFailed naming every bad field."""
    errors: dict[str, str] = {}
    if not isinstance(data, dict):
        raise ValidationFailed({"": "the stream must be a JSON object"})
    for key in data:
        if key not in TOP_FIELDS:
            errors[str(key)] = "unknown field"
    phase = _phase(data.get("phase"), errors)
    now = _time(data.get("now"), "now", errors)
    readings = _readings(data.get("readings"), errors)
    if errors:
        raise ValidationFailed(errors)
    assert phase is not None and now is not None
    return VitalsStream(phase, now, tuple(readings))


def _phase(value: object, errors: dict[str, str]) -> MonitoringPhase | None:
    if isinstance(value, str) and value in {p.value for p in MonitoringPhase}:
        return MonitoringPhase(value)
    errors["phase"] = f"one of: {', '.join(p.value for p in MonitoringPhase)}"
    return None


def _time(value: object, path: str, errors: dict[str, str]) -> datetime | None:
    if not isinstance(value, str):
        errors[path] = "required: an ISO 8601 date-time with its UTC offset"
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors[path] = "not an ISO 8601 date-time"
        return None
    if moment.tzinfo is None:
        errors[path] = "must include a UTC offset"
        return None
    return moment.astimezone(UTC)


def _readings(value: object, errors: dict[str, str]) -> list[VitalReading]:
    if not isinstance(value, list):
        errors["readings"] = "required: a list of readings"
        return []
    if len(value) > MAX_READINGS:
        errors["readings"] = f"at most {MAX_READINGS} readings"
        return []
    found = [_reading(item, f"readings[{i}]", errors) for i, item in enumerate(value)]
    return [r for r in found if r is not None]


def _reading(item: object, path: str, errors: dict[str, str]) -> VitalReading | None:
    if not isinstance(item, dict):
        errors[path] = "a reading object {at, parameter, value, unit}"
        return None
    before = len(errors)
    for key in item:
        if key not in READING_FIELDS:
            errors[f"{path}.{key}"] = "unknown field"
    at = _time(item.get("at"), f"{path}.at", errors)
    parameter = _parameter(item.get("parameter"), f"{path}.parameter", errors)
    value = _value(item.get("value"), f"{path}.value", errors)
    unit = item.get("unit")
    if parameter is not None and unit != STREAM_UNITS[parameter.value]:
        errors[f"{path}.unit"] = f"{STREAM_UNITS[parameter.value]} for {parameter.value}"
    if len(errors) > before or at is None or parameter is None or value is None:
        return None
    ucum = normalise_unit(str(unit)) or CANONICAL_UNITS[parameter]
    return VitalReading(parameter, value, ucum, at, ReadingSource.GATEWAY)


def _parameter(value: object, path: str, errors: dict[str, str]) -> Parameter | None:
    if isinstance(value, str) and value in STREAM_UNITS:
        return Parameter(value)
    errors[path] = f"one of: {', '.join(STREAM_UNITS)}"
    return None


def _value(value: object, path: str, errors: dict[str, str]) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors[path] = "a number"
        return None
    if isinstance(value, float) and not math.isfinite(value):
        errors[path] = "a finite number"
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        errors[path] = "a number"
        return None
