"""Why a series cannot be booked, and the nearest bookings outside its window.

``explain_unplaceable`` first runs arithmetic checks (the spacing cannot fit in the window, no
chair has the features), then relaxes one hard-constraint family at a time and searches again
with the complete single-series first-fit search of ``greedy.place_series``. A family whose
relaxation alone makes the series bookable is *blocking*. When no single family is, the reasons
say so and list which families were tried.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ketaclinic.domain.scheduling.calendar import MINUTES_PER_DAY, Interval, Role, StaffShift
from ketaclinic.domain.scheduling.greedy import Occupancy, place_series
from ketaclinic.domain.scheduling.model import (
    Appointment,
    Constraint,
    Problem,
    SeriesRequest,
    Violation,
)
from ketaclinic.domain.scheduling.rules import candidate_starts


@dataclass(frozen=True, slots=True)
class Infeasibility:
    """The reasons one series cannot be booked; ``blocking`` names the constraint families."""

    series_id: str
    blocking: tuple[Constraint, ...]
    reasons: tuple[Violation, ...]


@dataclass(frozen=True, slots=True)
class Option:
    """A booking outside the window for a clinician to decide on."""

    appointments: tuple[Appointment, ...]
    minutes_over_window: int


Relaxation = Callable[[Problem, SeriesRequest], tuple[Problem, SeriesRequest]]


def _whole(problem: Problem) -> Interval:
    return Interval(0, (problem.clinic.horizon_days + 1) * MINUTES_PER_DAY)


def _relax_role(role: Role) -> Relaxation:
    def relax(problem: Problem, request: SeriesRequest) -> tuple[Problem, SeriesRequest]:
        ids = dict.fromkeys(s.staff_id for s in problem.clinic.shifts if s.role is role)
        shifts = tuple(s for s in problem.clinic.shifts if s.role is not role)
        extra = tuple(StaffShift(i, role, _whole(problem)) for i in ids or (f"any-{role}",))
        clinic = replace(problem.clinic, shifts=shifts + extra)
        return replace(problem, clinic=clinic), request

    return relax


def _relax_opening(problem: Problem, request: SeriesRequest) -> tuple[Problem, SeriesRequest]:
    return replace(problem, clinic=replace(problem.clinic, opening=(_whole(problem),))), request


def _relax_chairs(problem: Problem, request: SeriesRequest) -> tuple[Problem, SeriesRequest]:
    chairs = tuple(replace(c, out_of_service=()) for c in problem.clinic.chairs)
    return replace(problem, clinic=replace(problem.clinic, chairs=chairs)), request


def _relax_availability(problem: Problem, request: SeriesRequest) -> tuple[Problem, SeriesRequest]:
    return problem, replace(request, availability=())


def _relax_window(problem: Problem, request: SeriesRequest) -> tuple[Problem, SeriesRequest]:
    end = _whole(problem).end_min
    return problem, replace(request, max_span_min=end, deadline_min=end)


def _relax_spacing(problem: Problem, request: SeriesRequest) -> tuple[Problem, SeriesRequest]:
    return problem, replace(request, min_gap_min=request.shape.chair_min)


CALENDAR_RELAXATIONS: dict[Constraint, Relaxation] = {
    Constraint.OPENING_HOURS: _relax_opening,
    Constraint.NURSE_SHIFT: _relax_role(Role.NURSE),
    Constraint.PRESCRIBER_ON_SITE: _relax_role(Role.PRESCRIBER),
    Constraint.CHAIR_OUT_OF_SERVICE: _relax_chairs,
    Constraint.PATIENT_AVAILABILITY: _relax_availability,
    Constraint.WINDOW: _relax_window,
    Constraint.SPACING: _relax_spacing,
}
CAPACITY_RELAXATIONS = (Constraint.CHAIR_CAPACITY, Constraint.NURSE_SETUP, Constraint.NURSE_RATIO)


def bookable(
    problem: Problem,
    request: SeriesRequest,
    booked: Sequence[Appointment],
    relax: frozenset[Constraint] = frozenset(),
) -> list[Appointment] | None:
    """A complete first-fit booking of ``request`` around ``booked``, or None if none exists."""
    occ = Occupancy(problem, booked, relax)
    return place_series(occ, request, candidate_starts(problem, request))


def _arithmetic(problem: Problem, request: SeriesRequest) -> list[Violation]:
    out, sid = [], request.id
    needed = (request.sessions - 1) * request.min_gap_min + request.shape.chair_min
    if needed > request.max_span_min:
        message = (
            f"{request.sessions} sessions {request.min_gap_min} min apart need {needed} min, "
            f"more than the {request.max_span_min}-min window"
        )
        out.append(Violation(Constraint.SPACING, message, (), sid))
    if not any(request.shape.required_features <= c.features for c in problem.clinic.chairs):
        features = ", ".join(sorted(request.shape.required_features))
        out.append(Violation(Constraint.CHAIR_FEATURE, f"no chair has: {features}", (), sid))
    return out


def explain_unplaceable(
    problem: Problem, request: SeriesRequest, booked: Sequence[Appointment]
) -> Infeasibility:
    """Why ``request`` cannot be booked around ``booked``; empty ``blocking`` if it can be.

    Each blocking family comes with a reason naming its rule id and source.
    """
    static = _arithmetic(problem, request)
    if static:
        return Infeasibility(request.id, tuple(v.rule for v in static), tuple(static))
    if bookable(problem, request, booked) is not None:
        return Infeasibility(request.id, (), ())
    reasons: list[Violation] = []
    for rule, relax in CALENDAR_RELAXATIONS.items():
        relaxed_problem, relaxed_request = relax(problem, request)
        if bookable(relaxed_problem, relaxed_request, booked) is not None:
            reasons.append(Violation(rule, f"bookable only if {rule} is relaxed", (), request.id))
    for rule in CAPACITY_RELAXATIONS:
        if bookable(problem, request, booked, frozenset({rule})) is not None:
            reasons.append(Violation(rule, f"bookable only if {rule} is relaxed", (), request.id))
    if not reasons:
        message = "no single constraint explains it; several combine (e.g. window and capacity)"
        return Infeasibility(
            request.id, (), (Violation(Constraint.WINDOW, message, (), request.id),)
        )
    return Infeasibility(request.id, tuple(v.rule for v in reasons), tuple(reasons))


def nearest_options(
    problem: Problem, request: SeriesRequest, booked: Sequence[Appointment], count: int = 3
) -> tuple[Option, ...]:
    """Up to ``count`` bookings that ignore the series window, earliest completion first.

    Each later option starts its first session at least a day after the previous option's.
    """
    relaxed_problem, relaxed = _relax_window(problem, request)
    options: list[Option] = []
    while len(options) < count:
        found = bookable(relaxed_problem, relaxed, booked)
        if found is None:
            break
        anchor = request.span_anchor(found[0].start_min)
        over = max(0, found[-1].end_min - anchor - request.max_span_min)
        options.append(Option(tuple(found), over))
        next_release = (found[0].start_min // MINUTES_PER_DAY + 1) * MINUTES_PER_DAY
        if next_release >= relaxed.deadline_min:
            break
        relaxed = replace(relaxed, release_min=next_release)
    return tuple(options)
