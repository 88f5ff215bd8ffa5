"""The end of dosing against the order's planned duration (rules in
:mod:`ketaclinic.domain.infusion.early_stop`): how long dosing ran (pump time for IV, dose
time for SL, IN or IM), whether the end is early,
the reason it needs, and the amount actually given that the administration records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from ketaclinic.domain.dosing.records import Administration, DoseOrder, SessionResponse
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.infusion.early_stop import (
    DosingTime,
    GivenDose,
    dosing_time,
    early_stop_refusal,
    given_dose,
)
from ketaclinic.domain.infusion.records import InfusionSession, SessionTransition
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.services.ports import UnitOfWork

_ENDED_EARLY, _WHY, _AFTER_STOP = "ended early (", "): ", "recovery after stop"


@dataclass(frozen=True, slots=True)
class DosingEnd:
    """What ending dosing now records: the response, the amount given and the reason (``why``:
    the reason as written, stored apart from the composed text of an early end)."""

    response: SessionResponse
    given: GivenDose
    time: DosingTime
    reason: str
    why: str | None = None


def session_dosing_time(
    uow: UnitOfWork, s: InfusionSession, order: DoseOrder, at: datetime
) -> DosingTime:
    """Planned minutes of ``order`` and the dose time of ``s`` until ``at`` (or its stop)."""
    history = uow.sessions.history(s.clinic_id, s.id)
    until = s.stopped_at if s.state is SessionState.STOPPED and s.stopped_at else at
    return dosing_time(order.content.duration_min, history, until)


def dosing_end(
    uow: UnitOfWork,
    s: InfusionSession,
    order: DoseOrder,
    response: SessionResponse,
    reason: str,
    at: datetime,
) -> DosingEnd:
    """Refused naming ``reason`` when dosing ends before the planned duration without one (a
    stopped session carries the reason of its stop). An early end is recorded as stopped early
    with the amount actually given."""
    time = session_dosing_time(uow, s, order, at)
    refusal = early_stop_refusal(time, reason) if s.state is SessionState.INFUSING else ""
    if refusal:
        raise ValidationFailed({"reason": refusal})
    c = order.content
    given = given_dose(
        route=c.route,
        dose_mg=c.dose_mg,
        dose_mg_per_kg=c.effective_mg_per_kg,
        rate_ml_per_h=c.rate_ml_per_h,
        concentration_mg_per_ml=c.concentration_mg_per_ml,
        time=time,
    )
    if not time.early:
        return DosingEnd(response, given, time, reason.strip() or "dosing complete")
    amounts = f"{decimal_text(given.dose_mg)} mg of {decimal_text(c.dose_mg)} mg given"
    words = f"{_ENDED_EARLY}{time.words()}; {amounts}{_WHY}"
    text = reason.strip() or _AFTER_STOP
    early = replace(response, stopped_early=True)
    return DosingEnd(early, given, time, f"{words}{text}", why=reason.strip())


@dataclass(frozen=True, slots=True)
class EarlyEnd:
    """A session whose dosing ended before the order's planned duration, as recorded."""

    ordered_mg: Decimal
    given_mg: Decimal
    reason: str  # why, in the staff's words: the stop's reason, or the one written at the end
    recorded: str  # the end of dosing as recorded: times, amounts and the reason
    at: datetime | None = None  # when dosing ended: the stop, else the early end of dosing
    by: int | None = None  # staff id of who stopped, else who ended dosing early


def early_end(
    history: Sequence[SessionTransition], order: DoseOrder, given: Administration
) -> EarlyEnd | None:
    """How dosing of ``order`` ended early on a session (``None`` when it ran to the end).

    The reason is the one the nurse gave when stopping the session, else the one written when
    ending dosing early (rule ``dosing.early_stop``, :func:`dosing_end`), read from the move's
    stored ``why``; a move recorded before ``why`` was kept has it read back from its text."""
    if not given.response.stopped_early:
        return None
    moves = sorted(history, key=lambda m: m.at)
    stopped = [m for m in moves if m.to_state is SessionState.STOPPED]
    stops = [m.reason for m in stopped if m.reason.strip()]
    ended = [
        m
        for m in moves
        if m.to_state is SessionState.RECOVERY and m.reason.startswith(_ENDED_EARLY)
    ]
    recorded = ended[-1].reason if ended else ""
    written = _written(ended[-1]) if ended else ""
    reason = stops[-1] if stops else written
    end = stopped[-1] if stopped else ended[-1] if ended else None
    return EarlyEnd(
        ordered_mg=order.content.dose_mg,
        given_mg=given.dose_mg,
        reason=reason.strip() or "dosing ended before the planned duration",
        recorded=recorded,
        at=end.at if end is not None else None,
        by=end.by_staff if end is not None else None,
    )


def _written(move: SessionTransition) -> str:
    """The reason written at an early end of dosing: stored apart (``why``), else, on a move
    recorded before it was kept, the text after the composed times and amounts."""
    if move.why is not None:
        return move.why
    text = move.reason
    return text.split(_WHY, 1)[1] if _WHY in text else ""
