"""Properties of the dose arithmetic that must hold for every input (Hypothesis).

Ceilings are never exceeded, dose is monotone non-decreasing in weight, unit conversions round-trip,
and pump rate x duration gives back the infused volume (clinical.md §2.2, §2.4).
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.domain.dosing.calculation import calculate_dose
from ketaclinic.domain.dosing.preparation import RATE_PLACES, infusion_rate_ml_per_h
from ketaclinic.domain.dosing.weight import (
    cm_to_inches,
    inches_to_cm,
    kg_to_pounds,
    pounds_to_kg,
)
from tests.unit.test_dosing_factories import actual_weight, iv_route

weights = st.decimals(min_value=20, max_value=350, places=1)
mg_per_kg = st.decimals(min_value=Decimal("0.05"), max_value=3, places=2)
ceilings_per_kg = st.decimals(min_value=Decimal("0.1"), max_value=2, places=2)
ceilings_mg = st.decimals(min_value=1, max_value=300, places=1)
steps = st.sampled_from([Decimal("0.1"), Decimal("0.5"), Decimal(1), Decimal("2.5"), Decimal(5)])


@given(weights, mg_per_kg, ceilings_per_kg, ceilings_mg, steps)
def test_dose_never_exceeds_a_ceiling(
    weight: Decimal, per_kg: Decimal, max_per_kg: Decimal, max_mg: Decimal, step: Decimal
) -> None:
    route = iv_route(max_mg_per_kg=max_per_kg, max_mg=max_mg, rounding_mg=step)
    dose = calculate_dose(route, actual_weight(str(weight)), mg_per_kg=per_kg)
    assert dose.dose_mg <= max_mg
    assert dose.dose_mg <= max_per_kg * weight
    assert dose.dose_mg % step == 0
    assert dose.dose_mg >= 0
    assert (dose.capped_by is not None) == (per_kg * weight > min(max_mg, max_per_kg * weight))


@given(weights, weights, mg_per_kg, ceilings_per_kg, ceilings_mg, steps)
def test_dose_is_monotone_in_weight(
    w1: Decimal, w2: Decimal, per_kg: Decimal, max_per_kg: Decimal, max_mg: Decimal, step: Decimal
) -> None:
    low, high = sorted((w1, w2))
    route = iv_route(max_mg_per_kg=max_per_kg, max_mg=max_mg, rounding_mg=step)
    light = calculate_dose(route, actual_weight(str(low)), mg_per_kg=per_kg)
    heavy = calculate_dose(route, actual_weight(str(high)), mg_per_kg=per_kg)
    assert light.dose_mg <= heavy.dose_mg


@given(weights, mg_per_kg, steps)
def test_uncapped_dose_is_within_half_a_step_of_the_request(
    weight: Decimal, per_kg: Decimal, step: Decimal
) -> None:
    route = iv_route(max_mg_per_kg=Decimal(10), max_mg=Decimal(10_000), rounding_mg=step)
    dose = calculate_dose(route, actual_weight(str(weight)), mg_per_kg=per_kg)
    assert dose.capped_by is None
    assert abs(dose.dose_mg - per_kg * weight) <= step / 2


@given(st.decimals(min_value=Decimal("0.1"), max_value=1000, places=3))
def test_pounds_and_kilograms_round_trip(value: Decimal) -> None:
    assert pounds_to_kg(kg_to_pounds(value)).quantize(Decimal("0.000001")) == value
    assert kg_to_pounds(pounds_to_kg(value)).quantize(Decimal("0.000001")) == value


@given(st.decimals(min_value=Decimal("0.1"), max_value=1000, places=3))
def test_inches_and_centimetres_round_trip(value: Decimal) -> None:
    assert inches_to_cm(cm_to_inches(value)).quantize(Decimal("0.000001")) == value
    assert cm_to_inches(inches_to_cm(value)).quantize(Decimal("0.000001")) == value


@given(
    st.decimals(min_value=Decimal("0.5"), max_value=1000, places=2),
    st.integers(min_value=5, max_value=240),
)
def test_rate_times_duration_gives_the_volume(volume: Decimal, duration_min: int) -> None:
    rate = infusion_rate_ml_per_h(volume, duration_min)
    # The pump is programmed in 0.1 mL/h, so at most half a rate step over the duration is lost:
    # |rate x duration / 60 - volume| <= step / 2 x duration / 60, compared in exact arithmetic
    # (both sides times 60) so a tie exactly at the bound is not lost to Decimal division.
    assert abs(rate * duration_min - volume * 60) <= RATE_PLACES / 2 * duration_min


@given(st.sampled_from([20, 30, 40, 60, 120]), st.integers(min_value=1, max_value=2000))
def test_exact_rates_give_exactly_the_volume(duration_min: int, tenths: int) -> None:
    volume = Decimal(tenths) / 10 * duration_min / 60
    rate = infusion_rate_ml_per_h(volume, duration_min)
    assert rate == Decimal(tenths) / 10
    assert rate * duration_min / 60 == volume
