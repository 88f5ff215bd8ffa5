"""Pre-dose BP decisions: which checklist waits for a signed-in prescriber's decision.

A pre-dose BP at or above the protocol's hold (clinical.md §4.3) is rechecked, then decided by a
physician or APP signed in as themselves (``SessionWorkflowService.decide_predose_bp``); a BP
above the eligibility hard-stop limit (§1.2) is final for the session: no decision is asked for,
and the only way on is closing the visit as not dosed today (``close_not_dosed``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.infusion.facts import latest, predose_decided_by, session_bp_reasons
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord
from ketaclinic.services.ports import UnitOfWork

PREDOSE_DECISIONS = ("proceed", "do_not_dose")


def waiting_predose(uow: UnitOfWork, s: InfusionSession) -> SessionRecord:
    """The latest pre-dose checklist of a checked-in session when its BP hold waits for a
    prescriber's decision; Conflict (field ``decision``) otherwise."""
    if s.state is not SessionState.CHECKED_IN:
        raise Conflict(f"the session is {s.state.value}", field="decision")
    records = uow.session_records.for_session(s.clinic_id, s.id)
    predose = latest(records, RecordKind.PRE_DOSE)
    if hard_stop_record(records) is not None:
        raise Conflict(
            "predose_bp_hard_stop: a hard stop is final for this session, no decision is "
            "asked for; close the visit as not dosed today",
            field="decision",
        )
    held = predose is not None and bool(session_bp_reasons(records, "bp_hold"))
    if predose is None or not held or predose_decided_by(records, predose):
        raise Conflict("no pre-dose BP hold waits for a decision", field="decision")
    return predose


def hard_stop_record(records: Sequence[SessionRecord]) -> SessionRecord | None:
    """The first pre-dose checklist of the session whose BP was above the hard-stop limit
    (predose_bp_hard_stop, clinical.md §1.2): final for the session, whatever follows."""
    return next(
        (r for r in records if r.kind is RecordKind.PRE_DOSE and r.payload.get("bp_hard_stop")),
        None,
    )


def not_dosed_record(records: Sequence[SessionRecord]) -> SessionRecord | None:
    """The record that closed the visit as not dosed today (reason, who, when), if any."""
    return next(
        (
            r
            for r in reversed(records)
            if r.kind is RecordKind.PREDOSE_DECISION and r.payload.get("decision") == "do_not_dose"
        ),
        None,
    )


def is_waiting(uow: UnitOfWork, s: InfusionSession) -> bool:
    try:
        waiting_predose(uow, s)
    except Conflict:
        return False
    return True
