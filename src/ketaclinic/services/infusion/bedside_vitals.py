"""Vital signs entered by hand at the bedside, and how long a monitor has been silent.

Hand-entered values go through the same pipeline as monitor readings
(``MonitoringService.ingest``: plausibility, the protocol's alert rules, alarms, the live board),
with the source recorded as ``staff`` and the nurse's identity as ``entered_by``. A chair without
a monitor, or a monitor that stopped sending, is therefore never a dead end: discharge reads the
hand-entered recovery vitals like any others. Units are the parameters' canonical UCUM units
(clinical.md §4.1 monitoring; §4.6 discharge criteria).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.infusion.records import InfusionSession, StoredReading
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import (
    CANONICAL_UNITS,
    Parameter,
    ReadingSource,
    VitalReading,
)
from ketaclinic.domain.protocols.sections import Monitoring
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord


@dataclass(frozen=True, slots=True)
class HandField:
    """One form field of the bedside entry: its parameter, label and accepted range."""

    name: str
    parameter: Parameter
    label: str
    low: Decimal
    high: Decimal


#: The bedside entry form, in the order a nurse measures. Ranges only catch typing errors; the
#: protocol's plausibility limits and alert rules judge the value itself.
HAND_FIELDS: tuple[HandField, ...] = (
    HandField("sbp_mmhg", Parameter.SBP, "Systolic BP (mmHg)", Decimal(20), Decimal(300)),
    HandField("dbp_mmhg", Parameter.DBP, "Diastolic BP (mmHg)", Decimal(10), Decimal(200)),
    HandField("hr_per_min", Parameter.HR, "Heart rate (/min)", Decimal(10), Decimal(300)),
    HandField("spo2_pct", Parameter.SPO2, "SpO2 (%)", Decimal(30), Decimal(100)),
    HandField("rr_per_min", Parameter.RR, "Respiratory rate (/min)", Decimal(2), Decimal(80)),
    HandField("temp_c", Parameter.TEMP, "Temperature (°C)", Decimal(25), Decimal(45)),
)

#: States in which the protocol expects vital signs (pre-dose to recovery).
MEASURED_STATES = frozenset(
    {
        SessionState.CHECKED_IN,
        SessionState.READY,
        SessionState.INFUSING,
        SessionState.PAUSED,
        SessionState.STOPPED,
        SessionState.RECOVERY,
    }
)
#: States in which continuous monitoring is expected (clinical.md §4.1).
CONTINUOUS_STATES = frozenset(
    {SessionState.INFUSING, SessionState.PAUSED, SessionState.STOPPED, SessionState.RECOVERY}
)


def readings_from_fields(fields: Mapping[str, str], *, at: datetime) -> tuple[VitalReading, ...]:
    """Parse the bedside form into readings taken ``at``; every bad field is named, nothing is
    stored on error. At least one value is needed."""
    errors: dict[str, str] = {}
    readings: list[VitalReading] = []
    for hf in HAND_FIELDS:
        raw = fields.get(hf.name, "").strip()
        if not raw:
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            errors[hf.name] = "must be a number"
            continue
        if not value.is_finite() or not hf.low <= value <= hf.high:
            errors[hf.name] = f"must be between {hf.low} and {hf.high}"
            continue
        unit = CANONICAL_UNITS[hf.parameter]
        readings.append(VitalReading(hf.parameter, value, unit, at, ReadingSource.STAFF))
    if errors:
        raise ValidationFailed(errors)
    if not readings:
        raise ValidationFailed({"sbp_mmhg": "enter at least one vital sign"})
    return tuple(readings)


def monitor_silence_min(
    s: InfusionSession,
    monitoring: Monitoring,
    readings: Sequence[StoredReading],
    now: datetime,
    *,
    monitored: bool,
) -> int | None:
    """Minutes without monitor data when the session is on a monitor (``monitored``:
    ``monitor_presence.monitor_of``), the protocol expects continuous data and no vitals (by
    monitor or by hand) arrived within its vitals interval; else None (with no monitor assigned
    nothing is missing: the vitals due by hand are shown instead, :func:`vitals_due`).

    Counted from the last monitor reading, or from the start of the phase when none arrived.
    """
    if not monitored:
        return None
    if s.state not in CONTINUOUS_STATES or not monitoring.continuous_parameters:
        return None
    start = s.recovery_started_at if s.state is SessionState.RECOVERY else s.dosing_started_at
    phase = [t for t in (start,) if t is not None]
    device = [r.received_at for r in readings if r.reading.source is not ReadingSource.STAFF]
    latest_any = max([*phase, *(r.received_at for r in readings)], default=None)
    if latest_any is None:
        return None
    every = (
        monitoring.recovery_vitals_every_min
        if s.state is SessionState.RECOVERY
        else monitoring.vitals_every_min
    )
    if (now - latest_any).total_seconds() <= max(every, 1) * 60:
        return None  # vitals are current (by monitor or by hand)
    since = max(device) if device else phase[0]
    return int((now - since).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class VitalsDue:
    """When the next vital signs are due on the protocol's interval for the current phase."""

    at: datetime
    every_min: int

    def overdue(self, now: datetime) -> bool:
        return self.at < now


