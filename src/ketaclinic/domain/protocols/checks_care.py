"""Semantic checks of the care sections: dosing, series, monitoring, discharge, outcomes.

Plausibility limits (catalog) are data-entry sanity bounds: a pack whose SBP alarm sits at 1800
mmHg or whose ceiling is 50 mg/kg is a typo, and a typo in a safety threshold must not load.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ketaclinic.domain.dosing.preparation import MAX_INFUSION_MIN, infusion_duration_min
from ketaclinic.domain.protocols.catalog import (
    ALERT_PARAMETERS,
    DATA_MISSING_SECONDS,
    INSTRUMENT_SCORE_RANGES,
    KNOWN_INSTRUMENTS,
    MAX_PLAUSIBLE_MG,
    MAX_PLAUSIBLE_MG_PER_KG,
    MAX_PLAUSIBLE_MG_PER_ML,
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
    RouteDosing,
    WeightBasis,
)

_ZERO = Decimal(0)
_TINY = Decimal("0.001")


def check_route(log: ProblemLog, path: str, rd: RouteDosing) -> None:
    """One route's dosing: one start form, start within ceilings, plausible ceilings and rates."""
    if (rd.start_mg_per_kg is None) == (rd.start_fixed_mg is None):
        log.add(
            f"{path}.start_mg_per_kg",
            rd.start_mg_per_kg,
            "exactly one of start_mg_per_kg or start_fixed_mg",
        )
    in_range(log, f"{path}.max_mg_per_kg", rd.max_mg_per_kg, _TINY, MAX_PLAUSIBLE_MG_PER_KG)
    in_range(log, f"{path}.max_mg", rd.max_mg, _TINY, MAX_PLAUSIBLE_MG)
    if (
        rd.start_mg_per_kg is not None
        and in_range(
            log, f"{path}.start_mg_per_kg", rd.start_mg_per_kg, _TINY, MAX_PLAUSIBLE_MG_PER_KG
        )
        and rd.start_mg_per_kg > rd.max_mg_per_kg
    ):
        log.add(
            f"{path}.start_mg_per_kg",
            rd.start_mg_per_kg,
            f"<= max_mg_per_kg ({rd.max_mg_per_kg})",
        )
    if (
        rd.start_fixed_mg is not None
        and in_range(log, f"{path}.start_fixed_mg", rd.start_fixed_mg, _TINY, MAX_PLAUSIBLE_MG)
        and rd.start_fixed_mg > rd.max_mg
    ):
        log.add(f"{path}.start_fixed_mg", rd.start_fixed_mg, f"<= max_mg ({rd.max_mg})")
    in_range(log, f"{path}.duration_min", rd.duration_min, 1, 240)
    _check_weight_basis(log, path, rd)
    _check_steps_and_concentrations(log, path, rd)
    _check_rates(log, path, rd)
    _check_orderable(log, path, rd)
    check_sources(log, path, rd)


def _check_weight_basis(log: ProblemLog, path: str, rd: RouteDosing) -> None:
    if rd.weight_basis is WeightBasis.CLINICIAN:
        log.add(f"{path}.weight_basis", rd.weight_basis.value, "actual, ideal or adjusted")
    if rd.adjusted_above_bmi is not None:
        in_range(log, f"{path}.adjusted_above_bmi", rd.adjusted_above_bmi, 15, 70)
    in_range(log, f"{path}.adjusted_weight_factor", rd.adjusted_weight_factor, _ZERO, Decimal(1))


