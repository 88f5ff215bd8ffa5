"""What a signed order records: the accepted plan, premedications and the recommendation.

Premedications come from the protocol with the protocol's dose and route (clinical.md §4.4; the
ondansetron dose is UNCONFIRMED and carries its ``needs_signoff`` flag); the prescriber only
chooses whether an optional one is given. Mandatory premedications are always included.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketaclinic.domain.dosing.plan import DosePlan
from ketaclinic.domain.dosing.reasons import DosingReason
from ketaclinic.domain.dosing.records import KETAMINE, OrderContent, PremedicationOrder
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import Premedication
from ketaclinic.services.dosing.screen import OrderScreen


def describe(reason: DosingReason) -> str:
    """One reason as the order keeps it: rule, message, source, and the sign-off flag."""
    flag = " (protocol default: needs sign-off)" if reason.needs_signoff else ""
    return f"{reason.rule_id}: {reason.message} [{reason.source}]{flag}"


def chosen_premedications(
    available: Sequence[Premedication], chosen: Sequence[str]
) -> tuple[PremedicationOrder, ...]:
    """The protocol premedications to give; an unknown name is refused, naming the field."""
    names = {p.drug.lower(): p for p in available}
    unknown = [c for c in chosen if c.strip().lower() not in names]
    if unknown:
        raise ValidationFailed(
            {"premedications": f"not a premedication of this protocol: {', '.join(unknown)}"}
        )
    wanted = {c.strip().lower() for c in chosen}
    return tuple(
        PremedicationOrder(p.drug, p.dose_mg, p.route, p.source, p.needs_signoff)
        for p in available
        if not p.optional or p.drug.lower() in wanted
    )


def order_content(
    screen: OrderScreen, plan: DosePlan, premedications: Sequence[str], override_reason: str
) -> OrderContent:
    """The order as signed. ``plan`` must be accepted (the caller has checked it)."""
    dose, weight, recommendation = plan.dose, plan.dosing_weight, screen.recommendation
    assert dose is not None and weight is not None and recommendation is not None
    prep = plan.preparation.preparation if plan.preparation else None
    proposed = recommendation.proposed
    reasons = tuple(describe(r) for r in recommendation.reasons + plan.reasons)
    return OrderContent(
        session_number=screen.session_number,
        route=plan.route,
        drug=KETAMINE,
        dose_mg=dose.dose_mg,
        requested_mg_per_kg=dose.requested_mg_per_kg,
        effective_mg_per_kg=dose.effective_mg_per_kg,
        dosing_weight_kg=weight.weight_kg,
        weight_basis=weight.basis,
        weight_formula=weight.formula,
        vial_mg_per_ml=prep.vial_mg_per_ml if prep else None,
        draw_volume_ml=prep.draw_volume_ml if prep else None,
        final_volume_ml=prep.final_volume_ml if prep else None,
        final_concentration_mg_per_ml=prep.final_concentration_mg_per_ml if prep else None,
        rate_ml_per_h=prep.rate_ml_per_h if prep else None,
        mg_per_kg_per_h=prep.mg_per_kg_per_h if prep else None,
        duration_min=plan.duration_min or screen.route.duration_min,
        premedications=chosen_premedications(screen.protocol.dosing.premedications, premedications),
        recommendation=recommendation.outcome,
        recommended_dose_mg=proposed.dose_mg if proposed else None,
        override_reason=override_reason.strip(),
        reasons=reasons,
        steps=dose.steps + (prep.steps if prep else ()),
    )
