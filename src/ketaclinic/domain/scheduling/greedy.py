"""Greedy first-fit baseline.

Requests in the given order; each series all-or-nothing. The first session goes to the earliest
candidate start with a free (chair, nurse) pair in list order; each later session to the earliest
start at least the minimum gap after the previous one. When the series overruns its window the
first session moves to the earliest start that could still fit, so for a single series against
fixed bookings this search is complete (used by the infeasibility explanation).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise

from ketaclinic.domain.scheduling.calendar import MINUTES_PER_DAY, inside_any
from ketaclinic.domain.scheduling.cost import off_weekday, soft_cost, time_slots_off
from ketaclinic.domain.scheduling.engine import SolveLimits, SolveResult, SolveStatus, placed
from ketaclinic.domain.scheduling.model import (
    Appointment,
    Constraint,
    Problem,
    Schedule,
    SeriesRequest,
)
from ketaclinic.domain.scheduling.rules import (
    calendar_fits,
    candidate_starts,
    chair_fits,
    nurse_fits,
)


class Occupancy:
    """Mutable booking state for constructive search (chairs and nurses, bucketed by day)."""

    def __init__(
        self,
        problem: Problem,
        booked: Sequence[Appointment] = (),
        relax: frozenset[Constraint] = frozenset(),
    ) -> None:
        self.problem = problem
        self.relax = relax  # capacity families ignored (used only to explain infeasibility)
        self.shifts = {n: problem.clinic.shifts_of(n) for n in problem.clinic.nurses()}
        self._chairs: dict[tuple[str, int], list[Appointment]] = defaultdict(list)
        self._nurses: dict[tuple[str, int], list[Appointment]] = defaultdict(list)
        for appointment in booked:
            self.add(appointment)

    def add(self, a: Appointment) -> None:
        """Book ``a``."""
        for day in _days(a.start_min, a.end_min):
            self._chairs[(a.chair_id, day)].append(a)
            self._nurses[(a.nurse_id, day)].append(a)

    def remove(self, a: Appointment) -> None:
        """Release ``a``."""
        for day in _days(a.start_min, a.end_min):
            self._chairs[(a.chair_id, day)].remove(a)
            self._nurses[(a.nurse_id, day)].remove(a)

    def chair_free(self, chair_id: str, start: int, end: int) -> bool:
        """True when no booking holds ``chair_id`` during ``[start, end)``."""
        if Constraint.CHAIR_CAPACITY in self.relax:
            return True
        return not any(
            b.start_min < end and start < b.end_min
            for day in _days(start, end)
            for b in self._chairs[(chair_id, day)]
        )

    def nurse_free(self, nurse_id: str, start: int, end: int, setup_end: int) -> bool:
        """True when the nurse's set-up is free and the monitoring ratio holds over the session."""
        near = {b for day in _days(start, end) for b in self._nurses[(nurse_id, day)]}
        near_list = [b for b in near if b.start_min < end and start < b.end_min]
        setups_clash = any(b.start_min < setup_end and start < b.setup_end_min for b in near_list)
        if setups_clash and Constraint.NURSE_SETUP not in self.relax:
            return False
        if Constraint.NURSE_RATIO in self.relax:
            return True
        limit = self.problem.clinic.nurse_max_chairs
        points = [start, *(b.start_min for b in near_list if start < b.start_min < end)]
        return all(
            sum(1 for b in near_list if b.start_min <= t < b.end_min) < limit for t in points
        )


