"""Vital-sign readings: one typed reading per measured value, MDC/UCUM units, plausibility.

A reading arrives in one of three ways (staff entry, a gateway posting JSON/FHIR, a monitor sending
HL7 v2 PCD-01) and becomes the same :class:`VitalReading`. Units are normalised to UCUM
(``mm[Hg]``, ``/min``, ``%``, ``Cel``) whether the sender used an MDC unit code (``266016``), an MDC
reference id (``MDC_DIM_MMHG``) or UCUM text. MDC codes are ISO/IEEE 11073-10101.

Plausibility limits are engineering sanity bounds that catch a unit mix-up or a wrong device clock.
They are not clinical thresholds: clinical thresholds live in ``Protocol.monitoring.alert_rules``.
An implausible reading is kept (nothing is lost) but never used to raise or clear an alarm.

Low values are believed: a desaturation to 35 % or a heart rate of 25 is a patient in danger, not
noise, so the lower bounds sit just above zero. A value that is not a measurement at all (SpO2 or
pulse 0 when the probe is off, a negative number, a device "no value" code, SpO2 above 100 %) is
a *technical* reading: it is kept, never used as a patient value, and raises the protocol's
technical ``signal_lost`` alarm ("check the probe") instead of being dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum


class Parameter(StrEnum):
    """Vital-sign parameters the alert rules may name (``AlertRule.parameter``)."""

    SBP = "sbp"
    DBP = "dbp"
    MAP = "map"
    HR = "hr"  # heart rate (ECG or invasive pulse)
    PR = "pr"  # pulse rate from the oximeter
    SPO2 = "spo2"
    RR = "rr"
    TEMP = "temp"


class ReadingSource(StrEnum):
    STAFF = "staff"
    GATEWAY = "gateway"  # JSON or FHIR posted by a device gateway
    MONITOR = "monitor"  # HL7 v2 PCD-01 over MLLP


class ReadingStatus(StrEnum):
    """HL7 table 0085 observation result status (OBX-11)."""

    FINAL = "F"
    CORRECTED = "C"
    RESULTS_ENTERED = "R"  # usual for live monitor data (not verified)
    PRELIMINARY = "P"
    PARTIAL = "S"
    CHANGED_TO_FINAL = "U"
    DELETED = "D"
    WRONG = "W"
    NO_RESULT = "X"
    PENDING = "I"
    NOT_ASKED = "N"
    ORDER_DETAIL = "O"


#: Statuses whose value describes the patient now and may raise or clear an alarm.
USABLE_STATUSES = frozenset(
    {
        ReadingStatus.FINAL,
        ReadingStatus.CORRECTED,
        ReadingStatus.RESULTS_ENTERED,
        ReadingStatus.PRELIMINARY,
        ReadingStatus.PARTIAL,
        ReadingStatus.CHANGED_TO_FINAL,
    }
)

MMHG = "mm[Hg]"
PER_MIN = "/min"
PERCENT = "%"
CELSIUS = "Cel"

#: UCUM unit each parameter is stored in.
CANONICAL_UNITS: dict[Parameter, str] = {
    Parameter.SBP: MMHG,
    Parameter.DBP: MMHG,
    Parameter.MAP: MMHG,
    Parameter.HR: PER_MIN,
    Parameter.PR: PER_MIN,
    Parameter.SPO2: PERCENT,
    Parameter.RR: PER_MIN,
    Parameter.TEMP: CELSIUS,
}

#: MDC metric code -> parameter (IEEE 11073-10101; landscape.md §3.3). Invasive arterial pressure
#: maps to the same blood-pressure parameters; pulmonary-artery pressures are not mapped.
MDC_PARAMETERS: dict[str, Parameter] = {
    "150021": Parameter.SBP,  # MDC_PRESS_BLD_NONINV_SYS
    "150022": Parameter.DBP,  # MDC_PRESS_BLD_NONINV_DIA
    "150023": Parameter.MAP,  # MDC_PRESS_BLD_NONINV_MEAN
    "150033": Parameter.SBP,  # MDC_PRESS_BLD_ART_SYS
    "150034": Parameter.DBP,  # MDC_PRESS_BLD_ART_DIA
    "150035": Parameter.MAP,  # MDC_PRESS_BLD_ART_MEAN
    "147842": Parameter.HR,  # MDC_ECG_HEART_RATE
    "149522": Parameter.HR,  # MDC_BLD_PULS_RATE_INV
    "149530": Parameter.PR,  # MDC_PULS_OXIM_PULS_RATE
    "150456": Parameter.SPO2,  # MDC_PULS_OXIM_SAT_O2
    "151562": Parameter.RR,  # MDC_RESP_RATE
    "150344": Parameter.TEMP,  # MDC_TEMP
}

#: MDC unit codes, MDC reference ids and UCUM spellings -> UCUM.
UNIT_ALIASES: dict[str, str] = {
    "266016": MMHG,
    "MDC_DIM_MMHG": MMHG,
    "mm[Hg]": MMHG,
    "mmHg": MMHG,
    "264864": PER_MIN,
    "MDC_DIM_BEAT_PER_MIN": PER_MIN,
    "264928": PER_MIN,
    "MDC_DIM_RESP_PER_MIN": PER_MIN,
    "/min": PER_MIN,
    "{beats}/min": PER_MIN,
    "{breaths}/min": PER_MIN,
    "262688": PERCENT,
    "MDC_DIM_PERCENT": PERCENT,
    "%": PERCENT,
    "268192": CELSIUS,
    "MDC_DIM_DEGC": CELSIUS,
    "Cel": CELSIUS,
}


@dataclass(frozen=True, slots=True)
class VitalReading:
    """One measured value of one parameter at one time, in the parameter's UCUM unit."""

    parameter: Parameter
    value: Decimal
    unit: str
    at: datetime
    source: ReadingSource
    status: ReadingStatus = ReadingStatus.FINAL
    device_id: str | None = None
    mdc_code: str | None = None

    @property
    def usable(self) -> bool:
        """Whether OBX-11 status lets this value describe the patient (not deleted/wrong/none)."""
        return self.status in USABLE_STATUSES


