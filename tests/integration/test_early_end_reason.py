"""The reason dosing ended early is stored as written, apart from the composed record of the end
(times, amounts), and read from there; a move recorded before it was kept stays readable from its
text. Real database (SQLite or PostgreSQL), through the infusion-day service."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ketaclinic.domain.dosing.records import Administration, DoseOrder
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.records import SessionTransition
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.infusion.early_stop import EarlyEnd, early_end
from tests.conftest import World
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import Day, _ready, make_day

WRITTEN = "felt faint (vasovagal): lay flat, line out"  # holds the composed text's "): "


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def _ended_early(
    day: Day,
) -> tuple[tuple[list[SessionTransition], DoseOrder, Administration], EarlyEnd | None]:
    nurse = day.world.actor(Role.NURSE)
    _ready(day)
    day.flow.start(nurse, day.session_id, start_fields(day.world))
    day.world.clock.advance(minutes=4)
    day.flow.end_dosing(nurse, day.session_id, WRITTEN)
    clinic_id = day.world.clinic.id
    with day.world.services.uow() as uow:
        s = uow.sessions.get(clinic_id, day.session_id)
        assert s is not None and s.state is SessionState.RECOVERY
        history = list(uow.sessions.history(clinic_id, s.id))
        given = uow.dosing.administrations(clinic_id, s.course_id)[0]
        order = uow.dosing.get_order(clinic_id, given.order_id)
        assert order is not None
        return (history, order, given), early_end(history, order, given)


def test_the_written_reason_is_stored_apart_and_read_back_whole(day: Day) -> None:
    (history, _order, _given), ended = _ended_early(day)
    end = history[-1]
    assert end.to_state is SessionState.RECOVERY
    assert end.why == WRITTEN
    assert end.reason.startswith("ended early (") and end.reason.endswith(WRITTEN)
    assert ended is not None and ended.reason == WRITTEN
    assert ended.recorded == end.reason


def test_an_end_recorded_before_the_reason_was_kept_apart_is_still_read(day: Day) -> None:
    (history, order, given), _ = _ended_early(day)
    end = history[-1]
    older = replace(end, why=None, reason=end.reason.replace(WRITTEN, "patient asked to stop"))
    ended = early_end([*history[:-1], older], order, given)
    assert ended is not None and ended.reason == "patient asked to stop"
    assert ended.recorded == older.reason


def test_a_stored_reason_wins_over_the_text(day: Day) -> None:
    (history, order, given), _ = _ended_early(day)
    edited = replace(history[-1], reason="ended early (planned 40 min): something else")
    ended = early_end([*history[:-1], edited], order, given)
    assert ended is not None and ended.reason == WRITTEN