def _days(start: int, end: int) -> range:
    return range(start // MINUTES_PER_DAY, (end - 1) // MINUTES_PER_DAY + 1)


def fit_session(
    occ: Occupancy, request: SeriesRequest, position: int, start: int
) -> Appointment | None:
    """The first free (chair, nurse) pair for a session at ``start``, or None."""
    clinic, shape = occ.problem.clinic, request.shape
    end, setup_end = start + shape.chair_min, start + shape.nurse_setup_min
    chairs = [c.id for c in clinic.chairs if chair_fits(c, shape, start)]
    chairs = [c for c in chairs if occ.chair_free(c, start, end)]
    if not chairs:
        return None
    for nurse, spans in occ.shifts.items():
        if inside_any(spans, start, end) and occ.nurse_free(nurse, start, end, setup_end):
            return placed(request, position, start, chairs[0], nurse)
    return None


def earliest(
    occ: Occupancy, request: SeriesRequest, cands: tuple[int, ...], position: int, lower: int
) -> tuple[int, Appointment] | None:
    """Index into ``cands`` and appointment of the earliest fit at or after ``lower``."""
    for i in range(bisect_left(cands, lower), len(cands)):
        found = fit_session(occ, request, position, cands[i])
        if found is not None:
            return i, found
    return None


def place_series(
    occ: Occupancy, request: SeriesRequest, cands: tuple[int, ...]
) -> list[Appointment] | None:
    """Book every session of ``request`` into ``occ`` first-fit, or book nothing and return None."""
    lower = request.release_min
    if request.prior_start_min is not None:
        lower = max(lower, request.prior_start_min + request.min_gap_min)
    while True:
        first = earliest(occ, request, cands, 0, lower)
        if first is None:
            return None
        chain = [first[1]]
        occ.add(first[1])
        for position in range(1, request.sessions):
            nxt = earliest(occ, request, cands, position, chain[-1].start_min + request.min_gap_min)
            if nxt is None:
                break
            chain.append(nxt[1])
            occ.add(nxt[1])
        anchor = request.span_anchor(chain[0].start_min)
        if len(chain) == request.sessions and chain[-1].end_min - anchor <= request.max_span_min:
            return chain
        for a in chain:
            occ.remove(a)
        if len(chain) < request.sessions or request.anchor_start_min is not None:
            return None
        lower = max(cands[first[0]] + 1, chain[-1].end_min - request.max_span_min)


def _preference(problem: Problem, request: SeriesRequest, start: int) -> int:
    w = problem.weights
    return w.off_preferred_time_per_slot * time_slots_off(
        problem, request, start
    ) + w.off_preferred_weekday * off_weekday(problem, request, start)


def place_series_preferring(
    occ: Occupancy, request: SeriesRequest, cands: tuple[int, ...], reach_min: int = 2880
) -> list[Appointment] | None:
    """Like :func:`place_series`, but each session takes the free start with the lowest
    preference cost within ``reach_min`` of its earliest start; first-fit if that overruns."""
    chain: list[Appointment] = []
    lower = request.release_min
    if request.prior_start_min is not None:
        lower = max(lower, request.prior_start_min + request.min_gap_min)
    for position in range(request.sessions):
        lo = bisect_left(cands, lower)
        window = cands[lo : bisect_left(cands, lower + reach_min)]
        ranked = sorted(window, key=lambda t: (_preference(occ.problem, request, t), t))
        found = next((a for t in ranked if (a := fit_session(occ, request, position, t))), None)
        if found is None:
            break
        chain.append(found)
        occ.add(found)
        lower = found.start_min + request.min_gap_min
    if len(chain) == request.sessions:
        anchor = request.span_anchor(chain[0].start_min)
        if chain[-1].end_min - anchor <= request.max_span_min:
            return chain
    for a in chain:
        occ.remove(a)
    return place_series(occ, request, cands)


def keep_current(occ: Occupancy, request: SeriesRequest) -> list[Appointment] | None:
    """Book the request's current positions if every one is still free, else None."""
    if not request.current:
        return None
    kept: list[Appointment] = []
    for a in request.current:
        ok = occ.chair_free(a.chair_id, a.start_min, a.end_min) and occ.nurse_free(
            a.nurse_id, a.start_min, a.end_min, a.setup_end_min
        )
        if not ok:
            for b in kept:
                occ.remove(b)
            return None
        occ.add(a)
        kept.append(a)
    return kept


class GreedyScheduler:
    """First-fit dispatching baseline (no search, no preferences beyond keeping bookings).

    ``prefer=True`` gives the preference-aware variant used to seed the CP-SAT engine.
    """

    name = "greedy"

    def __init__(self, *, prefer: bool = False) -> None:
        self.prefer = prefer

    def solve(self, problem: Problem, limits: SolveLimits) -> SolveResult:
        """Place requests in order; see the module docstring. ``limits`` are not used."""
        occ = Occupancy(problem, problem.fixed)
        booked: list[Appointment] = list(problem.fixed)
        unplaced: list[str] = []
        for request in problem.requests:
            chain = keep_current(occ, request) if _current_valid(problem, request) else None
            if chain is None:
                place = place_series_preferring if self.prefer else place_series
                chain = place(occ, request, candidate_starts(problem, request))
            if chain is None:
                unplaced.append(request.id)
            else:
                booked.extend(chain)
        schedule = Schedule(tuple(booked), tuple(unplaced))
        cost = soft_cost(problem, schedule).total
        return SolveResult(schedule, SolveStatus.FEASIBLE, cost, None, self.name)


def _current_valid(problem: Problem, request: SeriesRequest) -> bool:
    """True when the booked positions still fit the calendar, spacing and window on their own."""
    clinic, current = problem.clinic, request.current
    if not current:
        return False
    for a in current:
        chair = clinic.chair(a.chair_id)
        if chair is None or not chair_fits(chair, a.shape, a.start_min):
            return False
        if not nurse_fits(clinic, a.nurse_id, a.shape, a.start_min):
            return False
        if not calendar_fits(problem, request, a.start_min):
            return False
    starts = [a.start_min for a in current]
    if request.prior_start_min is not None:
        starts.insert(0, request.prior_start_min)
    if any(b - a < request.min_gap_min for a, b in pairwise(starts)):
        return False
    return current[-1].end_min - request.span_anchor(current[0].start_min) <= request.max_span_min
