"""The soft-cost function shared by the CP-SAT model, the greedy baseline and the benchmarks.

Lower is better. Each term is an integer count multiplied by its :class:`SoftWeights` weight, so
the CP-SAT objective of a solution equals ``soft_cost(problem, schedule).total`` exactly (the
tests hold the solver to that).
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.domain.scheduling.calendar import MINUTES_PER_DAY
from ketaclinic.domain.scheduling.model import Appointment, Problem, Schedule, SeriesRequest


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """Counts behind the soft cost; ``total`` is the weighted sum."""

    unplaced_series: int
    moved_sessions: int
    reassigned_sessions: int
    off_preferred_time_slots: int
    off_preferred_weekdays: int
    extra_nurses: int
    nurse_load_spread: int
    completion_days: int
    total: int
    placement_cost: int  # the weighted unplaced and moved terms inside ``total``

    @property
    def preference_cost(self) -> int:
        """Total without the unplaced and moved terms (compares schedules placing the same)."""
        return self.total - self.placement_cost


def time_slots_off(problem: Problem, request: SeriesRequest, start_min: int) -> int:
    """Whole slots between a start's time of day and the patient's preferred start (0 if none)."""
    if request.preferred_start_of_day_min is None:
        return 0
    time_of_day = start_min % MINUTES_PER_DAY
    return abs(time_of_day - request.preferred_start_of_day_min) // problem.grid.slot_min


def off_weekday(problem: Problem, request: SeriesRequest, start_min: int) -> int:
    """1 when the protocol prefers weekdays and ``start_min`` is on another one, else 0."""
    if not request.preferred_weekdays:
        return 0
    return int(problem.grid.weekday(start_min) not in request.preferred_weekdays)


def completion_days(request: SeriesRequest, booked: tuple[Appointment, ...]) -> int:
    """Days from the release day to the day of the last session."""
    return booked[-1].start_min // MINUTES_PER_DAY - request.release_min // MINUTES_PER_DAY


def _move_counts(request: SeriesRequest, booked: tuple[Appointment, ...]) -> tuple[int, int]:
    moved = reassigned = 0
    for was, now in zip(request.current, booked, strict=False):
        if was.start_min != now.start_min:
            moved += 1
        elif was.chair_id != now.chair_id or was.nurse_id != now.nurse_id:
            reassigned += 1
    return moved, reassigned


def nurse_load_spread(problem: Problem, schedule: Schedule) -> int:
    """Sessions of the busiest nurse minus sessions of the least busy one (all appointments)."""
    load = dict.fromkeys(problem.clinic.nurses(), 0)
    for a in schedule.appointments:
        if a.nurse_id in load:
            load[a.nurse_id] += 1
    return max(load.values()) - min(load.values()) if load else 0


def soft_cost(problem: Problem, schedule: Schedule) -> CostBreakdown:
    """Weighted soft cost of ``schedule``; see :class:`SoftWeights` for each term's weight."""
    counts = dict.fromkeys(
        ("unplaced", "moved", "reassigned", "slots", "weekdays", "nurses", "days"), 0
    )
    fixed_ids = frozenset(f.id for f in problem.fixed)
    for request in problem.requests:
        booked = tuple(a for a in schedule.of_series(request.id) if a.id not in fixed_ids)
        if not booked or request.id in schedule.unplaced:
            counts["unplaced"] += 1
            continue
        moved, reassigned = _move_counts(request, booked)
        counts["moved"] += moved
        counts["reassigned"] += reassigned
        counts["slots"] += sum(time_slots_off(problem, request, a.start_min) for a in booked)
        counts["weekdays"] += sum(off_weekday(problem, request, a.start_min) for a in booked)
        counts["nurses"] += len({a.nurse_id for a in booked}) - 1
        counts["days"] += completion_days(request, booked)
    spread = nurse_load_spread(problem, schedule)
    w = problem.weights
    hard_part = w.unplaced_series * counts["unplaced"] + w.moved_session * counts["moved"]
    total = (
        hard_part
        + w.reassigned_session * counts["reassigned"]
        + w.off_preferred_time_per_slot * counts["slots"]
        + w.off_preferred_weekday * counts["weekdays"]
        + w.extra_nurse_in_series * counts["nurses"]
        + w.nurse_load_spread * spread
        + w.completion_day * counts["days"]
    )
    return CostBreakdown(
        counts["unplaced"],
        counts["moved"],
        counts["reassigned"],
        counts["slots"],
        counts["weekdays"],
        counts["nurses"],
        spread,
        counts["days"],
        total,
        hard_part,
    )
