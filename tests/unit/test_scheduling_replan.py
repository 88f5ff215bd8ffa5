"""Manual moves, patient and clinic re-plans, and infeasibility explanations (greedy engine)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ketaclinic.domain.errors import NotFound, ValidationFailed
from ketaclinic.domain.scheduling import (
    Constraint,
    GreedyScheduler,
    Interval,
    ManualMove,
    Problem,
    ReplanStatus,
    Schedule,
    SeriesRequest,
    SessionShape,
    SolveLimits,
    TimeGrid,
    check_schedule,
    explain_unplaceable,
    nearest_options,
    replan_clinic,
    replan_patient,
    validate_move,
)
from ketaclinic.domain.scheduling.templates import standard_clinic

DAY = 1440
SHAPE = SessionShape(15, 40, 60, 15)
GRID = TimeGrid(datetime(2030, 1, 7, tzinfo=UTC))  # Monday
LIMITS = SolveLimits()


def _series(index: int, **changes: object) -> SeriesRequest:
    base = SeriesRequest(
        id=f"series-{index}",
        patient_id=f"patient-{index}",
        sessions=6,
        shape=SHAPE,
        release_min=0,
        deadline_min=28 * DAY,
        min_gap_min=48 * 60,
        max_span_min=21 * DAY,
        preferred_weekdays=(0, 2, 4),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _booked(count: int = 1, chairs: int = 2) -> tuple[Problem, Schedule]:
    clinic = standard_clinic(horizon_days=28, chairs=chairs, recliners=0, nurses=2)
    problem = Problem(GRID, clinic, (), tuple(_series(i) for i in range(count)))
    result = GreedyScheduler().solve(problem, LIMITS)
    assert result.schedule.unplaced == ()
    return problem, result.schedule


def test_booking_a_series_is_one_call_with_six_sessions() -> None:
    _, schedule = _booked()
    own = schedule.of_series("series-0")
    assert [a.index for a in own] == [1, 2, 3, 4, 5, 6]
    assert [a.start_min // DAY for a in own] == [0, 2, 4, 7, 9, 11]  # Mon Wed Fri Mon Wed Fri


def test_manual_move_breaking_the_minimum_gap_is_refused() -> None:
    problem, schedule = _booked()
    fourth = schedule.of_series("series-0")[3]
    tuesday = fourth.start_min + DAY  # 24 h before session 5, under the 48 h minimum
    move = ManualMove(fourth.id, tuesday, fourth.chair_id, fourth.nurse_id, "patient asked")
    decision = validate_move(problem, schedule, move)
    assert not decision.accepted
    assert {v.rule for v in decision.violations} == {Constraint.SPACING}
    assert decision.schedule == schedule


@pytest.mark.parametrize(
    ("position", "shift_min", "chair"),
    [
        pytest.param(3, 0, "chair-2", id="session-4-other-chair"),
        pytest.param(5, 4 * 60, "chair-1", id="session-6-four-hours-later"),
    ],
)
def test_manual_move_within_the_rules_is_accepted_with_its_reason(
    position: int, shift_min: int, chair: str
) -> None:
    problem, schedule = _booked()
    target = schedule.of_series("series-0")[position]
    start = target.start_min + shift_min
    decision = validate_move(
        problem, schedule, ManualMove(target.id, start, chair, target.nurse_id, "work shift")
    )
    assert decision.accepted and decision.violations == ()
    assert decision.reason == "work shift"
    assert check_schedule(problem, decision.schedule) == []
    moved = next(a for a in decision.schedule.appointments if a.id == target.id)
    assert (moved.start_min, moved.chair_id) == (start, chair)


def test_manual_move_needs_a_reason_and_a_known_appointment() -> None:
    problem, schedule = _booked()
    first = schedule.appointments[0]
    with pytest.raises(ValidationFailed) as err:
        validate_move(
            problem, schedule, ManualMove(first.id, first.start_min, "chair-1", "nurse-1", " ")
        )
    assert err.value.field == "reason"
    with pytest.raises(NotFound):
        validate_move(problem, schedule, ManualMove("nope", 0, "chair-1", "nurse-1", "typo"))


def test_missed_session_replans_the_rest_within_the_window() -> None:
    problem, schedule = _booked()
    third = schedule.of_series("series-0")[2]
    result = replan_patient(
        problem,
        schedule,
        "series-0",
        dropped_appointment_id=third.id,
        at_min=third.start_min + 60,
        scheduler=GreedyScheduler(),
        limits=LIMITS,
    )
    assert result.status is ReplanStatus.REPLANNED
    assert [a.index for a in result.new_appointments] == [3, 4, 5, 6]
    assert result.new_appointments[0].start_min >= third.start_min + 60
    assert set(result.cancelled_appointment_ids) == {
        a.id for a in schedule.of_series("series-0")[2:]
    }
    assert check_schedule(problem, result.schedule) == []


def test_postponed_session_that_misses_the_window_offers_nearest_options() -> None:
    problem, schedule = _booked()
    tight = replace(problem, requests=(replace(problem.requests[0], max_span_min=12 * DAY),))
    second = schedule.of_series("series-0")[1]
    result = replan_patient(
        tight,
        schedule,
        "series-0",
        dropped_appointment_id=second.id,
        at_min=second.start_min + 3 * DAY,
        scheduler=GreedyScheduler(),
        limits=LIMITS,
    )
    assert result.status is ReplanStatus.WINDOW_MISSED
    assert result.schedule == schedule
    assert result.explanation is not None
    assert Constraint.WINDOW in result.explanation.blocking
    assert result.options and result.options[0].minutes_over_window > 0
    firsts = [o.appointments[0].start_min for o in result.options]
    assert firsts == sorted(firsts) and len(set(firsts)) == len(firsts)


def test_replan_of_unknown_series_is_not_found() -> None:
    problem, schedule = _booked()
    with pytest.raises(NotFound):
        replan_patient(
            problem,
            schedule,
            "series-x",
            dropped_appointment_id="x",
            at_min=0,
            scheduler=GreedyScheduler(),
            limits=LIMITS,
        )


def test_chair_out_of_service_moves_few_and_lists_patients_to_call() -> None:
    problem, schedule = _booked(count=4, chairs=3)
    broken_day = 2 * DAY
    out = Interval(broken_day, broken_day + DAY)
    on_chair = {
        a.patient_id
        for a in schedule.appointments
        if a.chair_id == "chair-1" and out.overlaps(a.start_min, a.end_min)
    }
    assert on_chair, "the scenario needs someone booked on the broken chair"
    chairs = tuple(
        replace(c, out_of_service=(out,)) if c.id == "chair-1" else c for c in problem.clinic.chairs
    )
    changed = replace(problem, clinic=replace(problem.clinic, chairs=chairs))
    result = replan_clinic(
        changed, schedule, at_min=DAY, scheduler=GreedyScheduler(), limits=LIMITS
    )
    assert result.unplaced_series == ()
    after = result.result.schedule
    assert not any(
        a.chair_id == "chair-1" and out.overlaps(a.start_min, a.end_min) for a in after.appointments
    )
    assert set(result.patients_to_call) <= on_chair
    untouched = [a for a in schedule.appointments if a.patient_id not in on_chair]
    assert all(a in after.appointments for a in untouched)
    assert len(after.appointments) == len(schedule.appointments)


def test_explains_spacing_that_cannot_fit_the_window() -> None:
    problem, _ = _booked()
    request = _series(9, max_span_min=9 * DAY)
    why = explain_unplaceable(problem, request, ())
    assert why.blocking == (Constraint.SPACING,)
    assert "6 sessions" in why.reasons[0].message
    assert why.reasons[0].source.startswith("clinical.md §3.1")


def test_explains_missing_chair_feature() -> None:
    problem, _ = _booked()
    request = _series(9, shape=replace(SHAPE, required_features=frozenset({"recliner"})))
    assert explain_unplaceable(problem, request, ()).blocking == (Constraint.CHAIR_FEATURE,)


def test_explains_a_full_clinic_as_capacity() -> None:
    clinic = standard_clinic(
        horizon_days=7, chairs=1, recliners=0, nurses=1, open_min=9 * 60, close_min=11 * 60 + 30
    )
    blocker = _series(1, sessions=1, max_span_min=DAY, deadline_min=7 * DAY)
    problem = Problem(GRID, clinic, (), (blocker,))
    day_one = SeriesRequest("series-2", "patient-2", 1, SHAPE, 0, DAY, 48 * 60, DAY)
    booked = GreedyScheduler().solve(problem, LIMITS).schedule.appointments
    why = explain_unplaceable(problem, day_one, booked)
    assert set(why.blocking) == {Constraint.CHAIR_CAPACITY, Constraint.WINDOW}
    assert Constraint.NURSE_SETUP not in why.blocking  # the set-up alone is not the obstacle


def test_explains_patient_availability() -> None:
    problem, _ = _booked()
    tuesdays = tuple(Interval(d * DAY + 9 * 60, d * DAY + 12 * 60) for d in (1, 8, 15, 22))
    why = explain_unplaceable(problem, _series(9, availability=tuesdays), ())
    assert Constraint.PATIENT_AVAILABILITY in why.blocking


def test_nearest_options_when_bookable_inside_window_start_with_zero_overrun() -> None:
    problem, _ = _booked()
    options = nearest_options(problem, _series(9), (), count=2)
    assert [o.minutes_over_window for o in options] == [0, 0]
