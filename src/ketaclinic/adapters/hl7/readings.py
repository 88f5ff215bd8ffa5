"""Map parsed PCD-01 observations to domain
:class:`~ketaclinic.domain.infusion.vitals.VitalReading`.

Only numeric OBX rows with an MDC code this clinic charts become readings; every other numeric
row is returned in ``unmapped`` with its reason so the service can keep it for review (nothing is
dropped silently). Device and grouping rows (no value) and non-numeric rows are neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.adapters.hl7.parse import ParsedMessage, ParsedObservation
from ketaclinic.domain.infusion.vitals import (
    ReadingSource,
    VitalReading,
    normalise_unit,
    parameter_for_mdc,
)


@dataclass(frozen=True, slots=True)
class Unmapped:
    """A numeric observation that did not become a vital reading, and why."""

    observation: ParsedObservation
    reason: str


@dataclass(frozen=True, slots=True)
class MappedReadings:
    readings: tuple[VitalReading, ...]
    unmapped: tuple[Unmapped, ...]


def map_readings(message: ParsedMessage) -> MappedReadings:
    """Turn each numeric, charted OBX into a reading in UCUM units from source ``monitor``."""
    readings: list[VitalReading] = []
    unmapped: list[Unmapped] = []
    for obx in message.observations:
        if obx.value is None:
            continue
        result = _reading(obx)
        if isinstance(result, VitalReading):
            readings.append(result)
        else:
            unmapped.append(Unmapped(obx, result))
    return MappedReadings(tuple(readings), tuple(unmapped))


def _reading(obx: ParsedObservation) -> VitalReading | str:
    parameter = parameter_for_mdc(obx.code)
    if parameter is None:
        return f"MDC code {obx.code} ({obx.code_name}) is not a charted vital sign"
    unit = normalise_unit(obx.unit_code) or normalise_unit(obx.unit_name)
    if unit is None:
        return f"unit {obx.unit_code!r} of MDC {obx.code} is not recognised"
    if obx.observed_at is None or obx.status is None or obx.value is None:
        return f"MDC {obx.code} has no observation time or status"
    return VitalReading(
        parameter=parameter,
        value=obx.value,
        unit=unit,
        at=obx.observed_at,
        source=ReadingSource.MONITOR,
        status=obx.status,
        device_id=obx.device_id,
        mdc_code=obx.code,
    )
