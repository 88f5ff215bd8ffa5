"""Manual moves, a patient's re-plan and a clinic-wide re-plan, on the same rules and engines.

Clinical judgment overrides rigid schedules (seed 000 step 5): front desk may move a session by
hand, but the move is validated by the same independent checker and carries a written reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from ketaclinic.domain.errors import NotFound, ValidationFailed
from ketaclinic.domain.scheduling.checker import check_schedule
from ketaclinic.domain.scheduling.engine import Scheduler, SolveLimits, SolveResult
from ketaclinic.domain.scheduling.explain import (
    Infeasibility,
    Option,
    explain_unplaceable,
    nearest_options,
)
from ketaclinic.domain.scheduling.model import (
    Appointment,
    Constraint,
    Problem,
    Schedule,
    SeriesRequest,
    Violation,
)


@dataclass(frozen=True, slots=True)
class ManualMove:
    """Front desk's request to move one appointment, with the reason to record."""

    appointment_id: str
    start_min: int
    chair_id: str
    nurse_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class MoveDecision:
    """Accepted when the move adds no hard violation; ``violations`` lists the new ones."""

    accepted: bool
    schedule: Schedule
    violations: tuple[Violation, ...]
    reason: str


def validate_move(problem: Problem, schedule: Schedule, move: ManualMove) -> MoveDecision:
    """Apply ``move`` and accept it only if the checker finds no violation it introduced.

    ``problem`` must hold the moved appointment's series as a request (its spacing and window
    are checked) and every other appointment as fixed. A blank reason is refused.
    """
    if not move.reason.strip():
        raise ValidationFailed({"reason": "a manual move needs a reason"})
    target = next((a for a in schedule.appointments if a.id == move.appointment_id), None)
    if target is None:
        raise NotFound(f"appointment {move.appointment_id} not found", field="appointment_id")
    moved = replace(
        target, start_min=move.start_min, chair_id=move.chair_id, nurse_id=move.nurse_id
    )
    after = Schedule(
        tuple(moved if a.id == target.id else a for a in schedule.appointments),
        schedule.unplaced,
    )
    before = set(check_schedule(problem, schedule))
    new = tuple(v for v in check_schedule(problem, after) if v not in before)
    return MoveDecision(not new, after if not new else schedule, new, move.reason)


class ReplanStatus(StrEnum):
    REPLANNED = "replanned"
    WINDOW_MISSED = "window_missed"  # a clinician decides among the nearest options
    NOT_NEEDED = "not_needed"  # a booster dropped: nothing else moves, it is booked again


@dataclass(frozen=True, slots=True)
class PatientReplan:
    """Outcome of re-planning one patient's remaining sessions."""

    status: ReplanStatus
    schedule: Schedule
    new_appointments: tuple[Appointment, ...]
    cancelled_appointment_ids: tuple[str, ...]
    explanation: Infeasibility | None
    options: tuple[Option, ...]


def replan_patient(
    problem: Problem,
    schedule: Schedule,
    series_id: str,
    *,
    dropped_appointment_id: str,
    at_min: int,
    scheduler: Scheduler,
    limits: SolveLimits,
) -> PatientReplan:
    """Re-plan the sessions of ``series_id`` not yet given, after one was cancelled, missed,
    held or postponed at ``at_min``.

    Sessions that started before ``at_min`` (other than the dropped one) stay as given; the rest
    are booked again from ``at_min`` on, keeping the minimum gap after the last given session and
    the window from the first. If the window cannot be met, the schedule is unchanged and the
    result carries the blocking constraint and the nearest options. Source: ``clinical.md §3.1``.
    """
    request = problem.request(series_id)
    if request is None:
        raise NotFound(f"series {series_id} has no request in the problem", field="series_id")
    own = schedule.of_series(series_id)
    given = tuple(a for a in own if a.start_min < at_min and a.id != dropped_appointment_id)
    remaining = tuple(a for a in own if a not in given)
    if len(given) >= request.sessions:
        return PatientReplan(ReplanStatus.REPLANNED, schedule, (), (), None, ())
    others = tuple(a for a in schedule.appointments if a.series_id != series_id)
    rest = _rest_of_series(problem, request, given, at_min)
    sub = replace(problem, fixed=others + given, requests=(rest,))
    cancelled = tuple(a.id for a in remaining)
    result = scheduler.solve(sub, limits)
    if rest.id not in result.schedule.unplaced:
        fresh = tuple(a for a in result.schedule.of_series(series_id) if a not in given)
        return PatientReplan(ReplanStatus.REPLANNED, result.schedule, fresh, cancelled, None, ())
    booked = others + given
    why = explain_unplaceable(sub, rest, booked)
    return PatientReplan(
        ReplanStatus.WINDOW_MISSED, schedule, (), (), why, nearest_options(sub, rest, booked)
    )


