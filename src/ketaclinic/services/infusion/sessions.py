"""Infusion sessions: created for a course in a chair, moved by the session state machine.

Minimal use cases for the live-data half of infusion day: create, assign the attendant and the
bedside monitor, and move (pause, stop...). The guards are the domain's
(``domain.infusion.session``). Every move, here or through an infusion-day step, reads its facts
from storage through :func:`session_facts`: the documented records (check-in, pre-dose checklist,
verified order, a prescriber's approval to resume), the open safety gates and the alarms. No
caller can attest a fact. Every move is audited in the same unit of work and then published to the
live board. Source: seed 000 steps 4-5; clinical.md §4; architecture.md lifecycles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from ketaclinic.domain.errors import Conflict, NotFound, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionFacts, SessionState, transition
from ketaclinic.domain.patients.people import SexAtBirth
from ketaclinic.services.assessments.safety import ensure_clear, open_reasons
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import allowed, require
from ketaclinic.services.infusion.board import chair_event
from ketaclinic.services.infusion.facts import derive_facts, order_of, resume_approver
from ketaclinic.services.infusion.ports import LiveEvents
from ketaclinic.services.infusion.resume_alarms import ACKNOWLEDGED, NO_STOP_ALARM, resume_alarms
from ketaclinic.services.infusion.runners import ensure_session_runner
from ketaclinic.services.infusion.session_opening import Opening, open_session
from ketaclinic.services.integration.plans import ensure_experiential_allowed
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

EUI64 = re.compile(r"^[0-9A-F]{16}$")
EUI64_PAIRS = re.compile(r"^[0-9A-F]{2}([:-][0-9A-F]{2}){7}$")
EUI64_RULE = "an EUI-64 is 16 hexadecimal digits, with or without colons (00:1A:2B:FF:FE:3C:4D:5E)"


def eui64(raw: str, field: str = "device_id") -> str:
    """A bedside monitor id in its one stored form, 16 upper-case hexadecimal digits; the form
    printed on many monitors (eight pairs separated by colons or hyphens) is accepted too."""
    text = raw.strip().upper()
    if EUI64_PAIRS.match(text):
        text = text.replace(":", "").replace("-", "")
    if not EUI64.match(text):
        raise ValidationFailed({field: EUI64_RULE})
    return text


@dataclass(frozen=True, slots=True)
class MonitorMove:
    """Where a bedside monitor went: ``chair_id`` (None: unassigned) and the chair it left."""

    device: str
    chair_id: int | None
    from_chair_id: int | None


def get_session(uow: UnitOfWork, clinic_id: int, session_id: int) -> InfusionSession:
    found = uow.sessions.get(clinic_id, session_id)
    if found is None:
        raise NotFound("no such session in this clinic", field="session_id")
    return found


def session_facts(uow: UnitOfWork, s: InfusionSession, reason: str, **extra: Any) -> SessionFacts:
    """The guard facts of ``s``, derived from storage: the one source of every move's facts.

    Checklist facts come from the documented records (:func:`derive_facts`), the approval to
    resume from the prescriber's record bound to the current pause, open safety gates and alarms
    from their stores. ``extra`` carries what the calling step itself has just established (the
    end of dosing recorded, the discharge criteria evaluated); it is internal to the services.
    """
    course = get_course(uow, s.clinic_id, s.course_id)
    protocol = load_published(uow, s.clinic_id, course.protocol_version_id).protocol
    records = uow.session_records.for_session(s.clinic_id, s.id)
    patient = uow.patients.get(s.clinic_id, s.patient_id)
    can_be_pregnant = patient is not None and patient.details.sex_at_birth is SexAtBirth.FEMALE
    derived = derive_facts(
        records, order_of(uow, s, records), protocol, can_be_pregnant=can_be_pregnant
    )
    alarms = resume_alarms(uow, s, protocol)
    facts = replace(
        derived,
        open_safety_gates=open_reasons(uow, s.clinic_id, s.patient_id),
        unacknowledged_alarms=tuple(a.item for a in alarms if a.check == ACKNOWLEDGED),
        open_stop_alarms=tuple(a.item for a in alarms if a.check == NO_STOP_ALARM),
        resume_approved_by=resume_approver(records, s, pause_count(uow, s)),
        reason=reason,
        attendant_present=s.attendant_id is not None,
    )
    return replace(facts, **extra)


def pause_count(uow: UnitOfWork, s: InfusionSession) -> int:
    """How many times the session has been paused (an approval to resume binds one pause)."""
    history = uow.sessions.history(s.clinic_id, s.id)
    return sum(1 for h in history if h.to_state is SessionState.PAUSED)


def move_session(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    s: InfusionSession,
    to: SessionState,
    facts: SessionFacts,
    *,
    why: str | None = None,
) -> InfusionSession:
    """Check the guard, move, audit: inside the caller's unit of work (no commit here).
    ``why``: the staff's own reason, stored apart when ``facts.reason`` is composed text."""
    assert actor.staff_id is not None
    ensure_session_runner(uow, actor, s)
    if to is SessionState.CHECKED_IN:
        _check_free(uow, s)
    if to is SessionState.INFUSING:
        ensure_clear(uow, s.clinic_id, s.patient_id)
        if s.state is SessionState.READY:  # KAT: preparation signed before each journey starts
            course = get_course(uow, s.clinic_id, s.course_id)
            kat = ensure_experiential_allowed(uow, course, session_id=s.id)
            for flag in kat.flags:  # e.g. no integration session since the previous journey
                record(
                    uow,
                    clock,
                    actor,
                    "kat.flag",
                    object_type="session",
                    object_id=s.id,
                    patient_id=s.patient_id,
                    detail=flag,
                )
    transition(s.state, to, facts)
    moved = uow.sessions.move(
        s, to, by=actor.staff_id, at=clock.now(), reason=facts.reason, why=why
    )
    record(
        uow,
        clock,
        actor,
        "session.transition",
        object_type="session",
        object_id=s.id,
        patient_id=s.patient_id,
        detail=f"{s.state.value}->{to.value}",
    )
    return moved


