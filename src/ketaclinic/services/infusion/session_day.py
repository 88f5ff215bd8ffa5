"""One session as the pages, the API and the exports show it: the session, its protocol, its
order, every record and what follows from them (dosing time, the dose given, an early end, the
monitor it reads from, the orders still open). Read-only; built inside the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ketaclinic.domain.dosing.records import DoseOrder
from ketaclinic.domain.infusion.discharge import DischargeDecision
from ketaclinic.domain.infusion.early_stop import DosingTime, recorded_dose_words
from ketaclinic.domain.infusion.records import InfusionSession, SessionTransition, StoredReading
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.patients.treatment import Course, PublishedProtocol
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Route, ScaleSchedule
from ketaclinic.services.infusion.discharge import evaluate
from ketaclinic.services.infusion.early_stop import EarlyEnd, early_end, session_dosing_time
from ketaclinic.services.infusion.facts import open_orders, order_of, resume_approval
from ketaclinic.services.infusion.monitor_presence import monitor_of
from ketaclinic.services.infusion.ports import SessionRecord
from ketaclinic.services.infusion.predose_decisions import (
    hard_stop_record,
    is_waiting,
    not_dosed_record,
    waiting_predose,
)
from ketaclinic.services.infusion.resume_alarms import ResumeAlarm, resume_alarms
from ketaclinic.services.infusion.sessions import pause_count
from ketaclinic.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class DosingEnded:
    """The end of dosing as the record lists it: when, by whom, and the ketamine given."""

    at: datetime
    by: int
    given_mg: Decimal


@dataclass(frozen=True, slots=True)
class PauseMove:
    """Dosing paused or resumed, as the record lists it: when, by whom, and why."""

    at: datetime
    by: int
    resumed: bool  # False: dosing was paused
    reason: str


@dataclass(frozen=True, slots=True)
class SessionDay:
    """A session with its protocol-derived context and every record, for pages and exports."""

    session: InfusionSession
    records: Sequence[SessionRecord]
    order: DoseOrder | None
    protocol: Protocol
    discharge: DischargeDecision | None
    readings: Sequence[StoredReading] = ()
    predose_waiting: SessionRecord | None = None  # a BP hold waiting for a prescriber's decision
    resume_approval: SessionRecord | None = None  # a prescriber's approval of the current pause
    published: PublishedProtocol | None = None  # the version it runs on, with its sign-off
    dosing_time: DosingTime | None = None  # planned and elapsed pump minutes while dosing runs
    given_mg: Decimal | None = None  # ketamine actually given, once dosing has ended
    ended_early: EarlyEnd | None = None  # ordered and given amounts and why, after an early end
    monitor: str | None = None  # the monitor it reads from (its own or its chair's); None: by hand
    open_orders: Sequence[DoseOrder] = ()  # the course's orders not yet given, oldest first
    hard_stop: SessionRecord | None = None  # the pre-dose checklist over the BP hard stop: final
    not_dosed: SessionRecord | None = None  # "do not dose today": reason, who, when
    dosing_ended: DosingEnded | None = None  # dosing ran to its end (an early end: ended_early)
    pauses: Sequence[PauseMove] = ()  # every pause and resume of dosing, oldest first
    resume_alarms: Sequence[ResumeAlarm] = ()  # while paused: the alarms that keep it paused

    @property
    def early_stop_words(self) -> str:
        """What an early stop records as given, for the route of this session's dose."""
        orders = [self.order] if self.order is not None else list(self.open_orders)
        routes = [o.content.route for o in orders] or list(self.protocol.dosing.routes)
        return recorded_dose_words(Route.IV if self.infused or not routes else routes[0])

    @property
    def route(self) -> Route | None:
        """The route of this session's dose: of the order the checklist chose, else of the
        course's open orders when they share one; None while it is not known."""
        if self.order is not None:
            return self.order.content.route
        routes = {o.content.route for o in self.open_orders}
        return routes.pop() if len(routes) == 1 else None

    @property
    def scales(self) -> tuple[ScaleSchedule, ...]:
        """The protocol's scale times (minutes from the start of dosing) for this session's
        route: a sublingual dose is not checked on an IV infusion's time course."""
        return tuple(s for s in self.protocol.monitoring.scales if s.applies_to(self.route))

    @property
    def infused(self) -> bool:
        """Whether the session gives an IV infusion (IV line, pump): the route of the order the
        checklist chose, else of the course's open orders, else of the protocol. False only
        when none of them is IV (an SL, IN or IM journey is no infusion)."""
        if self.order is not None:
            return self.order.content.route is Route.IV
        routes = {o.content.route for o in self.open_orders} or set(self.protocol.dosing.routes)
        return Route.IV in routes or not routes


