"""The live board: every chair of the clinic with its session, phase, latest vitals, trend and the
alarms that still need someone's attention, and the events that keep the board current.

``snapshot`` is what the page renders; ``chair_event`` and ``alarm_event`` are the small JSON
documents the fan-out carries (ids, phase, numbers: no names, so an event may cross processes
through PostgreSQL NOTIFY). The browser refetches a chair's card when a new session appears.

A chair without an active session but with a patient who has arrived for it (their session opened
at the front desk, still ``scheduled`` until the nurse's check-in: :func:`waiting_check_in`, the
same list the nurse's Today reads) is not free: its card and its document name that session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from typing import Any

from ketaclinic.domain.errors import NotFound
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor, Chair
from ketaclinic.domain.infusion.alarm_ack import AlarmResponse, required_response
from ketaclinic.domain.infusion.alarm_why import AlarmWhy, explain_alarms
from ketaclinic.domain.infusion.records import InfusionSession, StoredAlarm, StoredReading
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import USABLE_STATUSES, Parameter, VitalReading
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.infusion.bedside_vitals import VitalsDue, monitor_silence_min, vitals_due
from ketaclinic.services.infusion.board_memory import BoardMemory, BoardRead, Opening
from ketaclinic.services.infusion.monitor_presence import monitor_of
from ketaclinic.services.infusion.waiting_room import day_end, waiting_check_in
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

BOARD_PARAMETERS = (Parameter.SBP, Parameter.DBP, Parameter.HR, Parameter.SPO2, Parameter.RR)
TREND_POINTS = 12
_RECENT_ROWS = TREND_POINTS * 12  # a PCD-01 message carries up to ~10 readings


@dataclass(frozen=True, slots=True)
class ChairCard:
    """One chair on the board; ``session`` is None when the chair is free."""

    chair: Chair
    session: InfusionSession | None = None
    patient_name: str = ""
    latest: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    trend: dict[str, list[str]] = field(default_factory=dict)
    alarms: tuple[StoredAlarm, ...] = ()
    silent_min: int | None = None  # minutes without monitor data when continuous data is due
    whys: dict[int, AlarmWhy] = field(default_factory=dict)  # each alarm's "Why", by alarm id
    monitored: bool = True  # on a bedside monitor (``monitor_presence``); else vitals by hand
    vitals_due: VitalsDue | None = None  # the next vital signs on the protocol's interval
    waiting: InfusionSession | None = None  # no session in the chair yet: the patient waiting
    waiting_name: str = ""  # for it (arrived or unscheduled visit, before the nurse's check-in)

    def response(self, alarm: StoredAlarm) -> AlarmResponse | None:
        """What ``alarm`` asks now and the acknowledgement choices the session's state allows."""
        return required_response(alarm.action, self.session.state) if self.session else None


def _vitals(
    readings: Sequence[VitalReading],
) -> tuple[dict[str, tuple[str, datetime]], dict[str, list[str]]]:
    """Latest value per parameter and the last few values of the board's parameters."""
    grouped: dict[str, list[VitalReading]] = {}
    for reading in readings:  # a parameter is a str: grouped by it as it is, no Enum lookups
        if reading.status in USABLE_STATUSES:
            rows = grouped.get(reading.parameter)
            if rows is None:
                grouped[reading.parameter] = [reading]
            else:
                rows.append(reading)
    for rows in grouped.values():
        rows.sort(key=_at)  # stable: equal times keep the order they came in
    latest: dict[str, tuple[str, datetime]] = {}
    trend: dict[str, list[str]] = {p.value: [] for p in BOARD_PARAMETERS}
    for key, rows in sorted(grouped.items(), key=_first_at):
        last = rows[-1]
        latest[str(key)] = (_text(last.value), last.at)
        if key in trend:
            trend[key] = [_text(r.value) for r in rows[-TREND_POINTS:]]
    return latest, trend


@lru_cache(maxsize=4096)  # monitors repeat a few values; equal Decimals have one text
def _text(value: Decimal) -> str:
    return decimal_text(value)


_at = attrgetter("at")


def _first_at(item: tuple[str, list[VitalReading]]) -> datetime:
    return item[1][0].at


def _plausible(rows: Sequence[StoredReading]) -> list[VitalReading]:
    return [r.reading for r in rows if r.plausible]