def _check_steps_and_concentrations(log: ProblemLog, path: str, rd: RouteDosing) -> None:
    if rd.titration_step_mg_per_kg is not None:
        in_range(
            log,
            f"{path}.titration_step_mg_per_kg",
            rd.titration_step_mg_per_kg,
            _TINY,
            rd.max_mg_per_kg,
        )
    if rd.titration_step_mg is not None:
        in_range(log, f"{path}.titration_step_mg", rd.titration_step_mg, _TINY, rd.max_mg)
    in_range(log, f"{path}.rounding_mg", rd.rounding_mg, _TINY, Decimal(100))
    if rd.route in (Route.IV, Route.IM) and not rd.concentrations_mg_per_ml:
        log.add(
            f"{path}.concentrations_mg_per_ml",
            [],
            "at least one allowed concentration for an injection",
        )
    for index, conc in enumerate(rd.concentrations_mg_per_ml):
        in_range(
            log, f"{path}.concentrations_mg_per_ml[{index}]", conc, _TINY, MAX_PLAUSIBLE_MG_PER_ML
        )


def _check_rates(log: ProblemLog, path: str, rd: RouteDosing) -> None:
    if rd.route is Route.IV and rd.max_mg_per_kg_per_h is None:
        log.add(f"{path}.max_mg_per_kg_per_h", None, "a pump dose-rate ceiling for the IV route")
    if rd.max_mg_per_kg_per_h is not None:
        rate_path = f"{path}.max_mg_per_kg_per_h"
        if in_range(log, rate_path, rd.max_mg_per_kg_per_h, _TINY, MAX_PLAUSIBLE_MG_PER_KG):
            start = rd.start_mg_per_kg
            if start is not None and start * 60 / rd.duration_min > rd.max_mg_per_kg_per_h:
                rate = start * 60 / rd.duration_min
                log.add(
                    f"{path}.start_mg_per_kg",
                    start,
                    f"a start whose rate ({rate:.3f} mg/kg/h) is <= max_mg_per_kg_per_h",
                )
    if rd.max_rate_ml_per_h is not None:
        in_range(log, f"{path}.max_rate_ml_per_h", rd.max_rate_ml_per_h, _TINY, Decimal(2000))


def titration_levels_mg_per_kg(rd: RouteDosing) -> tuple[Decimal, ...]:
    """The mg/kg doses the titration can ask for: the start, each step up while under the
    ceiling, and the ceiling itself (empty for a fixed-dose route)."""
    start, step, top = rd.start_mg_per_kg, rd.titration_step_mg_per_kg, rd.max_mg_per_kg
    if start is None:
        return ()
    levels = [start]
    while step is not None and step > 0 and levels[-1] + step <= top and len(levels) < 100:
        levels.append(levels[-1] + step)
    if top not in levels:
        levels.append(top)
    return tuple(levels)


def _check_orderable(log: ProblemLog, path: str, rd: RouteDosing) -> None:
    """Coherence: every titration level and the ceiling can be ordered under the route's own
    limits. An IV level runs longer than ``duration_min`` when its dose rate would exceed
    ``max_mg_per_kg_per_h`` (clinical.md §2.1, §2.2); it must fit within MAX_INFUSION_MIN."""
    if rd.route is not Route.IV or rd.max_mg_per_kg_per_h is None or rd.max_mg_per_kg_per_h <= 0:
        return
    if rd.start_mg_per_kg is None or rd.start_mg_per_kg > rd.max_mg_per_kg:
        return  # reported by the start checks
    for level in titration_levels_mg_per_kg(rd):
        minutes = infusion_duration_min(rd, level)
        if minutes > MAX_INFUSION_MIN:
            field = "max_mg_per_kg" if level == rd.max_mg_per_kg else "titration_step_mg_per_kg"
            log.add(
                f"{path}.{field}",
                level,
                f"a dose that can be given within max_mg_per_kg_per_h "
                f"({rd.max_mg_per_kg_per_h} mg/kg/h) in at most {MAX_INFUSION_MIN} min "
                f"({level} mg/kg needs {minutes} min)",
            )
            return


