"""Scheduling benchmarks: ``python -m bench.scheduling [--quick]``.

C2 — full plan of 30, 60 and 120 new 6-session series (8 chairs, 3 nurses, 15 working days, 20 %
pre-booked maintenance sessions, patient availability windows); CP-SAT against greedy first-fit.
C3 — insert one new series into a schedule holding 100 series, many times; latency percentiles
and whether confirmed appointments stayed unchanged. One JSON object per line on stdout and in
``bench/results/scheduling-<date>.jsonl``. Seeds are fixed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.scheduling.generator import (
    capacity_chair_hours,
    clinic_problem,
    demand_chair_hours,
    induction,
)
from ketaclinic.adapters.scheduling import CpSatScheduler
from ketaclinic.domain.scheduling import (
    AppointmentStatus,
    GreedyScheduler,
    Problem,
    Schedule,
    SolveLimits,
    check_schedule,
    soft_cost,
)

RESULTS = Path(__file__).resolve().parents[1] / "results"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _placed(problem: Problem, schedule: Schedule) -> int:
    return len(problem.requests) - len(schedule.unplaced)


def run_c2(series: int, seed: int, seconds: float) -> dict[str, Any]:
    """One C2 case: greedy and CP-SAT on the same instance, both verified by the checker."""
    problem = clinic_problem(series, seed)
    began = time.perf_counter()
    greedy = GreedyScheduler().solve(problem, SolveLimits())
    greedy_s = time.perf_counter() - began
    began = time.perf_counter()
    result = CpSatScheduler().solve(problem, SolveLimits(time_limit_s=seconds, num_workers=2))
    elapsed = time.perf_counter() - began
    cost, greedy_cost = soft_cost(problem, result.schedule), soft_cost(problem, greedy.schedule)
    placed, greedy_placed = _placed(problem, result.schedule), _placed(problem, greedy.schedule)
    return {
        "case": f"C2-{series}",
        "series": series,
        "placed": placed,
        "greedy_placed": greedy_placed,
        "placed_gain_pct": round(100 * (placed - greedy_placed) / max(greedy_placed, 1), 1),
        "hard_violations": len(check_schedule(problem, result.schedule)),
        "greedy_hard_violations": len(check_schedule(problem, greedy.schedule)),
        "soft_cost": cost.total,
        "greedy_soft_cost": greedy_cost.total,
        "preference_cost": cost.preference_cost,
        "greedy_preference_cost": greedy_cost.preference_cost,
        "preference_gain_pct": round(
            100 * (1 - cost.preference_cost / max(greedy_cost.preference_cost, 1)), 1
        ),
        "bound": result.bound,
        "status": result.status.value,
        "engine": result.engine,
        "seconds": round(elapsed, 2),
        "greedy_seconds": round(greedy_s, 3),
        "time_limit_s": seconds,
        "maintenance_sessions": len(problem.fixed),
        "demand_chair_hours": demand_chair_hours(problem),
        "capacity_chair_hours": capacity_chair_hours(problem),
    }


def _c3_base(seed: int) -> tuple[Problem, Schedule]:
    """A clinic of 12 chairs and 4 nurses over 4 weeks holding 100 booked series."""
    problem = clinic_problem(
        100, seed, chairs=12, nurses=4, horizon_days=28, release_days=10, maintenance_ratio=0.0
    )
    booked = GreedyScheduler().solve(problem, SolveLimits()).schedule
    confirmed = tuple(replace(a, status=AppointmentStatus.CONFIRMED) for a in booked.appointments)
    return problem, Schedule(confirmed, booked.unplaced)


def run_c3(insertions: int, seed: int) -> dict[str, Any]:
    """C3: many independent insertions of one new series into the same 100-series schedule."""
    base, booked = _c3_base(seed)
    rng = random.Random(seed + 1)
    times, violations, changed, placed = [], 0, 0, 0
    limits = SolveLimits(time_limit_s=2.0, num_workers=2, random_seed=seed)
    for i in range(insertions):
        request = induction(rng, 9000 + i, 28, 10, prefix="new")
        problem = replace(base, fixed=booked.appointments, requests=(request,))
        began = time.perf_counter()
        result = CpSatScheduler().solve(problem, limits)
        times.append(time.perf_counter() - began)
        violations += len(check_schedule(problem, result.schedule))
        kept = set(result.schedule.appointments)
        changed += sum(1 for a in booked.appointments if a not in kept)
        placed += int(not result.schedule.unplaced)
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {
        "case": "C3-insert-into-100",
        "series": len(base.requests) - len(booked.unplaced),  # series already booked
        "insertions": insertions,
        "placed": placed,
        "hard_violations": violations,
        "confirmed_changed": changed,
        "soft_cost": None,
        "greedy_soft_cost": None,
        "p50_s": round(cuts[49], 3),
        "p95_s": round(cuts[94], 3),
        "p99_s": round(cuts[98], 3),
        "max_s": round(max(times), 3),
        "seconds": round(sum(times), 2),
    }


def main() -> None:
    """Run C2 and C3 and write one JSON line per case."""
    parser = argparse.ArgumentParser(prog="python -m bench.scheduling")
    parser.add_argument("--quick", action="store_true", help="small version, under a minute")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"scheduling-{datetime.now(UTC).date().isoformat()}.jsonl"
    machine = {"nproc": os.cpu_count(), "cpu": _cpu(), "quick": args.quick}
    cases = [(30, 8.0)] if args.quick else [(30, 25.0), (60, 25.0), (120, 25.0)]
    with out.open("a", encoding="utf-8") as sink:
        rows = [run_c2(series, 2030 + series, seconds) for series, seconds in cases]
        rows.append(run_c3(40 if args.quick else 1000, 2031))
        for row in rows:
            line = json.dumps({**row, **machine})
            print(line, flush=True)
            sink.write(line + "\n")


if __name__ == "__main__":
    main()