def session_day(
    uow: UnitOfWork, s: InfusionSession, course: Course, protocol: Protocol, now: datetime
) -> SessionDay:
    """Everything about session ``s`` of ``course`` (its clinic's data only) as of ``now``."""
    clinic_id = s.clinic_id
    published = uow.protocols.get(clinic_id, course.protocol_version_id)
    records = uow.session_records.for_session(clinic_id, s.id)
    order = order_of(uow, s, records)
    decision = None
    if s.state in (SessionState.RECOVERY, SessionState.STOPPED):
        decision = evaluate(uow, s, protocol, escort=True, instructions=True, at=now)
    readings = uow.readings.for_session(clinic_id, s.id)
    waiting = waiting_predose(uow, s) if is_waiting(uow, s) else None
    approval = resume_approval(records, s, pause_count(uow, s))
    timing = None
    if order is not None and s.state in (SessionState.INFUSING, SessionState.PAUSED):
        timing = session_dosing_time(uow, s, order, now)
    given = [
        a
        for a in uow.dosing.administrations(clinic_id, s.course_id)
        if order is not None and a.order_id == order.id
    ]
    ended, ran = None, None
    history = uow.sessions.history(clinic_id, s.id) if s.dosing_started_at is not None else []
    if order is not None and given:
        ended = early_end(history, order, given[0])
        ran = None if ended is not None else _dosing_ended(history, given[0].dose_mg)
    return SessionDay(
        s,
        records,
        order,
        protocol,
        decision,
        readings,
        waiting,
        approval,
        published,
        dosing_time=timing,
        given_mg=given[0].dose_mg if given else None,
        ended_early=ended,
        monitor=monitor_of(uow, s),
        open_orders=open_orders(uow, s),
        hard_stop=hard_stop_record(records),
        not_dosed=not_dosed_record(records) if s.state is SessionState.CANCELLED else None,
        dosing_ended=ran,
        pauses=_pauses(history),
        resume_alarms=resume_alarms(uow, s, protocol) if s.state is SessionState.PAUSED else (),
    )


def _pauses(history: Sequence[SessionTransition]) -> tuple[PauseMove, ...]:
    """Each move into a pause, and each resume out of one, in time order; the reason in the
    staff's own words."""
    return tuple(
        PauseMove(m.at, m.by_staff, m.to_state is SessionState.INFUSING, m.why or m.reason)
        for m in sorted(history, key=lambda m: m.at)
        if m.to_state is SessionState.PAUSED
        or (m.from_state is SessionState.PAUSED and m.to_state is SessionState.INFUSING)
    )


def _dosing_ended(history: Sequence[SessionTransition], given_mg: Decimal) -> DosingEnded | None:
    """The move from dosing to recovery: who ended dosing and when."""
    moves = [
        m
        for m in history
        if m.to_state is SessionState.RECOVERY
        and m.from_state in (SessionState.INFUSING, SessionState.PAUSED)
    ]
    if not moves:
        return None
    move = max(moves, key=lambda m: m.at)
    return DosingEnded(move.at, move.by_staff, given_mg)
