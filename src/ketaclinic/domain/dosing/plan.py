"""A complete dose plan under a protocol: dosing weight, dose, preparation and every refusal.

This is what the order screen and ``ketaclinic dose calc`` show. It composes
:func:`~ketaclinic.domain.dosing.weight.determine_dosing_weight`,
:func:`~ketaclinic.domain.dosing.calculation.calculate_dose` and
:func:`~ketaclinic.domain.dosing.preparation.prepare_dose`; a plan with any refusal cannot be
ordered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ketaclinic.domain.dosing.calculation import DoseCalculation, calculate_dose
from ketaclinic.domain.dosing.preparation import (
    PreparationResult,
    dose_rate_mg_per_kg_per_h,
    infusion_duration_min,
    infusion_time_refusals,
    prepare_dose,
)
from ketaclinic.domain.dosing.reasons import DosingReason
from ketaclinic.domain.dosing.weight import (
    ChosenWeight,
    DosingWeight,
    Sex,
    WeightMeasurement,
    determine_dosing_weight,
)
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Route, RouteDosing


@dataclass(frozen=True, slots=True)
class DoseRequest:
    """What the prescriber (or the CLI) asks for. Without mg/kg or fixed mg: the route's start dose.

    ``vial_mg_per_ml`` None means no preparation is computed (dose only); ``final_volume_ml`` None
    means undiluted.
    """

    route: Route
    sex: Sex
    age_years: int
    mg_per_kg: Decimal | None = None
    fixed_mg: Decimal | None = None
    vial_mg_per_ml: Decimal | None = None
    final_volume_ml: Decimal | None = None
    chosen_weight: ChosenWeight | None = None  # the prescriber's dosing weight, with a reason


@dataclass(frozen=True, slots=True)
class DosePlan:
    """The outcome: each part present when it could be computed, and every refusal."""

    protocol_ref: str
    route: Route
    dosing_weight: DosingWeight | None
    dose: DoseCalculation | None
    preparation: PreparationResult | None
    refusals: tuple[DosingReason, ...]
    duration_min: int | None = None  # minutes the dose runs; None when the route is absent
    mg_per_kg_per_h: Decimal | None = None  # IV dose rate, computed with or without a vial

    @property
    def accepted(self) -> bool:
        """True only when a dose exists and nothing refused the plan."""
        return self.dose is not None and not self.refusals

    @property
    def reasons(self) -> tuple[DosingReason, ...]:
        """Every non-refusal reason (basis chosen, ceilings applied) in order."""
        weight = self.dosing_weight.reasons if self.dosing_weight else ()
        dose = self.dose.reasons if self.dose else ()
        return weight + dose


def plan_dose(
    protocol: Protocol,
    request: DoseRequest,
    measurements: Sequence[WeightMeasurement],
    *,
    at: datetime,
) -> DosePlan:
    """The dose plan for ``request`` under ``protocol`` at time ``at``.

    Refusals (never exceptions) for: a route the protocol does not dose, an age outside the
    protocol population, a missing, future or stale weight, an undefined ideal weight, a dose below
    one measurable step, and every preparation refusal. Sources as in the composed rules.
    """
    route = protocol.dosing.routes.get(request.route)
    if route is None:
        return _refused(protocol, request, _route_missing(protocol, request.route))
    refusals = _population_refusals(protocol, request.age_years)
    weight_result = determine_dosing_weight(
        route,
        measurements,
        request.sex,
        at=at,
        max_weight_age_days=protocol.evaluation.max_weight_age_days,
        chosen=request.chosen_weight,
    )
    refusals += weight_result.refusals
    weight = weight_result.dosing_weight
    if weight is None:
        return DosePlan(protocol.ref, request.route, None, None, None, refusals, route.duration_min)
    dose = calculate_dose(route, weight, mg_per_kg=request.mg_per_kg, fixed_mg=request.fixed_mg)
    refusals += dose.refusals
    minutes = infusion_duration_min(route, dose.effective_mg_per_kg)
    per_kg_per_h = None
    if route.route is Route.IV:
        per_kg_per_h = dose_rate_mg_per_kg_per_h(dose.effective_mg_per_kg, minutes)
    preparation = _prepare(route, dose, request)
    if preparation is not None:
        refusals += preparation.refusals
    else:  # the same dose-rate check as an order, without a vial
        refusals += infusion_time_refusals(route, dose.effective_mg_per_kg)
    return DosePlan(
        protocol.ref, request.route, weight, dose, preparation, refusals, minutes, per_kg_per_h
    )


def _prepare(
    route: RouteDosing, dose: DoseCalculation, request: DoseRequest
) -> PreparationResult | None:
    if request.vial_mg_per_ml is None:
        return None
    if route.route not in (Route.IV, Route.IM):
        raise ValidationFailed({"vial_mg_per_ml": f"not used for {route.route.value} doses"})
    return prepare_dose(
        route, dose, vial_mg_per_ml=request.vial_mg_per_ml, final_volume_ml=request.final_volume_ml
    )


def _population_refusals(protocol: Protocol, age_years: int) -> tuple[DosingReason, ...]:
    age = protocol.population.age
    if age.contains(age_years):
        return ()
    source = protocol.population.sources.get("age")
    return (
        DosingReason(
            "plan.age_outside_population",
            f"age {age_years} is outside this protocol's {age.min_years}-{age.max_years} years",
            source.key if source else f"protocol {protocol.ref}",
        ),
    )


def _route_missing(protocol: Protocol, route: Route) -> DosingReason:
    return DosingReason(
        "plan.route_not_in_protocol",
        f"protocol {protocol.ref} has no {route.value} dosing",
        f"protocol {protocol.ref}",
    )


def _refused(protocol: Protocol, request: DoseRequest, reason: DosingReason) -> DosePlan:
    return DosePlan(protocol.ref, request.route, None, None, None, (reason,))
