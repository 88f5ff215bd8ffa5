"""Alarm acknowledgement: who acknowledged, what was done and the resolution.

Acknowledging with ``pause`` pauses the running session through the state machine and notifies
the prescriber; ``stop`` ends dosing early for safety (``stopped``); ``none`` records that the
alarm was seen and what was done without changing dosing. One unit of work: the acknowledgement,
the session move, the notification and the audit events commit together. Source:
clinical.md §4.3 (SBP >= 180 or DBP >= 110 twice 5 min apart -> pause and notify the prescriber).
"""

from __future__ import annotations

from collections.abc import Sequence

from ketaclinic.domain.errors import Conflict, NotFound, SafetyBlock, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.alarm_ack import check_acknowledgement
from ketaclinic.domain.infusion.records import AckAction, Notification, StoredAlarm, StoredReading
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import allowed, require
from ketaclinic.services.infusion.board import chair_event
from ketaclinic.services.infusion.ports import LiveEvents
from ketaclinic.services.infusion.sessions import get_session, move_session, session_facts
from ketaclinic.services.infusion.vitals_recording import notify_prescriber
from ketaclinic.services.ports import Clock, UnitOfWorkFactory

_MOVES = {AckAction.PAUSE: SessionState.PAUSED, AckAction.STOP: SessionState.STOPPED}


class AlarmService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, events: LiveEvents) -> None:
        self._uow, self._clock, self._events = uow_factory, clock, events

    def acknowledge(
        self, actor: Actor, alarm_id: int, action: AckAction, note: str, resolution: str = ""
    ) -> StoredAlarm:
        """Acknowledge once (ALARM_ACK) in one action with an optional ``note`` (up to 2000
        chars). Doing what the rule requires (or more) needs no note; declining a required pause
        while dosing needs one, and a required stop cannot be declined
        (:func:`domain.infusion.alarm_ack.check_acknowledgement`)."""
        require(actor, Permission.ALARM_ACK)
        assert actor.staff_id is not None
        errors = {}
        if len(note) > 2000 or len(resolution) > 2000:
            errors["note" if len(note) > 2000 else "resolution"] = "at most 2000 characters"
        if errors:
            raise ValidationFailed(errors)
        with self._uow() as uow:
            alarm = uow.alarms.get(actor.clinic_id, alarm_id)
            if alarm is None:
                raise NotFound("no such alarm in this clinic", field="alarm_id")
            if alarm.acknowledged_at is not None:
                raise Conflict("the alarm is already acknowledged", field="alarm_id")
            s = get_session(uow, actor.clinic_id, alarm.session_id)
            check = check_acknowledgement(
                alarm, s.state, action, note, prescriber=allowed(actor, Permission.PREDOSE_DECIDE)
            )
            if check.refused:
                raise SafetyBlock(check.refused, reasons=(check.refused,), field="action")
            if check.needs_reason:
                raise ValidationFailed({"note": check.needs_reason})
            done = uow.alarms.acknowledge(
                alarm,
                by=actor.staff_id,
                at=self._clock.now(),
                action=action,
                note=note.strip(),
                resolution=resolution.strip(),
            )
            if action in _MOVES:
                reason = f"alarm {alarm.rule_id}: {note.strip() or alarm.message}"
                s = move_session(
                    uow, self._clock, actor, s, _MOVES[action], session_facts(uow, s, reason)
                )
                notify_prescriber(uow, self._clock, s, alarm, f"{action.value}d: {reason}")
            record(
                uow,
                self._clock,
                actor,
                "alarm.acknowledge",
                object_type="alarm",
                object_id=alarm_id,
                patient_id=alarm.patient_id,
                detail=f"action={action.value}"
                + (f" override={check.override}" if check.override else ""),
            )
            event = chair_event(uow, s, self._clock.now())
            uow.commit()
        self._events.publish(actor.clinic_id, event)
        return done

    def for_session(self, actor: Actor, session_id: int) -> Sequence[StoredAlarm]:
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            get_session(uow, actor.clinic_id, session_id)
            return uow.alarms.for_session(actor.clinic_id, session_id)

    def readings(self, actor: Actor, session_id: int) -> Sequence[StoredReading]:
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            get_session(uow, actor.clinic_id, session_id)
            return uow.readings.for_session(actor.clinic_id, session_id)

    def notifications(self, actor: Actor) -> Sequence[Notification]:
        require(actor, Permission.SESSION_RUN)
        with self._uow() as uow:
            return uow.notifications.for_clinic(actor.clinic_id)
