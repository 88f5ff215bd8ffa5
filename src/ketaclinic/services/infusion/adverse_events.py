"""Adverse events recorded on a course's infusion sessions, for every reader after the session.

The nurse records an adverse event on the session (``SessionWorkflowService.adverse_event``),
during dosing or in recovery, after the dose was already recorded against its order. This module
is the one place that reads them back: the next order's titration recommendation
(``services.dosing.screen``), the course report and its PDF, and the outcomes dashboard all go
through :func:`course_adverse_events` and :func:`with_recorded_events`, so an event recorded at
the bedside is never missing from any of them. Kinds the titration rules know
(``domain.dosing.sessions.AdverseEvent``, clinical.md §4.4) join the session's response; other
kinds are kept as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ketaclinic.domain.dosing.records import Administration
from ketaclinic.domain.dosing.sessions import AdverseEvent, classify_adverse_event
from ketaclinic.services.infusion.facts import latest
from ketaclinic.services.infusion.ports import RecordKind
from ketaclinic.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class RecordedAdverseEvent:
    """One adverse event as the nurse recorded it on a session."""

    session_id: int
    order_id: int | None
    kind: str
    severity: str
    intervention: str
    outcome: str
    at: datetime

    @property
    def known(self) -> AdverseEvent | None:
        return classify_adverse_event(self.kind)


def course_adverse_events(
    uow: UnitOfWork, clinic_id: int, course_id: int, patient_id: int
) -> tuple[RecordedAdverseEvent, ...]:
    """Every adverse event recorded on the course's sessions, oldest first."""
    found: list[RecordedAdverseEvent] = []
    for session in uow.sessions.for_patient(clinic_id, patient_id):
        if session.course_id != course_id:
            continue
        records = uow.session_records.for_session(clinic_id, session.id)
        predose = latest(records, RecordKind.PRE_DOSE)
        order_id = int(predose.payload["order_id"]) if predose else None
        found.extend(
            RecordedAdverseEvent(
                session_id=session.id,
                order_id=order_id,
                kind=str(r.payload["kind"]),
                severity=str(r.payload["severity"]),
                intervention=str(r.payload["intervention"]),
                outcome=str(r.payload["outcome"]),
                at=datetime.fromisoformat(str(r.payload["at"])),
            )
            for r in records
            if r.kind is RecordKind.ADVERSE_EVENT
        )
    return tuple(sorted(found, key=lambda e: e.at))


def with_recorded_events(
    given: Sequence[Administration], events: Sequence[RecordedAdverseEvent]
) -> tuple[Administration, ...]:
    """The administrations with the known adverse events recorded on their sessions added to
    their response (each kind once per session)."""
    merged = []
    for a in given:
        kinds = [e.known for e in events if e.order_id == a.order_id and e.known is not None]
        events_of = tuple(dict.fromkeys((*a.response.adverse_events, *kinds)))
        merged.append(replace(a, response=replace(a.response, adverse_events=events_of)))
    return tuple(merged)


def unknown_kinds(events: Sequence[RecordedAdverseEvent]) -> int:
    """How many recorded events the titration rules do not know (counted as written)."""
    return sum(1 for e in events if e.known is None)
