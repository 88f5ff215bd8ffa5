"""Builders for dosing tests: protocol sections constructed directly, with obviously fake values.

The defaults mirror the adult IV template of clinical.md §2.1/§2.4 (0.5 mg/kg over 40 min,
0.5 mg rounding step, 50 and 100 mg/mL vials) so that tests read like the worked examples.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ketaclinic.domain.dosing.weight import DosingWeight, Sex, WeightMeasurement
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import (
    AgeRange,
    Consent,
    Discharge,
    Dosing,
    Evaluation,
    Integration,
    Maintenance,
    Monitoring,
    Population,
    Premedication,
    Reassessment,
    Route,
    RouteDosing,
    Series,
    SourceRef,
    TitrationRules,
    WeightBasis,
)

AT = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
D = Decimal


def iv_route(**changes: Any) -> RouteDosing:
    """Adult IV: 0.5 mg/kg over 40 min, ceilings 1 mg/kg and 100 mg, pump limit 1 mg/kg/h."""
    base = RouteDosing(
        route=Route.IV,
        start_mg_per_kg=D("0.5"),
        start_fixed_mg=None,
        duration_min=40,
        weight_basis=WeightBasis.ACTUAL,
        adjusted_above_bmi=None,
        adjusted_weight_factor=D("0.4"),
        titration_step_mg_per_kg=D("0.25"),
        titration_step_mg=None,
        max_mg_per_kg=D("1.0"),
        max_mg=D("100"),
        rounding_mg=D("0.5"),
        concentrations_mg_per_ml=(D(10), D(50), D(100)),
        max_mg_per_kg_per_h=D("1.0"),
        max_rate_ml_per_h=D("300"),
        sources={
            "max_mg": SourceRef("clinical.md §2.2", needs_signoff=True),
            "max_mg_per_kg": SourceRef("clinical.md §2.2", needs_signoff=True),
            "weight_basis": SourceRef("clinical.md §2.3", needs_signoff=True),
            "max_mg_per_kg_per_h": SourceRef("clinical.md §2.1"),
        },
    )
    return replace(base, **changes)


def sl_route(**changes: Any) -> RouteDosing:
    """KAT sublingual: fixed 100 mg, ceiling 400 mg (clinical.md §7.2), 50 mg steps."""
    base = iv_route(
        route=Route.SL,
        start_mg_per_kg=None,
        start_fixed_mg=D(100),
        duration_min=60,
        titration_step_mg_per_kg=None,
        titration_step_mg=D(50),
        max_mg_per_kg=D("6"),
        max_mg=D(400),
        rounding_mg=D(50),
        concentrations_mg_per_ml=(),
        max_mg_per_kg_per_h=None,
        max_rate_ml_per_h=None,
    )
    return replace(base, **changes)


def im_route(**changes: Any) -> RouteDosing:
    """KAT intramuscular: 0.5 mg/kg, ceiling 1.5 mg/kg / 150 mg (UNCONFIRMED, §2.5)."""
    base = iv_route(
        route=Route.IM,
        max_mg_per_kg=D("1.5"),
        max_mg=D(150),
        duration_min=60,
        max_mg_per_kg_per_h=None,
        max_rate_ml_per_h=None,
    )
    return replace(base, **changes)


def titration_rules(**changes: Any) -> TitrationRules:
    """CADSS-6 excessive >= 12, insufficient <= 2, step up from session 3, no response < 25%."""
    base = TitrationRules(
        excessive_cadss6_total=12,
        insufficient_cadss6_total=2,
        step_up_after_session=3,
        no_response_pct_drop_below=D(25),
        min_sleep_hours=D(4),
        sources={"excessive_cadss6_total": SourceRef("clinical.md §4.5", needs_signoff=True)},
    )
    return replace(base, **changes)


def measurement(
    weight_kg: str = "70", height_cm: str = "175", days_ago: int = 1
) -> WeightMeasurement:
    return WeightMeasurement(D(weight_kg), D(height_cm), AT - timedelta(days=days_ago))


def actual_weight(weight_kg: str = "70", height_cm: str = "175") -> DosingWeight:
    w = D(weight_kg)
    return DosingWeight(
        weight_kg=w,
        basis=WeightBasis.ACTUAL,
        formula=f"actual body weight = {w} kg",
        actual_weight_kg=w,
        height_cm=D(height_cm),
        sex=Sex.FEMALE,
        bmi=D("22.9"),
        ideal_weight_kg=None,
        measured_at=AT - timedelta(days=1),
    )


def protocol(
    routes: dict[Route, RouteDosing] | None = None,
    *,
    min_age: int = 18,
    max_age: int = 75,
    max_weight_age_days: int = 30,
) -> Protocol:
    """A whole protocol with only the dosing-relevant sections filled in meaningfully."""
    return Protocol(
        id="test-iv",
        version="0.0-test",
        title="Fake test protocol",
        hash="0" * 64,
        population=Population(AgeRange(min_age, max_age), ("trd",)),
        evaluation=Evaluation(("phq9",), (), "adult", max_weight_age_days),
        contraindications=(),
        consent=Consent((), guardian_permission_below_age=18),
        dosing=Dosing(
            routes=routes or {Route.IV: iv_route()},
            premedications=(Premedication("ondansetron", D(4), "po", needs_signoff=True),),
            titration=titration_rules(),
        ),
        series=Series(6, 14, 21, 48, (0, 3), 150),
        monitoring=Monitoring(10, 15, (), (), D(180), D(110)),
        discharge=Discharge(60, 9, True, True),
        reassessment=Reassessment((3, 6), 14, ("phq9",), "phq9", (), 3, D(25)),
        maintenance=Maintenance((7, 14), "phq9", 14, ()),
        integration=Integration("ROOT", (), 1, True, False, ()),
    )
