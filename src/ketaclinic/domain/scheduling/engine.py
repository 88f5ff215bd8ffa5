"""The scheduler port: what every engine (CP-SAT adapter, greedy baseline) promises."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from ketaclinic.domain.scheduling.model import Appointment, Problem, Schedule, SeriesRequest


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"  # objective proven best
    FEASIBLE = "feasible"  # a valid schedule, optimality not proven
    INFEASIBLE = "infeasible"  # proven: no valid schedule exists (with every request optional,
    # this only happens when fixed appointments already clash)
    UNKNOWN = "unknown"  # the time limit ran out before any schedule was found


@dataclass(frozen=True, slots=True)
class SolveLimits:
    """Search limits. Tests fix ``random_seed`` and ``num_workers`` for determinism."""

    time_limit_s: float = 10.0
    num_workers: int = 2
    random_seed: int = 0
    max_rounds: int | None = None  # cap on large-neighbourhood rounds (None: until the limit)


@dataclass(frozen=True, slots=True)
class SolveResult:
    """A schedule with its soft-cost objective and, where the engine proves one, a lower bound."""

    schedule: Schedule
    status: SolveStatus
    objective: int
    bound: int | None
    engine: str
    wall_seconds: float | None = None


class Scheduler(Protocol):
    """An engine placing every request of a problem (each request all-or-nothing)."""

    name: str

    def solve(self, problem: Problem, limits: SolveLimits) -> SolveResult:
        """Best schedule found within ``limits``; never raises for an over-full clinic."""
        ...


def appointment_id(request: SeriesRequest, position: int) -> str:
    """Stable id of session ``position`` (0-based) of ``request``; keeps a booked session's id."""
    if request.current:
        return request.current[position].id
    return f"{request.id}-s{request.first_index + position}"


def placed(
    request: SeriesRequest, position: int, start_min: int, chair_id: str, nurse_id: str
) -> Appointment:
    """The appointment for session ``position`` of ``request`` at the given place and time."""
    return Appointment(
        id=appointment_id(request, position),
        series_id=request.id,
        patient_id=request.patient_id,
        index=request.first_index + position,
        start_min=start_min,
        chair_id=chair_id,
        nurse_id=nurse_id,
        shape=request.shape,
    )
