"""Discharge from recovery: every criterion of the protocol, and the prescriber's override.

Criteria (``domain.infusion.discharge.evaluate_discharge``; clinical.md §4.6, Aldrete 1995): minimum
observation since the end of dosing (or the stop), modified Aldrete at or above the threshold and
recorded after the latest alarm was raised, the
latest usable reading of every alert-rule parameter back within limits, no open alarm, every
high-priority alarm of the session acknowledged (cleared or not), safety gates clear, escort
present and instructions given (no driving until the next day).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ketaclinic.domain.errors import SafetyBlock
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.alarm_conditions import OVERDUE
from ketaclinic.domain.infusion.discharge import (
    AldreteScore,
    DischargeDecision,
    DischargeFacts,
    DischargeOverride,
    Noted,
    evaluate_discharge,
    vitals_out_of_limits,
)
from ketaclinic.domain.infusion.records import InfusionSession, StoredAlarm
from ketaclinic.domain.protocols.alert_words import parameter_name, sentence
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import AlertKind
from ketaclinic.services.assessments.safety import open_reasons
from ketaclinic.services.identity.authorization import allowed
from ketaclinic.services.infusion.facts import latest
from ketaclinic.services.infusion.ports import RecordKind
from ketaclinic.services.ports import UnitOfWork


def evaluate(
    uow: UnitOfWork,
    s: InfusionSession,
    protocol: Protocol,
    *,
    escort: bool,
    instructions: bool,
    at: datetime,
) -> DischargeDecision:
    records = uow.session_records.for_session(s.clinic_id, s.id)
    aldrete = latest(records, RecordKind.ALDRETE)
    score = None
    if aldrete is not None:
        score = AldreteScore(*(int(aldrete.payload[n]) for n in AldreteScore.__slots__))
    readings = [r.reading for r in uow.readings.for_session(s.clinic_id, s.id) if r.plausible]
    alarms = uow.alarms.for_session(s.clinic_id, s.id)
    raised = [a.last_raised_at or a.raised_at for a in alarms if _about_the_patient(a, protocol)]
    clinic = uow.clinics.get(s.clinic_id)
    zone = ZoneInfo(clinic.timezone if clinic else "UTC")
    rules = protocol.monitoring.alert_rules
    units = {r.parameter: r.unit for r in rules if r.kind is AlertKind.THRESHOLD and r.unit}
    units |= {r.id: r.unit for r in rules}  # by rule id; by parameter for an overdue reading
    facts = DischargeFacts(
        dosing_ended_at=s.dosing_ended_at or s.stopped_at,
        aldrete=score,
        vitals_out_of_limits=vitals_out_of_limits(readings, protocol.monitoring.alert_rules),
        open_alarms=tuple(
            _open_words(a, units, zone) for a in alarms if a.active and a.severity != "high"
        ),
        open_high_alarms=tuple(
            _open_words(a, units, zone) for a in alarms if a.active and a.severity == "high"
        ),
        unacknowledged_high_alarms=tuple(
            _alarm_words(a, units, zone)
            for a in alarms
            if a.severity == "high" and a.acknowledged_at is None
        ),
        open_safety_gates=open_reasons(uow, s.clinic_id, s.patient_id),
        escort_present=escort,
        instructions_given=instructions,
        aldrete_at=aldrete.recorded_at if aldrete is not None else None,
        latest_alarm_at=max(raised, default=None),
        zone=zone,
    )
    return evaluate_discharge(protocol.discharge, facts, at=at)


def _about_the_patient(alarm: StoredAlarm, protocol: Protocol) -> bool:
    """An alarm on the patient's readings, which a new Aldrete score must follow; not one about
    the equipment or the charting (a lead off, no data, vitals overdue)."""
    if alarm.parameter == OVERDUE:
        return False
    rule = next((r for r in protocol.monitoring.alert_rules if r.id == alarm.rule_id), None)
    return rule is None or rule.kind is AlertKind.THRESHOLD


def _reading_words(alarm: StoredAlarm, units: dict[str, str], zone: ZoneInfo) -> str:
    """The alarm's latest reading as people say it: ``Systolic BP 190 mmHg at 09:12`` (local
    time), or when it was raised if no reading triggered it."""
    name = sentence(parameter_name(alarm.parameter))
    if not alarm.triggering:
        return (
            f"{name}, raised at {(alarm.last_raised_at or alarm.raised_at).astimezone(zone):%H:%M}"
        )
    parameter, value, observed = alarm.triggering[-1]
    if alarm.parameter == OVERDUE:  # the value is the last reading of the overdue parameter
        unit = f" {units[parameter]}" if units.get(parameter) else ""
        return (
            f"{parameter.upper()} overdue: last {decimal_text(value)}{unit} at "
            f"{observed.astimezone(zone):%H:%M}"
        )
    unit = f" {units[alarm.rule_id]}" if units.get(alarm.rule_id) else ""
    return f"{name} {decimal_text(value)}{unit} at {observed.astimezone(zone):%H:%M}"


def _open_words(alarm: StoredAlarm, units: dict[str, str], zone: ZoneInfo) -> Noted:
    """An open alarm in plain words, with its rule behind them."""
    return Noted(f"{_reading_words(alarm, units, zone)} ({alarm.message})", alarm.rule_id)


def _alarm_words(alarm: StoredAlarm, units: dict[str, str], zone: ZoneInfo) -> Noted:
    """An unacknowledged alarm in plain words: what, how often, and whether it still holds."""
    times = f", raised {alarm.repeat_count} times" if alarm.repeat_count > 1 else ""
    state = "condition still present" if alarm.active else "condition has cleared"
    words = f"{_reading_words(alarm, units, zone)} ({alarm.message}){times}, {state}"
    return Noted(words, alarm.rule_id)


def override(
    actor: Actor,
    reason: str,
    extended_min: int | None,
    decision: DischargeDecision,
    *,
    ended_at: datetime | None,
    at: datetime,
) -> DischargeOverride | None:
    """The signed-in physician's override (DISCHARGE_OVERRIDE), or None when none was asked for.

    ``extended_min`` is the extended observation period the physician sets (minutes);
    ``observed_min`` is measured from the end of dosing (or the stop) to ``at``.
    """
    if (not reason and extended_min is None) or decision.allowed:
        return None
    if not allowed(actor, Permission.DISCHARGE_OVERRIDE):
        raise SafetyBlock(
            "discharge_override: only a physician may discharge against unmet criteria",
            reasons=tuple(f"{u.id}: {u.message}" for u in decision.unmet),
            field="override_reason",
        )
    observed = int((at - ended_at).total_seconds() // 60) if ended_at is not None else 0
    return DischargeOverride(
        by=str(actor.staff_id),
        role=actor.role_name,
        reason=reason,
        extended_observation_min=extended_min or 0,
        observed_min=observed,
    )
