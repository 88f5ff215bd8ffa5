"""The independent checker: a valid schedule passes, and each broken rule is named."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ketaclinic.domain.scheduling import (
    Appointment,
    Chair,
    Constraint,
    Interval,
    Problem,
    Schedule,
    SeriesRequest,
    SessionShape,
    TimeGrid,
    check_schedule,
)
from ketaclinic.domain.scheduling.templates import standard_clinic

DAY = 1440
SHAPE = SessionShape(precheck_min=15, dosing_min=40, recovery_min=60, nurse_setup_min=15)
GRID = TimeGrid(datetime(2030, 1, 7, tzinfo=UTC))  # a Monday


def _request(series_id: str = "series-a", **changes: object) -> SeriesRequest:
    base = SeriesRequest(
        id=series_id,
        patient_id=f"patient-{series_id}",
        sessions=2,
        shape=SHAPE,
        release_min=0,
        deadline_min=7 * DAY,
        min_gap_min=48 * 60,
        max_span_min=7 * DAY,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _appt(series: str, index: int, start: int, chair: str = "chair-1", nurse: str = "nurse-1"):
    return Appointment(
        f"{series}-s{index}", series, f"patient-{series}", index, start, chair, nurse, SHAPE
    )


def _problem(requests: tuple[SeriesRequest, ...], **clinic_changes: object) -> Problem:
    clinic = standard_clinic(horizon_days=7, chairs=2, recliners=1, nurses=2, nurse_max_chairs=1)
    return Problem(GRID, replace(clinic, **clinic_changes), (), requests)  # type: ignore[arg-type]


MON_9 = 9 * 60
WED_9 = 2 * DAY + 9 * 60


def _valid() -> tuple[Problem, Schedule]:
    problem = _problem((_request(),))
    return problem, Schedule((_appt("series-a", 1, MON_9), _appt("series-a", 2, WED_9)))


def test_valid_schedule_has_no_violation() -> None:
    problem, schedule = _valid()
    assert check_schedule(problem, schedule) == []


def _swap_second(schedule: Schedule, **changes: object) -> Schedule:
    first, second = schedule.appointments
    return Schedule((first, replace(second, **changes)))  # type: ignore[arg-type]


BREAKS = [
    pytest.param({"start_min": WED_9 + 5}, Constraint.GRID, id="off-grid"),
    pytest.param({"start_min": 2 * DAY + 17 * 60}, Constraint.OPENING_HOURS, id="after-close"),
    pytest.param({"start_min": DAY + 9 * 60}, Constraint.SPACING, id="24h-under-48h-gap"),
    pytest.param({"chair_id": "chair-9"}, Constraint.UNKNOWN_RESOURCE, id="unknown-chair"),
    pytest.param({"nurse_id": "nurse-9"}, Constraint.UNKNOWN_RESOURCE, id="unknown-nurse"),
    pytest.param({"start_min": 5 * DAY + 9 * 60}, Constraint.OPENING_HOURS, id="saturday"),
]


@pytest.mark.parametrize(("changes", "rule"), BREAKS)
def test_each_broken_rule_is_named(changes: dict[str, object], rule: Constraint) -> None:
    problem, schedule = _valid()
    found = check_schedule(problem, _swap_second(schedule, **changes))
    assert rule in {v.rule for v in found}


def test_chair_double_booking() -> None:
    problem = _problem((_request("series-a"), _request("series-b")))
    schedule = Schedule(
        (
            _appt("series-a", 1, MON_9, "chair-1", "nurse-1"),
            _appt("series-a", 2, WED_9, "chair-1", "nurse-1"),
            _appt("series-b", 1, MON_9 + 60, "chair-1", "nurse-2"),
            _appt("series-b", 2, WED_9 + 240, "chair-1", "nurse-2"),
        )
    )
    found = check_schedule(problem, schedule)
    assert [v.rule for v in found] == [Constraint.CHAIR_CAPACITY]
    assert found[0].appointment_ids == ("series-a-s1", "series-b-s1")


def test_nurse_setup_and_ratio() -> None:
    problem = _problem((_request("series-a"), _request("series-b")))
    schedule = Schedule(
        (
            _appt("series-a", 1, MON_9, "chair-1", "nurse-1"),
            _appt("series-a", 2, WED_9, "chair-1", "nurse-1"),
            _appt("series-b", 1, MON_9, "chair-2", "nurse-1"),
            _appt("series-b", 2, WED_9 + 240, "chair-2", "nurse-1"),
        )
    )
    rules = {v.rule for v in check_schedule(problem, schedule)}
    assert rules == {Constraint.NURSE_SETUP, Constraint.NURSE_RATIO}


def test_ratio_counts_overlapping_monitoring_only() -> None:
    """Two chairs watched by one nurse with ratio 2 is fine; ratio 1 is not."""
    problem = _problem((_request("series-a"), _request("series-b")))
    schedule = Schedule(
        (
            _appt("series-a", 1, MON_9, "chair-1", "nurse-1"),
            _appt("series-a", 2, WED_9, "chair-1", "nurse-1"),
            _appt("series-b", 1, MON_9 + 15, "chair-2", "nurse-1"),
            _appt("series-b", 2, WED_9 + 240, "chair-2", "nurse-1"),
        )
    )
    assert {v.rule for v in check_schedule(problem, schedule)} == {Constraint.NURSE_RATIO}
    relaxed = replace(problem, clinic=replace(problem.clinic, nurse_max_chairs=2))
    assert check_schedule(relaxed, schedule) == []


def test_chair_feature_and_out_of_service() -> None:
    recliner_shape = replace(SHAPE, required_features=frozenset({"recliner"}))
    request = _request(shape=recliner_shape)
    chairs = (
        Chair("chair-1", frozenset({"recliner"}), (Interval(WED_9, WED_9 + 60),)),
        Chair("chair-2"),
    )
    problem = _problem((request,), chairs=chairs)
    schedule = Schedule(
        (
            replace(_appt("series-a", 1, MON_9, "chair-2"), shape=recliner_shape),
            replace(_appt("series-a", 2, WED_9, "chair-1"), shape=recliner_shape),
        )
    )
    rules = {v.rule for v in check_schedule(problem, schedule)}
    assert rules == {Constraint.CHAIR_FEATURE, Constraint.CHAIR_OUT_OF_SERVICE}


def test_prescriber_must_cover_dosing() -> None:
    problem, schedule = _valid()
    shifts = tuple(
        replace(s, span=Interval(s.span.start_min, s.span.start_min + 60))
        if s.role.value == "prescriber"
        else s
        for s in problem.clinic.shifts
    )
    short = replace(problem, clinic=replace(problem.clinic, shifts=shifts))
    found = check_schedule(short, schedule)
    assert {v.rule for v in found} == {Constraint.PRESCRIBER_ON_SITE}
    assert all(v.source.startswith("clinical.md") for v in found)


def test_window_availability_release_and_count() -> None:
    afternoons = tuple(Interval(d * DAY + 12 * 60, d * DAY + 18 * 60) for d in range(7))
    request = _request(max_span_min=DAY, availability=afternoons, release_min=DAY)
    problem = _problem((request,))
    _, schedule = _valid()
    rules = [v.rule for v in check_schedule(problem, schedule)]
    assert rules.count(Constraint.PATIENT_AVAILABILITY) == 2
    assert Constraint.WINDOW in rules  # release after the first session, and span over a day
    missing = Schedule(schedule.appointments[:1])
    assert Constraint.SESSION_COUNT in {v.rule for v in check_schedule(problem, missing)}


def test_unplaced_series_is_not_a_violation_but_silence_is() -> None:
    problem, _ = _valid()
    assert check_schedule(problem, Schedule((), ("series-a",))) == []
    assert [v.rule for v in check_schedule(problem, Schedule(()))] == [Constraint.SESSION_COUNT]


def test_fixed_appointments_must_not_change() -> None:
    problem, schedule = _valid()
    booked = _appt("booster-1", 1, 3 * DAY + 9 * 60, "chair-2", "nurse-2")
    problem = replace(problem, fixed=(booked,))
    assert check_schedule(problem, Schedule((*schedule.appointments, booked))) == []
    moved = replace(booked, start_min=booked.start_min + 60)
    found = check_schedule(problem, Schedule((*schedule.appointments, moved)))
    assert Constraint.FIXED_MOVED in {v.rule for v in found}
