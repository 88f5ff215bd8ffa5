"""Near the adjusted-weight BMI threshold a heavier patient never gets a lower dose (Hypothesis).

For every height and weight, the shipped adult IV route's dose at ``w + 0.2 kg`` is never more
than one rounding step below the dose at ``w`` (rule ``weight.continuity``; clinical.md §2.3,
AdjBW formula UNCONFIRMED). Before the rule, at BMI 30 the dose fell 14 % for 0.2 kg.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.dosing.calculation import calculate_dose
from ketaclinic.domain.dosing.weight import (
    ChosenWeight,
    Sex,
    WeightMeasurement,
    determine_dosing_weight,
)
from ketaclinic.domain.protocols.sections import Route, WeightBasis

AT = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
ADULT_IV = shipped_protocol("adult-iv-induction").dosing.routes[Route.IV]
KAT_IM = shipped_protocol("kat-holistic").dosing.routes[Route.IM]
STEP = Decimal("0.2")


def _dose(route: object, weight_kg: Decimal, height_cm: Decimal, sex: Sex) -> Decimal:
    assert route is ADULT_IV or route is KAT_IM
    m = WeightMeasurement(weight_kg, height_cm, AT)
    result = determine_dosing_weight(route, [m], sex, at=AT, max_weight_age_days=30)
    assert result.dosing_weight is not None
    dose = calculate_dose(route, result.dosing_weight, mg_per_kg=route.start_mg_per_kg)
    return dose.dose_mg


@given(
    st.decimals(min_value=40, max_value=200, places=1),
    st.decimals(min_value=153, max_value=210, places=0),
    st.sampled_from(list(Sex)),
    st.sampled_from([ADULT_IV, KAT_IM]),
)
def test_dose_never_drops_more_than_one_rounding_step_for_0_2_kg_more(
    weight: Decimal, height: Decimal, sex: Sex, route: object
) -> None:
    assert route is ADULT_IV or route is KAT_IM
    lighter = _dose(route, weight, height, sex)
    heavier = _dose(route, weight + STEP, height, sex)
    assert heavier >= lighter - route.rounding_mg


def test_the_reported_bmi_30_step_no_longer_lowers_the_dose() -> None:
    """170 cm: BMI 30 at 86.7 kg. Without the rule 86.7 kg gave 43.5 mg and 86.9 kg 36.0 mg."""
    at_threshold = _dose(ADULT_IV, Decimal("86.7"), Decimal(170), Sex.FEMALE)
    above = _dose(ADULT_IV, Decimal("86.9"), Decimal(170), Sex.FEMALE)
    assert above >= at_threshold


def test_a_short_adult_with_obesity_is_dosed_on_the_prescribers_chosen_weight() -> None:
    m = WeightMeasurement(Decimal(70), Decimal(150), AT)
    refused = determine_dosing_weight(ADULT_IV, [m], Sex.FEMALE, at=AT, max_weight_age_days=30)
    assert refused.dosing_weight is None
    assert refused.refusals[0].rule_id == "weight.ibw_undefined"
    chosen = ChosenWeight(Decimal(62), "short stature; AdjBW estimated by hand, 62 kg")
    result = determine_dosing_weight(
        ADULT_IV, [m], Sex.FEMALE, at=AT, max_weight_age_days=30, chosen=chosen
    )
    assert result.dosing_weight is not None
    assert result.dosing_weight.weight_kg == Decimal(62)
    assert result.dosing_weight.basis is WeightBasis.CLINICIAN
    assert "AdjBW estimated by hand" in result.dosing_weight.formula
