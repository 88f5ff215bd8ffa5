"""The end of dosing against the order's planned duration (rules in
:mod:`ketaclinic.domain.infusion.early_stop`): how long the pump ran, whether the end is early,
the reason it needs, and the amount actually given that the administration records."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ketaclinic.domain.dosing.records import DoseOrder, SessionResponse
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.infusion.early_stop import (
    DosingTime,
    GivenDose,
    dosing_time,
    early_stop_refusal,
    given_dose,
)
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class DosingEnd:
    """What ending dosing now records: the response, the amount given and the reason."""

    response: SessionResponse
    given: GivenDose
    time: DosingTime
    reason: str


def session_dosing_time(
    uow: UnitOfWork, s: InfusionSession, order: DoseOrder, at: datetime
) -> DosingTime:
    """Planned minutes of ``order`` and the pump time of ``s`` until ``at`` (or its stop)."""
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
    words = f"ended early ({time.words()}; {amounts})"
    text = reason.strip() or "recovery after stop"
    return DosingEnd(replace(response, stopped_early=True), given, time, f"{words}: {text}")
