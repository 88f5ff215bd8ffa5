"""The independent hard-constraint checker.

Written apart from the solvers on purpose: it shares only the data types, re-derives every rule
from the problem with plain loops, and is what tests and benchmarks trust. It never repairs; it
lists every :class:`Violation` it finds, each naming its rule and source.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from ketaclinic.domain.scheduling.calendar import Interval, Role
from ketaclinic.domain.scheduling.model import (
    Appointment,
    Constraint,
    Problem,
    Schedule,
    SeriesRequest,
    Violation,
)


def _within(spans: tuple[Interval, ...], start: int, end: int) -> bool:
    return any(s.start_min <= start and end <= s.end_min for s in spans)


def _meets(spans: tuple[Interval, ...], start: int, end: int) -> bool:
    return any(start < s.end_min and s.start_min < end for s in spans)


def check_schedule(problem: Problem, schedule: Schedule) -> list[Violation]:
    """Every hard-constraint violation of ``schedule`` against ``problem`` (empty = valid).

    Covers: grid, known chairs and nurses, opening hours, chair features, out-of-service spans,
    one session per chair at a time, nurse shifts, exclusive nurse set-up, the nurse monitoring
    ratio, a prescriber on site while dosing, patient availability, release and deadline, spacing,
    series window, session count and that fixed appointments are untouched.
    """
    found: list[Violation] = []
    for appointment in schedule.appointments:
        found.extend(_check_single(problem, appointment))
    found.extend(_check_chairs(schedule.appointments))
    found.extend(_check_nurses(problem, schedule.appointments))
    found.extend(_check_fixed(problem, schedule))
    fixed_ids = frozenset(f.id for f in problem.fixed)
    for request in problem.requests:
        found.extend(_check_series(request, schedule, fixed_ids))
    return found


def _check_single(problem: Problem, a: Appointment) -> list[Violation]:
    clinic, ids, out = problem.clinic, (a.id,), []
    if a.start_min % problem.grid.slot_min:
        out.append(Violation(Constraint.GRID, f"{a.id} starts off the slot grid", ids))
    if not _within(clinic.opening, a.start_min, a.end_min):
        out.append(Violation(Constraint.OPENING_HOURS, f"{a.id} is outside opening hours", ids))
    chair = next((c for c in clinic.chairs if c.id == a.chair_id), None)
    if chair is None:
        out.append(Violation(Constraint.UNKNOWN_RESOURCE, f"{a.id}: no chair {a.chair_id}", ids))
    else:
        if not a.shape.required_features <= chair.features:
            out.append(Violation(Constraint.CHAIR_FEATURE, f"{a.id}: chair lacks features", ids))
        if _meets(chair.out_of_service, a.start_min, a.end_min):
            out.append(Violation(Constraint.CHAIR_OUT_OF_SERVICE, f"{a.id}: chair is out", ids))
    nurse_spans = tuple(
        s.span for s in clinic.shifts if s.staff_id == a.nurse_id and s.role is Role.NURSE
    )
    if not nurse_spans:
        out.append(Violation(Constraint.UNKNOWN_RESOURCE, f"{a.id}: no nurse {a.nurse_id}", ids))
    elif not _within(nurse_spans, a.start_min, a.end_min):
        out.append(Violation(Constraint.NURSE_SHIFT, f"{a.id}: nurse not on shift", ids))
    dose_start = a.start_min + a.shape.precheck_min
    prescribers = tuple(s.span for s in clinic.shifts if s.role is Role.PRESCRIBER)
    if not _within(prescribers, dose_start, dose_start + a.shape.dosing_min):
        out.append(Violation(Constraint.PRESCRIBER_ON_SITE, f"{a.id}: no prescriber on site", ids))
    return out


def _check_chairs(appointments: tuple[Appointment, ...]) -> list[Violation]:
    by_chair: dict[str, list[Appointment]] = defaultdict(list)
    for a in appointments:
        by_chair[a.chair_id].append(a)
    out = []
    for chair_id, booked in by_chair.items():
        for x, y in combinations(booked, 2):
            if x.start_min < y.end_min and y.start_min < x.end_min:
                message = f"{x.id} and {y.id} share chair {chair_id}"
                out.append(Violation(Constraint.CHAIR_CAPACITY, message, (x.id, y.id)))
    return out


def _check_nurses(problem: Problem, appointments: tuple[Appointment, ...]) -> list[Violation]:
    by_nurse: dict[str, list[Appointment]] = defaultdict(list)
    for a in appointments:
        by_nurse[a.nurse_id].append(a)
    out = []
    limit = problem.clinic.nurse_max_chairs
    for nurse_id, booked in by_nurse.items():
        for x, y in combinations(booked, 2):
            if x.start_min < y.setup_end_min and y.start_min < x.setup_end_min:
                message = f"{x.id} and {y.id} need {nurse_id} for set-up at once"
                out.append(Violation(Constraint.NURSE_SETUP, message, (x.id, y.id)))
        for a in booked:
            watched = [b for b in booked if b.start_min <= a.start_min < b.end_min]
            if len(watched) > limit:
                message = f"{nurse_id} monitors {len(watched)} chairs (max {limit})"
                ids = tuple(sorted(b.id for b in watched))
                out.append(Violation(Constraint.NURSE_RATIO, message, ids))
    return out


def _check_fixed(problem: Problem, schedule: Schedule) -> list[Violation]:
    present = set(schedule.appointments)
    out = [
        Violation(Constraint.FIXED_MOVED, f"fixed appointment {f.id} was changed", (f.id,))
        for f in problem.fixed
        if f not in present
    ]
    known = {r.id for r in problem.requests} | {f.series_id for f in problem.fixed}
    out.extend(
        Violation(Constraint.SESSION_COUNT, f"{a.id} belongs to no request", (a.id,))
        for a in schedule.appointments
        if a.series_id not in known
    )
    return out


def _check_series(
    request: SeriesRequest, schedule: Schedule, fixed_ids: frozenset[str]
) -> list[Violation]:
    booked = [a for a in schedule.of_series(request.id) if a.id not in fixed_ids]
    sid = request.id
    if not booked:
        if request.id in schedule.unplaced:
            return []
        return [Violation(Constraint.SESSION_COUNT, f"{sid} neither placed nor unplaced", (), sid)]
    out: list[Violation] = []
    if len(booked) != request.sessions or request.id in schedule.unplaced:
        message = f"{sid} has {len(booked)} of {request.sessions} sessions"
        out.append(Violation(Constraint.SESSION_COUNT, message, (), sid))
    for a in booked:
        out.extend(_check_session_limits(request, a))
    out.extend(_check_spacing(request, booked))
    anchor = request.span_anchor(booked[0].start_min)
    if booked[-1].end_min - anchor > request.max_span_min:
        message = f"{sid} ends {booked[-1].end_min - anchor} min after its first session"
        ids = (booked[0].id, booked[-1].id)
        out.append(Violation(Constraint.WINDOW, message, ids, sid))
    return out


def _check_session_limits(request: SeriesRequest, a: Appointment) -> list[Violation]:
    out = []
    if a.start_min < request.release_min or a.end_min > request.deadline_min:
        message = f"{a.id} is outside its release/deadline"
        out.append(Violation(Constraint.WINDOW, message, (a.id,), request.id))
    if request.availability and not _within(request.availability, a.start_min, a.end_min):
        message = f"{a.id} is outside the patient's availability"
        out.append(Violation(Constraint.PATIENT_AVAILABILITY, message, (a.id,), request.id))
    return out


def _check_spacing(request: SeriesRequest, booked: list[Appointment]) -> list[Violation]:
    starts = [a.start_min for a in booked]
    if request.prior_start_min is not None:
        starts.insert(0, request.prior_start_min)
    ids = [a.id for a in booked]
    if request.prior_start_min is not None:
        ids.insert(0, "prior")
    out = []
    for k in range(1, len(starts)):
        gap = starts[k] - starts[k - 1]
        if gap < request.min_gap_min:
            message = f"{ids[k]} starts {gap} min after {ids[k - 1]} (min {request.min_gap_min})"
            out.append(Violation(Constraint.SPACING, message, (ids[k - 1], ids[k]), request.id))
    return out