def _rest_of_series(
    problem: Problem, request: SeriesRequest, given: tuple[Appointment, ...], at_min: int
) -> SeriesRequest:
    """The sessions still to give, spaced after the last given one, windowed from the first."""
    step = problem.grid.slot_min
    return replace(
        request,
        sessions=request.sessions - len(given),
        first_index=request.first_index + len(given),
        release_min=max(request.release_min, -(-at_min // step) * step),
        prior_start_min=given[-1].start_min if given else request.prior_start_min,
        anchor_start_min=given[0].start_min if given else request.anchor_start_min,
        current=(),
    )


@dataclass(frozen=True, slots=True)
class ClinicReplan:
    """Outcome of a clinic-wide re-plan: who must be called, and who could not be rebooked."""

    result: SolveResult
    moved: tuple[tuple[Appointment, Appointment], ...]  # (before, after), start changed
    reassigned: tuple[tuple[Appointment, Appointment], ...]  # same time, other chair or nurse
    unplaced_series: tuple[str, ...]
    patients_to_call: tuple[str, ...]


def replan_clinic(
    problem: Problem,
    schedule: Schedule,
    *,
    at_min: int,
    scheduler: Scheduler,
    limits: SolveLimits,
) -> ClinicReplan:
    """Re-plan after a resource change (chair out of service, nurse off sick) in ``problem``.

    Appointments before ``at_min`` and those of series without a request stay fixed; every
    later session of a requested series may move, each move costing ``moved_session`` so the
    fewest confirmed appointments move. Series still valid go first so the greedy fallback keeps
    them. Lists the patients to call (start changed or not rebooked).
    """
    fixed, requests = _movable(problem, schedule, at_min)
    broken = _broken_ids(problem, schedule)
    requests.sort(key=lambda r: any(a.id in broken for a in r.current))
    result = scheduler.solve(replace(problem, fixed=tuple(fixed), requests=tuple(requests)), limits)
    return _summarise(schedule, result)


def _movable(
    problem: Problem, schedule: Schedule, at_min: int
) -> tuple[list[Appointment], list[SeriesRequest]]:
    """Split bookings into fixed ones and requests whose ``current`` holds future sessions."""
    by_id = {r.id: r for r in problem.requests}
    step = problem.grid.slot_min
    requests: list[SeriesRequest] = []
    fixed: list[Appointment] = []
    for series_id in dict.fromkeys(a.series_id for a in schedule.appointments):
        own = schedule.of_series(series_id)
        past = tuple(a for a in own if a.start_min < at_min)
        future = tuple(a for a in own if a.start_min >= at_min)
        request = by_id.get(series_id)
        if request is None or not future:
            fixed.extend(own)
            continue
        fixed.extend(past)
        requests.append(
            replace(
                request,
                sessions=len(future),
                first_index=future[0].index,
                release_min=max(request.release_min, -(-at_min // step) * step),
                prior_start_min=past[-1].start_min if past else request.prior_start_min,
                anchor_start_min=past[0].start_min if past else request.anchor_start_min,
                current=future,
            )
        )
    return fixed, requests


def _broken_ids(problem: Problem, schedule: Schedule) -> frozenset[str]:
    """Appointments that break a calendar or capacity rule of the changed clinic."""
    bare = replace(problem, fixed=(), requests=())
    return frozenset(
        appointment_id
        for v in check_schedule(bare, schedule)
        if v.rule is not Constraint.SESSION_COUNT
        for appointment_id in v.appointment_ids
    )


def _summarise(before: Schedule, result: SolveResult) -> ClinicReplan:
    after = {a.id: a for a in result.schedule.appointments}
    moved, reassigned = [], []
    for old in before.appointments:
        new = after.get(old.id)
        if new is None:
            continue
        if new.start_min != old.start_min:
            moved.append((old, new))
        elif (new.chair_id, new.nurse_id) != (old.chair_id, old.nurse_id):
            reassigned.append((old, new))
    unplaced = result.schedule.unplaced
    lost = {a.patient_id for a in before.appointments if a.series_id in unplaced}
    call = sorted({old.patient_id for old, _ in moved} | lost)
    return ClinicReplan(result, tuple(moved), tuple(reassigned), unplaced, tuple(call))
