"""Discharge criteria after recovery (pure): every unmet criterion, and the prescriber override.

Criteria, from ``Protocol.discharge`` and clinical.md §4.6: a minimum observation time since the
end of dosing (UNCONFIRMED default, needs sign-off), a modified Aldrete score at or above the
protocol threshold (Aldrete 1995, >= 9), vital signs back within the alert limits, no open alarm,
safety gates clear (when the protocol says so), an escort present (when required) and discharge
instructions given (no driving until the next day, clinical.md §4.2 item 5 and §4.6).
Every high-priority alarm of the session must have been acknowledged, whether its condition has
cleared or not (rule ``high_alarms_acknowledged``): a cleared or repeating alarm nobody looked at
still blocks. The Aldrete score that counts is the latest one, and it must have been recorded
after the latest alarm about the patient was raised (rule ``aldrete_after_alarm``): a score
taken before a recovery alarm no longer describes the patient, so the nurse scores again.
Escort, safety gates, open or unacknowledged high-priority alarms, a score older than the latest
alarm and the minimum observation time can never be overridden (:data:`NEVER_OVERRIDDEN`). Any
other unmet criterion may be signed against only by a physician, with a written reason and an
extended observation period (longer than the protocol's minimum) that the patient has already
been observed for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from ketaclinic.domain.errors import PermissionDenied, SafetyBlock, ValidationFailed
from ketaclinic.domain.infusion.alarms import OVERDUE, compare
from ketaclinic.domain.infusion.vitals import Parameter, VitalReading
from ketaclinic.domain.protocols.alert_words import parameter_name, sentence, threshold_words
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.domain.protocols.sections import AlertKind, AlertRule, Discharge, MonitoringPhase

DEFAULT_SOURCE = "clinical.md §4.6"
OVERRIDE_ROLES = frozenset({"physician"})
#: Criteria no one can sign against: a responsible adult escort (UK SmPC; RCEM 2018; §4.6),
#: clear suicide-risk safety gates, open or unacknowledged high-priority alarms, an Aldrete score
#: older than the latest alarm (score again instead), and the minimum observation time.
NEVER_OVERRIDDEN = frozenset(
    {
        "escort_present",
        "safety_gates_clear",
        "no_open_high_alarm",
        "high_alarms_acknowledged",
        "min_observation",
        "aldrete_after_alarm",
    }
)
#: The rule every high-priority alarm of the session answers to before discharge.
HIGH_ALARMS_ACKNOWLEDGED = "high_alarms_acknowledged"


@dataclass(frozen=True, slots=True)
class AldreteScore:
    """Modified Aldrete (Aldrete 1995): five items scored 0/1/2, total 0-10 (clinical.md §4.6)."""

    activity: int
    respiration: int
    circulation: int
    consciousness: int
    spo2: int

    def __post_init__(self) -> None:
        errors = {
            f"aldrete.{name}": "must be 0, 1 or 2"
            for name in ("activity", "respiration", "circulation", "consciousness", "spo2")
            if getattr(self, name) not in (0, 1, 2)
        }
        if errors:
            raise ValidationFailed(errors)

    @property
    def total(self) -> int:
        return self.activity + self.respiration + self.circulation + self.consciousness + self.spo2


@dataclass(frozen=True, slots=True)
class Noted:
    """A reason in plain words, with the alert rule behind it (shown one click away)."""

    words: str
    rule: str = ""


#: A reason as plain words alone, or with the alert rule behind it.
Reason = str | Noted


@dataclass(frozen=True, slots=True)
class DischargeFacts:
    """What the service knows at the discharge request. ``None`` means not assessed (fails)."""

    dosing_ended_at: datetime | None
    aldrete: AldreteScore | None
    vitals_out_of_limits: tuple[Reason, ...] | None  # from :func:`vitals_out_of_limits`
    open_alarms: tuple[Reason, ...] = ()
    open_high_alarms: tuple[Reason, ...] = ()  # high-priority alarms: never overridden
    # every high-priority alarm not yet acknowledged, whatever its condition (plain words)
    unacknowledged_high_alarms: tuple[Reason, ...] = ()
    open_safety_gates: tuple[str, ...] = ()
    escort_present: bool = False
    instructions_given: bool = False
    aldrete_at: datetime | None = None  # when the latest Aldrete score was recorded
    # when the latest alarm about the patient was raised (its latest repeat counts; alarms about
    # the equipment, such as a lead off or a late reading, are left out by the service)
    latest_alarm_at: datetime | None = None
    zone: tzinfo = UTC  # the clinic's time zone, for the times named in reasons


@dataclass(frozen=True, slots=True)
class UnmetCriterion:
    """One unmet criterion in plain words; ``rule`` is the alert rule behind it, if any."""

    id: str
    message: str
    source: str
    rule: str = ""


@dataclass(frozen=True, slots=True)
class DischargeDecision:
    """Every unmet criterion; ``earliest_at`` is when the minimum observation time is reached."""

    unmet: tuple[UnmetCriterion, ...]
    earliest_at: datetime | None

    @property
    def allowed(self) -> bool:
        return not self.unmet


@dataclass(frozen=True, slots=True)
class DischargeOverride:
    """A physician's signature against unmet criteria, with the extended observation period
    (minutes) they set and the minutes the patient has been observed since the end of dosing."""

    by: str
    role: str
    reason: str
    extended_observation_min: int = 0
    observed_min: int = 0


@dataclass(frozen=True, slots=True)
class DischargeSignoff:
    """A signed discharge; ``overridden`` names the criteria signed against (empty if none)."""

    decision: DischargeDecision
    override: DischargeOverride | None
    overridden: tuple[str, ...]


def evaluate_discharge(
    criteria: Discharge, facts: DischargeFacts, *, at: datetime
) -> DischargeDecision:
    """Return every unmet discharge criterion at ``at`` (aware UTC).

    Contract: observation minutes are whole minutes of ``criteria.min_observation_min`` since
    ``facts.dosing_ended_at``, and the earliest discharge is that time rounded up to the next
    whole minute (a clock shows minutes: the minute shown as the earliest is always allowed);
    the Aldrete total must be >= ``criteria.aldrete_min_score``; escort
    and safety-gate criteria apply when the protocol's ``escort_required`` /
    ``safety_flags_resolved`` are set. Each reason carries the source key of its default.
    """
    earliest = (
        _whole_minute_up(facts.dosing_ended_at + timedelta(minutes=criteria.min_observation_min))
        if facts.dosing_ended_at is not None
        else None
    )
    unmet = [
        *_observation(criteria, facts, earliest, at),
        *_aldrete(criteria, facts),
        *_vitals(facts),
        *(
            _noted("no_open_high_alarm", "open high-priority alarm: {}", a)
            for a in facts.open_high_alarms
        ),
        *(
            _noted(
                HIGH_ALARMS_ACKNOWLEDGED,
                "high-priority alarm not acknowledged: {}; every high-priority alarm must be "
                "acknowledged before discharge, even once its condition has cleared",
                a,
            )
            for a in facts.unacknowledged_high_alarms
        ),
        *(_noted("no_open_alarm", "open alarm: {}", a) for a in facts.open_alarms),
        *_gates(criteria, facts),
        *_escort(criteria, facts),
    ]
    if not facts.instructions_given:
        unmet.append(
            _unmet(
                "instructions_given",
                "discharge instructions (no driving until the next day) not recorded",
                "clinical.md §4.2, §4.6",
            )
        )
    return DischargeDecision(tuple(unmet), earliest)


def sign_discharge(
    decision: DischargeDecision,
    override: DischargeOverride | None = None,
    *,
    min_observation_min: int = 0,
) -> DischargeSignoff:
    """Sign a discharge: allowed when every criterion holds, else only with a physician's override.

    Raises SafetyBlock (with every unmet reason) when criteria are unmet and there is no override,
    and, override or not, when a criterion of :data:`NEVER_OVERRIDDEN` is unmet (field: that
    criterion). An override needs the physician role (PermissionDenied otherwise), a reason and an
    extended observation period longer than ``min_observation_min`` that the patient has already
    been observed for (ValidationFailed / SafetyBlock naming ``extended_observation_min``).
    """
    if decision.allowed:
        return DischargeSignoff(decision, None, ())
    reasons = tuple(f"{u.id}: {u.message}" for u in decision.unmet)
    if override is None:
        raise SafetyBlock("discharge criteria not met", reasons=reasons, field="discharge")
    hard = [u for u in decision.unmet if u.id in NEVER_OVERRIDDEN]
    if hard:
        raise SafetyBlock(
            "discharge criteria not met; these can never be overridden",
            reasons=tuple(f"{u.id}: {u.message} (never overridden)" for u in hard),
            field=hard[0].id,
        )
    _check_override(override, min_observation_min)
    return DischargeSignoff(decision, override, tuple(u.id for u in decision.unmet))


def _check_override(override: DischargeOverride, min_observation_min: int) -> None:
    if override.role not in OVERRIDE_ROLES:
        raise PermissionDenied(
            f"role {override.role!r} cannot override discharge criteria: a physician signs",
            field="override.role",
        )
    if not override.reason.strip():
        raise ValidationFailed(
            {"override_reason": "a reason is required to discharge against unmet criteria"}
        )
    if override.extended_observation_min <= min_observation_min:
        raise ValidationFailed(
            {
                "extended_observation_min": "an extended observation period longer than the "
                f"protocol's {min_observation_min} min is required to discharge against criteria"
            }
        )
    if override.observed_min < override.extended_observation_min:
        raise SafetyBlock(
            "the extended observation period has not passed",
            reasons=(
                f"extended_observation_min: observed {override.observed_min} of "
                f"{override.extended_observation_min} min",
            ),
            field="extended_observation_min",
        )


def vitals_out_of_limits(
    latest: Iterable[VitalReading], rules: Iterable[AlertRule]
) -> tuple[Noted, ...]:
    """Reasons the latest usable reading of each alert-rule parameter still breaches its rule.

    A parameter an alert rule watches with no usable reading is a reason too ("not measured").
    Only threshold rules that apply in recovery count (technical rules and pre-dose holds do
    not); the oximeter's pulse rate stands in for a missing ECG heart rate.
    """
    newest: dict[Parameter, VitalReading] = {}
    for reading in sorted((r for r in latest if r.usable), key=lambda r: r.at):
        newest[reading.parameter] = reading
    if Parameter.HR not in newest and Parameter.PR in newest:
        newest[Parameter.HR] = newest[Parameter.PR]
    reasons: list[Noted] = []
    for rule in rules:
        if rule.parameter == OVERDUE or not _applies_in_recovery(rule):
            continue
        if rule.parameter not in Parameter.__members__.values():
            reasons.append(Noted(f"{rule.parameter}: unknown parameter", rule.id))
            continue
        current = newest.get(Parameter(rule.parameter))
        if current is None:
            name = sentence(parameter_name(rule.parameter))
            reasons.append(Noted(f"{name} not measured in recovery", rule.id))
        elif compare(current.value, rule.comparison, rule.threshold):
            limit = threshold_words(rule.threshold, rule.comparison, rule.unit)
            words = (
                f"{sentence(parameter_name(rule.parameter))} {decimal_text(current.value)} "
                f"{rule.unit} is {limit}"
            )
            reasons.append(Noted(words, rule.id))
    return _unique(reasons)


def _unique(reasons: Iterable[Noted]) -> tuple[Noted, ...]:
    """One reason per sentence: the first rule that gave the words names it."""
    seen: dict[str, Noted] = {}
    for r in reasons:
        seen.setdefault(r.words, r)
    return tuple(seen.values())


def _applies_in_recovery(rule: AlertRule) -> bool:
    return rule.kind is AlertKind.THRESHOLD and MonitoringPhase.RECOVERY in rule.phases


def _whole_minute_up(at: datetime) -> datetime:
    """``09:40:24`` -> ``09:41:00``; a time already on the minute stays."""
    if at.second or at.microsecond:
        return at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return at


def _unmet(criterion: str, message: str, source: str) -> UnmetCriterion:
    return UnmetCriterion(criterion, message, source)


def _noted(criterion: str, template: str, reason: Reason) -> UnmetCriterion:
    """An unmet criterion about an alarm or reading: its words, and the rule behind it."""
    if isinstance(reason, Noted):
        return UnmetCriterion(criterion, template.format(reason.words), DEFAULT_SOURCE, reason.rule)
    return UnmetCriterion(criterion, template.format(reason), DEFAULT_SOURCE)


def _source(criteria: Discharge, name: str) -> str:
    ref = criteria.sources.get(name)
    return ref.key if ref is not None else DEFAULT_SOURCE


def _observation(
    criteria: Discharge, facts: DischargeFacts, earliest: datetime | None, at: datetime
) -> list[UnmetCriterion]:
    source = _source(criteria, "min_observation_min")
    if earliest is None:
        return [_unmet("min_observation", "end of dosing not recorded", source)]
    if at < earliest:
        remaining = int((earliest - at).total_seconds() + 59) // 60
        return [
            _unmet(
                "min_observation",
                f"observed less than {criteria.min_observation_min} min since end of "
                f"dosing ({remaining} min to go)",
                source,
            )
        ]
    return []


def _aldrete(criteria: Discharge, facts: DischargeFacts) -> list[UnmetCriterion]:
    source = _source(criteria, "aldrete_min_score")
    if facts.aldrete is None:
        return [_unmet("aldrete", "modified Aldrete score not recorded", source)]
    unmet = []
    if facts.aldrete.total < criteria.aldrete_min_score:
        message = f"modified Aldrete {facts.aldrete.total} < {criteria.aldrete_min_score}"
        unmet.append(_unmet("aldrete", message, source))
    alarm, scored = facts.latest_alarm_at, facts.aldrete_at
    if alarm is not None and scored is not None and alarm > scored:
        message = (
            f"an alarm at {alarm.astimezone(facts.zone):%H:%M} came after the modified Aldrete "
            f"score of {scored.astimezone(facts.zone):%H:%M}: score again before discharge"
        )
        unmet.append(_unmet("aldrete_after_alarm", message, source))
    return unmet


def _vitals(facts: DischargeFacts) -> list[UnmetCriterion]:
    if facts.vitals_out_of_limits is None:
        return [_unmet("vitals_within_limits", "recovery vitals not assessed", DEFAULT_SOURCE)]
    return [_noted("vitals_within_limits", "{}", r) for r in facts.vitals_out_of_limits]


def _gates(criteria: Discharge, facts: DischargeFacts) -> list[UnmetCriterion]:
    if not criteria.safety_flags_resolved:
        return []
    source = _source(criteria, "safety_flags_resolved")
    return [
        _unmet("safety_gates_clear", f"open safety gate: {g}", source)
        for g in facts.open_safety_gates
    ]


def _escort(criteria: Discharge, facts: DischargeFacts) -> list[UnmetCriterion]:
    if criteria.escort_required and not facts.escort_present:
        source = _source(criteria, "escort_required")
        return [_unmet("escort_present", "no responsible adult escort present", source)]
    return []
