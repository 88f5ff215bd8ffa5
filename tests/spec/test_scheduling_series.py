"""Induction and booster series, as a clinician reads them: one row per clinical case.

Each row books one patient's series into an empty clinic (Mon–Fri 08:00–18:00, 2 chairs, 1 nurse,
1 prescriber) with the engine-independent first-fit search, then checks the result with the
independent checker, or checks which constraint makes the series impossible.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from ketaclinic.domain.protocols.sections import Maintenance, Series
from ketaclinic.domain.scheduling import (
    Constraint,
    GreedyScheduler,
    Interval,
    Problem,
    SeriesRequest,
    SolveLimits,
    TimeGrid,
    booster_request,
    check_schedule,
    explain_unplaceable,
    induction_request,
    session_shape,
)
from ketaclinic.domain.scheduling.templates import standard_clinic

DAY = 1440
GRID = TimeGrid(datetime(2030, 1, 7, tzinfo=UTC))  # a Monday
CLINIC = standard_clinic(horizon_days=35, chairs=2, recliners=0, nurses=1)


@dataclass(frozen=True)
class Case:
    series: Series
    availability: tuple[Interval, ...] = ()
    features: frozenset[str] = frozenset()
    expected_days: tuple[int, ...] | None = None  # days from Monday of week 1 when bookable
    blocking: Constraint | None = None  # the constraint the explanation must name


def _series(sessions: int, window_days: int, gap_h: int, weekdays: tuple[int, ...]) -> Series:
    return Series(sessions, 0, window_days, gap_h, weekdays, session_minutes=115)


def _tuesdays(weeks: int) -> tuple[Interval, ...]:
    return tuple(Interval((7 * w + 1) * DAY + 480, (7 * w + 1) * DAY + 1080) for w in range(weeks))


CASES = [
    pytest.param(
        Case(_series(6, 12, 48, (0, 2, 4)), expected_days=(0, 2, 4, 7, 9, 11)),
        id="Shiroma-2014-Mon-Wed-Fri-6-in-12-days [clinical.md §3.1]",
    ),
    pytest.param(
        Case(_series(6, 21, 72, (0, 3)), expected_days=(0, 3, 7, 10, 14, 17)),
        id="ELEKT-D-twice-weekly-3-weeks [clinical.md §3.1 Anand 2023]",
    ),
    pytest.param(
        Case(_series(6, 14, 48, (0, 2, 4))),
        id="6-over-2-weeks-clinic-practice [clinical.md §3.1]",
    ),
    pytest.param(
        Case(_series(6, 9, 48, (0, 2, 4)), blocking=Constraint.SPACING),
        id="48h-minimum-cannot-fit-6-in-9-days [clinical.md §3.1, §10 item 4 UNCONFIRMED]",
    ),
    pytest.param(
        Case(
            _series(6, 21, 48, ()),
            availability=_tuesdays(5),
            blocking=Constraint.PATIENT_AVAILABILITY,
        ),
        id="Tuesdays-only-6-sessions-48h-apart-in-21-days [clinical.md §3.1]",
    ),
    pytest.param(
        Case(
            _series(6, 21, 48, ()),
            features=frozenset({"recliner"}),
            blocking=Constraint.CHAIR_FEATURE,
        ),
        id="IM-session-needs-a-recliner-none-in-clinic [clinical.md §2.5]",
    ),
]


def _request(case: Case) -> SeriesRequest:
    shape = session_shape(
        case.series,
        dosing_min=40,
        precheck_min=15,
        nurse_setup_min=15,
        required_features=case.features,
    )
    return induction_request(
        case.series,
        shape,
        series_id="series-1",
        patient_id="patient-1",
        release_min=0,
        deadline_min=35 * DAY,
        availability=case.availability,
    )


@pytest.mark.parametrize("case", CASES)
def test_induction_series(case: Case) -> None:
    request = _request(case)
    problem = Problem(GRID, CLINIC, (), (request,))
    result = GreedyScheduler().solve(problem, SolveLimits())
    assert check_schedule(problem, result.schedule) == []
    if case.blocking is None:
        booked = result.schedule.of_series("series-1")
        assert len(booked) == case.series.sessions
        span = booked[-1].end_min - booked[0].start_min
        assert span <= case.series.window_max_days * DAY
        if case.expected_days is not None:
            assert tuple(a.start_min // DAY for a in booked) == case.expected_days
    else:
        assert result.schedule.unplaced == ("series-1",)
        why = explain_unplaceable(problem, request, ())
        assert case.blocking in why.blocking
        assert all(v.source for v in why.reasons)


MAINTENANCE = Maintenance((7, 7, 7, 7, 14, 28), "phq9", 7, ())

BOOSTERS = [
    pytest.param(1, 0, 7, id="Phillips-2019-weekly-booster-1 [clinical.md §3.3]"),
    pytest.param(4, 21, 28, id="Phillips-2019-weekly-booster-4 [clinical.md §3.3]"),
    pytest.param(5, 0, 14, id="widening-to-fortnightly-UNCONFIRMED-ladder [clinical.md §3.3]"),
]


@pytest.mark.parametrize(("number", "previous_day", "due_day"), BOOSTERS)
def test_booster_is_booked_on_its_due_day(number: int, previous_day: int, due_day: int) -> None:
    shape = session_shape(
        _series(6, 21, 48, ()), dosing_min=40, precheck_min=15, nurse_setup_min=15
    )
    request = booster_request(
        MAINTENANCE,
        shape,
        series_id="booster-1",
        patient_id="patient-1",
        booster_number=number,
        previous_start_min=previous_day * DAY + 480,
        tolerance_days=2,
        min_gap_min=48 * 60,
    )
    problem = Problem(GRID, CLINIC, (), (request,))
    result = GreedyScheduler().solve(problem, SolveLimits())
    assert check_schedule(problem, result.schedule) == []
    (booked,) = result.schedule.of_series("booster-1")
    assert abs(booked.start_min // DAY - due_day) <= 2
    assert booked.start_min - request.prior_start_min >= 48 * 60  # type: ignore[operator]


def test_same_patient_window_is_measured_from_the_first_given_session() -> None:
    """Re-planning after session 3 keeps the 21-day window anchored on session 1."""
    request = replace(
        _request(Case(_series(6, 21, 48, (0, 2, 4)))),
        sessions=3,
        first_index=4,
        anchor_start_min=480,
        prior_start_min=4 * DAY + 480,
        release_min=18 * DAY,
    )
    problem = Problem(GRID, CLINIC, (), (request,))
    result = GreedyScheduler().solve(problem, SolveLimits())
    assert result.schedule.unplaced == ("series-1",)  # days 18, 21 (Mon), 23 > 21 days from day 0
    blocking = set(explain_unplaceable(problem, request, ()).blocking)
    assert blocking == {Constraint.WINDOW, Constraint.SPACING}  # later, or closer together
