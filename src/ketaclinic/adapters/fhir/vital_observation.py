"""FHIR R4 vital-sign ``Observation`` (LOINC-coded) -> domain readings, with field-path errors.

Accepts a single Observation or a blood-pressure panel (85354-9) with systolic/diastolic
components, ``valueQuantity`` in UCUM, ``effectiveDateTime`` with a time zone, and the status
mapped to HL7 table 0085. The monitor is named by ``device.identifier.value`` (EUI-64) or
``device.reference`` ``Device/<EUI-64>``. LOINC codes: US Core / FHIR vital signs profile.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.infusion.vitals import (
    Parameter,
    ReadingSource,
    ReadingStatus,
    VitalReading,
    normalise_unit,
)

LOINC = "http://loinc.org"
BP_PANEL = "85354-9"
LOINC_PARAMETERS: dict[str, Parameter] = {
    "8480-6": Parameter.SBP,
    "8462-4": Parameter.DBP,
    "8478-0": Parameter.MAP,
    "8867-4": Parameter.HR,
    "59408-5": Parameter.SPO2,
    "2708-6": Parameter.SPO2,
    "9279-1": Parameter.RR,
    "8310-5": Parameter.TEMP,
}
STATUSES = {
    "final": ReadingStatus.FINAL,
    "amended": ReadingStatus.CORRECTED,
    "corrected": ReadingStatus.CORRECTED,
    "preliminary": ReadingStatus.PRELIMINARY,
    "registered": ReadingStatus.PENDING,
    "entered-in-error": ReadingStatus.WRONG,
    "cancelled": ReadingStatus.NO_RESULT,
}


def observation_readings(resource: Any) -> tuple[tuple[VitalReading, ...], str | None]:
    """The readings of one vital-sign Observation and the device EUI-64 it names (or None)."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
        raise ValidationFailed({"resourceType": "expected an Observation resource"})
    status = STATUSES.get(str(resource.get("status", "")))
    if status is None:
        raise ValidationFailed({"status": f"one of {', '.join(STATUSES)}"})
    at = _effective(resource.get("effectiveDateTime"))
    device = _device(resource.get("device"))
    code = _loinc(resource.get("code"), "code")
    if code == BP_PANEL:
        components = resource.get("component")
        if not isinstance(components, list) or not components:
            raise ValidationFailed({"component": "a blood-pressure panel needs its components"})
        readings = tuple(
            _reading(c, f"component[{i}]", status, at, device) for i, c in enumerate(components)
        )
    else:
        readings = (_reading(resource, "", status, at, device),)
    return readings, device


def _reading(
    item: Any, path: str, status: ReadingStatus, at: datetime, device: str | None
) -> VitalReading:
    prefix = f"{path}." if path else ""
    code = _loinc(item.get("code") if isinstance(item, dict) else None, f"{prefix}code")
    parameter = LOINC_PARAMETERS.get(code)
    if parameter is None:
        raise ValidationFailed({f"{prefix}code": f"LOINC {code} is not a charted vital sign"})
    quantity = item.get("valueQuantity")
    if not isinstance(quantity, dict):
        raise ValidationFailed({f"{prefix}valueQuantity": "required"})
    try:
        value = Decimal(str(quantity.get("value")))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise ValidationFailed({f"{prefix}valueQuantity.value": "must be a number"})
    unit = normalise_unit(str(quantity.get("code") or quantity.get("unit") or ""))
    if unit is None:
        raise ValidationFailed({f"{prefix}valueQuantity.code": "a UCUM unit such as mm[Hg]"})
    return VitalReading(parameter, value, unit, at, ReadingSource.GATEWAY, status, device, None)


def _loinc(concept: Any, path: str) -> str:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    for coding in codings if isinstance(codings, list) else []:
        if isinstance(coding, dict) and coding.get("system") == LOINC and coding.get("code"):
            return str(coding["code"])
    raise ValidationFailed({path: "a LOINC coding (system http://loinc.org) is required"})


def _effective(raw: Any) -> datetime:
    try:
        at = datetime.fromisoformat(str(raw))
    except ValueError:
        raise ValidationFailed({"effectiveDateTime": "an ISO date-time is required"}) from None
    if at.tzinfo is None:
        raise ValidationFailed({"effectiveDateTime": "a time zone is required"})
    return at


def _device(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return None
    identifier = raw.get("identifier")
    if isinstance(identifier, dict) and identifier.get("value"):
        return str(identifier["value"]).upper()
    reference = str(raw.get("reference") or "")
    return reference.removeprefix("Device/").upper() or None
