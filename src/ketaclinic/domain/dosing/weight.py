"""The dosing weight: which body weight a mg/kg dose is multiplied by.

Source: clinical.md §2.3. No guideline says whether psychiatric ketamine should be dosed on actual,
ideal or adjusted body weight, nor at which BMI; the protocol's ``weight_basis``,
``adjusted_above_bmi`` and ``adjusted_weight_factor`` are therefore protocol defaults that need
physician sign-off, and the standard pharmacology formulas used here (Devine IBW; AdjBW = IBW +
factor x (TBW - IBW)) are UNCONFIRMED for ketamine. The basis, formula and inputs are recorded with
every dosing weight so that the order shows exactly how it was reached.

Continuity at the BMI threshold (rule ``weight.continuity``): above ``adjusted_above_bmi`` the
dosing weight is never less than the weight at which the BMI equals the threshold (for the same
height), so one more gram never lowers the dose; the dosing weight is non-decreasing in body
weight. A prescriber may choose the dosing weight for one order, with a reason
(:class:`ChosenWeight`; basis ``clinician``), for example when the ideal weight is undefined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from ketaclinic.domain.dosing.reasons import CLINICAL_2_3, DosingReason, protocol_reason
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import RouteDosing, WeightBasis
from ketaclinic.domain.units import CM_PER_INCH as CM_PER_INCH
from ketaclinic.domain.units import KG_PER_LB as KG_PER_LB
from ketaclinic.domain.units import body_mass_index as body_mass_index
from ketaclinic.domain.units import cm_to_inches as cm_to_inches
from ketaclinic.domain.units import inches_to_cm as inches_to_cm
from ketaclinic.domain.units import kg_to_pounds as kg_to_pounds
from ketaclinic.domain.units import pounds_to_kg as pounds_to_kg

DEVINE_BASE_KG = {"female": Decimal("45.5"), "male": Decimal("50")}
DEVINE_KG_PER_INCH = Decimal("2.3")
DEVINE_MIN_HEIGHT_IN = Decimal(60)  # the formula is defined from 5 feet up
# Plausibility bounds that catch data-entry slips (lb typed as kg, m typed as cm). Not clinical.
PLAUSIBLE_WEIGHT_KG = (Decimal(20), Decimal(350))
PLAUSIBLE_HEIGHT_CM = (Decimal(100), Decimal(250))
_TENTH = Decimal("0.1")


class Sex(StrEnum):
    """Sex used by the Devine formula, which is defined for female and male only.

    A patient recorded as intersex or unknown needs a clinician to choose one explicitly (or an
    ``actual`` weight basis); the service must not guess.
    """

    FEMALE = "female"
    MALE = "male"


@dataclass(frozen=True, slots=True)
class WeightMeasurement:
    """A measured body weight and height, taken at ``measured_at`` (timezone-aware UTC)."""

    weight_kg: Decimal
    height_cm: Decimal
    measured_at: datetime

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        low, high = PLAUSIBLE_WEIGHT_KG
        if not low <= self.weight_kg <= high:
            errors["weight_kg"] = f"must be between {low} and {high} kg"
        low, high = PLAUSIBLE_HEIGHT_CM
        if not low <= self.height_cm <= high:
            errors["height_cm"] = f"must be between {low} and {high} cm"
        if self.measured_at.tzinfo is None:
            errors["measured_at"] = "must be timezone-aware"
        if errors:
            raise ValidationFailed(errors)


@dataclass(frozen=True, slots=True)
class DosingWeight:
    """The weight a mg/kg dose is multiplied by, with how it was reached.

    ``basis`` is the basis actually applied (``actual`` when the BMI rule did not trigger or when
    the ideal weight exceeded the actual one), ``formula`` the arithmetic in words.
    """

    weight_kg: Decimal
    basis: WeightBasis
    formula: str
    actual_weight_kg: Decimal
    height_cm: Decimal
    sex: Sex
    bmi: Decimal
    ideal_weight_kg: Decimal | None
    measured_at: datetime
    reasons: tuple[DosingReason, ...] = ()


@dataclass(frozen=True, slots=True)
class ChosenWeight:
    """A dosing weight the prescriber chooses for one order (kg) and why (clinical.md §2.3:
    store the weight, its basis and the clinician who chose it; the signer is that clinician)."""

    weight_kg: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class DosingWeightResult:
    """Either a dosing weight or the refusals that prevent one."""

    dosing_weight: DosingWeight | None
    refusals: tuple[DosingReason, ...]


def devine_ideal_weight_kg(height_cm: Decimal, sex: Sex) -> Decimal | None:
    """Devine ideal body weight in kg, rounded to 0.1 kg; None below 60 inches (undefined).

    IBW = 50 kg (male) or 45.5 kg (female) + 2.3 kg per inch over 60 inches.
    Source: standard pharmacology formula, UNCONFIRMED for ketamine (clinical.md §2.3).
    """
    inches = cm_to_inches(height_cm)
    if inches < DEVINE_MIN_HEIGHT_IN:
        return None
    ibw = DEVINE_BASE_KG[sex.value] + DEVINE_KG_PER_INCH * (inches - DEVINE_MIN_HEIGHT_IN)
    return ibw.quantize(_TENTH, ROUND_HALF_UP)


def latest_measurement(measurements: Sequence[WeightMeasurement]) -> WeightMeasurement | None:
    """The most recent measurement, or None when there is none."""
    return max(measurements, key=lambda m: m.measured_at, default=None)


def determine_dosing_weight(
    route: RouteDosing,
    measurements: Sequence[WeightMeasurement],
    sex: Sex,
    *,
    at: datetime,
    max_weight_age_days: int,
    chosen: ChosenWeight | None = None,
) -> DosingWeightResult:
    """Dosing weight in kg from the latest measurement, per the route's basis and BMI rule.

    Refuses (with reasons) when there is no measurement, when the latest is dated after ``at``, when
    it is older than ``max_weight_age_days`` (protocol ``evaluation.max_weight_age_days``), or when
    the ideal weight is needed but undefined (height under 60 inches). Never returns a dosing weight
    above the measured weight. Source: clinical.md §2.3 (basis UNCONFIRMED, protocol default).
    """
    latest = latest_measurement(measurements)
    refusal = _check_measurement(latest, at=at, max_weight_age_days=max_weight_age_days)
    if refusal is not None or latest is None:
        return DosingWeightResult(None, (refusal,) if refusal else ())
    bmi = body_mass_index(latest.weight_kg, latest.height_cm)
    if chosen is not None:
        return DosingWeightResult(_chosen(latest, sex, bmi, chosen), ())
    basis = _basis_for(route, bmi)
    if basis is WeightBasis.ACTUAL:
        return DosingWeightResult(_actual(route, latest, sex, bmi), ())
    ibw = devine_ideal_weight_kg(latest.height_cm, sex)
    if ibw is None:
        return DosingWeightResult(None, (_ibw_undefined(latest.height_cm),))
    return DosingWeightResult(_from_ideal(route, latest, sex, bmi, basis, ibw), ())


def _check_measurement(
    latest: WeightMeasurement | None, *, at: datetime, max_weight_age_days: int
) -> DosingReason | None:
    if latest is None:
        return DosingReason(
            "weight.missing", "no measured weight is recorded", "protocol.evaluation"
        )
    if latest.measured_at > at:
        return DosingReason(
            "weight.future", "the latest weight is dated after the dosing time", "data integrity"
        )
    if at - latest.measured_at > timedelta(days=max_weight_age_days):
        age_days = (at - latest.measured_at).days
        return DosingReason(
            "weight.stale",
            f"latest weight is {age_days} days old; protocol allows {max_weight_age_days} days",
            "protocol.evaluation.max_weight_age_days",
        )
    return None


def _basis_for(route: RouteDosing, bmi: Decimal) -> WeightBasis:
    if route.weight_basis is WeightBasis.ACTUAL:
        return WeightBasis.ACTUAL
    if route.adjusted_above_bmi is not None and bmi <= route.adjusted_above_bmi:
        return WeightBasis.ACTUAL
    return route.weight_basis


def _basis_reason(route: RouteDosing, bmi: Decimal, applied: WeightBasis) -> DosingReason:
    if route.adjusted_above_bmi is None:
        message = f"protocol doses on {applied.value} body weight"
    elif applied is WeightBasis.ACTUAL and route.weight_basis is not WeightBasis.ACTUAL:
        message = f"BMI {bmi} is not above {route.adjusted_above_bmi}: actual body weight used"
    else:
        message = f"BMI {bmi} is above {route.adjusted_above_bmi}: {applied.value} weight used"
    rule_field = "weight_basis" if route.adjusted_above_bmi is None else "adjusted_above_bmi"
    return protocol_reason("weight.basis", message, route.sources, rule_field, CLINICAL_2_3)


def _actual(route: RouteDosing, m: WeightMeasurement, sex: Sex, bmi: Decimal) -> DosingWeight:
    return DosingWeight(
        weight_kg=m.weight_kg,
        basis=WeightBasis.ACTUAL,
        formula=f"actual body weight = {m.weight_kg} kg",
        actual_weight_kg=m.weight_kg,
        height_cm=m.height_cm,
        sex=sex,
        bmi=bmi,
        ideal_weight_kg=None,
        measured_at=m.measured_at,
        reasons=(_basis_reason(route, bmi, WeightBasis.ACTUAL),),
    )


def _from_ideal(
    route: RouteDosing,
    m: WeightMeasurement,
    sex: Sex,
    bmi: Decimal,
    basis: WeightBasis,
    ibw: Decimal,
) -> DosingWeight:
    tbw = m.weight_kg
    ibw_formula = f"Devine IBW ({sex.value}, {m.height_cm} cm) = {ibw} kg"
    if basis is WeightBasis.IDEAL:
        weight, formula = ibw, ibw_formula
    else:
        factor = route.adjusted_weight_factor
        weight = (ibw + factor * (tbw - ibw)).quantize(_TENTH, ROUND_HALF_UP)
        formula = f"{ibw_formula}; adjusted = {ibw} + {factor} x ({tbw} - {ibw}) = {weight} kg"
    reasons = [_basis_reason(route, bmi, basis)]
    floor = _threshold_weight_kg(route, m.height_cm)
    if floor is not None and weight < floor:
        formula = f"{formula}; not below {floor} kg, the weight at BMI {route.adjusted_above_bmi}"
        weight = min(floor, tbw)
        reasons.append(
            DosingReason(
                "weight.continuity",
                f"dosing weight kept at {weight} kg so that a heavier patient of the same height "
                "never gets a lower dose than at the BMI threshold",
                CLINICAL_2_3,
                needs_signoff=True,
            )
        )
    if weight > tbw:
        # Never dose on more than the patient weighs (an underweight patient's IBW exceeds TBW).
        formula = f"{formula}; above actual weight, so actual {tbw} kg used"
        weight, basis = tbw, WeightBasis.ACTUAL
        reasons.append(
            DosingReason("weight.actual_below_ideal", "actual weight is lower", CLINICAL_2_3)
        )
    return DosingWeight(
        weight, basis, formula, tbw, m.height_cm, sex, bmi, ibw, m.measured_at, tuple(reasons)
    )


def _threshold_weight_kg(route: RouteDosing, height_cm: Decimal) -> Decimal | None:
    """Body weight (kg, 0.1 kg down) at which the BMI equals ``adjusted_above_bmi``."""
    if route.adjusted_above_bmi is None:
        return None
    metres = height_cm / Decimal(100)
    return (route.adjusted_above_bmi * metres * metres).quantize(_TENTH, ROUND_DOWN)


def _chosen(m: WeightMeasurement, sex: Sex, bmi: Decimal, chosen: ChosenWeight) -> DosingWeight:
    errors: dict[str, str] = {}
    low = PLAUSIBLE_WEIGHT_KG[0]
    if not low <= chosen.weight_kg <= m.weight_kg:
        errors["chosen_weight_kg"] = (
            f"between {low} kg and the measured {m.weight_kg} kg (never above the body weight)"
        )
    if len(chosen.reason.strip()) < 5:
        errors["chosen_weight_reason"] = "say why this dosing weight was chosen"
    elif len(chosen.reason) > 500:
        errors["chosen_weight_reason"] = "at most 500 characters"
    if errors:
        raise ValidationFailed(errors)
    weight = chosen.weight_kg.quantize(_TENTH, ROUND_HALF_UP)
    formula = (
        f"clinician's choice = {weight} kg (measured {m.weight_kg} kg, {m.height_cm} cm, "
        f"BMI {bmi}); reason: {chosen.reason.strip()}"
    )
    reason = DosingReason(
        "weight.clinician_choice", "the prescriber chose the dosing weight", CLINICAL_2_3
    )
    return DosingWeight(
        weight,
        WeightBasis.CLINICIAN,
        formula,
        m.weight_kg,
        m.height_cm,
        sex,
        bmi,
        None,
        m.measured_at,
        (reason,),
    )


def _ibw_undefined(height_cm: Decimal) -> DosingReason:
    return DosingReason(
        "weight.ibw_undefined",
        f"Devine ideal weight is undefined below 60 inches (height {height_cm} cm); "
        "a clinician must choose the dosing weight (chosen_weight_kg, with a reason)",
        CLINICAL_2_3,
        needs_signoff=True,
    )
