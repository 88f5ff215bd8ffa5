"""Semantic checks of the care sections: dosing, series and discharge (monitoring is in
:mod:`checks_monitoring`, outcomes in :mod:`checks_outcomes`).

Plausibility limits (catalog) are data-entry sanity bounds: a pack whose ceiling is 50 mg/kg is a
typo, and a typo in a safety threshold must not load.
"""

from __future__ import annotations

from decimal import Decimal

from ketaclinic.domain.dosing.preparation import MAX_INFUSION_MIN, infusion_duration_min
from ketaclinic.domain.protocols.catalog import (
    INSTRUMENT_SCORE_RANGES,
    MAX_PLAUSIBLE_MG,
    MAX_PLAUSIBLE_MG_PER_KG,
    MAX_PLAUSIBLE_MG_PER_ML,
)
from ketaclinic.domain.protocols.checks import check_source_key, check_sources, in_range
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.problems import ProblemLog
from ketaclinic.domain.protocols.sections import (
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
    listed = [("premedications", m) for m in p.dosing.premedications]
    for name, premed in listed + [("rescue", m) for m in p.dosing.rescue]:
        path = f"dosing.{name}[{premed.drug}]"
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
