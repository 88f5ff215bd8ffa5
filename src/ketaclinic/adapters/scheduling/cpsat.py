"""OR-Tools CP-SAT scheduler behind the domain's ``Scheduler`` port.

1. Seed: the greedy first-fit schedule, turned into a *complete* hint (every model variable) by
   a propagation-only solve, so CP-SAT starts from a valid solution and never returns worse.
2. Small problems (``FULL_MODEL_SESSIONS`` sessions or fewer): one CP-SAT solve of the whole
   model until the limit; the objective, proven bound and status come straight from CP-SAT.
3. Larger ones: large-neighbourhood search (``lns.py``) re-solves a few series at a time with the
   rest fixed, then a final whole-model solve from the improved schedule proves a lower bound.

Deterministic for a fixed ``random_seed``, ``num_workers`` and ``max_rounds`` when no time limit
is hit. Use ``num_workers=1`` while web requests are served, 2 for batch re-plans
(``performance.md §4.3``).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import replace

from ortools.sat.python import cp_model

from ketaclinic.adapters.scheduling.cpsat_model import SeriesModel
from ketaclinic.adapters.scheduling.lns import improve
from ketaclinic.domain.scheduling.cost import soft_cost
from ketaclinic.domain.scheduling.engine import SolveLimits, SolveResult, SolveStatus
from ketaclinic.domain.scheduling.greedy import GreedyScheduler
from ketaclinic.domain.scheduling.model import Problem, Schedule

FULL_MODEL_SESSIONS = 60
POLISH_SHARE = 0.1  # share of the time limit kept for the final whole-model solve

_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
}


def make_solver(limits: SolveLimits, seconds: float) -> cp_model.CpSolver:
    """A CP-SAT solver with the limits applied. Probing is off: on these models it costs about a
    second of presolve for little gain."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.05)
    solver.parameters.num_workers = limits.num_workers
    solver.parameters.random_seed = limits.random_seed
    solver.parameters.cp_model_probing_level = 0
    return solver


def _clear_hints(model: cp_model.CpModel) -> None:
    """Remove every solution hint (what the unannotated ``CpModel.clear_hints`` does)."""
    model.proto.clear_solution_hint()


def complete_hint(built: SeriesModel, schedule: Schedule, limits: SolveLimits) -> bool:
    """Hint every variable of ``built`` with ``schedule``'s values; False if it does not fit."""
    built.add_hint(schedule)
    probe = make_solver(replace(limits, num_workers=1), 5.0)
    probe.parameters.fix_variables_to_their_hinted_value = True
    if probe.solve(built.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        _clear_hints(built.model)
        built.add_hint(schedule)
        return False
    values = list(probe.response_proto.solution)
    _clear_hints(built.model)
    hint = built.model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)
    return True


def solve_model(
    problem: Problem, seed: Schedule | None, limits: SolveLimits, seconds: float
) -> tuple[SolveStatus, Schedule | None, int | None, int | None]:
    """One whole-model CP-SAT solve: status, schedule, objective, proven bound."""
    built = SeriesModel(problem)
    if seed is not None:
        complete_hint(built, seed, limits)
    solver = make_solver(limits, seconds)
    status = _STATUS.get(solver.solve(built.model), SolveStatus.UNKNOWN)
    if status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        return status, None, None, None
    # every soft-cost term is non-negative, so 0 is a valid bound when CP-SAT's is below it
    bound = max(0, math.ceil(solver.best_objective_bound - 1e-6))
    return status, built.schedule(solver), round(solver.objective_value), bound


class CpSatScheduler:
    """Best schedule found within the limits, with objective, proven bound and status."""

    name = "cp-sat"

    def solve(self, problem: Problem, limits: SolveLimits) -> SolveResult:
        """Solve ``problem`` as described in the module docstring."""
        began = time.perf_counter()
        seeds = (
            GreedyScheduler().solve(problem, limits),
            GreedyScheduler(prefer=True).solve(problem, limits),
        )
        seed = min(seeds, key=lambda r: r.objective).schedule
        sessions = sum(r.sessions for r in problem.requests)
        if sessions > FULL_MODEL_SESSIONS:
            deadline = began + limits.time_limit_s * (1 - POLISH_SHARE)
            rng = random.Random(limits.random_seed)  # noqa: S311 - seeded search order, not security
            seed = improve(problem, seed, limits, deadline, rng)
        left = limits.time_limit_s - (time.perf_counter() - began)
        status, schedule, objective, bound = solve_model(problem, seed, limits, left)
        elapsed = time.perf_counter() - began
        if schedule is None or objective is None:
            cost = soft_cost(problem, seed).total
            found = (
                SolveStatus.INFEASIBLE if status is SolveStatus.INFEASIBLE else SolveStatus.FEASIBLE
            )
            return SolveResult(seed, found, cost, None, f"{self.name}:seed", elapsed)
        return SolveResult(schedule, status, objective, bound, self.name, elapsed)
