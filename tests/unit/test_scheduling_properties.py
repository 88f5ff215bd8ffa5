"""Property tests: every greedy schedule passes the independent checker on random clinics.

The ``problems`` strategy is reused by the CP-SAT integration tests.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketaclinic.domain.scheduling import (
    AppointmentStatus,
    GreedyScheduler,
    Interval,
    Problem,
    Role,
    SeriesRequest,
    SessionShape,
    SolveLimits,
    TimeGrid,
    check_schedule,
    soft_cost,
)
from ketaclinic.domain.scheduling.templates import standard_clinic

DAY = 1440
GRID = TimeGrid(datetime(2030, 1, 7, tzinfo=UTC), slot_min=30)


@st.composite
def requests(draw: st.DrawFn, index: int, horizon: int, open_min: int) -> SeriesRequest:
    """One small random request (fake ids)."""
    recovery = draw(st.sampled_from((30, 60)))
    recliner = draw(st.booleans())
    shape = SessionShape(15, 30, recovery, 15, frozenset({"recliner"}) if recliner else frozenset())
    sessions = draw(st.integers(1, 3))
    availability: tuple[Interval, ...] = ()
    if draw(st.booleans()):
        availability = tuple(
            Interval(d * DAY + open_min, d * DAY + open_min + 240) for d in range(horizon)
        )
    return SeriesRequest(
        id=f"series-{index}",
        patient_id=f"patient-{index}",
        sessions=sessions,
        shape=shape,
        release_min=draw(st.integers(0, 1)) * DAY,
        deadline_min=horizon * DAY,
        min_gap_min=draw(st.sampled_from((shape.chair_min, DAY, 2 * DAY))),
        max_span_min=draw(st.integers(1, horizon)) * DAY,
        preferred_weekdays=draw(st.sampled_from(((), (0, 2, 4), (1, 3)))),
        preferred_start_of_day_min=draw(
            st.one_of(st.none(), st.integers(8, 13).map(lambda h: h * 60))
        ),
        availability=availability,
    )


@st.composite
def problems(draw: st.DrawFn, max_requests: int = 4) -> Problem:
    """A random small clinic with optional closures, a chair out of service, a short prescriber
    shift and a pre-booked fixed appointment."""
    horizon = draw(st.integers(3, 5))
    open_min = draw(st.sampled_from((7 * 60, 8 * 60)))
    chairs = draw(st.integers(1, 3))
    clinic = standard_clinic(
        horizon_days=horizon,
        chairs=chairs,
        recliners=draw(st.integers(0, chairs)),
        nurses=draw(st.integers(1, 2)),
        nurse_max_chairs=draw(st.integers(1, 3)),
        open_min=open_min,
        close_min=open_min + draw(st.integers(3, 6)) * 60,
        open_weekdays=(0, 1, 2, 3, 4, 5, 6),
        closed_days=frozenset(draw(st.sets(st.integers(0, horizon - 1), max_size=1))),
    )
    if draw(st.booleans()):
        first = clinic.chairs[0]
        out = Interval(DAY + open_min, DAY + open_min + 120)
        clinic = replace(clinic, chairs=(replace(first, out_of_service=(out,)), *clinic.chairs[1:]))
    if draw(st.booleans()):
        shifts = tuple(
            replace(s, span=Interval(s.span.start_min, s.span.start_min + 180))
            if s.role is Role.PRESCRIBER
            else s
            for s in clinic.shifts
        )
        clinic = replace(clinic, shifts=shifts)
    count = draw(st.integers(1, max_requests))
    asked = tuple(draw(requests(i, horizon, open_min)) for i in range(count))
    problem = Problem(GRID, clinic, (), asked)
    if draw(st.booleans()):
        booster = replace(asked[0], id="booster-0", patient_id="patient-b", sessions=1)
        seeded = GreedyScheduler().solve(replace(problem, requests=(booster,)), SolveLimits())
        fixed = tuple(
            replace(a, status=AppointmentStatus.CONFIRMED) for a in seeded.schedule.appointments
        )
        problem = replace(problem, fixed=fixed)
    return problem


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.booleans())
def test_greedy_schedules_pass_the_checker(problem: Problem, prefer: bool) -> None:
    """Both first-fit and the preference-aware variant produce checker-clean schedules."""
    result = GreedyScheduler(prefer=prefer).solve(problem, SolveLimits())
    assert check_schedule(problem, result.schedule) == []
    assert result.objective == soft_cost(problem, result.schedule).total
    placed = {a.series_id for a in result.schedule.appointments}
    for request in problem.requests:
        assert (request.id in placed) != (request.id in result.schedule.unplaced)