@dataclass(frozen=True, slots=True)
class Range:
    """Inclusive bounds in the parameter's canonical unit."""

    low: Decimal
    high: Decimal


#: Engineering sanity bounds (not clinical thresholds; see module docstring). Lower bounds are
#: just above zero so that any real low value is believed; zero itself is technical (below),
#: except a respiratory rate of 0, which is apnoea.
DEFAULT_PLAUSIBLE: dict[Parameter, Range] = {
    Parameter.SBP: Range(Decimal(1), Decimal(300)),
    Parameter.DBP: Range(Decimal(1), Decimal(200)),
    Parameter.MAP: Range(Decimal(1), Decimal(250)),
    Parameter.HR: Range(Decimal(1), Decimal(300)),
    Parameter.PR: Range(Decimal(1), Decimal(300)),
    Parameter.SPO2: Range(Decimal(1), Decimal(100)),
    Parameter.RR: Range(Decimal(0), Decimal(80)),
    Parameter.TEMP: Range(Decimal(25), Decimal(45)),
}

#: "No value" codes device interfaces send in place of a measurement (all-ones of 9 to 16 bits and
#: the decimal fillers). Each lies outside every parameter's plausible range. Engineering list:
#: extend it when a monitor's interface documents another code.
SENTINEL_CODES: frozenset[Decimal] = frozenset(
    Decimal(v) for v in (511, 1023, 2047, 4095, 8191, 16383, 32767, 65535, 999, 9999, 99999)
)
#: Parameters for which a value of exactly 0 is a measurement (apnoea), not a lost signal.
ZERO_IS_A_MEASUREMENT: frozenset[Parameter] = frozenset({Parameter.RR})


@dataclass(frozen=True, slots=True)
class PlausibilityLimits:
    """Sanity bounds per parameter and the accepted window for a reading's time.

    A reading later than ``at + max_future_skew`` or older than ``at - max_age`` points at a
    wrong device clock (the IPF example messages carry 2009 device times).
    """

    ranges: dict[Parameter, Range] = field(default_factory=lambda: dict(DEFAULT_PLAUSIBLE))
    max_future_skew: timedelta = timedelta(minutes=2)
    max_age: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Plausibility:
    """The verdict on one reading: ``reasons`` is empty when the reading is plausible."""

    reading: VitalReading
    reasons: tuple[str, ...]
    technical: bool = False  # the value is a lost signal or sentinel code, not a measurement

    @property
    def plausible(self) -> bool:
        return not self.reasons


def normalise_unit(unit: str) -> str | None:
    """Return the UCUM unit for an MDC unit code, MDC reference id or UCUM text; None if unknown."""
    return UNIT_ALIASES.get(unit.strip())


