"""Session guard facts derived from what was documented (never attested by the caller).

Sources: seed 000 step 4 (baseline vitals, symptom check, IV placement by trained staff),
clinical.md §4.2 (premedication), §4.3 (pre-dose BP hold), protocol evaluation.required_tests
(pregnancy test for people who can become pregnant).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from ketaclinic.domain.dosing.records import DoseOrder, OrderStatus, SessionResponse
from ketaclinic.domain.dosing.sessions import DissociationInstrument
from ketaclinic.domain.errors import Conflict, SafetyBlock, ValidationFailed
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import (
    SessionFacts,
    SessionState,
    predose_bp_hard_stop,
    predose_bp_hold,
)
from ketaclinic.domain.infusion.vitals import Parameter
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord
from ketaclinic.services.infusion.vitals_evaluation import hold_reason, predose_holds
from ketaclinic.services.ports import UnitOfWork


def latest(records: Sequence[SessionRecord], kind: RecordKind) -> SessionRecord | None:
    """The newest record of ``kind`` (a correction is a new record; the latest wins)."""
    return next((r for r in reversed(records) if r.kind is kind), None)


def pregnancy_test_required(protocol: Protocol, *, can_be_pregnant: bool) -> bool:
    """True when the protocol requires a pregnancy test and it applies to this patient."""
    return any(
        "pregnan" in t.id.lower() and (t.applies_to == "all" or can_be_pregnant)
        for t in protocol.evaluation.required_tests
    )


def _premedicated(records: Sequence[SessionRecord], order: DoseOrder | None) -> bool:
    if order is None:
        return False
    given = {
        str(r.payload.get("drug", "")).lower()
        for r in records
        if r.kind is RecordKind.ADMINISTRATION and r.payload.get("purpose") != "ketamine"
    }
    return all(p.drug.lower() in given for p in order.content.premedications)


def session_bp_reasons(records: Sequence[SessionRecord], key: str) -> tuple[str, ...]:
    """Every BP hold (``bp_hold``) or hard stop (``bp_hard_stop``) recorded on any of the session's
    pre-dose checklists, oldest first. A later checklist with lower numbers does not erase an
    earlier one: a hard stop means no dose that day, and a hold still needs a prescriber's
    decision (clinical.md §4.3, §1.2)."""
    found: dict[str, None] = {}
    for r in records:
        if r.kind is RecordKind.PRE_DOSE:
            found.update(dict.fromkeys(str(reason) for reason in r.payload.get(key, ())))
    return tuple(found)


def derive_facts(
    records: Sequence[SessionRecord],
    order: DoseOrder | None,
    protocol: Protocol,
    *,
    can_be_pregnant: bool,
) -> SessionFacts:
    """The checklist facts of the guards from the session's records and its verified order."""
    checkin = latest(records, RecordKind.CHECK_IN)
    c = dict(checkin.payload) if checkin else {}
    predose = latest(records, RecordKind.PRE_DOSE)
    p = dict(predose.payload) if predose else {}
    required = pregnancy_test_required(protocol, can_be_pregnant=can_be_pregnant)
    return SessionFacts(
        identity_confirmed=bool(c.get("identity_confirmed")),
        escort_named=bool(c.get("escort_name")) and bool(c.get("escort_phone")),
        escort_reachable=bool(c.get("escort_reachable")),
        fasting_confirmed=bool(c.get("fasting_confirmed")),
        pregnancy_test_required=required,
        pregnancy_test_negative=c.get("pregnancy_test") == "negative",
        checkin_reviewed=bool(c.get("checkin_reviewed")),
        predose_hold=session_bp_reasons(records, "bp_hold"),
        predose_vitals_hold=tuple(p.get("vitals_hold", ())),
        predose_hard_stop=session_bp_reasons(records, "bp_hard_stop"),
        predose_bp_decided_by=predose_decided_by(records, predose),
        baseline_vitals_recorded=bool(p.get("sbp_mmhg")) and bool(p.get("spo2_pct")),
        symptom_check_done=bool(p.get("symptom_check")),
        premedication_required=bool(order and order.content.premedications),
        premedication_recorded=_premedicated(records, order),
        route=order.content.route if order else None,
        iv_placement_recorded=latest(records, RecordKind.IV_PLACEMENT) is not None,
        verified_order=order is not None and order.status is OrderStatus.VERIFIED,
    )


def resume_approval(
    records: Sequence[SessionRecord], s: InfusionSession, pauses: int
) -> SessionRecord | None:
    """The signed-in prescriber's approval to resume after the current pause, if recorded. An
    approval binds the pause it was given for (``pause``: the pause's ordinal), so a later pause
    needs a new one. Source: clinical.md §4.4 (resume only once cleared)."""
    if s.state is not SessionState.PAUSED:
        return None
    return next(
        (
            r
            for r in reversed(records)
            if r.kind is RecordKind.RESUME_APPROVAL and r.payload.get("pause") == pauses
        ),
        None,
    )


def resume_approver(records: Sequence[SessionRecord], s: InfusionSession, pauses: int) -> str:
    """Name of the prescriber whose approval of the current pause is recorded ("" if none)."""
    approval = resume_approval(records, s, pauses)
    return str(approval.payload.get("prescriber_name", "")) if approval else ""


