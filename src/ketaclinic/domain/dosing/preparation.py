"""IV preparation and infusion-pump arithmetic for a computed dose.

Source: clinical.md §2.4 (Ketalar PI label facts and the derived formulas):

- strengths 10, 50 and 100 mg/mL; the 10 mg/mL product is isotonic and **not to be diluted**;
- 100 mg/mL must **never** be given IV undiluted: dilute with at least an equal volume, so the
  final concentration is at most 50 mg/mL;
- ``draw_volume_mL = dose_mg / vial_mg_per_mL``; ``final_conc = dose_mg / final_volume_mL``;
  ``rate_mL_per_h = final_volume_mL x 60 / duration_min``; ``mg/kg/h = mg/kg x 60 / duration_min``.

Infusion time: the route's ``duration_min`` is the shortest infusion; an IV dose whose dose rate
over it would exceed ``max_mg_per_kg_per_h`` runs longer (whole minutes, rounded up) so the rate
stays within the limit: 0.5 mg/kg stays 40 min, 0.75 mg/kg runs 45 min (Cusin 2017, clinical.md
§2.2) and 1.0 mg/kg 60 min (ASKP3: 0.5-1 mg/kg over 40-60 min; Pennsylvania 2020 <= 1 mg/kg/h,
§2.1). An infusion longer than :data:`MAX_INFUSION_MIN` is refused.

Every refusal is a :class:`DosingReason` in :attr:`PreparationResult.refusals`; the arithmetic is
still computed where it can be, so the order screen can show what was refused and why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from ketaclinic.domain.dosing.calculation import DoseCalculation
from ketaclinic.domain.dosing.reasons import CLINICAL_2_4, KETALAR_PI, DosingReason, protocol_reason
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import Route, RouteDosing

LABEL_STRENGTHS_MG_PER_ML = (Decimal(10), Decimal(50), Decimal(100))  # Ketalar PI
UNDILUTABLE_MG_PER_ML = Decimal(10)  # isotonic; label: not to be diluted
MUST_DILUTE_MG_PER_ML = Decimal(100)  # label: dilute with an equal volume before IV use
MAX_IV_FROM_100_MG_PER_ML = Decimal(50)  # 100 mg/mL + an equal volume of diluent
VOLUME_PLACES = Decimal("0.01")  # mL, what a 1 mL syringe can measure
RATE_PLACES = Decimal("0.1")  # mL/h, what infusion pumps are programmed in
CONCENTRATION_PLACES = Decimal("0.001")  # mg/mL
_MINUTES_PER_HOUR = Decimal(60)
MAX_INFUSION_MIN = 240  # the longest plausible infusion (the protocol check's duration range)


def infusion_duration_min(route: RouteDosing, mg_per_kg: Decimal) -> int:
    """Minutes an IV dose of ``mg_per_kg`` runs: ``duration_min`` or longer, so that
    ``mg_per_kg x 60 / minutes <= max_mg_per_kg_per_h`` (whole minutes, rounded up)."""
    limit = route.max_mg_per_kg_per_h
    if route.route is not Route.IV or limit is None or limit <= 0 or mg_per_kg <= 0:
        return route.duration_min
    needed = math.ceil(mg_per_kg * _MINUTES_PER_HOUR / limit)
    return max(route.duration_min, needed)


def dose_rate_mg_per_kg_per_h(mg_per_kg: Decimal, minutes: int) -> Decimal:
    """mg/kg/h of ``mg_per_kg`` run over ``minutes`` (0.001 mg/kg/h)."""
    rate = mg_per_kg * _MINUTES_PER_HOUR / Decimal(minutes)
    return rate.quantize(CONCENTRATION_PLACES, ROUND_HALF_EVEN)


def infusion_time_refusals(route: RouteDosing, mg_per_kg: Decimal) -> tuple[DosingReason, ...]:
    """The dose-rate limit checked with or without a vial: refused when keeping the dose rate
    within ``max_mg_per_kg_per_h`` would need an infusion longer than MAX_INFUSION_MIN."""
    minutes = infusion_duration_min(route, mg_per_kg)
    if minutes <= MAX_INFUSION_MIN:
        return ()
    return (
        protocol_reason(
            "prep.dose_rate_above_limit",
            f"{mg_per_kg} mg/kg within {route.max_mg_per_kg_per_h} mg/kg/h needs {minutes} min, "
            f"longer than {MAX_INFUSION_MIN} min",
            route.sources,
            "max_mg_per_kg_per_h",
            "clinical.md §2.1",
        ),
    )


@dataclass(frozen=True, slots=True)
class Preparation:
    """How the dose is drawn, diluted and run. Volumes in mL, rates in mL/h and mg/kg/h.

    ``final_volume_ml`` equals ``draw_volume_ml`` (no diluent) when the drug runs undiluted.
    ``rate_ml_per_h`` and ``mg_per_kg_per_h`` are None for a non-infused route (IM).
    """

    route: Route
    vial_mg_per_ml: Decimal
    draw_volume_ml: Decimal
    diluent_volume_ml: Decimal
    final_volume_ml: Decimal
    final_concentration_mg_per_ml: Decimal
    duration_min: int
    rate_ml_per_h: Decimal | None
    mg_per_kg_per_h: Decimal | None
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PreparationResult:
    """The preparation and every refusal; ``accepted`` only when there is none."""

    preparation: Preparation
    refusals: tuple[DosingReason, ...]

    @property
    def accepted(self) -> bool:
        return not self.refusals


def infusion_rate_ml_per_h(final_volume_ml: Decimal, duration_min: int) -> Decimal:
    """Pump rate in mL/h to run ``final_volume_ml`` over ``duration_min``, to 0.1 mL/h."""
    if duration_min <= 0:
        raise ValidationFailed({"duration_min": "must be greater than zero"})
    rate = final_volume_ml * _MINUTES_PER_HOUR / Decimal(duration_min)
    return rate.quantize(RATE_PLACES, ROUND_HALF_EVEN)


def prepare_dose(
    route: RouteDosing,
    dose: DoseCalculation,
    *,
    vial_mg_per_ml: Decimal,
    final_volume_ml: Decimal | None = None,
) -> PreparationResult:
    """Preparation of ``dose`` from a ``vial_mg_per_ml`` vial, diluted to ``final_volume_ml``.

    IV plans get a pump rate over the route's ``duration_min`` and the dose rate in mg/kg/h; IM
    plans get a draw volume only. ``final_volume_ml`` None means undiluted. Refusals: a strength
    the label or the protocol does not list, a final volume below the drawn volume, 100 mg/mL IV
    without an equal-volume dilution, diluting the 10 mg/mL product, a pump rate or mg/kg/h above
    the protocol's limits. Source: clinical.md §2.4 / Ketalar PI.
    """
    if route.route not in (Route.IV, Route.IM):
        raise ValidationFailed({"route": f"{route.route.value} doses are not drawn from a vial"})
    if not vial_mg_per_ml > 0:
        raise ValidationFailed({"vial_mg_per_ml": "must be greater than zero"})
    if final_volume_ml is not None and not final_volume_ml > 0:
        raise ValidationFailed({"final_volume_ml": "must be greater than zero"})
    preparation = _arithmetic(route, dose, vial_mg_per_ml, final_volume_ml)
    refusals = (
        _strength_refusals(route, vial_mg_per_ml)
        + _dilution_refusals(route.route, preparation, final_volume_ml)
        + _pump_refusals(route, preparation)
        + infusion_time_refusals(route, dose.effective_mg_per_kg)
    )
    return PreparationResult(preparation, refusals)


def _arithmetic(
    route: RouteDosing, dose: DoseCalculation, vial: Decimal, final_volume: Decimal | None
) -> Preparation:
    draw = (dose.dose_mg / vial).quantize(VOLUME_PLACES, ROUND_HALF_EVEN)
    final = draw if final_volume is None else final_volume
    concentration = Decimal(0)
    if final > 0:  # a zero dose (refused upstream) draws nothing
        concentration = (dose.dose_mg / final).quantize(CONCENTRATION_PLACES, ROUND_HALF_EVEN)
    diluent = max(final - draw, Decimal(0))
    steps = [
        f"draw = {dose.dose_mg} mg / {vial} mg/mL = {draw} mL",
        f"final volume = {final} mL ({diluent} mL diluent); "
        f"concentration = {dose.dose_mg} mg / {final} mL = {concentration} mg/mL",
    ]
    rate = per_kg_per_h = None
    minutes = infusion_duration_min(route, dose.effective_mg_per_kg)
    if route.route is Route.IV:
        rate = infusion_rate_ml_per_h(final, minutes)
        per_kg_per_h = dose_rate_mg_per_kg_per_h(dose.effective_mg_per_kg, minutes)
        if minutes != route.duration_min:
            steps.append(
                f"duration = {dose.effective_mg_per_kg} mg/kg x 60 / "
                f"{route.max_mg_per_kg_per_h} mg/kg/h = {minutes} min (longer than the "
                f"{route.duration_min} min minimum, within the dose-rate limit)"
            )
        steps.append(f"rate = {final} mL x 60 / {minutes} min = {rate} mL/h")
        steps.append(
            f"dose rate = {dose.effective_mg_per_kg} mg/kg x 60 / {minutes} min "
            f"= {per_kg_per_h} mg/kg/h"
        )
    return Preparation(
        route.route,
        vial,
        draw,
        diluent,
        final,
        concentration,
        minutes,
        rate,
        per_kg_per_h,
        tuple(steps),
    )


def _strength_refusals(route: RouteDosing, vial: Decimal) -> tuple[DosingReason, ...]:
    refusals: list[DosingReason] = []
    if vial not in LABEL_STRENGTHS_MG_PER_ML:
        refusals.append(
            DosingReason(
                "prep.vial_not_label_strength",
                f"{vial} mg/mL is not a marketed strength (10, 50 or 100 mg/mL)",
                KETALAR_PI,
            )
        )
    if vial not in route.concentrations_mg_per_ml:
        allowed = ", ".join(str(c) for c in route.concentrations_mg_per_ml)
        refusals.append(
            protocol_reason(
                "prep.vial_not_in_protocol",
                f"{vial} mg/mL is not stocked by the protocol ({allowed})",
                route.sources,
                "concentrations_mg_per_ml",
                CLINICAL_2_4,
            )
        )
    return tuple(refusals)


def _dilution_refusals(
    route: Route, prep: Preparation, final_volume: Decimal | None
) -> tuple[DosingReason, ...]:
    refusals: list[DosingReason] = []
    if final_volume is not None and final_volume < prep.draw_volume_ml:
        refusals.append(
            DosingReason(
                "prep.final_volume_below_draw",
                f"final volume {final_volume} mL is less than the {prep.draw_volume_ml} mL drawn",
                CLINICAL_2_4,
            )
        )
    if prep.vial_mg_per_ml == UNDILUTABLE_MG_PER_ML and prep.diluent_volume_ml > 0:
        refusals.append(
            DosingReason(
                "prep.dilutes_10_mg_per_ml",
                "the 10 mg/mL product is isotonic and is not to be diluted",
                KETALAR_PI,
            )
        )
    concentrated = prep.final_concentration_mg_per_ml > MAX_IV_FROM_100_MG_PER_ML
    if route is Route.IV and prep.vial_mg_per_ml == MUST_DILUTE_MG_PER_ML and concentrated:
        refusals.append(
            DosingReason(
                "prep.iv_100_mg_per_ml_undiluted",
                "100 mg/mL must never be given IV undiluted: dilute with at least an equal volume "
                f"(final {prep.final_concentration_mg_per_ml} mg/mL > 50 mg/mL)",
                KETALAR_PI,
            )
        )
    return tuple(refusals)


def _pump_refusals(route: RouteDosing, prep: Preparation) -> tuple[DosingReason, ...]:
    refusals: list[DosingReason] = []
    max_rate, max_per_kg = route.max_rate_ml_per_h, route.max_mg_per_kg_per_h
    if prep.rate_ml_per_h is not None and max_rate is not None and prep.rate_ml_per_h > max_rate:
        refusals.append(
            protocol_reason(
                "prep.rate_above_pump_limit",
                f"pump rate {prep.rate_ml_per_h} mL/h exceeds the protocol limit {max_rate} mL/h",
                route.sources,
                "max_rate_ml_per_h",
                CLINICAL_2_4,
            )
        )
    per_kg = prep.mg_per_kg_per_h
    if per_kg is not None and max_per_kg is not None and per_kg > max_per_kg:
        refusals.append(
            protocol_reason(
                "prep.dose_rate_above_limit",
                f"dose rate {per_kg} mg/kg/h exceeds the protocol limit {max_per_kg} mg/kg/h",
                route.sources,
                "max_mg_per_kg_per_h",
                "clinical.md §2.1",
            )
        )
    return tuple(refusals)