def _check_free(uow: UnitOfWork, s: InfusionSession) -> None:
    """One patient per chair and one active session per patient (scheduled ones may queue)."""
    in_chair = uow.sessions.active_on_chair(s.clinic_id, s.chair_id)
    if in_chair is not None and in_chair.id != s.id:
        chairs = {c.id: c.name for c in uow.clinics.chairs(s.clinic_id)}
        chair = chairs.get(s.chair_id, f"chair {s.chair_id}")
        raise Conflict(
            f"{chair} has another patient in it (their session is still open): wait until that "
            "session closes, or move this appointment to a free chair on the schedule",
            field="chair_id",
        )
    mine = uow.sessions.active_for_patient(s.clinic_id, s.patient_id)
    if mine is not None and mine.id != s.id:
        raise Conflict("the patient already has an active session", field="patient_id")


class SessionService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, events: LiveEvents) -> None:
        self._uow, self._clock, self._events = uow_factory, clock, events

    def create(
        self,
        actor: Actor,
        course_id: int,
        chair_id: int,
        *,
        unscheduled_reason: str,
        prescriber_id: int | None = None,
    ) -> InfusionSession:
        """An unscheduled visit of ``course_id`` in ``chair_id``, authorised by the prescriber
        ``actor`` with a reason (a booked appointment opens through ``SessionOpeningService``).
        Refused in a chair booked for another patient or with a session open in it
        (``session_opening.open_session``); only one session is checked in per chair at a time."""
        require(actor, Permission.SESSION_RUN)
        opening = Opening(
            course_id, chair_id, unscheduled_reason=unscheduled_reason, prescriber_id=prescriber_id
        )
        with self._uow() as uow:
            s = open_session(uow, self._clock, actor, opening)
            uow.commit()
        return s

    def assign(
        self, actor: Actor, session_id: int, *, attendant_id: int | None, device_id: str | None
    ) -> InfusionSession:
        """Record the attendant present and the bedside monitor (EUI-64, 16 hex digits)."""
        require(actor, Permission.SESSION_RUN)
        device = eui64(device_id) if device_id else None
        with self._uow() as uow:
            s = get_session(uow, actor.clinic_id, session_id)
            if attendant_id is not None:
                self._check_staff(uow, actor.clinic_id, attendant_id, "attendant_id")
            if device is not None:
                uow.monitors.assign(actor.clinic_id, device, s.chair_id, at=self._clock.now())
            s = uow.sessions.set_people(
                s, attendant_id=attendant_id, device_id=device, at=self._clock.now()
            )
            record(
                uow,
                self._clock,
                actor,
                "session.assign",
                object_type="session",
                object_id=s.id,
                patient_id=s.patient_id,
                detail=f"attendant={attendant_id} device={device}",
            )
            event = chair_event(uow, s, self._clock.now())
            uow.commit()
        self._events.publish(actor.clinic_id, event)
        return s

    def monitors(self, actor: Actor) -> dict[int, str]:
        """Chair id -> the bedside monitor (EUI-64) registered on it (admin or clinical staff)."""
        _require_monitor_admin(actor)
        with self._uow() as uow:
            return {
                chair: device for device, chair in uow.monitors.devices(actor.clinic_id).items()
            }

    def assign_chair_monitor(
        self, actor: Actor, chair_id: int, device_id: str, *, confirm_move: bool = False
    ) -> MonitorMove:
        """Register the bedside monitor ``device_id`` (EUI-64) on ``chair_id``: its readings then
        reach the session in that chair. A monitor registered on another chair moves; while a
        session runs on that chair the move needs ``confirm_move`` (its readings stop reaching
        that session). Admin (STAFF_ADMIN) or clinical staff (SESSION_RUN)."""
        _require_monitor_admin(actor)
        device = eui64(device_id)
        with self._uow() as uow:
            if chair_id not in {c.id for c in uow.clinics.chairs(actor.clinic_id)}:
                raise NotFound("no such chair in this clinic", field="chair_id")
            before = uow.monitors.chair_of(actor.clinic_id, device)
            moved_from = before if before not in (None, chair_id) else None
            _check_running(uow, actor.clinic_id, moved_from, confirm_move)
            uow.monitors.assign(actor.clinic_id, device, chair_id, at=self._clock.now())
            detail = f"device={device}" + (f" from_chair={moved_from}" if moved_from else "")
            record(
                uow,
                self._clock,
                actor,
                "monitor.assign",
                object_type="chair",
                object_id=chair_id,
                detail=detail,
            )
            uow.commit()
        return MonitorMove(device, chair_id, moved_from)

    def unassign_chair_monitor(
        self, actor: Actor, device_id: str, *, confirm_move: bool = False
    ) -> MonitorMove:
        """Take the bedside monitor ``device_id`` off its chair (same rule as a move)."""
        _require_monitor_admin(actor)
        device = eui64(device_id)
        with self._uow() as uow:
            before = uow.monitors.chair_of(actor.clinic_id, device)
            if before is None:
                raise NotFound("no such monitor on a chair of this clinic", field="device_id")
            _check_running(uow, actor.clinic_id, before, confirm_move)
            uow.monitors.unassign(actor.clinic_id, device)
            record(
                uow,
                self._clock,
                actor,
                "monitor.unassign",
                object_type="chair",
                object_id=before,
                detail=f"device={device}",
            )
            uow.commit()
        return MonitorMove(device, None, before)

    def move(
        self,
        actor: Actor,
        session_id: int,
        to: SessionState,
        *,
        reason: str = "",
    ) -> InfusionSession:
        """Move the session; refused with every failed guard's reason (InvalidTransition).

        The guard reads only what is stored (:func:`session_facts`): a check-in, a pre-dose
        checklist or the start of dosing happen through their infusion-day steps, which
        document them (``SessionWorkflowService``); this move cannot stand in for them."""
        require(actor, Permission.SESSION_RUN)
        with self._uow() as uow:
            s = get_session(uow, actor.clinic_id, session_id)
            facts = session_facts(uow, s, reason.strip())
            moved = move_session(uow, self._clock, actor, s, to, facts)
            event = chair_event(uow, moved, self._clock.now())
            uow.commit()
        self._events.publish(actor.clinic_id, event)
        return moved

    def get(self, actor: Actor, session_id: int) -> InfusionSession:
        require(actor, Permission.PATIENT_READ)
        with self._uow() as uow:
            return get_session(uow, actor.clinic_id, session_id)

    @staticmethod
    def _check_staff(uow: UnitOfWork, clinic_id: int, staff_id: int, field: str) -> None:
        if not any(m.clinic_id == clinic_id for m in uow.staff.memberships(staff_id)):
            raise NotFound("no such staff member in this clinic", field=field)


def _require_monitor_admin(actor: Actor) -> None:
    if not (allowed(actor, Permission.STAFF_ADMIN) or allowed(actor, Permission.SESSION_RUN)):
        require(actor, Permission.STAFF_ADMIN)  # raises, naming the permission


def _check_running(uow: UnitOfWork, clinic_id: int, chair_id: int | None, confirmed: bool) -> None:
    """A monitor leaving a chair where a session is running needs an explicit confirmation."""
    if chair_id is None or confirmed:
        return
    if uow.sessions.active_on_chair(clinic_id, chair_id) is not None:
        chair = next((c.name for c in uow.clinics.chairs(clinic_id) if c.id == chair_id), "")
        raise Conflict(
            f"a session is running on {chair}: its monitor readings stop reaching that session "
            "if the monitor leaves the chair; confirm to go ahead",
            field="confirm_move",
        )
