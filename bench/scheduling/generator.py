"""Deterministic synthetic clinics and demand for the scheduling benchmarks (fake ids only)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

from ketaclinic.domain.scheduling.calendar import MINUTES_PER_DAY, Interval, TimeGrid
from ketaclinic.domain.scheduling.engine import SolveLimits
from ketaclinic.domain.scheduling.greedy import GreedyScheduler
from ketaclinic.domain.scheduling.model import (
    AppointmentStatus,
    Problem,
    SeriesKind,
    SeriesRequest,
    SessionShape,
)
from ketaclinic.domain.scheduling.templates import standard_clinic

EPOCH = datetime(2030, 1, 7, tzinfo=UTC)  # a Monday
OPEN_MIN, CLOSE_MIN = 7 * 60, 19 * 60  # a 12-hour clinic day (performance.md §4.1: 10–12 h)
RECOVERY_MIN = (60, 75, 90, 120)  # performance.md §4.4 C2: 60–120 min recovery
MIN_GAP_MIN = 24 * 60  # performance.md §4.4 C2: gap of at least 1 day
WINDOW_DAYS = 21


def _shape(rng: random.Random) -> SessionShape:
    features = frozenset({"recliner"}) if rng.random() < 0.1 else frozenset()
    return SessionShape(15, 40, rng.choice(RECOVERY_MIN), 15, features)


def _availability(rng: random.Random, horizon_days: int) -> tuple[tuple[Interval, ...], int]:
    """Patient availability (daily window) and preferred start of day (minutes)."""
    kind = rng.random()
    if kind < 0.5:
        return (), rng.randrange(OPEN_MIN, CLOSE_MIN - 180, 15)
    lo, hi = (OPEN_MIN, 13 * 60 + 30) if kind < 0.75 else (12 * 60, CLOSE_MIN)
    spans = tuple(
        Interval(d * MINUTES_PER_DAY + lo, d * MINUTES_PER_DAY + hi) for d in range(horizon_days)
    )
    return spans, rng.randrange(lo, hi - 115 + 1, 15)


def induction(
    rng: random.Random, index: int, horizon_days: int, release_days: int, prefix: str = "c"
) -> SeriesRequest:
    """One 6-session induction request released on a random weekday of the first weeks."""
    availability, preferred = _availability(rng, horizon_days)
    release_day = rng.choice([d for d in range(release_days) if (d % 7) < 5])
    return SeriesRequest(
        id=f"{prefix}-series-{index:04d}",
        patient_id=f"{prefix}-patient-{index:04d}",
        sessions=6,
        shape=_shape(rng),
        release_min=release_day * MINUTES_PER_DAY,
        deadline_min=horizon_days * MINUTES_PER_DAY,
        min_gap_min=MIN_GAP_MIN,
        max_span_min=WINDOW_DAYS * MINUTES_PER_DAY,
        preferred_weekdays=rng.choice(((0, 2, 4), (1, 3))),
        preferred_start_of_day_min=preferred,
        availability=availability,
    )


def booster(rng: random.Random, index: int, horizon_days: int) -> SeriesRequest:
    """One maintenance booster due on a random working day, one day of tolerance either side."""
    availability, preferred = _availability(rng, horizon_days)
    due = rng.choice([d for d in range(horizon_days) if (d % 7) < 5])
    return SeriesRequest(
        id=f"maint-{index:04d}",
        patient_id=f"maint-patient-{index:04d}",
        sessions=1,
        shape=_shape(rng),
        release_min=max(0, due - 1) * MINUTES_PER_DAY,
        deadline_min=min(horizon_days, due + 2) * MINUTES_PER_DAY,
        min_gap_min=MIN_GAP_MIN,
        max_span_min=MINUTES_PER_DAY,
        kind=SeriesKind.BOOSTER,
        preferred_start_of_day_min=preferred,
        availability=availability,
    )


def clinic_problem(
    series: int,
    seed: int,
    *,
    chairs: int = 8,
    nurses: int = 3,
    horizon_days: int = 21,
    release_days: int = 5,
    maintenance_ratio: float = 0.2,
) -> Problem:
    """A C2-shaped problem: pre-booked boosters (fixed) plus ``series`` new inductions."""
    rng = random.Random(seed)
    clinic = standard_clinic(
        horizon_days=horizon_days,
        chairs=chairs,
        recliners=2,
        nurses=nurses,
        prescribers=1,
        open_min=OPEN_MIN,
        close_min=CLOSE_MIN,
    )
    grid = TimeGrid(EPOCH)
    boosters = tuple(
        booster(rng, i, horizon_days) for i in range(round(maintenance_ratio * 6 * series))
    )
    seeded = GreedyScheduler().solve(Problem(grid, clinic, (), boosters), SolveLimits())
    fixed = tuple(
        replace(a, status=AppointmentStatus.CONFIRMED) for a in seeded.schedule.appointments
    )
    requests = tuple(induction(rng, i, horizon_days, release_days) for i in range(series))
    return Problem(grid, clinic, fixed, requests)


def capacity_chair_hours(problem: Problem) -> float:
    """Chair-hours the clinic offers over its opening spans."""
    minutes = sum(s.end_min - s.start_min for s in problem.clinic.opening)
    return round(minutes * len(problem.clinic.chairs) / 60, 1)


def demand_chair_hours(problem: Problem) -> float:
    """Chair-hours of fixed bookings plus every requested session."""
    fixed = sum(a.shape.chair_min for a in problem.fixed)
    asked = sum(r.sessions * r.shape.chair_min for r in problem.requests)
    return round((fixed + asked) / 60, 1)