def _attention(uow: UnitOfWork, s: InfusionSession) -> tuple[StoredAlarm, ...]:
    return tuple(a for a in uow.alarms.for_session(s.clinic_id, s.id) if a.needs_attention)


def alarm_json(a: StoredAlarm, s: InfusionSession) -> dict[str, Any]:
    return {
        "id": a.id,
        "rule_id": a.rule_id,
        "severity": a.severity,
        "action": a.action,
        "required": required_response(a.action, s.state).text,
        "message": a.message,
        "raised_at": a.raised_at.isoformat(),
        "active": a.active,
        "session_id": a.session_id,
        "repeat_count": a.repeat_count,
        "last_raised_at": a.last_raised_at.isoformat() if a.last_raised_at else None,
    }


def waiting_on(uow: UnitOfWork, clinic_id: int, now: datetime) -> dict[int, InfusionSession]:
    """Today's sessions waiting for the nurse's check-in, by chair (the earliest opened first)."""
    found: dict[int, InfusionSession] = {}
    for s in waiting_check_in(uow, clinic_id, now):
        found.setdefault(s.chair_id, s)
    return found


def chair_event(uow: UnitOfWork, s: InfusionSession, now: datetime | None = None) -> dict[str, Any]:
    """The board document for ``s``'s chair, read inside the caller's unit of work. When ``s``
    no longer holds the chair (closed) and ``now`` is given, another patient already waiting for
    that chair today is the chair's document."""
    if not s.active:
        if s.state is SessionState.SCHEDULED:
            return waiting_chair(s)
        other = waiting_on(uow, s.clinic_id, now).get(s.chair_id) if now else None
        return waiting_chair(other) if other else free_chair(s.chair_id)
    rows = uow.readings.latest(s.clinic_id, s.id, limit=_RECENT_ROWS)
    return chair_document(s, _plausible(rows), _attention(uow, s))


def chair_document(
    s: InfusionSession, readings: Sequence[VitalReading], alarms: Sequence[StoredAlarm]
) -> dict[str, Any]:
    """The board document from readings and alarms already in hand (no storage access)."""
    if not s.active:
        return waiting_chair(s) if s.state is SessionState.SCHEDULED else free_chair(s.chair_id)
    latest, trend = _vitals(readings)
    started = s.phase_started_at
    return {
        "type": "chair",
        "chair_id": s.chair_id,
        "session_id": s.id,
        "state": s.state.value,
        "active": s.active,
        "phase_started_at": started.isoformat() if started else None,
        "latest": {k: [v, at.isoformat()] for k, (v, at) in latest.items()},
        "trend": trend,
        "alarms": [alarm_json(a, s) for a in alarms if a.needs_attention],
    }


def alarm_event(a: StoredAlarm, s: InfusionSession) -> dict[str, Any]:
    """One raised alarm, announced once (clients de-duplicate by ``alarm.id``)."""
    return {"type": "alarm", "chair_id": s.chair_id, "alarm": alarm_json(a, s)}


