"""Semantic checks of the monitoring section: each alert rule (parameter, unit, plausible
threshold, persistence, action and priority), the safety rules every pack must carry, data-missing
rules for every continuous parameter, and the instruments each visit records.

Plausibility limits (catalog) are data-entry sanity bounds: a pack whose SBP alarm sits at 1800
mmHg is a typo, and a typo in a safety threshold must not load.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.domain.protocols.catalog import (
    ALERT_PARAMETERS,
    DATA_MISSING_SECONDS,
    KNOWN_INSTRUMENTS,
)
from ketaclinic.domain.protocols.checks import check_source_key, check_sources, in_range, known
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.problems import ProblemLog
from ketaclinic.domain.protocols.sections import (
    AlertAction,
    AlertKind,
    AlertRule,
    AlertSeverity,
    Comparison,
    Monitoring,
    MonitoringPhase,
    Route,
)


def check_alert_rule(log: ProblemLog, rule: AlertRule) -> None:
    """Known parameter, its unit, a physiologically plausible threshold, sane persistence, and
    an action and priority that fit the rule's kind and phases."""
    path = f"monitoring.alert_rules[{rule.id}]"
    bounds = ALERT_PARAMETERS.get(rule.parameter)
    if bounds is None:
        known(
            log,
            f"{path}.parameter",
            rule.parameter,
            frozenset(ALERT_PARAMETERS),
            "vital-sign parameter",
        )
    elif rule.kind is AlertKind.DATA_MISSING:
        if rule.unit != "s":
            log.add(f"{path}.unit", rule.unit, "s (seconds without a reading)")
        in_range(log, f"{path}.threshold", rule.threshold, *DATA_MISSING_SECONDS)
    elif rule.kind is AlertKind.THRESHOLD:
        if rule.unit != bounds.unit:
            log.add(f"{path}.unit", rule.unit, f"{bounds.unit} for {rule.parameter}")
        in_range(log, f"{path}.threshold", rule.threshold, bounds.low, bounds.high)
    in_range(log, f"{path}.consecutive", rule.consecutive, 1, 10)
    in_range(log, f"{path}.span_min", rule.span_min, 0, 120)
    check_source_key(log, f"{path}.source", rule.source)
    _check_action(log, path, rule)


def _check_action(log: ProblemLog, path: str, rule: AlertRule) -> None:
    """Technical rules ask to check the sensor; holds are pre-dose only; pause and stop are
    high priority (IEC 60601-1-8: immediate response)."""
    technical = rule.kind is not AlertKind.THRESHOLD
    if technical != (rule.action is AlertAction.CHECK_SENSOR):
        want = "check_sensor" if technical else "an action other than check_sensor"
        log.add(f"{path}.action", rule.action.value, f"{want} for a {rule.kind.value} rule")
    if technical and rule.parameter == "overdue":
        log.add(f"{path}.kind", rule.kind.value, "threshold for the overdue rule")
    if rule.action is AlertAction.HOLD and rule.phases != (MonitoringPhase.PRE_DOSE,):
        log.add(f"{path}.phases", [p.value for p in rule.phases], "[pre_dose] for a hold rule")
    if not rule.phases or len(set(rule.phases)) != len(rule.phases):
        log.add(f"{path}.phases", [p.value for p in rule.phases], "distinct phases, at least one")
    acting = rule.action in (AlertAction.PAUSE, AlertAction.STOP)
    if acting and rule.severity is not AlertSeverity.HIGH:
        log.add(f"{path}.severity", rule.severity.value, f"high for a {rule.action.value} rule")


def check_monitoring(p: Protocol, log: ProblemLog) -> None:
    """Vital-sign schedule and alert rules (the mandatory rules are listed in
    :data:`MANDATORY_RULES`; every continuously monitored parameter has technical rules)."""
    m = p.monitoring
    in_range(log, "monitoring.vitals_every_min", m.vitals_every_min, 1, 60)
    in_range(log, "monitoring.recovery_vitals_every_min", m.recovery_vitals_every_min, 1, 60)
    in_range(
        log,
        "monitoring.predose_hold_sbp_mmhg",
        m.predose_hold_sbp_mmhg,
        ALERT_PARAMETERS["sbp"].low,
        ALERT_PARAMETERS["sbp"].high,
    )
    in_range(
        log,
        "monitoring.predose_hold_dbp_mmhg",
        m.predose_hold_dbp_mmhg,
        ALERT_PARAMETERS["dbp"].low,
        ALERT_PARAMETERS["dbp"].high,
    )
    for rule in m.alert_rules:
        check_alert_rule(log, rule)
    _check_mandatory_rules(log, m.alert_rules)
    _check_continuous(log, m)
    _check_scales(log, m, frozenset(p.dosing.routes))
    check_sources(log, "monitoring", m)


_HIGH = frozenset({Comparison.GT, Comparison.GE})
_LOW = frozenset({Comparison.LT, Comparison.LE})
_ACTING = frozenset({AlertAction.PAUSE, AlertAction.STOP})
_ANY = frozenset(AlertAction)
_DOSING = MonitoringPhase.INFUSING


