"""Whether a dose order not yet recorded as given is already being given.

An order moves to *administered* when its session's dosing ends and the amount given and the
response observed are recorded. Between the start and the end of dosing the dose is being given
(a sublingual or intramuscular dose is given in full at the start): the order is no longer
waiting, and the order screen, the chart and the refusal to sign a second order say so, from the
session's own state. Writing the next session's order while one is being given is refused
(rule ``order.dose_underway``, :func:`refuse_underway`), on the web page and over the API alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.dosing.records import DoseOrder, OrderStatus
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.infusion.facts import order_of
from ketaclinic.services.ports import UnitOfWork

#: The rule a refusal names while a dose is being given.
RULE_UNDERWAY = "order.dose_underway"

#: The states of a session whose dosing has started and not yet been recorded as ended.
DOSING_STATES = frozenset({SessionState.INFUSING, SessionState.PAUSED})


@dataclass(frozen=True, slots=True)
class DoseUnderway:
    """An order whose session started dosing at ``started_at`` and is still dosing."""

    order: DoseOrder
    session_id: int
    started_at: datetime
    paused: bool


def doses_underway(uow: UnitOfWork, orders: Sequence[DoseOrder]) -> dict[int, DoseUnderway]:
    """The orders of ``orders`` being given now, by order id (read from the sessions' state)."""
    pending = {o.id: o for o in orders if o.status is OrderStatus.VERIFIED}
    if not pending:
        return {}
    first = next(iter(pending.values()))
    found: dict[int, DoseUnderway] = {}
    for s in uow.sessions.for_patient(first.clinic_id, first.patient_id):
        if s.state not in DOSING_STATES or s.dosing_started_at is None:
            continue
        order = order_of(uow, s, uow.session_records.for_session(s.clinic_id, s.id))
        if order is not None and order.id in pending:
            paused = s.state is SessionState.PAUSED
            found[order.id] = DoseUnderway(pending[order.id], s.id, s.dosing_started_at, paused)
    return found


def refuse_underway(underway: DoseUnderway | None) -> None:
    """Refuse writing the next session's order while ``underway`` is being given (Conflict
    naming ``order.dose_underway``): its dose is titrated from the response recorded when this
    session's dosing ends. Nothing underway: nothing to refuse."""
    if underway is None:
        return
    number = underway.order.content.session_number
    paused = ", dosing paused" if underway.paused else ""
    raise Conflict(
        f"{RULE_UNDERWAY}: the session {number} dose is being given (session {number} in "
        f"progress{paused}): the next session's order is written once session {number}'s dosing "
        "has ended, so that its dose can be titrated from the response recorded then",
        field="course_id",
    )
