"""How long a session holds its chair for the scheduler: until it closes; while open, until its
expected end (the planned chair time from opening; once dosing started, the order's dosing time
and the recovery minimum; once dosing ended, the recovery minimum), and once it has run past
that, for the rest of the clinic day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ketaclinic.domain.infusion.records import ChairTime, InfusionSession
from ketaclinic.domain.infusion.session import SessionState

OPENED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
PLANNED = timedelta(minutes=120)
TIME = ChairTime(PLANNED, dosing=timedelta(minutes=60), recovery=timedelta(minutes=65))
DAY_END = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # midnight in Chicago


def _session(state: SessionState, **times: datetime) -> InfusionSession:
    s = InfusionSession(1, 1, 1, 1, 1, state, None, None, None, None, OPENED)
    return replace(s, **times)


def test_an_open_session_holds_its_expected_end_then_the_rest_of_the_day() -> None:
    opened = _session(SessionState.CHECKED_IN)
    assert opened.closed_at is None
    soon = OPENED + timedelta(minutes=30)
    assert opened.holds_chair_until(TIME, soon, DAY_END) == OPENED + PLANNED
    started = OPENED + timedelta(minutes=20)
    infusing = _session(SessionState.INFUSING, dosing_started_at=started)
    expected = started + timedelta(minutes=60 + 65)  # the order's 60 min, then recovery
    assert infusing.expected_end(TIME) == expected
    assert infusing.holds_chair_until(TIME, soon, DAY_END) == expected
    ended = started + timedelta(minutes=50)
    recovering = replace(infusing, state=SessionState.RECOVERY, dosing_ended_at=ended)
    assert recovering.holds_chair_until(TIME, soon, DAY_END) == ended + timedelta(minutes=65)
    late = OPENED + timedelta(hours=3)  # still in the chair past its expected end
    assert infusing.holds_chair_until(TIME, late, DAY_END) == DAY_END
    after_midnight = DAY_END + timedelta(hours=1)
    assert infusing.holds_chair_until(TIME, after_midnight, DAY_END) == after_midnight


def test_a_closed_session_holds_its_chair_until_it_closed() -> None:
    left = OPENED + timedelta(minutes=50)
    discharged = _session(SessionState.DISCHARGED, discharged_at=left)
    cancelled = _session(SessionState.CANCELLED, ended_at=left)
    for s in (discharged, cancelled):
        assert s.closed_at == left
        assert s.holds_chair_until(TIME, OPENED + timedelta(hours=5), DAY_END) == left
    stopped = _session(SessionState.STOPPED, stopped_at=left)  # still in the chair
    assert stopped.closed_at is None
