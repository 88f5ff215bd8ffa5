"""CP-SAT adapter: optimum against brute-force enumeration, checker-clean properties,
determinism, and the same objective as the shared soft-cost function."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from itertools import combinations, product

import pytest
from hypothesis import HealthCheck, given, settings

from ketaclinic.adapters.scheduling import CpSatScheduler
from ketaclinic.domain.scheduling import (
    Appointment,
    GreedyScheduler,
    Problem,
    Schedule,
    SeriesRequest,
    SessionShape,
    SoftWeights,
    SolveLimits,
    SolveStatus,
    TimeGrid,
    candidate_starts,
    check_schedule,
    soft_cost,
)
from ketaclinic.domain.scheduling.engine import placed
from ketaclinic.domain.scheduling.templates import standard_clinic
from tests.unit.test_scheduling_properties import problems

DAY = 1440
GRID = TimeGrid(datetime(2030, 1, 7, tzinfo=UTC), slot_min=60)
SHAPE = SessionShape(10, 20, 30, 10)  # one hour of chair time
LIMITS = SolveLimits(time_limit_s=20, num_workers=1, random_seed=7)


def _chains(problem: Problem, request: SeriesRequest) -> list[tuple[Appointment, ...]]:
    """Every booking of one request that is valid on its own (the checker decides)."""
    alone = replace(problem, fixed=(), requests=(request,))
    chairs = [c.id for c in problem.clinic.chairs]
    nurses = list(problem.clinic.nurses())
    spots = [(t, c, n) for t in candidate_starts(problem, request) for c in chairs for n in nurses]
    out = []
    for combo in product(spots, repeat=request.sessions):
        booked = tuple(placed(request, k, *spot) for k, spot in enumerate(combo))
        if check_schedule(alone, Schedule(booked)) == []:
            out.append(booked)
    return out


def brute_force_optimum(problem: Problem) -> int:
    """Minimum soft cost over every valid schedule, by exhaustive depth-first enumeration.

    Every combination of "unplaced or one of its valid chains" per request is visited. Two
    chains that clash on their own (checked by the checker on just that pair) are never combined,
    which only skips schedules the checker would refuse anyway (a clash stays a clash when more
    sessions are added); every complete schedule is still judged by the checker itself.
    """
    options = [[None, *_chains(problem, r)] for r in problem.requests]
    clash = _pairwise_clashes(problem, options)
    best = [10**12]

    def walk(depth: int, picked: tuple[int, ...]) -> None:
        if depth == len(problem.requests):
            schedule = _schedule_of(problem, options, picked)
            if not check_schedule(problem, schedule):
                best[0] = min(best[0], soft_cost(problem, schedule).total)
            return
        for k in range(len(options[depth])):
            if k and any((d, j, depth, k) in clash for d, j in enumerate(picked) if j):
                continue
            walk(depth + 1, (*picked, k))

    walk(0, ())
    return best[0]


def _schedule_of(
    problem: Problem, options: list[list[tuple[Appointment, ...] | None]], picked: tuple[int, ...]
) -> Schedule:
    booked: tuple[Appointment, ...] = problem.fixed
    unplaced: tuple[str, ...] = ()
    for request, choices, k in zip(problem.requests, options, picked, strict=True):
        chain = choices[k]
        if chain is None:
            unplaced += (request.id,)
        else:
            booked += chain
    return Schedule(booked, unplaced)


def _overlap(a: tuple[Appointment, ...], b: tuple[Appointment, ...]) -> bool:
    return any(x.start_min < y.end_min and y.start_min < x.end_min for x in a for y in b)


def _pairwise_clashes(
    problem: Problem, options: list[list[tuple[Appointment, ...] | None]]
) -> set[tuple[int, int, int, int]]:
    """``(request a, chain i, request b, chain j)`` for every pair of chains the checker refuses."""
    out = set()
    for a, b in combinations(range(len(options)), 2):
        pair = replace(problem, requests=(problem.requests[a], problem.requests[b]))
        for i, chain_a in enumerate(options[a]):
            for j, chain_b in enumerate(options[b]):
                if chain_a is None or chain_b is None or not _overlap(chain_a, chain_b):
                    continue  # (not checking a pair only prunes less: never loses a schedule)
                if check_schedule(pair, Schedule(problem.fixed + chain_a + chain_b)):
                    out.add((a, i, b, j))
    return out


def _tiny(preferences: tuple[int | None, ...], nurse_max_chairs: int, chairs: int) -> Problem:
    clinic = standard_clinic(
        horizon_days=2,
        chairs=chairs,
        recliners=0,
        nurses=1,
        nurse_max_chairs=nurse_max_chairs,
        open_min=8 * 60,
        close_min=11 * 60,
        open_weekdays=(0, 1, 2, 3, 4, 5, 6),
    )
    requests = tuple(
        SeriesRequest(
            id=f"series-{i}",
            patient_id=f"patient-{i}",
            sessions=2,
            shape=SHAPE,
            release_min=0,
            deadline_min=2 * DAY,
            min_gap_min=DAY,
            max_span_min=2 * DAY,
            preferred_weekdays=(0, 2),
            preferred_start_of_day_min=pref,
        )
        for i, pref in enumerate(preferences)
    )
    return Problem(GRID, clinic, (), requests, SoftWeights(unplaced_series=1_000))


# (preferred start per patient, nurse ratio, chairs, optimum found once by enumeration)
TINY = [
    pytest.param((8 * 60, 8 * 60), 1, 1, 30, id="two-want-8am-one-chair"),
    pytest.param((8 * 60, 10 * 60, 8 * 60), 2, 2, 43, id="three-patients-two-chairs-ratio-2"),
    pytest.param((None, 9 * 60, 10 * 60), 1, 2, 39, id="nurse-ratio-1-binds"),
    pytest.param((8 * 60,) * 4, 1, 1, 1051, id="over-demand-someone-unplaced"),
]


@pytest.mark.parametrize(("prefs", "ratio", "chairs", "optimum"), TINY)
def test_cpsat_matches_brute_force_optimum(
    prefs: tuple[int | None, ...], ratio: int, chairs: int, optimum: int
) -> None:
    problem = _tiny(prefs, ratio, chairs)
    assert brute_force_optimum(problem) == optimum
    result = CpSatScheduler().solve(problem, LIMITS)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == optimum
    assert result.bound == result.objective
    assert check_schedule(problem, result.schedule) == []
    assert soft_cost(problem, result.schedule).total == result.objective


def test_cpsat_beats_first_fit_where_first_fit_is_not_optimal() -> None:
    problem = _tiny((8 * 60, 10 * 60, 8 * 60), 2, 2)
    assert GreedyScheduler().solve(problem, LIMITS).objective == 51
    assert CpSatScheduler().solve(problem, LIMITS).objective == 43


def test_cpsat_is_deterministic_for_a_fixed_seed() -> None:
    problem = _tiny((8 * 60, 10 * 60, 8 * 60), 2, 2)
    first = CpSatScheduler().solve(problem, LIMITS)
    second = CpSatScheduler().solve(problem, LIMITS)
    assert first.schedule == second.schedule


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_cpsat_schedules_pass_the_checker_and_never_lose_to_greedy(problem: Problem) -> None:
    result = CpSatScheduler().solve(problem, SolveLimits(time_limit_s=5, num_workers=1))
    assert check_schedule(problem, result.schedule) == []
    assert result.objective == soft_cost(problem, result.schedule).total
    assert result.objective <= GreedyScheduler().solve(problem, LIMITS).objective
    if result.bound is not None:
        assert result.bound <= result.objective


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_requests=1))
def test_single_series_unplaced_by_greedy_is_unplaceable(problem: Problem) -> None:
    """Greedy's single-series search is complete: CP-SAT proves the same series unbookable."""
    greedy = GreedyScheduler().solve(problem, LIMITS)
    if greedy.schedule.unplaced:
        result = CpSatScheduler().solve(problem, SolveLimits(time_limit_s=10, num_workers=1))
        assert result.status is SolveStatus.OPTIMAL
        assert result.schedule.unplaced == greedy.schedule.unplaced
