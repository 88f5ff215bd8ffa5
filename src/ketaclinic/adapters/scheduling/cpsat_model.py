"""CP-SAT model of a scheduling :class:`Problem` (built here, solved in ``cpsat.py``).

One presence literal per request (all sessions or none), one start variable per session whose
domain is the request's calendar candidates, one literal per compatible chair and per nurse with
optional intervals: ``NoOverlap`` per chair, ``NoOverlap`` of set-up intervals per nurse and a
``Cumulative`` of monitoring intervals per nurse (capacity ``nurse_max_chairs``). Fixed
appointments enter as constant intervals. The objective reproduces
``ketaclinic.domain.scheduling.cost.soft_cost`` term by term, exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from ortools.sat.python import cp_model

from ketaclinic.domain.scheduling.calendar import MINUTES_PER_DAY, inside_any
from ketaclinic.domain.scheduling.engine import placed
from ketaclinic.domain.scheduling.model import Appointment, Problem, Schedule, SeriesRequest
from ketaclinic.domain.scheduling.rules import candidate_starts, chair_fits

LinearTerms = list[tuple[int, cp_model.LinearExprT]]


@dataclass
class SessionVars:
    slot: cp_model.IntVar  # start in grid slots
    start: cp_model.LinearExpr  # start in minutes = slot_min * slot
    day: cp_model.IntVar
    chairs: dict[str, cp_model.IntVar] = field(default_factory=dict)
    nurses: dict[str, cp_model.IntVar] = field(default_factory=dict)


@dataclass
class RequestVars:
    request: SeriesRequest
    present: cp_model.IntVar
    sessions: list[SessionVars] = field(default_factory=list)


@dataclass(frozen=True)
class Domains:
    """Where a request's sessions may start: overall, per chair and per nurse."""

    starts: tuple[int, ...]
    chairs: dict[str, list[int]]
    nurses: dict[str, list[int]]


DomainCache = dict[str, Domains]


def domains(problem: Problem, request: SeriesRequest) -> Domains:
    """Calendar start domains of ``request`` (ignores other bookings)."""
    clinic, shape = problem.clinic, request.shape
    starts = candidate_starts(problem, request)
    chairs = {c.id: [t for t in starts if chair_fits(c, shape, t)] for c in clinic.chairs}
    shifts = {n: clinic.shifts_of(n) for n in clinic.nurses()}
    nurses = {
        n: [t for t in starts if inside_any(spans, t, t + shape.chair_min)]
        for n, spans in shifts.items()
    }
    return Domains(starts, chairs, nurses)