def predose_decided_by(records: Sequence[SessionRecord], predose: SessionRecord | None) -> str:
    """Name of the prescriber who decided to proceed on this pre-dose record's BP hold ("" if
    none). A decision binds the pre-dose record it was made on: a new checklist needs a new one."""
    if predose is None:
        return ""
    for r in reversed(records):
        if (
            r.kind is RecordKind.PREDOSE_DECISION
            and r.payload.get("predose_record_id") == predose.id
        ):
            return (
                str(r.payload.get("prescriber_name", ""))
                if r.payload.get("decision") == ("proceed")
                else ""
            )
    return ""


def bp_hold(payload: Mapping[str, Any], protocol: Protocol) -> dict[str, Any]:
    """The hold reasons of the recheck when given (else the first reading), clinical.md §4.3,
    and the hard-stop reasons of the same reading (the eligibility BP hard stop, §1.2)."""
    sbp = payload["recheck_sbp_mmhg"] or payload["sbp_mmhg"]
    dbp = payload["recheck_dbp_mmhg"] or payload["dbp_mmhg"]
    hold = predose_bp_hold(Decimal(sbp), Decimal(dbp), protocol.monitoring)
    first = predose_bp_hold(
        Decimal(payload["sbp_mmhg"]), Decimal(payload["dbp_mmhg"]), protocol.monitoring
    )
    if first.held and not payload["recheck_sbp_mmhg"]:
        raise SafetyBlock(
            "pre-dose BP at or above the hold: recheck in 5-10 min",
            reasons=first.reasons,
            field="recheck_sbp_mmhg",
        )
    stop = predose_bp_hard_stop(Decimal(sbp), Decimal(dbp), protocol.contraindications)
    return {
        "bp_hold": list(hold.reasons),
        "bp_hold_source": hold.source,
        "bp_hard_stop": list(stop.reasons),
        "bp_hard_stop_source": stop.source,
    }


def vitals_hold(payload: Mapping[str, Any], protocol: Protocol, at: datetime) -> dict[str, Any]:
    """The pack's pre-dose hold rules (SpO2, HR) tripped by the checklist's vitals, each reason
    naming its rule and source; a held session cannot become ready (clinical.md §4.3)."""
    vitals = {
        Parameter.SPO2: Decimal(payload["spo2_pct"]),
        Parameter.HR: Decimal(payload["hr_per_min"]),
    }
    held = predose_holds(protocol, vitals, at=at)
    return {
        "vitals_hold": [hold_reason(a) for a in held],
        "vitals_hold_rules": [a.rule_id for a in held],
    }


def ketamine_payload(order: DoseOrder, lot: str, at: datetime) -> dict[str, Any]:
    """The ketamine given, from the verified order (the people: ``dose_team.DoseTeam``)."""
    c = order.content
    return {
        "drug": c.drug,
        "dose_mg": decimal_text(c.dose_mg),  # plain: 300, never 3E+2
        "route": c.route.value,
        "given_at": at.isoformat(),
        "lot": lot,
        "rate_ml_per_h": decimal_text(c.rate_ml_per_h) if c.rate_ml_per_h is not None else None,
        "duration_min": c.duration_min,
        "purpose": "ketamine",
        "order_id": order.id,
    }


def observed_response(records: Sequence[SessionRecord], s: InfusionSession) -> SessionResponse:
    cadss6 = [
        int(r.payload["total"])
        for r in records
        if r.kind is RecordKind.SCALE and r.payload["instrument"] == "cadss6"
    ]
    return SessionResponse(
        dissociation_instrument=DissociationInstrument.CADSS6 if cadss6 else None,
        dissociation_peak_total=max(cadss6) if cadss6 else None,
        stopped_early=s.state is SessionState.STOPPED,
    )


def verified_order(uow: UnitOfWork, s: InfusionSession, order_id: int) -> DoseOrder:
    order = uow.dosing.get_order(s.clinic_id, order_id)
    if order is None or order.course_id != s.course_id:
        raise ValidationFailed({"order_id": "no such dose order for this course"})
    if order.status is not OrderStatus.VERIFIED:
        raise SafetyBlock(
            "the dose order has not passed the second-person bedside check",
            reasons=(
                "the order was already given"
                if order.status is OrderStatus.ADMINISTERED
                else "the order is signed but not yet checked by a second person",
            ),
            field="order_id",
        )
    return order


def session_order(uow: UnitOfWork, s: InfusionSession) -> DoseOrder:
    records = uow.session_records.for_session(s.clinic_id, s.id)
    predose = latest(records, RecordKind.PRE_DOSE)
    if predose is None:
        raise Conflict("complete the pre-dose checklist first", field="order_id")
    order = uow.dosing.get_order(s.clinic_id, int(predose.payload["order_id"]))
    if order is None or order.status is not OrderStatus.VERIFIED:
        raise SafetyBlock("no verified dose order for this session", field="order_id")
    return order


def order_of(
    uow: UnitOfWork, s: InfusionSession, records: Sequence[SessionRecord]
) -> DoseOrder | None:
    predose = latest(records, RecordKind.PRE_DOSE)
    return uow.dosing.get_order(s.clinic_id, int(predose.payload["order_id"])) if predose else None


def open_orders(uow: UnitOfWork, s: InfusionSession) -> tuple[DoseOrder, ...]:
    """The course's signed orders not yet given (verified, or waiting for the bedside check),
    oldest first: what the pre-dose checklist offers by description."""
    orders = uow.dosing.orders_for_course(s.clinic_id, s.course_id)
    pending = (o for o in orders if o.status is not OrderStatus.ADMINISTERED)
    return tuple(sorted(pending, key=lambda o: (o.signed_at, o.id)))
