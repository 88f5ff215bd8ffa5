"""Dose plans a clinician can read: one row per case, each citing its source.

Unless a row changes it, the route is the adult IV template of clinical.md §2.1/§2.4: 0.5 mg/kg over
40 min on actual weight, 0.5 mg rounding step, ceilings 1 mg/kg and 100 mg (site policy, §2.2),
pump limits 300 mL/h and 1 mg/kg/h (Pennsylvania low-dose ceiling, §2.1), vials 10/50/100 mg/mL.
The measured weight is one day old and the protocol allows 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.domain.dosing.plan import DoseRequest, plan_dose
from ketaclinic.domain.dosing.weight import Sex
from ketaclinic.domain.protocols.sections import Route, RouteDosing, WeightBasis
from tests.unit.test_dosing_factories import AT, im_route, iv_route, measurement, protocol, sl_route

D = Decimal
OBESE_F = ("120", "165")  # BMI 44.1; Devine IBW 56.9 kg
ADOLESCENT_IV = {"max_mg": D(40), "max_mg_per_kg": D("0.5")}  # Yale adolescent RCT cap, §6.2


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    expect: dict[str, Any]
    route: RouteDosing = field(default_factory=iv_route)
    weight: tuple[str, str] | None = ("70", "175")
    days_ago: int = 1
    sex: Sex = Sex.FEMALE
    age: int = 40
    ages: tuple[int, int] = (18, 75)
    request: dict[str, Any] = field(default_factory=dict)
    refusals: frozenset[str] = frozenset()


CASES = [
    Case(
        "70kg_0.5_at_1mg_per_ml",
        "clinical.md §2.4 worked example",
        {
            "dose_mg": D(35),
            "draw_volume_ml": D("0.7"),
            "final_concentration": D(1),
            "rate_ml_per_h": D("52.5"),
            "mg_per_kg_per_h": D("0.75"),
        },
        request={"vial_mg_per_ml": D(50), "final_volume_ml": D(35)},
    ),
    Case(
        "70kg_0.5_in_100ml",
        "clinical.md §2.4 worked example",
        {"dose_mg": D(35), "final_concentration": D("0.35"), "rate_ml_per_h": D(150)},
        request={"vial_mg_per_ml": D(50), "final_volume_ml": D(100)},
    ),
    Case(
        "70kg_0.75_over_45min_cusin_step2",
        "clinical.md §2.4 worked example (Cusin 2017)",
        {"dose_mg": D("52.5"), "rate_ml_per_h": D(70), "final_concentration": D(1)},
        route=iv_route(duration_min=45),
        request={"mg_per_kg": D("0.75"), "vial_mg_per_ml": D(50), "final_volume_ml": D("52.5")},
    ),
    Case(
        "adolescent_90kg_capped_at_40mg",
        "clinical.md §2.4 and §6.2 (Yale adolescent RCT)",
        {"dose_mg": D(40), "capped_by": "max_mg", "effective_mg_per_kg": D("0.444")},
        route=iv_route(**ADOLESCENT_IV),
        weight=("90", "180"),
        age=16,
        ages=(12, 17),
    ),
    Case(
        "adolescent_80kg_reaches_cap_exactly",
        "clinical.md §2.3 (40 mg = 0.5 mg/kg at 80 kg)",
        {"dose_mg": D(40), "capped_by": None},
        route=iv_route(**ADOLESCENT_IV),
        weight=("80", "180"),
        age=15,
        ages=(12, 17),
    ),
    Case(
        "100mg_per_ml_diluted_into_bag",
        "clinical.md §2.4 (dilute 100 mg/mL)",
        {"dose_mg": D(35), "draw_volume_ml": D("0.35"), "rate_ml_per_h": D(150)},
        request={"vial_mg_per_ml": D(100), "final_volume_ml": D(100)},
    ),
    Case(
        "100mg_per_ml_with_equal_volume_is_allowed",
        "Ketalar PI (equal-volume dilution)",
        {"dose_mg": D(35), "final_concentration": D(50)},
        request={"vial_mg_per_ml": D(100), "final_volume_ml": D("0.7")},
    ),
    Case(
        "refuse_100mg_per_ml_undiluted_iv",
        "Ketalar PI: never IV undiluted",
        {"dose_mg": D(35)},
        request={"vial_mg_per_ml": D(100)},
        refusals=frozenset({"prep.iv_100_mg_per_ml_undiluted"}),
    ),
    Case(
        "refuse_100mg_per_ml_under_diluted",
        "Ketalar PI: at least an equal volume",
        {"final_concentration": D(70)},
        request={"vial_mg_per_ml": D(100), "final_volume_ml": D("0.5")},
        refusals=frozenset({"prep.iv_100_mg_per_ml_undiluted"}),
    ),
    Case(
        "10mg_per_ml_undiluted_is_allowed",
        "Ketalar PI (10 mg/mL isotonic)",
        {"draw_volume_ml": D("3.5"), "rate_ml_per_h": D("5.2")},
        request={"vial_mg_per_ml": D(10)},
    ),
    Case(
        "refuse_diluting_10mg_per_ml",
        "Ketalar PI: 10 mg/mL not to be diluted",
        {"dose_mg": D(35)},
        request={"vial_mg_per_ml": D(10), "final_volume_ml": D(100)},
        refusals=frozenset({"prep.dilutes_10_mg_per_ml"}),
    ),
    Case(
        "refuse_unmarketed_strength",
        "Ketalar PI strengths 10/50/100 mg/mL",
        {"draw_volume_ml": D("1.4")},
        request={"vial_mg_per_ml": D(25), "final_volume_ml": D(100)},
        refusals=frozenset({"prep.vial_not_label_strength", "prep.vial_not_in_protocol"}),
    ),
    Case(
        "refuse_strength_the_protocol_does_not_stock",
        "protocol concentrations (§2.4)",
        {"dose_mg": D(35)},
        route=iv_route(concentrations_mg_per_ml=(D(50), D(100))),
        request={"vial_mg_per_ml": D(10)},
        refusals=frozenset({"prep.vial_not_in_protocol"}),
    ),
    Case(
        "refuse_final_volume_below_draw",
        "clinical.md §2.4 arithmetic",
        {"draw_volume_ml": D("0.7")},
        request={"vial_mg_per_ml": D(50), "final_volume_ml": D("0.5")},
        refusals=frozenset({"prep.final_volume_below_draw"}),
    ),
    Case(
        "refuse_rate_above_pump_limit",
        "protocol max_rate_ml_per_h",
        {"rate_ml_per_h": D(150)},
        route=iv_route(max_rate_ml_per_h=D(120)),
        request={"vial_mg_per_ml": D(50), "final_volume_ml": D(100)},
        refusals=frozenset({"prep.rate_above_pump_limit"}),
    ),
    Case(
        "1mg_per_kg_runs_60_min_within_1mg_per_kg_per_h",
        "clinical.md §2.1 (PA low-dose <= 1 mg/kg/h; ASKP3 0.5-1 mg/kg over 40-60 min)",
        {
            "dose_mg": D(70),
            "mg_per_kg_per_h": D("1.000"),
            "rate_ml_per_h": D("100.0"),
            "duration_min": 60,
            "accepted": True,
        },
        request={"mg_per_kg": D("1.0"), "vial_mg_per_ml": D(50), "final_volume_ml": D(100)},
    ),
    Case(
        "0.75mg_per_kg_step_up_runs_45_min",
        "clinical.md §2.2 (Cusin 2017: 0.75 mg/kg over 45 min)",
        {"dose_mg": D("52.5"), "mg_per_kg_per_h": D("1.000"), "duration_min": 45, "accepted": True},
        request={"mg_per_kg": D("0.75"), "vial_mg_per_ml": D(50), "final_volume_ml": D(100)},
    ),
    Case(
        "refuse_dose_rate_limit_needing_more_than_4_hours",
        "clinical.md §2.1 (dose-rate limit; longest plausible infusion 240 min)",
        {"dose_mg": D(70), "duration_min": 300},
        route=iv_route(max_mg_per_kg_per_h=D("0.2")),
        request={"mg_per_kg": D("1.0"), "vial_mg_per_ml": D(50), "final_volume_ml": D(100)},
        refusals=frozenset({"prep.dose_rate_above_limit"}),
    ),
    Case(
        "refuse_dose_rate_limit_without_a_vial",
        "clinical.md §2.1 (the same rate check without a preparation)",
        {"dose_mg": D(70), "mg_per_kg_per_h": D("0.200"), "duration_min": 300},
        route=iv_route(max_mg_per_kg_per_h=D("0.2")),
        request={"mg_per_kg": D("1.0")},
        refusals=frozenset({"prep.dose_rate_above_limit"}),
    ),
    Case(
        "mg_per_kg_above_ceiling_is_capped",
        "clinical.md §2.2 (site max mg/kg)",
        {"dose_mg": D(70), "capped_by": "max_mg_per_kg", "effective_mg_per_kg": D(1)},
        request={"mg_per_kg": D("1.5")},
    ),
    Case(
        "adult_absolute_cap",
        "clinical.md §2.2 (site max mg per session)",
        {"dose_mg": D(100), "capped_by": "max_mg"},
        weight=("130", "190"),
        request={"mg_per_kg": D("1.0")},
    ),
    Case(
        "rounds_to_nearest_half_mg",
        "clinical.md §2.4 (measurable step)",
        {"dose_mg": D("33.5")},
        weight=("67.3", "170"),
    ),
    Case(
        "rounding_never_goes_above_ceiling",
        "clinical.md §2.2 (ceilings always apply)",
        {"dose_mg": D(35), "capped_by": None},
        route=iv_route(max_mg=D(39), rounding_mg=D(5)),
        weight=("76", "175"),
    ),
    Case(
        "obese_actual_basis",
        "clinical.md §2.3 (basis UNCONFIRMED, protocol choice)",
        {"dose_mg": D(60), "weight_basis": "actual", "dosing_weight_kg": D(120)},
        weight=OBESE_F,
    ),
    Case(
        "obese_ideal_basis",
        "clinical.md §2.3 (Devine IBW)",
        {"dose_mg": D("28.5"), "weight_basis": "ideal", "dosing_weight_kg": D("56.9")},
        route=iv_route(weight_basis=WeightBasis.IDEAL),
        weight=OBESE_F,
    ),
    Case(
        "obese_adjusted_basis",
        "clinical.md §2.3 (IBW + 0.4 x (TBW - IBW))",
        {"dose_mg": D(41), "weight_basis": "adjusted", "dosing_weight_kg": D("82.1")},
        route=iv_route(weight_basis=WeightBasis.ADJUSTED),
        weight=OBESE_F,
    ),
    Case(
        "obese_adjusted_above_bmi_30",
        "clinical.md §2.3 (BMI rule, protocol choice)",
        {"dose_mg": D(41), "weight_basis": "adjusted"},
        route=iv_route(weight_basis=WeightBasis.ADJUSTED, adjusted_above_bmi=D(30)),
        weight=OBESE_F,
    ),
    Case(
        "overweight_below_bmi_rule_uses_actual",
        "clinical.md §2.3 (BMI rule, protocol choice)",
        {"dose_mg": D(40), "weight_basis": "actual", "dosing_weight_kg": D(80)},
        route=iv_route(weight_basis=WeightBasis.ADJUSTED, adjusted_above_bmi=D(30)),
        weight=("80", "175"),
    ),
    Case(
        "obese_male_ideal_basis",
        "clinical.md §2.3 (Devine IBW, male)",
        {"dose_mg": D("37.5"), "dosing_weight_kg": D(75)},
        sex=Sex.MALE,
        route=iv_route(weight_basis=WeightBasis.IDEAL),
        weight=("110", "180"),
    ),
    Case(
        "underweight_never_dosed_above_actual",
        "clinical.md §2.3 (dosing weight <= actual)",
        {"dose_mg": D("22.5"), "weight_basis": "actual", "dosing_weight_kg": D(45)},
        sex=Sex.MALE,
        route=iv_route(weight_basis=WeightBasis.IDEAL),
        weight=("45", "180"),
    ),
    Case(
        "refuse_stale_weight",
        "protocol evaluation.max_weight_age_days",
        {"dose_mg": None},
        days_ago=31,
        refusals=frozenset({"weight.stale"}),
    ),
    Case(
        "weight_exactly_at_age_limit_is_accepted",
        "protocol evaluation.max_weight_age_days",
        {"dose_mg": D(35)},
        days_ago=30,
    ),
    Case(
        "refuse_missing_weight",
        "protocol evaluation (weight required)",
        {"dose_mg": None},
        weight=None,
        refusals=frozenset({"weight.missing"}),
    ),
    Case(
        "refuse_ideal_weight_below_60_inches",
        "clinical.md §2.3 (Devine undefined < 5 ft)",
        {"dose_mg": None},
        route=iv_route(weight_basis=WeightBasis.IDEAL),
        weight=("70", "145"),
        refusals=frozenset({"weight.ibw_undefined"}),
    ),
    Case(
        "refuse_age_outside_population",
        "protocol population (adult pathway)",
        {"dose_mg": D(35)},
        age=16,
        refusals=frozenset({"plan.age_outside_population"}),
    ),
    Case(
        "refuse_route_not_in_protocol",
        "protocol dosing routes",
        {"dose_mg": None},
        request={"route": Route.IM},
        refusals=frozenset({"plan.route_not_in_protocol"}),
    ),
    Case(
        "refuse_dose_below_one_step",
        "clinical.md §2.2 (measurable step)",
        {"dose_mg": D(0)},
        route=iv_route(max_mg=D(4), rounding_mg=D(5)),
        refusals=frozenset({"dose.below_measurable_step"}),
    ),
    Case(
        "sublingual_fixed_100mg",
        "clinical.md §7.2 (SL 100-400 mg)",
        {"dose_mg": D(100), "mg_per_kg": None},
        route=sl_route(),
    ),
    Case(
        "sublingual_capped_at_400mg",
        "clinical.md §7.2 (SL 100-400 mg)",
        {"dose_mg": D(400), "capped_by": "max_mg"},
        route=sl_route(),
        request={"fixed_mg": D(500)},
    ),
    Case(
        "intramuscular_draw_volume",
        "clinical.md §2.5 (IM, range UNCONFIRMED)",
        {"dose_mg": D(40), "draw_volume_ml": D("0.8"), "rate_ml_per_h": None},
        route=im_route(),
        weight=("80", "180"),
        request={"vial_mg_per_ml": D(50)},
    ),
]


def _observed(case: Case) -> dict[str, Any]:
    routes = {case.route.route: case.route}
    pack = protocol(routes, min_age=case.ages[0], max_age=case.ages[1])
    options = dict(case.request)
    request = DoseRequest(options.pop("route", case.route.route), case.sex, case.age, **options)
    weights = [measurement(*case.weight, days_ago=case.days_ago)] if case.weight else []
    plan = plan_dose(pack, request, weights, at=AT)
    prep = plan.preparation.preparation if plan.preparation else None
    dose, weight = plan.dose, plan.dosing_weight
    return {
        "dose_mg": dose.dose_mg if dose else None,
        "mg_per_kg": dose.requested_mg_per_kg if dose else None,
        "capped_by": dose.capped_by.value if dose and dose.capped_by else None,
        "effective_mg_per_kg": dose.effective_mg_per_kg if dose else None,
        "weight_basis": weight.basis.value if weight else None,
        "dosing_weight_kg": weight.weight_kg if weight else None,
        "draw_volume_ml": prep.draw_volume_ml if prep else None,
        "final_concentration": prep.final_concentration_mg_per_ml if prep else None,
        "rate_ml_per_h": prep.rate_ml_per_h if prep else None,
        "mg_per_kg_per_h": prep.mg_per_kg_per_h if prep else plan.mg_per_kg_per_h,
        "duration_min": plan.duration_min,
        "refusals": frozenset(r.rule_id for r in plan.refusals),
        "accepted": plan.accepted,
    }


def test_table_has_at_least_25_cases_with_sources() -> None:
    assert len(CASES) >= 25
    assert all(case.source for case in CASES)
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_dose_case(case: Case) -> None:
    observed = _observed(case)
    for key, expected in case.expect.items():
        assert observed[key] == expected, f"{key} ({case.source})"
    assert observed["refusals"] == case.refusals, case.source
    assert observed["accepted"] is (not case.refusals and observed["dose_mg"] is not None)
