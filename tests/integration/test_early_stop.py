"""Ending dosing before the order's planned duration, through the services on SQLite and
PostgreSQL: without a reason it is refused naming ``reason`` with the planned and elapsed minutes;
with one, the administration records the amount the pump actually gave (rate x pump time at the
ordered concentration), stopped early, which the next titration and the report read. Ending at
the planned duration records the ordered dose."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from tests.conftest import World
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import Day, _ready, make_day


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def _infusing(day: Day) -> None:
    _ready(day)
    day.flow.start(day.world.actor(Role.NURSE), day.session_id, start_fields(day.world))


def _given(day: Day) -> tuple[Decimal, Decimal, bool]:
    w = day.world
    with w.services.uow() as uow:
        [given] = uow.dosing.administrations(w.clinic.id, day.setup.course_id)
    return given.dose_mg, given.dose_mg_per_kg, given.response.stopped_early


def test_ending_early_needs_a_reason_and_records_the_amount_given(day: Day) -> None:
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _infusing(day)
    order = day.flow.day(nurse, day.session_id).order
    assert order is not None
    c = order.content
    assert (c.dose_mg, c.duration_min, c.rate_ml_per_h) == (Decimal(35), 40, Decimal(150))
    w.clock.advance(minutes=4)
    with pytest.raises(ValidationFailed) as refused:
        day.flow.end_dosing(nurse, day.session_id)
    message = refused.value.errors["reason"]
    assert message.startswith("dosing.early_stop:")
    assert "planned 40 min, 4 min elapsed" in message
    assert day.flow.day(nurse, day.session_id).session.state is SessionState.INFUSING
    with w.services.uow() as uow:
        assert not uow.dosing.administrations(w.clinic.id, day.setup.course_id)
    ended = day.flow.end_dosing(nurse, day.session_id, "patient asked to stop")
    assert ended.state is SessionState.RECOVERY
    mg, per_kg, stopped_early = _given(day)
    assert mg == Decimal("3.5")  # 150 mL/h x 4 min x 0.35 mg/mL
    assert per_kg == (c.effective_mg_per_kg * mg / c.dose_mg).quantize(Decimal("0.001"))
    assert stopped_early
    screen = w.services.orders.screen(w.actor(Role.APP), day.setup.course_id)
    [row] = screen.history  # what the next titration and the course record read
    assert row.administration is not None and row.administration.dose_mg == Decimal("3.5")
    assert row.administration.response.stopped_early
    with w.services.uow() as uow:
        history = uow.sessions.history(w.clinic.id, day.session_id)
    [end] = [h for h in history if h.to_state is SessionState.RECOVERY]
    assert "patient asked to stop" in end.reason and "3.5 mg of 35 mg" in end.reason


def test_paused_time_is_not_pump_time(day: Day) -> None:
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _infusing(day)
    w.clock.advance(minutes=10)
    day.flow.pause(nurse, day.session_id, "nausea")
    w.clock.advance(minutes=35)
    day.flow.approve_resume(w.actor(Role.APP), day.session_id, {"reason": "nausea settled"})
    day.flow.resume(nurse, day.session_id, {"reason": "settled"})
    w.clock.advance(minutes=10)
    with pytest.raises(ValidationFailed) as refused:
        day.flow.end_dosing(nurse, day.session_id)
    assert "planned 40 min, 20 min elapsed" in refused.value.errors["reason"]
    day.flow.end_dosing(nurse, day.session_id, "bag finished early")
    assert _given(day)[0] == Decimal("17.5")


def test_ending_at_the_planned_duration_records_the_ordered_dose(day: Day) -> None:
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _infusing(day)
    w.clock.advance(minutes=40)
    assert day.flow.end_dosing(nurse, day.session_id).state is SessionState.RECOVERY
    mg, _, stopped_early = _given(day)
    assert mg == Decimal(35) and not stopped_early