class BoardService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, memory: BoardMemory | None = None
    ) -> None:
        self._uow, self._clock, self._memory = uow_factory, clock, memory

    def snapshot(self, actor: Actor) -> list[ChairCard]:
        """Every chair in service with its active session (SESSION_RUN: nurses, prescribers),
        else the patient waiting for it today before the nurse's check-in."""
        require(actor, Permission.SESSION_RUN)
        with self._uow() as uow:
            active = {s.chair_id: s for s in uow.sessions.active(actor.clinic_id)}
            waiting = waiting_on(uow, actor.clinic_id, self._clock.now())
            return [
                self._card(uow, chair, active.get(chair.id), waiting.get(chair.id))
                for chair in uow.clinics.chairs(actor.clinic_id)
                if chair.in_service
            ]

    def card(self, actor: Actor, chair_id: int) -> ChairCard | None:
        require(actor, Permission.SESSION_RUN)
        with self._uow() as uow:
            chair = next((c for c in uow.clinics.chairs(actor.clinic_id) if c.id == chair_id), None)
            if chair is None:
                return None
            s = uow.sessions.active_on_chair(actor.clinic_id, chair_id)
            waiting = (
                None if s else waiting_on(uow, actor.clinic_id, self._clock.now()).get(chair_id)
            )
            return self._card(uow, chair, s, waiting)

    def _card(
        self,
        uow: UnitOfWork,
        chair: Chair,
        s: InfusionSession | None,
        waiting: InfusionSession | None = None,
    ) -> ChairCard:
        if s is None and waiting is not None:
            patient = uow.patients.get(waiting.clinic_id, waiting.patient_id)
            return ChairCard(
                chair, waiting=waiting, waiting_name=patient.display_name if patient else ""
            )
        if s is None:
            return ChairCard(chair)
        patient = uow.patients.get(s.clinic_id, s.patient_id)
        rows = uow.readings.latest(s.clinic_id, s.id, limit=_RECENT_ROWS)
        latest, trend = _vitals(_plausible(rows))
        name = patient.display_name if patient else ""
        course = get_course(uow, s.clinic_id, s.course_id)
        view = load_published(uow, s.clinic_id, course.protocol_version_id)
        monitored = monitor_of(uow, s) is not None
        m = view.protocol.monitoring
        silent = monitor_silence_min(s, m, rows, self._clock.now(), monitored=monitored)
        alarms = _attention(uow, s)
        whys = explain_alarms(alarms, view.protocol.monitoring.alert_rules, view.published)
        due = vitals_due(s, m, rows)
        return ChairCard(chair, s, name, latest, trend, alarms, silent, whys, monitored, due)

    def remembered(self, actor: Actor) -> Opening | None:
        """The opening held in memory for the actor's clinic (no database access), or None when
        it is not held: the caller then reads it (:meth:`opening`)."""
        require(actor, Permission.SESSION_RUN)
        if self._memory is None:
            return None
        return self._memory.recall(actor.clinic_id, self._clock.now())

    def opening(self, actor: Actor) -> Opening:
        """The current event document of every chair in service, and the patients those chairs
        show (in a session, else arrived and waiting) for the read audit: what a new live client
        starts from. From memory when held, else one read-only transaction (no write lock: many
        boards open at once), then held in memory for the next ones."""
        require(actor, Permission.SESSION_RUN)
        if self._memory is None or not self._memory.live:  # nothing kept: no wait for a read
            return self._read(actor.clinic_id).opening()
        with self._memory.filling(actor.clinic_id) as fill:
            held = self._memory.recall(actor.clinic_id, self._clock.now())
            if held is not None:  # read by the opening this one waited for
                return held
            read = self._read(actor.clinic_id)
            self._memory.keep(fill, read)
            return read.opening()

    def _read(self, clinic_id: int) -> BoardRead:
        now = self._clock.now()
        with self._uow().read_only() as uow:
            active = {s.chair_id: s for s in uow.sessions.active(clinic_id)}
            waiting = waiting_on(uow, clinic_id, now)
            docs: list[dict[str, Any]] = []
            patients: dict[int, int] = {}
            out_of_service: set[int] = set()
            for c in uow.clinics.chairs(clinic_id):
                if not c.in_service:
                    out_of_service.add(c.id)
                    continue
                s = active.get(c.id) or waiting.get(c.id)
                if s is not None:
                    patients[s.id] = s.patient_id
                docs.append(
                    chair_event(uow, s)
                    if c.id in active and s is not None
                    else waiting_chair(s)
                    if s is not None
                    else free_chair(c.id)
                )
            return BoardRead(
                docs, frozenset(out_of_service), patients, day_end(uow, clinic_id, now)
            )

    def chair_of_session(self, actor: Actor, session_id: int) -> int:
        require(actor, Permission.SESSION_RUN)
        with self._uow() as uow:
            found = uow.sessions.get(actor.clinic_id, session_id)
            if found is None:
                raise NotFound("no such session in this clinic", field="session_id")
            return found.chair_id


def waiting_chair(s: InfusionSession) -> dict[str, Any]:
    """A chair held by a patient who arrived and waits for the nurse's check-in (no names)."""
    return {
        "type": "chair",
        "chair_id": s.chair_id,
        "session_id": s.id,
        "active": False,
        "state": s.state.value,
        "arrived_at": s.created_at.isoformat(),
        "latest": {},
        "trend": {},
        "alarms": [],
    }


def free_chair(chair_id: int) -> dict[str, Any]:
    return {
        "type": "chair",
        "chair_id": chair_id,
        "session_id": None,
        "active": False,
        "state": "free",
        "latest": {},
        "trend": {},
        "alarms": [],
    }
