"""Unit tests of the dosing rules not covered by the spec tables: formulas, validation, orders."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.dosing.calculation import calculate_dose
from ketaclinic.domain.dosing.checkin import (
    BetweenSessionCheckIn,
    CheckInSource,
    MedicationChange,
    MedicationChangeKind,
    medications_to_recheck,
)
from ketaclinic.domain.dosing.orders import (
    ObservedAdministration,
    OrderToVerify,
    review_prescribed_dose,
    verify_order,
)
from ketaclinic.domain.dosing.preparation import infusion_rate_ml_per_h, prepare_dose
from ketaclinic.domain.dosing.sessions import PreviousSession, SymptomChange
from ketaclinic.domain.dosing.titration import (
    TitrationInput,
    TitrationRecommendation,
    recommend_titration,
)
from ketaclinic.domain.dosing.weight import (
    Sex,
    WeightMeasurement,
    determine_dosing_weight,
    devine_ideal_weight_kg,
)
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import Route, WeightBasis
from tests.unit.test_dosing_factories import (
    AT,
    actual_weight,
    iv_route,
    measurement,
    sl_route,
    titration_rules,
)

D = Decimal


@pytest.mark.parametrize(
    ("height_cm", "sex", "expected"),
    [
        ("152.4", Sex.MALE, D(50)),
        ("152.4", Sex.FEMALE, D("45.5")),
        ("180", Sex.MALE, D(75)),
        ("165", Sex.FEMALE, D("56.9")),
        ("152", Sex.FEMALE, None),
    ],
    ids=["male_5ft", "female_5ft", "male_180cm", "female_165cm", "below_5ft_undefined"],
)
def test_devine_ideal_weight(height_cm: str, sex: Sex, expected: Decimal | None) -> None:
    assert devine_ideal_weight_kg(D(height_cm), sex) == expected


def test_latest_measurement_is_used_even_when_listed_first() -> None:
    old = measurement("90", days_ago=20)
    new = measurement("80", days_ago=2)
    result = determine_dosing_weight(
        iv_route(), [new, old], Sex.FEMALE, at=AT, max_weight_age_days=30
    )
    assert result.dosing_weight is not None
    assert result.dosing_weight.weight_kg == 80


def test_weight_dated_after_dosing_time_is_refused() -> None:
    future = WeightMeasurement(D(70), D(170), AT + timedelta(hours=1))
    result = determine_dosing_weight(
        iv_route(), [future], Sex.FEMALE, at=AT, max_weight_age_days=30
    )
    assert result.dosing_weight is None
    assert [r.rule_id for r in result.refusals] == ["weight.future"]


def test_adjusted_weight_records_formula_and_inputs() -> None:
    route = iv_route(weight_basis=WeightBasis.ADJUSTED, adjusted_above_bmi=D(30))
    result = determine_dosing_weight(
        route, [measurement("120", "165")], Sex.FEMALE, at=AT, max_weight_age_days=30
    )
    weight = result.dosing_weight
    assert weight is not None
    assert (weight.weight_kg, weight.ideal_weight_kg, weight.bmi) == (
        D("82.1"),
        D("56.9"),
        D("44.1"),
    )
    assert weight.formula == (
        "Devine IBW (female, 165 cm) = 56.9 kg; adjusted = 56.9 + 0.4 x (120 - 56.9) = 82.1 kg"
    )


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "field"),
    [("700", "175", "weight_kg"), ("70", "17.5", "height_cm")],
    ids=["pounds_typed_as_kg", "metres_typed_as_cm"],
)
def test_implausible_measurements_are_rejected(weight_kg: str, height_cm: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        WeightMeasurement(D(weight_kg), D(height_cm), AT)
    assert field in error.value.errors


def test_naive_measurement_time_is_rejected() -> None:
    with pytest.raises(ValidationFailed):
        WeightMeasurement(D(70), D(170), datetime(2030, 1, 1))


def test_both_mg_per_kg_and_fixed_mg_is_invalid() -> None:
    with pytest.raises(ValidationFailed):
        calculate_dose(iv_route(), actual_weight(), mg_per_kg=D("0.5"), fixed_mg=D(30))


@pytest.mark.parametrize("value", [D(0), D("-0.5")], ids=["zero", "negative"])
def test_non_positive_mg_per_kg_is_invalid(value: Decimal) -> None:
    with pytest.raises(ValidationFailed):
        calculate_dose(iv_route(), actual_weight(), mg_per_kg=value)


def test_protocol_with_two_start_doses_is_invalid() -> None:
    with pytest.raises(ValidationFailed):
        calculate_dose(iv_route(start_fixed_mg=D(30)), actual_weight())


def test_fixed_dose_route_has_no_mg_per_kg_request() -> None:
    dose = calculate_dose(sl_route(), actual_weight())
    assert (dose.dose_mg, dose.requested_mg_per_kg) == (D(100), None)


def test_capped_dose_carries_a_sourced_reason() -> None:
    dose = calculate_dose(iv_route(), actual_weight("130"), mg_per_kg=D(1))
    assert [r.rule_id for r in dose.reasons] == ["dose.capped.max_mg"]
    assert dose.reasons[0].needs_signoff is True
    assert dose.reasons[0].source == "clinical.md §2.2"


def test_sublingual_dose_has_no_vial_preparation() -> None:
    dose = calculate_dose(sl_route(), actual_weight())
    with pytest.raises(ValidationFailed):
        prepare_dose(sl_route(), dose, vial_mg_per_ml=D(50))


def test_zero_duration_rate_is_invalid() -> None:
    with pytest.raises(ValidationFailed):
        infusion_rate_ml_per_h(D(100), 0)


# --- bedside order verification -------------------------------------------------------------

ORDER = OrderToVerify("ord-1", "pt-test-001", "ketamine", Route.IV, D(1), D(35), D("52.5"))
OBSERVED = ObservedAdministration(
    "pt-test-001", "Ketamine ", Route.IV, D("1.0"), D("35.0"), D("52.5")
)


def test_matching_order_is_verified() -> None:
    result = verify_order(ORDER, OBSERVED)
    assert result.verified
    assert result.mismatches == ()


def test_wrong_concentration_blocks_verification() -> None:
    result = verify_order(ORDER, replace(OBSERVED, concentration_mg_per_ml=D(10)))
    assert not result.verified
    assert [(m.field, m.ordered, m.observed) for m in result.mismatches] == [
        ("concentration_mg_per_ml", "1", "10")
    ]
    assert result.mismatches[0].reason.rule_id == "verify.concentration_mg_per_ml_mismatch"


def test_every_mismatch_is_listed() -> None:
    wrong = ObservedAdministration("pt-test-002", "midazolam", Route.IM, D(50), D(40), None)
    result = verify_order(ORDER, wrong)
    assert [m.field for m in result.mismatches] == [
        "patient_id",
        "drug",
        "route",
        "concentration_mg_per_ml",
        "dose_mg",
        "rate_ml_per_h",
    ]
    assert result.mismatches[-1].observed == "none"


def test_close_pump_rate_is_still_a_mismatch() -> None:
    result = verify_order(ORDER, replace(OBSERVED, rate_ml_per_h=D(52)))
    assert [m.field for m in result.mismatches] == ["rate_ml_per_h"]


# --- check-in and titration validation ------------------------------------------------------


def test_medications_to_recheck_are_normalised_and_unique() -> None:
    checkin = BetweenSessionCheckIn(
        AT,
        CheckInSource.STAFF,
        None,
        False,
        D(7),
        False,
        (
            MedicationChange("Sertraline ", MedicationChangeKind.DOSE_CHANGED),
            MedicationChange("sertraline", MedicationChangeKind.STOPPED),
            MedicationChange("Lamotrigine", MedicationChangeKind.STARTED),
        ),
    )
    assert medications_to_recheck(checkin) == ("lamotrigine", "sertraline")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"anxiety_0_10": 11}, "anxiety_0_10"),
        ({"sleep_hours_last_night": D(25)}, "sleep_hours_last_night"),
        ({"sleep_hours_last_night": D(-1)}, "sleep_hours_last_night"),
    ],
    ids=["anxiety_above_10", "sleep_above_24h", "negative_sleep"],
)
def test_checkin_rejects_out_of_range_answers(changes: dict[str, object], field: str) -> None:
    base = {
        "recorded_at": AT,
        "recorded_by": CheckInSource.PATIENT_LINK,
        "anxiety_0_10": 2,
        "anxiety_spike": False,
        "sleep_hours_last_night": D(7),
        "illness": False,
    }
    with pytest.raises(ValidationFailed) as error:
        BetweenSessionCheckIn(**{**base, **changes})  # type: ignore[arg-type]
    assert field in error.value.errors


def test_checkin_older_than_last_session_counts_as_missing() -> None:
    last = PreviousSession(2, AT - timedelta(days=2), D(35), D("0.5"))
    stale = BetweenSessionCheckIn(
        AT - timedelta(days=3), CheckInSource.STAFF, None, False, D(8), False
    )
    inputs = TitrationInput(iv_route(), titration_rules(), actual_weight(), 3, (last,), None, stale)
    recommendation = recommend_titration(inputs, at=AT)
    assert recommendation.outcome == "hold_and_review"
    assert [r.rule_id for r in recommendation.reasons] == ["checkin.missing"]


def test_previous_sessions_after_the_next_one_are_invalid() -> None:
    last = PreviousSession(4, AT - timedelta(days=2), D(35), D("0.5"))
    inputs = TitrationInput(iv_route(), titration_rules(), actual_weight(), 3, (last,), None, None)
    with pytest.raises(ValidationFailed):
        recommend_titration(inputs, at=AT)


@pytest.mark.parametrize(
    ("baseline", "latest", "expected"),
    [(20, 10, D(50)), (20, 18, D(10)), (10, 12, D(-20)), (0, 0, None)],
    ids=["halved", "small_drop", "worse", "zero_baseline"],
)
def test_symptom_percent_drop(baseline: int, latest: int, expected: Decimal | None) -> None:
    assert SymptomChange("phq9", baseline, latest).pct_drop == expected


def test_step_down_below_zero_asks_for_review() -> None:
    last = PreviousSession(3, AT - timedelta(days=3), D(14), D("0.2"), excessive_sedation=True)
    checkin = BetweenSessionCheckIn(AT, CheckInSource.STAFF, None, False, D(8), False)
    inputs = TitrationInput(
        iv_route(), titration_rules(), actual_weight(), 4, (last,), None, checkin
    )
    recommendation = recommend_titration(inputs, at=AT)
    assert recommendation.outcome == "hold_and_review"
    assert recommendation.proposed is None
    assert recommendation.reasons[0].rule_id == "titration.below_lowest_step"


# --- prescriber's choice against the recommendation -----------------------------------------


def _keep_recommendation() -> TitrationRecommendation:
    inputs = TitrationInput(iv_route(), titration_rules(), actual_weight(), 1, (), None, None)
    return recommend_titration(inputs, at=AT)


def test_signing_the_recommended_dose_needs_no_reason() -> None:
    recommendation = _keep_recommendation()
    assert recommendation.proposed is not None
    review = review_prescribed_dose(recommendation, recommendation.proposed, override_reason="")
    assert (review.signable, review.overrides) == (True, False)


def test_a_different_dose_needs_a_written_reason() -> None:
    chosen = calculate_dose(iv_route(), actual_weight(), mg_per_kg=D("0.75"))
    review = review_prescribed_dose(_keep_recommendation(), chosen, override_reason="  ")
    assert not review.signable
    assert [r.rule_id for r in review.refusals] == ["order.override_needs_reason"]
    with_reason = review_prescribed_dose(
        _keep_recommendation(), chosen, override_reason="tolerated well, minimal effect"
    )
    assert (with_reason.signable, with_reason.overrides) == (True, True)


def test_a_dose_with_its_own_refusal_cannot_be_signed_even_with_a_reason() -> None:
    chosen = calculate_dose(iv_route(max_mg=D(4), rounding_mg=D(5)), actual_weight())
    review = review_prescribed_dose(_keep_recommendation(), chosen, override_reason="judgment")
    assert [r.rule_id for r in review.refusals] == ["dose.below_measurable_step"]


def test_a_hand_edited_dose_above_the_ceiling_cannot_be_signed() -> None:
    computed = calculate_dose(iv_route(), actual_weight(), mg_per_kg=D(1))
    tampered = replace(computed, dose_mg=computed.ceiling_mg + 1)
    review = review_prescribed_dose(_keep_recommendation(), tampered, override_reason="judgment")
    assert [r.rule_id for r in review.refusals] == ["order.above_ceiling"]
