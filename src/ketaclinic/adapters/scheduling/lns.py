"""Large-neighbourhood search: re-solve a few series with CP-SAT while the rest stay fixed.

Each round picks a neighbourhood (an unplaced series with the placed series released near it, or
the series sharing a random clinic day), solves that sub-problem exactly as the whole model
would (same objective terms; the nurse-load term sees every fixed booking) and keeps the result
when the whole schedule's soft cost drops. The sub-solve is hinted with the current positions,
so a round never makes things worse.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace

from ortools.sat.python import cp_model

from ketaclinic.adapters.scheduling.cpsat_model import DomainCache, SeriesModel
from ketaclinic.domain.scheduling.calendar import MINUTES_PER_DAY
from ketaclinic.domain.scheduling.cost import soft_cost
from ketaclinic.domain.scheduling.engine import SolveLimits
from ketaclinic.domain.scheduling.model import Problem, Schedule, SeriesRequest

NEIGHBOURHOOD_SERIES = 6
ROUND_SECONDS = 1.0


def neighbourhood(problem: Problem, schedule: Schedule, rng: random.Random) -> set[str]:
    """Series ids to re-solve together this round."""
    unplaced = [r for r in problem.requests if r.id in schedule.unplaced]
    if unplaced and rng.random() < 0.6:
        pivots = rng.sample(unplaced, min(len(unplaced), 2))
        near = [
            r.id
            for r in problem.requests
            if r.id not in schedule.unplaced
            and abs(r.release_min - pivots[0].release_min) <= 3 * MINUTES_PER_DAY
            and r.shape.chair_min >= pivots[0].shape.chair_min
        ]
        chosen = rng.sample(near, min(len(near), 2 * NEIGHBOURHOOD_SERIES - len(pivots)))
        return {*(p.id for p in pivots), *chosen}
    requested = {r.id for r in problem.requests}
    movable = [a for a in schedule.appointments if a.series_id in requested]
    if not movable:
        return {r.id for r in rng.sample(list(problem.requests), 1)}
    day = rng.choice(movable).start_min // MINUTES_PER_DAY
    same_day = sorted({a.series_id for a in movable if a.start_min // MINUTES_PER_DAY == day})
    return set(rng.sample(same_day, min(len(same_day), NEIGHBOURHOOD_SERIES)))


def resolve(
    problem: Problem,
    schedule: Schedule,
    chosen: set[str],
    limits: SolveLimits,
    seconds: float,
    cache: DomainCache,
) -> Schedule | None:
    """The whole schedule with the ``chosen`` series re-solved, or None if CP-SAT found nothing."""
    from ketaclinic.adapters.scheduling.cpsat import complete_hint, make_solver

    requests: tuple[SeriesRequest, ...] = tuple(r for r in problem.requests if r.id in chosen)
    fixed_ids = {a.id for a in problem.fixed}
    keep = tuple(a for a in schedule.appointments if a.series_id not in chosen or a.id in fixed_ids)
    sub = replace(problem, fixed=keep, requests=requests)
    built = SeriesModel(sub, cache)
    complete_hint(built, schedule, limits)
    solver = make_solver(limits, seconds)
    if solver.solve(built.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    part = built.schedule(solver)
    unplaced = tuple(s for s in schedule.unplaced if s not in chosen) + part.unplaced
    return Schedule(part.appointments, unplaced)


def improve(
    problem: Problem,
    schedule: Schedule,
    limits: SolveLimits,
    deadline: float,
    rng: random.Random,
) -> Schedule:
    """Run rounds until ``deadline`` (``time.perf_counter`` seconds) or ``limits.max_rounds``."""
    best, best_cost = schedule, soft_cost(problem, schedule).total
    rounds = 0
    cache: DomainCache = {}
    while time.perf_counter() < deadline and (
        limits.max_rounds is None or rounds < limits.max_rounds
    ):
        rounds += 1
        seconds = min(ROUND_SECONDS, deadline - time.perf_counter())
        if seconds <= 0.05:
            break
        chosen = neighbourhood(problem, best, rng)
        found = resolve(problem, best, chosen, limits, seconds, cache)
        if found is None:
            continue
        cost = soft_cost(problem, found).total
        if cost < best_cost:
            best, best_cost = found, cost
    return best