def vitals_due(
    s: InfusionSession, monitoring: Monitoring, readings: Sequence[StoredReading]
) -> VitalsDue | None:
    """The next vital signs due: the protocol's interval (dosing, or recovery) after the latest
    plausible reading or the start of the phase, whichever is later; None outside dosing and
    recovery (clinical.md §4.1)."""
    if s.state in (SessionState.INFUSING, SessionState.PAUSED):
        every, since = monitoring.vitals_every_min, s.dosing_started_at
    elif s.state in (SessionState.RECOVERY, SessionState.STOPPED):
        every = monitoring.recovery_vitals_every_min
        since = s.recovery_started_at or s.stopped_at or s.dosing_ended_at
    else:
        return None
    last = max((r.reading.at for r in readings if r.plausible), default=None)
    base = max((t for t in (last, since) if t is not None), default=None)
    return None if base is None else VitalsDue(base + timedelta(minutes=every), every)


def latest_by_parameter(readings: Sequence[StoredReading]) -> list[StoredReading]:
    """The latest plausible reading of each parameter, in the bedside form's order."""
    latest: dict[Parameter, StoredReading] = {}
    for r in readings:
        if not r.plausible:
            continue
        seen = latest.get(r.reading.parameter)
        if seen is None or (r.reading.at, r.id) >= (seen.reading.at, seen.id):
            latest[r.reading.parameter] = r
    order = [hf.parameter for hf in HAND_FIELDS]
    return sorted(latest.values(), key=lambda r: _rank(order, r.reading.parameter))


def _rank(order: list[Parameter], parameter: Parameter) -> int:
    return order.index(parameter) if parameter in order else len(order)


@dataclass(frozen=True, slots=True)
class FlowsheetRow:
    """The readings taken at one moment from one source (a hand entry, a monitor message, the
    pre-dose checklist), with the phase of the session they were taken in."""

    at: datetime
    source: ReadingSource
    values: Mapping[Parameter, Decimal]
    phase: str = ""  # "pre-dose", "pre-dose recheck", "dosing" or "recovery"
    outside: tuple[Parameter, ...] = ()  # values past an alert threshold (``readings_table``)


#: The vital signs the pre-dose checklist records, by its field names; the BP recheck's fields
#: are these with ``recheck_`` in front.
_PREDOSE_FIELDS = {
    "sbp_mmhg": Parameter.SBP,
    "dbp_mmhg": Parameter.DBP,
    "hr_per_min": Parameter.HR,
    "spo2_pct": Parameter.SPO2,
}


