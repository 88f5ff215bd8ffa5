"""Pause, stop and resume dosing; resuming is approved by a signed-in prescriber, never a name.

A physician or APP (``PREDOSE_DECIDE``, the permission of the other infusion-day prescriber
decision) records an approval to resume, bound to the current pause, with a reason; the nurse
may then resume. A prescriber may also resume directly: the approval is then recorded in their
name in the same unit of work. The guard ``resume_approved`` reads the approver from that record
(``facts.resume_approver``), never from the caller. Source: clinical.md §4.4 (resume only once
the cause of the pause is cleared and every alarm acknowledged).

While an alarm keeps the session paused (unacknowledged, or a stop rule still out of range:
:mod:`.resume_alarms`), approving is refused naming each alarm and its rule, for every caller:
the acknowledgement comes first, as its own signed and audited record of who saw the alarm and
what was done (``AlarmService.acknowledge``), then the approval. An approval is never recorded
that the resume guard would only refuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ketaclinic.domain.errors import Conflict, SafetyBlock, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.identity.authorization import allowed, require
from ketaclinic.services.infusion import checklists as forms
from ketaclinic.services.infusion.facts import resume_approver
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord
from ketaclinic.services.infusion.resume_alarms import ResumeAlarm, resume_alarms
from ketaclinic.services.infusion.sessions import get_session, pause_count
from ketaclinic.services.infusion.steps import SessionSteps
from ketaclinic.services.ports import UnitOfWork

#: The guard check an approval satisfies (``domain.infusion.session.GUARDS``).
RESUME_RULE = "resume_approved"


def refuse_typed_approver(raw: Mapping[str, Any]) -> None:
    """A name typed as the approver is refused, naming the rule: the approval is a record."""
    if str(raw.get("approved_by") or "").strip():
        raise ValidationFailed(
            {
                "approved_by": f"{RESUME_RULE}: resuming is approved by the signed-in prescriber "
                "(physician or APP) on the session page, not typed by name"
            }
        )


def may_resume(actor: Actor, approved: bool, alarms: Sequence[ResumeAlarm] = ()) -> bool:
    """Whether ``actor`` may resume a paused session now (resume_approved): a member who runs
    sessions once a prescriber approved this pause, or a prescriber, whose resuming records the
    approval; no one while an alarm keeps it paused (``alarms``, from
    :func:`.resume_alarms.resume_alarms`). Pages offer the Resume form by this rule; the
    transition guard ``resume_cleared`` (``domain.infusion.session``) refuses a resume without
    the approval, or over an open alarm, whoever asks."""
    if alarms or not allowed(actor, Permission.SESSION_RUN):
        return False
    return approved or allowed(actor, Permission.PREDOSE_DECIDE)


def approval_payload(
    uow: UnitOfWork, actor: Actor, s: InfusionSession, reason: str
) -> dict[str, Any]:
    """The approval record of the current pause by ``actor`` (a signed-in prescriber)."""
    if s.state is not SessionState.PAUSED:
        raise Conflict(
            f"{RESUME_RULE}: the session is {s.state.value}; only a paused session is approved "
            "to resume",
            field="state",
        )
    assert actor.staff_id is not None
    member = uow.staff.get(actor.staff_id)
    return {
        "pause": pause_count(uow, s),
        "paused_at": s.paused_at.isoformat() if s.paused_at else None,
        "reason": reason,
        "prescriber_id": actor.staff_id,
        "prescriber_name": member.name if member else f"staff {actor.staff_id}",
        "prescriber_role": actor.role_name,
    }


def refuse_over_open_alarms(uow: UnitOfWork, s: InfusionSession) -> None:
    """Refuse to approve resuming while an alarm keeps the session paused
    (:func:`.resume_alarms.resume_alarms`, the alarms the resume guard reads): the approval
    would lead only to a resume the guard refuses. Each alarm is named in words with its rule
    behind them; it is acknowledged first (on the live board, or ``POST /api/v1/alarms/{id}/
    acknowledge``), as its own signed and audited record. A stop rule still out of range is
    never approved over."""
    alarms = resume_alarms(uow, s)
    if alarms:
        raise SafetyBlock(
            f"{RESUME_RULE}: resuming cannot be approved while an alarm keeps the infusion "
            "paused; acknowledge it first, then approve",
            reasons=tuple(a.reason for a in alarms),
            field="alarm_id",
        )


class PauseSteps(SessionSteps):
    """Pause, stop, approve resuming and resume (base of ``SessionWorkflowService``)."""

    def pause(self, actor: Actor, session_id: int, reason: str) -> InfusionSession:
        return self._transition(actor, session_id, SessionState.PAUSED, reason)

    def stop(self, actor: Actor, session_id: int, reason: str) -> InfusionSession:
        """Stop dosing early for safety; the patient still goes through attended recovery."""
        return self._transition(actor, session_id, SessionState.STOPPED, reason)

    def approve_resume(
        self, actor: Actor, session_id: int, raw: Mapping[str, Any]
    ) -> SessionRecord:
        """A signed-in physician or APP (PREDOSE_DECIDE) approves resuming after the current
        pause, with a reason; the record names them and binds this pause (approval_payload)."""
        require(actor, Permission.PREDOSE_DECIDE, "approve resuming the infusion")
        f = forms.Fields(raw)
        reason = f.text("reason")
        f.done()
        with self._uow() as uow:
            s = get_session(uow, actor.clinic_id, session_id)
            payload = approval_payload(uow, actor, s, reason)
            refuse_over_open_alarms(uow, s)
            added = self._add(uow, actor, s, RecordKind.RESUME_APPROVAL, payload)
            uow.commit()
        return added

    def waiting_resume_approvals(
        self, actor: Actor
    ) -> list[tuple[InfusionSession, tuple[ResumeAlarm, ...]]]:
        """Paused sessions whose current pause no prescriber has yet approved resuming after
        (the prescriber's worklist; oldest pause first), each with the alarms that keep it
        paused (:func:`.resume_alarms`; approval is refused until they are dealt with)."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            active = uow.sessions.active(actor.clinic_id)
            paused = [s for s in active if s.state is SessionState.PAUSED]
            waiting = [
                (s, resume_alarms(uow, s))
                for s in paused
                if not resume_approver(
                    uow.session_records.for_session(s.clinic_id, s.id), s, pause_count(uow, s)
                )
            ]
        return sorted(waiting, key=lambda w: w[0].phase_started_at or w[0].created_at)

    def resume(self, actor: Actor, session_id: int, raw: Mapping[str, Any]) -> InfusionSession:
        """Resume after a pause: every alarm acknowledged, no stop alarm, and a signed-in
        prescriber's approval of this pause (resume_approved); a prescriber resuming records the
        approval themselves. An approver typed by name is refused."""
        require(actor, Permission.SESSION_RUN)
        refuse_typed_approver(raw)
        f = forms.Fields(raw)
        reason = f.text("reason")
        f.done()
        with self._uow() as uow:
            s = get_session(uow, actor.clinic_id, session_id)
            if allowed(actor, Permission.PREDOSE_DECIDE) and s.state is SessionState.PAUSED:
                payload = approval_payload(uow, actor, s, reason)
                self._add(uow, actor, s, RecordKind.RESUME_APPROVAL, payload)
            facts = self._facts(uow, s, reason=reason)
            return self._move(uow, actor, s, SessionState.INFUSING, facts)
