"""The alarms that keep a paused session from resuming, in plain words.

One derivation read by the resume guard (``sessions.session_facts``), by the prescriber's approval
to resume (``pauses.PauseSteps.approve_resume``, refused while any is open, so an approval never
leads to a resume the guard refuses) and by the session page (which says so before anyone
presses Resume). Two checks of the guard ``resume_cleared`` (``domain.infusion.session``):

- ``alarms_acknowledged``: every alarm of the session is acknowledged, cleared or not;
- ``no_stop_alarm``: no stop rule is still out of range (a hard stop: acknowledging it does not
  lift it, nothing overrides it).

Each alarm is said the way the alarm history says it: the parameter, its latest value with the
unit and the local time, the priority, and how often it was out of range (``repeat_count``, the
count the history shows). Source: clinical.md §4.3-§4.4 (resume only once the cause of the pause
is cleared and every alarm acknowledged).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ketaclinic.domain.infusion.alarm_conditions import OVERDUE
from ketaclinic.domain.infusion.records import InfusionSession, StoredAlarm
from ketaclinic.domain.protocols.alert_words import parameter_name, sentence
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import AlertAction
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.protocols.publishing import load_published

ACKNOWLEDGED = "alarms_acknowledged"
NO_STOP_ALARM = "no_stop_alarm"
_THEN = {
    ACKNOWLEDGED: "must be acknowledged before the infusion resumes",
    NO_STOP_ALARM: "is a stop rule still out of range: the infusion cannot resume while it lasts",
}
_UNITS_APART = {"%", ""}  # ``SpO2 85%``, but ``Systolic BP 212 mmHg``


@dataclass(frozen=True, slots=True)
class ResumeAlarm:
    """An alarm that keeps the session from resuming: ``check`` the guard check it fails,
    ``words`` the alarm as people say it (without the rule id)."""

    alarm_id: int
    rule_id: str
    check: str
    words: str

    @property
    def sentence(self) -> str:
        """``Systolic BP 212 mmHg at 14:05 (high priority, out of range 3 times) must be
        acknowledged before the infusion resumes``."""
        return f"{self.words} {_THEN[self.check]}"

    @property
    def item(self) -> str:
        """The guard's item, ``rule: sentence`` (the guard names its check in front)."""
        return f"{self.rule_id}: {self.sentence}"

    @property
    def reason(self) -> str:
        """A refusal's reason, ``check[rule]: sentence``: the rule behind the words."""
        return f"{self.check}[{self.rule_id}]: {self.sentence}"


def resume_alarms(
    uow: UnitOfWork, s: InfusionSession, protocol: Protocol | None = None
) -> tuple[ResumeAlarm, ...]:
    """Every alarm of ``s`` that keeps it from resuming now, highest priority first: each
    unacknowledged alarm, then each stop rule still out of range. ``protocol``: the session's
    published protocol when the caller has it already (read from storage otherwise)."""
    alarms = sorted(
        uow.alarms.for_session(s.clinic_id, s.id), key=lambda a: (a.priority_rank, a.raised_at)
    )
    unacknowledged = [a for a in alarms if a.needs_attention]
    stops = [a for a in alarms if a.active and a.action == AlertAction.STOP.value]
    if not unacknowledged and not stops:
        return ()
    clinic = uow.clinics.get(s.clinic_id)
    zone = ZoneInfo(clinic.timezone if clinic else "UTC")
    if protocol is None:
        course = get_course(uow, s.clinic_id, s.course_id)
        protocol = load_published(uow, s.clinic_id, course.protocol_version_id).protocol
    units = {r.id: r.unit for r in protocol.monitoring.alert_rules}
    return tuple(
        ResumeAlarm(a.id, a.rule_id, check, alarm_words(a, units.get(a.rule_id, ""), zone))
        for check, group in ((ACKNOWLEDGED, unacknowledged), (NO_STOP_ALARM, stops))
        for a in group
    )


def alarm_words(alarm: StoredAlarm, unit: str, zone: ZoneInfo) -> str:
    """``Systolic BP 212 mmHg at 14:05 (high priority, out of range 3 times)``: the latest
    reading behind the alarm in the clinic's time, its priority and its count."""
    count = "once" if alarm.repeat_count <= 1 else f"{alarm.repeat_count} times"
    about = f"{alarm.severity} priority, out of range {count}"
    if alarm.parameter == OVERDUE:
        at = (alarm.last_raised_at or alarm.raised_at).astimezone(zone)
        return f"Vital signs overdue at {at:%H:%M} ({alarm.severity} priority)"
    if not alarm.triggering:  # a technical alarm: a lost signal, no data
        at = (alarm.last_raised_at or alarm.raised_at).astimezone(zone)
        what = parameter_name(alarm.parameter)
        return (
            f"Technical alarm at {at:%H:%M}, no usable {what} reading ({alarm.severity} priority)"
        )
    name = sentence(parameter_name(alarm.parameter))
    _, value, observed = alarm.triggering[-1]
    gap = "" if unit in _UNITS_APART else " "
    return f"{name} {decimal_text(value)}{gap}{unit} at {observed.astimezone(zone):%H:%M} ({about})"