def flowsheet(
    readings: Sequence[StoredReading],
    limit: int | None = None,
    *,
    session: InfusionSession | None = None,
    records: Sequence[SessionRecord] = (),
) -> list[FlowsheetRow]:
    """The session's plausible readings, one row per moment and source, newest first: what the
    monitor sent beside what was entered by hand, and the vital signs of each pre-dose checklist
    (phase "pre-dose"; its BP recheck on its own row). Each row names its phase of ``session``."""
    rows: dict[tuple[datetime, ReadingSource], dict[Parameter, Decimal]] = {}
    for r in readings:
        if r.plausible:
            rows.setdefault((r.reading.at, r.reading.source), {})[r.reading.parameter] = (
                r.reading.value
            )
    checklists = {  # readings stored from a pre-dose checklist were taken before dosing
        rec.recorded_at
        for rec in records
        if rec.kind is RecordKind.PRE_DOSE and rec.payload.get(PREDOSE_READINGS_STORED)
    }
    table = [
        FlowsheetRow(
            at,
            src,
            vals,
            "pre-dose" if src is ReadingSource.STAFF and at in checklists else _phase(session, at),
        )
        for (at, src), vals in rows.items()
    ]
    table += [row for rec in records if rec.kind is RecordKind.PRE_DOSE for row in _predose(rec)]
    return sorted(table, key=lambda row: row.at, reverse=True)[:limit]  # None: every row


#: Marks a pre-dose checklist whose first measurement was stored as the session's readings
#: (:func:`predose_readings`): the readings table lists those readings, not the checklist again.
PREDOSE_READINGS_STORED = "readings_stored"


#: A reading entered by hand this recently before the pre-dose checklist is its baseline: the
#: checklist offers it, and the same value is not stored a second time.
PREDOSE_RECENT = timedelta(minutes=15)


def recent_baseline(readings: Sequence[StoredReading], *, now: datetime) -> dict[str, Decimal]:
    """The pre-dose checklist's fields (``sbp_mmhg``...) from the latest plausible reading of
    each parameter taken in the last :data:`PREDOSE_RECENT`: what the checklist offers."""
    latest = {r.reading.parameter: r for r in latest_by_parameter(readings)}
    found: dict[str, Decimal] = {}
    for name, p in _PREDOSE_FIELDS.items():
        r = latest.get(p)
        if r is not None and now - PREDOSE_RECENT <= r.reading.at <= now:
            found[name] = r.reading.value
    return found


def new_predose_readings(
    payload: Mapping[str, object], stored: Sequence[StoredReading], *, at: datetime
) -> tuple[VitalReading, ...]:
    """:func:`predose_readings` less each value the latest recent reading already holds (the
    nurse confirmed on the checklist what the vital signs form had just stored)."""
    already = {
        _PREDOSE_FIELDS[name]: value for name, value in recent_baseline(stored, now=at).items()
    }
    return tuple(r for r in predose_readings(payload, at=at) if already.get(r.parameter) != r.value)


def predose_readings(payload: Mapping[str, object], *, at: datetime) -> tuple[VitalReading, ...]:
    """The pre-dose checklist's first measurement (BP, heart rate, SpO2) as readings taken by
    staff ``at``: one entry at the bedside is both the checklist's baseline and the session's
    vital signs (latest values, chart, readings table, alert rules)."""
    return tuple(
        VitalReading(p, v, CANONICAL_UNITS[p], at, ReadingSource.STAFF)
        for p, v in _values(payload, "").items()
    )


def _predose(record: SessionRecord) -> list[FlowsheetRow]:
    """The checklist's vital signs as rows: the first measurement (unless it was stored as
    readings, listed as such), then any BP recheck."""
    first, recheck = (_values(record.payload, prefix) for prefix in ("", "recheck_"))
    if record.payload.get(PREDOSE_READINGS_STORED):
        first = {}
    at, src = record.recorded_at, ReadingSource.STAFF
    rows = [FlowsheetRow(at, src, first, "pre-dose")] if first else []
    return rows + ([FlowsheetRow(at, src, recheck, "pre-dose recheck")] if recheck else [])


def _values(payload: Mapping[str, object], prefix: str) -> dict[Parameter, Decimal]:
    found = {p: _decimal(payload.get(prefix + name)) for name, p in _PREDOSE_FIELDS.items()}
    return {p: v for p, v in found.items() if v is not None}


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _phase(session: InfusionSession | None, at: datetime) -> str:
    """Which part of the session a reading was taken in: before dosing, dosing or recovery."""
    if session is None:
        return ""
    if session.dosing_started_at is None or at < session.dosing_started_at:
        return "pre-dose"
    ended = session.dosing_ended_at or session.stopped_at
    return "recovery" if ended is not None and at >= ended else "dosing"