def slot_domain(starts: Sequence[int], step: int) -> cp_model.Domain:
    """Domain of slot indexes for sorted grid ``starts``, as runs of consecutive slots."""
    runs: list[list[int]] = []
    for slot in (t // step for t in starts):
        if runs and slot == runs[-1][1] + 1:
            runs[-1][1] = slot
        else:
            runs.append([slot, slot])
    return cp_model.Domain.from_intervals(runs)


class SeriesModel:
    """Builds the model; :meth:`schedule` reads a solution back into domain types."""

    def __init__(self, problem: Problem, cache: DomainCache | None = None) -> None:
        self.problem = problem
        self._cache: DomainCache = {} if cache is None else cache
        self.model = cp_model.CpModel()
        self.requests: list[RequestVars] = []
        self.objective: LinearTerms = []
        self._constant = 0
        self._chair_iv: dict[str, list[cp_model.IntervalVar]] = {
            c.id: [] for c in problem.clinic.chairs
        }
        nurses = problem.clinic.nurses()
        self._setup_iv: dict[str, list[cp_model.IntervalVar]] = {n: [] for n in nurses}
        self._watch_iv: dict[str, list[cp_model.IntervalVar]] = {n: [] for n in nurses}
        self._nurse_lits: dict[str, list[cp_model.IntVar]] = {n: [] for n in nurses}
        self._horizon = (problem.clinic.horizon_days + 1) * MINUTES_PER_DAY
        self._add_fixed()
        for request in problem.requests:
            self._add_request(request)
        self._add_resources()
        self._add_load_spread()
        self.model.minimize(sum(w * e for w, e in self.objective) + self._constant)

    # --- fixed bookings -------------------------------------------------------------------
    def _add_fixed(self) -> None:
        for a in self.problem.fixed:
            chair_iv = self.model.new_fixed_size_interval_var(a.start_min, a.shape.chair_min, "")
            if a.chair_id in self._chair_iv:
                self._chair_iv[a.chair_id].append(chair_iv)
            if a.nurse_id in self._watch_iv:
                self._watch_iv[a.nurse_id].append(chair_iv)
                if a.shape.nurse_setup_min:
                    setup = self.model.new_fixed_size_interval_var(
                        a.start_min, a.shape.nurse_setup_min, ""
                    )
                    self._setup_iv[a.nurse_id].append(setup)

    # --- requests -------------------------------------------------------------------------
    def _add_request(self, request: SeriesRequest) -> None:
        m, w = self.model, self.problem.weights
        present = m.new_bool_var(f"p_{request.id}")
        rv = RequestVars(request, present)
        self.requests.append(rv)
        self._constant += w.unplaced_series
        self.objective.append((-w.unplaced_series, present))
        if request.id not in self._cache:
            self._cache[request.id] = domains(self.problem, request)
        doms = self._cache[request.id]
        if not doms.starts:
            m.add(present == 0)
            return
        for position in range(request.sessions):
            rv.sessions.append(self._add_session(rv, position, doms))
        self._add_series_limits(rv)
        self._add_series_costs(rv)

    def _add_session(self, rv: RequestVars, position: int, doms: Domains) -> SessionVars:
        m, shape, cands = self.model, rv.request.shape, doms.starts
        step = self.problem.grid.slot_min
        slot = m.new_int_var_from_domain(slot_domain(cands, step), "s")
        start = step * slot
        day = m.new_int_var(0, self._horizon // MINUTES_PER_DAY, "d")
        m.add_division_equality(day, slot, MINUTES_PER_DAY // step)
        sv = SessionVars(slot, start, day)
        for chair_id, allowed in doms.chairs.items():
            if allowed:
                sv.chairs[chair_id] = self._optional(
                    sv, allowed, cands, shape.chair_min, self._chair_iv[chair_id]
                )
        for nurse, allowed in doms.nurses.items():
            if allowed:
                lit = self._optional(sv, allowed, cands, shape.chair_min, self._watch_iv[nurse])
                if shape.nurse_setup_min:
                    iv = m.new_optional_fixed_size_interval_var(
                        start, shape.nurse_setup_min, lit, ""
                    )
                    self._setup_iv[nurse].append(iv)
                sv.nurses[nurse] = lit
                self._nurse_lits[nurse].append(lit)
        m.add(sum(sv.chairs.values()) == rv.present)
        m.add(sum(sv.nurses.values()) == rv.present)
        return sv

    def _optional(
        self,
        sv: SessionVars,
        allowed: list[int],
        cands: tuple[int, ...],
        size: int,
        bucket: list[cp_model.IntervalVar],
    ) -> cp_model.IntVar:
        lit = self.model.new_bool_var("")
        if len(allowed) != len(cands):
            domain = slot_domain(allowed, self.problem.grid.slot_min)
            self.model.add_linear_expression_in_domain(sv.slot, domain).only_enforce_if(lit)
        bucket.append(self.model.new_optional_fixed_size_interval_var(sv.start, size, lit, ""))
        return lit

    def _add_series_limits(self, rv: RequestVars) -> None:
        m, r, p = self.model, rv.request, rv.present
        starts = [s.start for s in rv.sessions]
        for prev, nxt in pairwise(starts):
            m.add(nxt >= prev + r.min_gap_min).only_enforce_if(p)
        if r.prior_start_min is not None:
            m.add(starts[0] >= r.prior_start_min + r.min_gap_min).only_enforce_if(p)
        last_end = starts[-1] + r.shape.chair_min
        if r.anchor_start_min is None:
            m.add(last_end - starts[0] <= r.max_span_min).only_enforce_if(p)
        else:
            m.add(last_end - r.anchor_start_min <= r.max_span_min).only_enforce_if(p)

    # --- soft costs -----------------------------------------------------------------------
    def _gated(
        self, expr: cp_model.LinearExprT, present: cp_model.IntVar, ub: int
    ) -> cp_model.IntVar:
        var = self.model.new_int_var(0, ub, "")
        self.model.add(var == expr).only_enforce_if(present)
        self.model.add(var == 0).only_enforce_if(present.Not())
        return var

    def _add_series_costs(self, rv: RequestVars) -> None:
        m, r, w, p = self.model, rv.request, self.problem.weights, rv.present
        grid = self.problem.grid
        for sv in rv.sessions:
            if r.preferred_start_of_day_min is not None:
                diff = m.new_int_var(0, MINUTES_PER_DAY, "")
                m.add_abs_equality(
                    diff, sv.start - MINUTES_PER_DAY * sv.day - r.preferred_start_of_day_min
                )
                slots = m.new_int_var(0, MINUTES_PER_DAY, "")
                m.add_division_equality(slots, diff, grid.slot_min)
                self.objective.append(
                    (w.off_preferred_time_per_slot, self._gated(slots, p, MINUTES_PER_DAY))
                )
            if r.preferred_weekdays:
                table = [
                    int(grid.weekday(d * MINUTES_PER_DAY) not in r.preferred_weekdays)
                    for d in range(self._horizon // MINUTES_PER_DAY + 1)
                ]
                off = m.new_int_var(0, 1, "")
                m.add_element(sv.day, table, off)
                self.objective.append((w.off_preferred_weekday, self._gated(off, p, 1)))
        release_day = r.release_min // MINUTES_PER_DAY
        days = self._gated(rv.sessions[-1].day - release_day, p, self._horizon // MINUTES_PER_DAY)
        self.objective.append((w.completion_day, days))
        self._add_same_nurse(rv)
        if r.current:
            self._add_moves(rv)

    def _add_same_nurse(self, rv: RequestVars) -> None:
        m = self.model
        used_all = []
        for nurse in self.problem.clinic.nurses():
            lits = [sv.nurses[nurse] for sv in rv.sessions if nurse in sv.nurses]
            if not lits:
                continue
            used = m.new_bool_var("")
            m.add_max_equality(used, lits)
            used_all.append(used)
        extra = m.new_int_var(0, len(used_all), "")
        m.add(extra == sum(used_all) - rv.present)
        self.objective.append((self.problem.weights.extra_nurse_in_series, extra))

    def _add_moves(self, rv: RequestVars) -> None:
        m, w, p = self.model, self.problem.weights, rv.present
        for sv, was in zip(rv.sessions, rv.request.current, strict=True):
            moved = m.new_bool_var("")
            m.add_implication(moved, p)
            m.add(sv.start == was.start_min).only_enforce_if([moved.Not(), p])
            m.add(sv.start != was.start_min).only_enforce_if(moved)
            keep = m.new_bool_var("")
            chair, nurse = sv.chairs.get(was.chair_id), sv.nurses.get(was.nurse_id)
            if chair is None or nurse is None:
                m.add(keep == 0)
            else:
                m.add_multiplication_equality(keep, [chair, nurse])
            reassigned = m.new_bool_var("")
            m.add_implication(reassigned, p)
            m.add_implication(reassigned, moved.Not())
            m.add_implication(reassigned, keep.Not())
            m.add_bool_or([p.Not(), moved, keep, reassigned])
            self.objective.append((w.moved_session, moved))
            self.objective.append((w.reassigned_session, reassigned))

    def _add_load_spread(self) -> None:
        m, nurses = self.model, self.problem.clinic.nurses()
        if not nurses:
            return
        fixed_load = {n: sum(1 for a in self.problem.fixed if a.nurse_id == n) for n in nurses}
        bound = len(self.problem.fixed) + sum(r.sessions for r in self.problem.requests)
        loads = []
        for nurse in nurses:
            load = m.new_int_var(0, bound, "")
            m.add(load == sum(self._nurse_lits[nurse]) + fixed_load[nurse])
            loads.append(load)
        high, low = m.new_int_var(0, bound, ""), m.new_int_var(0, bound, "")
        m.add_max_equality(high, loads)
        m.add_min_equality(low, loads)
        self.objective.append((self.problem.weights.nurse_load_spread, high - low))

    def _add_resources(self) -> None:
        for intervals in self._chair_iv.values():
            self.model.add_no_overlap(intervals)
        for nurse, setups in self._setup_iv.items():
            self.model.add_no_overlap(setups)
            demands = [1] * len(self._watch_iv[nurse])
            self.model.add_cumulative(
                self._watch_iv[nurse], demands, self.problem.clinic.nurse_max_chairs
            )

    # --- hints and solutions --------------------------------------------------------------
    def add_hint(self, schedule: Schedule) -> None:
        """Hint the solver with a known valid schedule (e.g. the greedy one)."""
        for rv in self.requests:
            booked = _booked(schedule, rv.request, self.problem)
            self.model.add_hint(rv.present, int(bool(booked) and len(booked) == len(rv.sessions)))
            if len(booked) != len(rv.sessions):
                continue
            for sv, a in zip(rv.sessions, booked, strict=True):
                self.model.add_hint(sv.slot, a.start_min // self.problem.grid.slot_min)
                for cid, lit in sv.chairs.items():
                    self.model.add_hint(lit, int(cid == a.chair_id))
                for nid, lit in sv.nurses.items():
                    self.model.add_hint(lit, int(nid == a.nurse_id))

    def schedule(self, solver: cp_model.CpSolver) -> Schedule:
        """The solution held by ``solver`` as a domain schedule."""
        booked: list[Appointment] = list(self.problem.fixed)
        unplaced: list[str] = []
        for rv in self.requests:
            if not solver.boolean_value(rv.present):
                unplaced.append(rv.request.id)
                continue
            for position, sv in enumerate(rv.sessions):
                chair = next(c for c, lit in sv.chairs.items() if solver.boolean_value(lit))
                nurse = next(n for n, lit in sv.nurses.items() if solver.boolean_value(lit))
                booked.append(placed(rv.request, position, solver.value(sv.start), chair, nurse))
        return Schedule(tuple(booked), tuple(unplaced))


def _booked(
    schedule: Schedule, request: SeriesRequest, problem: Problem
) -> tuple[Appointment, ...]:
    fixed_ids = {a.id for a in problem.fixed}
    return tuple(a for a in schedule.of_series(request.id) if a.id not in fixed_ids)
