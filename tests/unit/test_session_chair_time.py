"""How long a session holds its chair for the scheduler: until it closes; while open, the
protocol's planned chair time from its opening, or until now when it has run longer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionState

OPENED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
PLANNED = timedelta(minutes=120)


def _session(state: SessionState, **times: datetime) -> InfusionSession:
    s = InfusionSession(1, 1, 1, 1, 1, state, None, None, None, None, OPENED)
    return replace(s, **times)


def test_an_open_session_holds_its_planned_time_or_until_now() -> None:
    infusing = _session(SessionState.INFUSING)
    assert infusing.closed_at is None
    assert infusing.holds_chair_until(PLANNED, OPENED + timedelta(minutes=30)) == OPENED + PLANNED
    late = OPENED + timedelta(hours=3)
    assert infusing.holds_chair_until(PLANNED, late) == late


def test_a_closed_session_holds_its_chair_until_it_closed() -> None:
    left = OPENED + timedelta(minutes=50)
    discharged = _session(SessionState.DISCHARGED, discharged_at=left)
    cancelled = _session(SessionState.CANCELLED, ended_at=left)
    for s in (discharged, cancelled):
        assert s.closed_at == left
        assert s.holds_chair_until(PLANNED, OPENED + timedelta(hours=5)) == left
    stopped = _session(SessionState.STOPPED, stopped_at=left)  # still in the chair
    assert stopped.closed_at is None