@dataclass(frozen=True, slots=True)
class Required:
    """A rule every pack must have: what, on which parameter, in which direction and phase."""

    what: str
    parameter: str
    comparisons: frozenset[Comparison]
    actions: frozenset[AlertAction] = _ANY
    single_reading: bool = False
    phase: MonitoringPhase = _DOSING

    def met_by(self, rule: AlertRule) -> bool:
        return (
            rule.kind is AlertKind.THRESHOLD
            and rule.parameter == self.parameter
            and rule.comparison in self.comparisons
            and rule.action in self.actions
            and (not self.single_reading or rule.consecutive == 1)
            and self.phase in rule.phases
        )


#: clinical.md §4.3 (SBP pause/stop, SpO2 stop, severe BP once), §4.1 (HR, RR, SpO2 watched).
MANDATORY_RULES: tuple[Required, ...] = (
    Required("an sbp rule whose action is pause or stop", "sbp", _HIGH, _ACTING),
    Required("a single-reading severe sbp rule that pauses or stops", "sbp", _HIGH, _ACTING, True),
    Required("a single-reading severe dbp rule that pauses or stops", "dbp", _HIGH, _ACTING, True),
    Required("a single-reading hypotension (low sbp) rule", "sbp", _LOW, single_reading=True),
    Required("an spo2 rule whose action is stop", "spo2", _LOW, frozenset({AlertAction.STOP})),
    Required("a single-reading deep desaturation rule", "spo2", _LOW, _ACTING, True),
    Required("a single-reading extreme bradycardia rule", "hr", _LOW, single_reading=True),
    Required("a single-reading extreme tachycardia rule", "hr", _HIGH, single_reading=True),
    Required("a bradypnoea (low rr) rule", "rr", _LOW),
    Required("a tachypnoea (high rr) rule", "rr", _HIGH),
    Required(
        "a pre-dose hold on low spo2",
        "spo2",
        _LOW,
        frozenset({AlertAction.HOLD}),
        True,
        MonitoringPhase.PRE_DOSE,
    ),
    Required(
        "a pre-dose hold on high hr",
        "hr",
        _HIGH,
        frozenset({AlertAction.HOLD}),
        True,
        MonitoringPhase.PRE_DOSE,
    ),
)


def _check_mandatory_rules(log: ProblemLog, rules: tuple[AlertRule, ...]) -> None:
    """Every rule of :data:`MANDATORY_RULES` has at least one matching alert rule."""
    ids = sorted(r.id for r in rules)
    for required in MANDATORY_RULES:
        if not any(required.met_by(rule) for rule in rules):
            log.add("monitoring.alert_rules", ids, required.what)


def _check_continuous(log: ProblemLog, m: Monitoring) -> None:
    """SpO2 and HR are watched continuously (clinical.md §4.1); each continuous parameter has a
    data_missing and a signal_lost rule that apply while dosing and in recovery."""
    for index, parameter in enumerate(m.continuous_parameters):
        if parameter not in ALERT_PARAMETERS or parameter == "overdue":
            log.add(f"monitoring.continuous_parameters[{index}]", parameter, "a vital sign")
    for parameter in sorted({"spo2", "hr"} - set(m.continuous_parameters)):
        log.add(
            "monitoring.continuous_parameters",
            list(m.continuous_parameters),
            f"a list that includes {parameter}",
        )
    for parameter in m.continuous_parameters:
        for kind in (AlertKind.DATA_MISSING, AlertKind.SIGNAL_LOST):
            if not any(
                r.kind is kind
                and r.parameter == parameter
                and {MonitoringPhase.INFUSING, MonitoringPhase.RECOVERY} <= set(r.phases)
                for r in m.alert_rules
            ):
                log.add(
                    "monitoring.alert_rules",
                    sorted(r.id for r in m.alert_rules),
                    f"a {kind.value} rule on {parameter} while dosing and in recovery",
                )


def _check_scales(log: ProblemLog, m: Monitoring, routes: frozenset[Route]) -> None:
    for scale in m.scales:
        tag = "+".join(r.value for r in scale.routes)
        path = f"monitoring.scales[{scale.instrument}{'@' + tag if tag else ''}]"
        unknown = [r.value for r in scale.routes if r not in routes]
        if unknown or len(set(scale.routes)) != len(scale.routes):
            log.add(f"{path}.routes", unknown or tag, "distinct routes dosed by this pack")
        if scale.source:
            check_source_key(log, f"{path}.source", scale.source)
        elif scale.needs_signoff:
            log.add(f"{path}.source", "", "a source key for a default that needs sign-off")
        others = [o for o in m.scales if o is not scale and o.instrument == scale.instrument]
        if any(
            not o.routes or not scale.routes or set(o.routes) & set(scale.routes) for o in others
        ):
            log.add(f"{path}.routes", tag, "one schedule per instrument for each route")
        known(log, f"{path}.instrument", scale.instrument, KNOWN_INSTRUMENTS, "instrument")
        minutes = list(scale.at_minutes)
        if minutes != sorted(set(minutes)) or any(t < 0 for t in minutes):
            log.add(f"{path}.at_minutes", minutes, "distinct ascending minutes >= 0")
    for index, instrument in enumerate(m.every_visit_instruments):
        path = f"monitoring.every_visit_instruments[{index}]"
        known(log, path, instrument, KNOWN_INSTRUMENTS, "instrument")