def parameter_for_mdc(code: str) -> Parameter | None:
    """Return the parameter an MDC metric code measures, or None when it is not a charted vital."""
    return MDC_PARAMETERS.get(code.strip())


def check_plausible(
    reading: VitalReading, *, at: datetime, limits: PlausibilityLimits | None = None
) -> Plausibility:
    """Check a reading's unit, range and time against sanity bounds.

    Contract: the unit must be the parameter's canonical UCUM unit, the value within the
    parameter's plausible range (inclusive), and the time within ``[at - max_age,
    at + max_future_skew]``. Every failed check is a reason. Times are timezone-aware UTC.
    """
    limits = limits or PlausibilityLimits()
    reasons: list[str] = []
    expected = CANONICAL_UNITS[reading.parameter]
    if reading.unit != expected:
        reasons.append(f"{reading.parameter}: unit {reading.unit!r} is not {expected!r}")
    lost = technical_reason(reading) if reading.unit == expected else None
    bounds = limits.ranges.get(reading.parameter)
    if lost is not None:
        reasons.append(lost)
    elif bounds is not None and not bounds.low <= reading.value <= bounds.high:
        reasons.append(
            f"{reading.parameter}: {reading.value} {reading.unit} outside plausible range "
            f"{bounds.low}-{bounds.high}"
        )
    if reading.at > at + limits.max_future_skew:
        reasons.append(
            f"{reading.parameter}: reading time is {_minutes(reading.at - at)} in the future "
            f"(more than {_minutes(limits.max_future_skew)} ahead of the clinic clock)"
        )
    elif reading.at < at - limits.max_age:
        reasons.append(
            f"{reading.parameter}: reading is {_minutes(at - reading.at)} old, older than "
            f"{_minutes(limits.max_age)}"
        )
    return Plausibility(reading=reading, reasons=tuple(reasons), technical=lost is not None)


def technical_reason(reading: VitalReading) -> str | None:
    """Why ``reading`` is a lost signal rather than a measurement, or None when it is a value.

    Technical: a device "no value" code (:data:`SENTINEL_CODES`), a negative value, 0 for any
    parameter but the respiratory rate (probe off, no pulsatile signal, cuff or lead error), and
    an SpO2 above 100 %. The reason always starts with ``technical:`` and says what to check.
    """
    p, v = reading.parameter, reading.value
    if v in SENTINEL_CODES:
        what = f"device 'no value' code {v}"
    elif v < 0:
        what = f"negative value {v}"
    elif v == 0 and p not in ZERO_IS_A_MEASUREMENT:
        what = "0 (probe off or no signal)"
    elif p is Parameter.SPO2 and v > 100:
        what = f"{v} % is above 100 % (no signal)"
    else:
        return None
    return f"technical: {p} {what}; check the {_SENSOR[p]}"


_SENSOR: dict[Parameter, str] = {
    Parameter.SBP: "blood pressure cuff",
    Parameter.DBP: "blood pressure cuff",
    Parameter.MAP: "blood pressure cuff",
    Parameter.HR: "ECG leads",
    Parameter.PR: "oximeter probe",
    Parameter.SPO2: "oximeter probe",
    Parameter.RR: "respiration sensor",
    Parameter.TEMP: "temperature probe",
}


def check_blood_pressure_pair(sbp: VitalReading, dbp: VitalReading) -> tuple[str, ...]:
    """Return a reason when a systolic/diastolic pair taken together has diastolic >= systolic."""
    if sbp.at == dbp.at and dbp.value >= sbp.value:
        return (f"bp: diastolic {dbp.value} is not below systolic {sbp.value}",)
    return ()


def run_text(count: int, span: timedelta) -> str:
    """``1 reading``, ``2 consecutive readings over 5 min``: no zero span, no "(s)"."""
    if count == 1:
        return "1 reading"
    minutes = int(span.total_seconds() // 60)
    over = f" over {minutes} min" if minutes else ""
    return f"{count} consecutive readings{over}"


def _minutes(span: timedelta) -> str:
    """A span in plain words: ``12 min``, ``3 h 5 min``, ``2 days``."""
    total = max(0, int(span.total_seconds() // 60))
    if total >= 2 * 24 * 60:
        return f"{total // (24 * 60)} days"
    if total >= 60:
        hours, minutes = divmod(total, 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{total} min"
