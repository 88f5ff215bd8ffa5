"""The dose for one route: mg/kg x dosing weight (or fixed mg), ceilings, then the measurable step.

Source: clinical.md §2.2 (no consensus maximum: site-configured max mg/kg and max absolute mg per
session, UNCONFIRMED as guideline numbers) and §2.4 (``dose_mg = dose_mg_per_kg x dosing_weight_kg``
then the site max-mg cap; adolescent 90 kg with a 40 mg cap gets 40 mg).

Order of operations, chosen so that no path can exceed a ceiling:

1. requested mg = mg/kg x dosing weight, or the fixed mg;
2. ceiling mg = min(max_mg_per_kg x dosing weight, max_mg);
3. at or under the ceiling: round to the nearest step (ties down); if that lands above the ceiling,
   round down instead. Over the ceiling: the largest step multiple at or under the ceiling, and
   ``capped_by`` names the ceiling that bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_DOWN, Decimal
from enum import StrEnum

from ketaclinic.domain.dosing.reasons import DosingReason, protocol_reason
from ketaclinic.domain.dosing.weight import DosingWeight
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import Route, RouteDosing

CLINICAL_2_2 = "clinical.md §2.2"
#: The rule that refuses a dose asked for above a ceiling (it is never silently capped).
REQUEST_ABOVE_CEILING = "dose.request_above_ceiling"
_MG_PER_KG_PLACES = Decimal("0.001")


class Ceiling(StrEnum):
    """The protocol ceilings a dose can be clipped by."""

    MAX_MG_PER_KG = "max_mg_per_kg"
    MAX_MG = "max_mg"


@dataclass(frozen=True, slots=True)
class DoseCalculation:
    """A computed dose in mg for one route, with its arithmetic and every reason.

    ``requested_mg`` is before ceilings and rounding; ``dose_mg`` is what may be ordered.
    ``capped_by`` is the ceiling that bound (None when no ceiling clipped the dose) and
    ``ceilings_exceeded`` every ceiling the request went over. ``refusals`` is non-empty when no
    dose can be given (for example the ceiling is below one measurable step).
    """

    route: Route
    dose_mg: Decimal
    requested_mg_per_kg: Decimal | None
    requested_mg: Decimal
    effective_mg_per_kg: Decimal
    ceiling_mg: Decimal
    capped_by: Ceiling | None
    ceilings_exceeded: tuple[Ceiling, ...]
    rounding_mg: Decimal
    dosing_weight: DosingWeight
    steps: tuple[str, ...]
    reasons: tuple[DosingReason, ...]
    refusals: tuple[DosingReason, ...] = ()


def round_to_step(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    """``value`` rounded to a multiple of ``step`` (mg) with the given ``decimal`` rounding mode."""
    return (value / step).quantize(Decimal(1), rounding) * step


def requested_dose_mg(
    route: RouteDosing,
    weight_kg: Decimal,
    *,
    mg_per_kg: Decimal | None = None,
    fixed_mg: Decimal | None = None,
) -> tuple[Decimal, Decimal | None]:
    """The dose asked for before ceilings: (mg, mg/kg or None for a fixed dose).

    Without an explicit ``mg_per_kg`` or ``fixed_mg`` the route's starting dose is used.
    """
    if mg_per_kg is not None and fixed_mg is not None:
        raise ValidationFailed({"mg_per_kg": "give either mg/kg or a fixed mg dose, not both"})
    if mg_per_kg is None and fixed_mg is None:
        mg_per_kg, fixed_mg = route.start_mg_per_kg, route.start_fixed_mg
        if (mg_per_kg is None) == (fixed_mg is None):
            raise ValidationFailed(
                {"dosing.start": "protocol must set exactly one of start_mg_per_kg/start_fixed_mg"}
            )
    if mg_per_kg is not None:
        _require_positive("mg_per_kg", mg_per_kg)
        return mg_per_kg * weight_kg, mg_per_kg
    assert fixed_mg is not None
    _require_positive("fixed_mg", fixed_mg)
    return fixed_mg, None


def calculate_dose(
    route: RouteDosing,
    dosing_weight: DosingWeight,
    *,
    mg_per_kg: Decimal | None = None,
    fixed_mg: Decimal | None = None,
) -> DoseCalculation:
    """The dose in mg for ``route`` and ``dosing_weight``, never above a protocol ceiling.

    Contract: ``dose_mg <= min(max_mg_per_kg x weight, max_mg)``, ``dose_mg`` is a multiple of
    ``rounding_mg``, and ``dose_mg`` is non-decreasing in the dosing weight. Sources: clinical.md
    §2.2 (ceilings, UNCONFIRMED: site-configured), §2.4 (formula and worked examples).
    """
    _require_positive("rounding_mg", route.rounding_mg)
    weight = dosing_weight.weight_kg
    requested, per_kg = requested_dose_mg(route, weight, mg_per_kg=mg_per_kg, fixed_mg=fixed_mg)
    limits = {Ceiling.MAX_MG_PER_KG: route.max_mg_per_kg * weight, Ceiling.MAX_MG: route.max_mg}
    ceiling = min(limits.values())
    exceeded = tuple(c for c in Ceiling if requested > limits[c])
    capped_by = min(exceeded, key=lambda c: limits[c]) if exceeded else None
    dose = _rounded_within(requested, ceiling, route.rounding_mg)
    refusals = () if dose > 0 else (_below_one_step(route, ceiling),)
    return DoseCalculation(
        route=route.route,
        dose_mg=dose,
        requested_mg_per_kg=per_kg,
        requested_mg=requested,
        effective_mg_per_kg=(dose / weight).quantize(_MG_PER_KG_PLACES),
        ceiling_mg=ceiling,
        capped_by=capped_by,
        ceilings_exceeded=exceeded,
        rounding_mg=route.rounding_mg,
        dosing_weight=dosing_weight,
        steps=_steps(dosing_weight, per_kg, requested, limits, ceiling, dose, route.rounding_mg),
        reasons=tuple(_ceiling_reason(route, c, limits[c], requested) for c in exceeded),
        refusals=refusals,
    )


def _rounded_within(requested: Decimal, ceiling: Decimal, step: Decimal) -> Decimal:
    if requested > ceiling:
        return round_to_step(ceiling, step, ROUND_FLOOR)
    nearest = round_to_step(requested, step, ROUND_HALF_DOWN)
    if nearest > ceiling:
        return round_to_step(requested, step, ROUND_FLOOR)
    return nearest


def _steps(
    weight: DosingWeight,
    per_kg: Decimal | None,
    requested: Decimal,
    limits: dict[Ceiling, Decimal],
    ceiling: Decimal,
    dose: Decimal,
    step: Decimal,
) -> tuple[str, ...]:
    first = (
        f"requested = {per_kg} mg/kg x {weight.weight_kg} kg = {requested} mg"
        if per_kg is not None
        else f"requested = fixed {requested} mg"
    )
    return (
        f"dosing weight: {weight.formula}",
        first,
        f"ceiling = min({limits[Ceiling.MAX_MG_PER_KG]} mg by mg/kg, "
        f"{limits[Ceiling.MAX_MG]} mg absolute) = {ceiling} mg",
        f"dose = {dose} mg (rounded to the {step} mg step, never above the ceiling)",
    )


def _ceiling_reason(
    route: RouteDosing, ceiling: Ceiling, limit_mg: Decimal, requested: Decimal
) -> DosingReason:
    message = f"requested {requested} mg exceeds the {ceiling.value} ceiling ({limit_mg} mg)"
    return protocol_reason(
        f"dose.capped.{ceiling.value}", message, route.sources, ceiling.value, CLINICAL_2_2
    )


def _below_one_step(route: RouteDosing, ceiling: Decimal) -> DosingReason:
    return DosingReason(
        "dose.below_measurable_step",
        f"the dose rounds to 0 mg (ceiling {ceiling} mg, step {route.rounding_mg} mg)",
        CLINICAL_2_2,
    )


def _require_positive(name: str, value: Decimal) -> None:
    if not value > 0:
        raise ValidationFailed({name: "must be greater than zero"})


def request_above_ceiling(
    dose: DoseCalculation, *, proposed_mg: Decimal | None = None
) -> DosingReason | None:
    """The refusal of a dose asked for above the protocol's ceiling (max mg/kg or max mg), or None.

    Ceilings cannot be overridden (clinical.md §2.2), so a dose asked for above one is refused
    naming the rule, never silently capped: the person enters a dose at or under the ceiling.
    The protocol's own proposal (``proposed_mg``: the start dose, or the titration's next dose),
    clipped by the ceiling, is not a request above it. The one check for signed orders and the
    ``dose calc`` command.
    """
    if not dose.ceilings_exceeded or (proposed_mg is not None and dose.requested_mg == proposed_mg):
        return None
    exceeded = ", ".join(c.value for c in dose.ceilings_exceeded)
    return DosingReason(
        REQUEST_ABOVE_CEILING,
        f"requested {dose.requested_mg} mg is above the {dose.ceiling_mg} mg ceiling "
        f"({exceeded}); ceilings cannot be overridden: enter a dose at or under it",
        CLINICAL_2_2,
    )
