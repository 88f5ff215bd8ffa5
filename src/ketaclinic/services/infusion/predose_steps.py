"""Infusion day, the pre-dose check and the BP decisions: the checklist that clears a session
for dosing, a prescriber's decision on a BP hold, and closing a visit as not dosed.

A BP at or above the protocol's hold needs a prescriber's decision; one above the hard-stop limit
ends the day's dosing for that session, which nobody can override (clinical.md §1.2, §4.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ketaclinic.domain.errors import Conflict, SafetyBlock, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionState, guard_failures, state_words
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.infusion import checklists as forms
from ketaclinic.services.infusion.bedside_records import BedsideSteps
from ketaclinic.services.infusion.bedside_vitals import (
    PREDOSE_READINGS_STORED,
    new_predose_readings,
)
from ketaclinic.services.infusion.facts import (
    bp_hold,
    latest,
    session_bp_reasons,
    verified_order,
    vitals_hold,
)
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord
from ketaclinic.services.infusion.predose_decisions import (
    PREDOSE_DECISIONS,
    hard_stop_record,
    waiting_predose,
)
from ketaclinic.services.infusion.runners import ensure_clinical
from ketaclinic.services.infusion.sessions import get_session
from ketaclinic.services.infusion.vitals_recording import VitalsRecorder
from ketaclinic.services.ports import UnitOfWork

PREDOSE_ROLE = "predose.role"
RULE_NOT_DOSED = "visit.not_dosed"
#: A visit closes as not dosed from arrival until dosing starts, never after.
NOT_DOSED_FROM = frozenset({SessionState.SCHEDULED, SessionState.CHECKED_IN, SessionState.READY})


class PredoseSteps(BedsideSteps):
    """The pre-dose steps of the session workflow (:mod:`ketaclinic.services.infusion.workflow`)."""

    def pre_dose(self, actor: Actor, session_id: int, raw: Mapping[str, Any]) -> InfusionSession:
        """Complete the pre-dose checklist and move to ``ready`` when every item holds.

        A BP at or above the protocol's hold (predose_bp_hold, clinical.md §4.3) needs a recheck,
        then a decision by a signed-in prescriber (:meth:`decide_predose_bp`): the checklist is
        stored and the refusal names ``predose_bp``. A BP above the eligibility hard-stop limit
        (predose_bp_hard_stop, §1.2) is stored and refused: no start, by anyone. A decision
        typed on the checklist is refused. The order must be this course's verified order. An
        SpO2 or HR tripping one of the pack's pre-dose ``hold`` rules refuses ``ready`` naming
        the rule, until a recheck within limits is documented. Done by a nurse, physician or
        APP signed in (``predose.role``): the coach attends a KAT session but does not clear it.
        """
        require(actor, Permission.SESSION_RUN)
        if str(raw.get("prescriber_bp_decision") or "").strip():
            raise ValidationFailed(
                {
                    "prescriber_bp_decision": "predose_bp: the decision on a BP hold is made by "
                    "the signed-in prescriber (physician or APP), not typed on the checklist"
                }
            )
        ensure_clinical(actor, PREDOSE_ROLE, "complete the pre-dose check (clear for dosing)")
        doc = forms.pre_dose(raw)
        with self._uow() as uow:
            s, _, protocol = self._context(uow, actor, session_id)
            stopped = session_bp_reasons(
                uow.session_records.for_session(s.clinic_id, s.id), "bp_hard_stop"
            )
            if stopped:  # final for the session: a new checklist cannot clear it
                raise SafetyBlock(
                    "pre-dose BP above the hard-stop limit earlier today: no dose today; "
                    "close the visit as not dosed",
                    reasons=tuple(f"predose_bp_hard_stop: {r}" for r in stopped),
                    field="predose_bp_hard_stop",
                )
            verified_order(uow, s, int(doc.payload["order_id"]))
            payload = {
                **doc.payload,
                **bp_hold(doc.payload, protocol),
                **vitals_hold(doc.payload, protocol, self._now()),
                PREDOSE_READINGS_STORED: True,
            }
            checklist = self._add(uow, actor, s, RecordKind.PRE_DOSE, payload)
            events = self._baseline_vitals(uow, actor, s, checklist)
            facts = self._facts(uow, s)
            failures = guard_failures(s.state, SessionState.READY, facts)
            bp = tuple(f for f in failures if f.startswith("predose_bp"))
            if bp:  # a BP hold or hard stop is kept, whatever else is missing: a later
                uow.commit()  # checklist cannot erase it (services.infusion.facts)
                self._publish(s, events)
                others = tuple(f for f in failures if f not in bp)
                raise SafetyBlock(
                    "pre-dose BP: no start without a prescriber's decision"
                    if not facts.predose_hard_stop
                    else "pre-dose BP above the hard-stop limit: no dose today",
                    reasons=bp + others,
                    field="predose_bp_hard_stop" if facts.predose_hard_stop else "predose_bp",
                )
            ready = self._move(uow, actor, s, SessionState.READY, facts)
        self._publish(s, events)
        return ready

    def _baseline_vitals(
        self, uow: UnitOfWork, actor: Actor, s: InfusionSession, checklist: SessionRecord
    ) -> list[dict[str, Any]]:
        """Store the checklist's first measurement as the session's pre-dose readings, in the
        caller's unit of work, through the one vital-signs pipeline (plausibility, the pack's
        alert rules and alarms, the live board: ``VitalsRecorder.store``, as a hand entry on
        the vital signs form), taken when the checklist was recorded, so baseline vitals are
        entered once: a value the vital signs form stored in the last 15 minutes (which the
        checklist offered) is not stored again. Returns the board events to publish after the
        commit."""
        events: list[dict[str, Any]] = []
        stored = uow.readings.for_session(s.clinic_id, s.id)
        readings = new_predose_readings(checklist.payload, stored, at=checklist.recorded_at)
        batch = VitalsBatch(readings, session_id=s.id)
        VitalsRecorder(self._clock, unknown_session_ack="AA").store(uow, actor, s, batch, events)
        return events

    def _publish(self, s: InfusionSession, events: list[dict[str, Any]]) -> None:
        for event in events:
            self._events.publish(s.clinic_id, event)

    def decide_predose_bp(
        self, actor: Actor, session_id: int, raw: Mapping[str, Any]
    ) -> InfusionSession:
        """The signed-in prescriber's decision on a pre-dose BP at or above the hold.

        Physician or APP only (PREDOSE_DECIDE). ``decision`` is ``proceed`` or ``do_not_dose``
        with a ``reason``; the record names the prescriber and binds the latest pre-dose
        checklist. ``proceed`` moves the session to ``ready`` when every other item holds; it is
        refused above the hard-stop limit (predose_bp_hard_stop), which no one can override.
        """
        require(actor, Permission.PREDOSE_DECIDE)
        f = forms.Fields(raw)
        decision = f.choice("decision", PREDOSE_DECISIONS)
        reason = f.text("reason")
        f.done()
        with self._uow() as uow:
            s = get_session(uow, actor.clinic_id, session_id)
            records = uow.session_records.for_session(s.clinic_id, s.id)
            stop = session_bp_reasons(records, "bp_hard_stop")  # any checklist of the day
            if stop and decision == "proceed":
                raise SafetyBlock(
                    "pre-dose BP above the hard-stop limit: no start, by anyone",
                    reasons=tuple(f"predose_bp_hard_stop: {r}" for r in stop),
                    field="predose_bp_hard_stop",
                )
            if stop:  # do not dose: the visit closes, as after a hard stop by anyone
                return self._not_dosed(uow, actor, s, hard_stop_record(records), reason)
            predose = waiting_predose(uow, s)
            if decision != "proceed":
                return self._not_dosed(uow, actor, s, predose, reason)
            assert actor.staff_id is not None
            member = uow.staff.get(actor.staff_id)
            payload = {
                "predose_record_id": predose.id,
                "decision": decision,
                "reason": reason,
                "prescriber_id": actor.staff_id,
                "prescriber_name": member.name if member else f"staff {actor.staff_id}",
                "prescriber_role": actor.role_name,
            }
            self._add(uow, actor, s, RecordKind.PREDOSE_DECISION, payload)
            facts = self._facts(uow, s)
            return self._move(uow, actor, s, SessionState.READY, facts)

    def close_not_dosed(
        self, actor: Actor, session_id: int, raw: Mapping[str, Any]
    ) -> InfusionSession:
        """Close the visit as not dosed today, before dosing starts: a nurse, physician or APP,
        with a ``reason`` (after a pre-dose BP hard stop, clinical.md §1.2; or the patient
        declines, is unwell, or leaves). Not dosing is always open to the team: a BP hold that
        waits for a prescriber does not keep the patient in the chair. The session is cancelled
        with that reason and its appointment given back (chair freed, series re-planned, off
        every waiting list); the record names who closed it and the checklist it follows.
        Refused (``visit.not_dosed``, field ``state``) once dosing has started: that visit ends
        by stopping or ending the dose."""
        require(actor, Permission.SESSION_RUN)
        ensure_clinical(actor, PREDOSE_ROLE, "close the visit as not dosed")
        f = forms.Fields(raw)
        reason = f.text("reason")
        f.done()
        with self._uow() as uow:
            s = get_session(uow, actor.clinic_id, session_id)
            if s.state not in NOT_DOSED_FROM:
                raise Conflict(
                    f"{RULE_NOT_DOSED}: the visit is {state_words(s.state)}; only a visit not "
                    "yet dosing closes as not dosed (a dose is stopped or ended instead)",
                    field="state",
                )
            records = uow.session_records.for_session(s.clinic_id, s.id)
            predose = hard_stop_record(records) or latest(records, RecordKind.PRE_DOSE)
            return self._not_dosed(uow, actor, s, predose, reason)

    def _not_dosed(
        self,
        uow: UnitOfWork,
        actor: Actor,
        s: InfusionSession,
        predose: SessionRecord | None,
        reason: str,
    ) -> InfusionSession:
        """Record "do not dose today" (who, why, on which checklist) and cancel the session
        with that reason, in the caller's unit of work: the visit ends, the chair is free, and
        its appointment is cancelled "not dosed today: <reason>" with the series re-planned as
        for a cancellation on the schedule (``ReplanService.release``)."""
        assert actor.staff_id is not None
        member = uow.staff.get(actor.staff_id)
        name = member.name if member else "a member of staff"
        payload = {
            "predose_record_id": predose.id if predose else None,
            "decision": "do_not_dose",
            "reason": reason,
            "decided_by_id": actor.staff_id,
            "decided_by_name": name,
            "decided_by_role": actor.role_name,
        }
        self._add(uow, actor, s, RecordKind.PREDOSE_DECISION, payload)
        why = f"not dosed today: {reason}"
        facts = self._facts(uow, s, reason=why)
        appointment = s.appointment_id

        def release(_: InfusionSession) -> None:
            if appointment is not None:  # the chair's booking is freed, the series re-planned
                self._bookings.release(uow, actor, appointment, why)

        return self._move(uow, actor, s, SessionState.CANCELLED, facts, then=release)
