"""JSON shapes of the dosing API: the order screen and a signed order (decimals as strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ketaclinic.domain.dosing.records import DoseOrder
from ketaclinic.services.dosing.screen import OrderScreen


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def order_out(order: DoseOrder) -> dict[str, Any]:
    c = order.content
    return {
        "id": order.id,
        "patient_id": order.patient_id,
        "course_id": order.course_id,
        "status": order.status.value,
        "session_number": c.session_number,
        "route": c.route.value,
        "drug": c.drug,
        "dose_mg": str(c.dose_mg),
        "mg_per_kg": str(c.effective_mg_per_kg),
        "dosing_weight_kg": str(c.dosing_weight_kg),
        "weight_basis": c.weight_basis.value,
        "weight_formula": c.weight_formula,
        "vial_mg_per_ml": _dec(c.vial_mg_per_ml),
        "draw_volume_ml": _dec(c.draw_volume_ml),
        "final_volume_ml": _dec(c.final_volume_ml),
        "final_concentration_mg_per_ml": _dec(c.final_concentration_mg_per_ml),
        "rate_ml_per_h": _dec(c.rate_ml_per_h),
        "mg_per_kg_per_h": _dec(c.mg_per_kg_per_h),
        "duration_min": c.duration_min,
        "premedications": [
            {"drug": p.drug, "dose_mg": str(p.dose_mg), "route": p.route} for p in c.premedications
        ],
        "recommendation": c.recommendation.value,
        "recommended_dose_mg": _dec(c.recommended_dose_mg),
        "override_reason": c.override_reason,
        "reasons": list(c.reasons),
        "steps": list(c.steps),
        "signed_by": order.signed_by,
        "signed_at": order.signed_at.isoformat(),
        "verified_by": order.verified_by,
        "verified_at": order.verified_at.isoformat() if order.verified_at else None,
    }


def screen_out(screen: OrderScreen) -> dict[str, Any]:
    rec = screen.recommendation
    proposed = rec.proposed if rec else None
    return {
        "course_id": screen.course.id,
        "patient_id": screen.patient.id,
        "protocol": screen.protocol_ref,
        "route": screen.route.route.value,
        "session_number": screen.session_number,
        "blockers": list(screen.blockers),
        "weight_refusals": [r.message for r in screen.weight.refusals] if screen.weight else [],
        "recommendation": None
        if rec is None
        else {
            "outcome": rec.outcome.value,
            "dose_mg": _dec(proposed.dose_mg) if proposed else None,
            "mg_per_kg": _dec(proposed.requested_mg_per_kg) if proposed else None,
            "steps": list(proposed.steps) if proposed else [],
            "reasons": [
                {
                    "rule": r.rule_id,
                    "message": r.message,
                    "source": r.source,
                    "needs_signoff": r.needs_signoff,
                }
                for r in rec.reasons
            ],
        },
        "previous": [order_out(row.order) for row in screen.history],
        "open_order_id": screen.open_order.id if screen.open_order else None,
    }
