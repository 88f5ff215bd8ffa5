"""OR-Tools CP-SAT scheduler behind the domain's ``Scheduler`` port.

The greedy first-fit schedule seeds the search as a hint, so the answer is never worse than the
baseline; CP-SAT then improves it until the time limit and reports its proven lower bound.
Deterministic for a fixed ``random_seed`` and ``num_workers`` (and no time limit being hit);
use ``num_workers=1`` while web requests are served and 2 for batch re-plans
(``performance.md §4.3``).
"""

from __future__ import annotations

import math
import time

from ortools.sat.python import cp_model

from ketaclinic.adapters.scheduling.cpsat_model import SeriesModel
from ketaclinic.domain.scheduling.engine import SolveLimits, SolveResult, SolveStatus
from ketaclinic.domain.scheduling.greedy import GreedyScheduler
from ketaclinic.domain.scheduling.model import Problem

_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
}


class CpSatScheduler:
    """Best schedule CP-SAT finds within the limits, with objective, bound and status."""

    name = "cp-sat"

    def __init__(self, *, seed_with_greedy: bool = True) -> None:
        self.seed_with_greedy = seed_with_greedy

    def solve(self, problem: Problem, limits: SolveLimits) -> SolveResult:
        """Solve ``problem``; falls back to the greedy schedule if CP-SAT finds none in time."""
        began = time.perf_counter()
        greedy = GreedyScheduler().solve(problem, limits) if self.seed_with_greedy else None
        built = SeriesModel(problem)
        if greedy is not None:
            built.add_hint(greedy.schedule)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(
            limits.time_limit_s - (time.perf_counter() - began), 0.05
        )
        solver.parameters.num_workers = limits.num_workers
        solver.parameters.random_seed = limits.random_seed
        code = solver.solve(built.model)
        status = _STATUS.get(code, SolveStatus.UNKNOWN)
        elapsed = time.perf_counter() - began
        if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            bound = math.ceil(solver.best_objective_bound - 1e-6)
            objective = round(solver.objective_value)
            return SolveResult(built.schedule(solver), status, objective, bound, self.name, elapsed)
        if greedy is not None and status is SolveStatus.UNKNOWN:
            return SolveResult(
                greedy.schedule,
                SolveStatus.FEASIBLE,
                greedy.objective,
                None,
                "cp-sat:greedy-fallback",
                elapsed,
            )
        empty = GreedyScheduler().solve(
            problem.__class__(problem.grid, problem.clinic, problem.fixed, (), problem.weights),
            limits,
        )
        return SolveResult(empty.schedule, status, empty.objective, None, self.name, elapsed)