def check_dosing(p: Protocol, log: ProblemLog) -> None:
    """Every route, premedication and titration rule of the pack."""
    for route, rd in p.dosing.routes.items():
        check_route(log, f"dosing.{route.value}", rd)
    for premed in p.dosing.premedications:
        path = f"dosing.premedications[{premed.drug}]"
        in_range(log, f"{path}.dose_mg", premed.dose_mg, _TINY, Decimal(100))
        check_source_key(log, f"{path}.source", premed.source or "")
    t = p.dosing.titration
    lo, hi = INSTRUMENT_SCORE_RANGES["cadss6"]
    in_range(log, "dosing.titration.excessive_cadss6_total", t.excessive_cadss6_total, lo, hi)
    in_range(log, "dosing.titration.insufficient_cadss6_total", t.insufficient_cadss6_total, lo, hi)
    if t.insufficient_cadss6_total >= t.excessive_cadss6_total:
        log.add(
            "dosing.titration.insufficient_cadss6_total",
            t.insufficient_cadss6_total,
            f"< excessive_cadss6_total ({t.excessive_cadss6_total})",
        )
    in_range(
        log, "dosing.titration.step_up_after_session", t.step_up_after_session, 1, p.series.sessions
    )
    in_range(
        log,
        "dosing.titration.no_response_pct_drop_below",
        t.no_response_pct_drop_below,
        _ZERO,
        Decimal(100),
    )
    in_range(log, "dosing.titration.min_sleep_hours", t.min_sleep_hours, _ZERO, Decimal(24))
    check_sources(log, "dosing.titration", t)


def check_series(p: Protocol, log: ProblemLog) -> None:
    """Sessions, window bounds (lower <= upper), spacing that fits the window, chair time."""
    s = p.series
    in_range(log, "series.sessions", s.sessions, 1, 30)
    in_range(log, "series.window_min_days", s.window_min_days, 0, 365)
    in_range(log, "series.window_max_days", s.window_max_days, 1, 365)
    if s.window_min_days > s.window_max_days:
        log.add(
            "series.window_min_days", s.window_min_days, f"<= window_max_days ({s.window_max_days})"
        )
    in_range(log, "series.min_hours_between", s.min_hours_between, 0, 24 * 60)
    if (s.sessions - 1) * s.min_hours_between > s.window_max_days * 24:
        log.add(
            "series.min_hours_between",
            s.min_hours_between,
            f"a spacing that fits {s.sessions} sessions in {s.window_max_days} days",
        )
    for index, day in enumerate(s.preferred_weekdays):
        in_range(log, f"series.preferred_weekdays[{index}]", day, 0, 6)
    longest = max(rd.duration_min for rd in p.dosing.routes.values())
    needed = longest + p.discharge.min_observation_min
    in_range(log, "series.session_minutes", s.session_minutes, needed, 24 * 60)
    check_sources(log, "series", s)


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
    _check_scales(log, m)
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


def _check_scales(log: ProblemLog, m: Monitoring) -> None:
    for scale in m.scales:
        path = f"monitoring.scales[{scale.instrument}]"
        known(log, f"{path}.instrument", scale.instrument, KNOWN_INSTRUMENTS, "instrument")
        minutes = list(scale.at_minutes)
        if minutes != sorted(set(minutes)) or any(t < 0 for t in minutes):
            log.add(f"{path}.at_minutes", minutes, "distinct ascending minutes >= 0")
    for index, instrument in enumerate(m.every_visit_instruments):
        path = f"monitoring.every_visit_instruments[{index}]"
        known(log, path, instrument, KNOWN_INSTRUMENTS, "instrument")


def check_discharge(p: Protocol, log: ProblemLog) -> None:
    """Aldrete threshold on its 0-10 scale, observation time, open safety flags always block."""
    d = p.discharge
    in_range(log, "discharge.aldrete_min_score", d.aldrete_min_score, 0, 10)
    in_range(log, "discharge.min_observation_min", d.min_observation_min, 0, 600)
    if not d.safety_flags_resolved:
        log.add(
            "discharge.safety_flags_resolved", False, "true: open safety flags must block discharge"
        )
    check_sources(log, "discharge", d)
