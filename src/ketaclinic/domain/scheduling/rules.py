"""Series rules: protocol sections to requests, and where a session may start at all.

``candidate_starts`` lists the grid minutes where one session of a request fits the calendar on
its own (opening hours, patient availability, release and deadline, a prescriber on site for the
whole dosing span, some in-service chair with the required features, some nurse on shift). It
ignores other bookings: capacity is the solvers' business, and the checker re-verifies all of it.
"""

from __future__ import annotations

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import Maintenance, Series
from ketaclinic.domain.scheduling.calendar import (
    MINUTES_PER_DAY,
    Chair,
    Clinic,
    Interval,
    inside_any,
    overlaps_any,
)
from ketaclinic.domain.scheduling.model import (
    SOURCE_BOOSTERS,
    SOURCE_MIN_GAP,
    SOURCE_SERIES,
    Problem,
    SeriesKind,
    SeriesRequest,
    SessionShape,
)


def signoff_fields(series: Series) -> tuple[str, ...]:
    """Fields of the protocol's series section whose defaults still need physician sign-off."""
    return tuple(sorted(name for name, ref in series.sources.items() if ref.needs_signoff))


def session_shape(
    series: Series,
    *,
    dosing_min: int,
    precheck_min: int,
    nurse_setup_min: int,
    required_features: frozenset[str] = frozenset(),
) -> SessionShape:
    """Session shape from the protocol's chair time (``Series.session_minutes``).

    Recovery minimum = session_minutes - pre-checks - dosing (minutes); refused when negative.
    Source: ``clinical.md §4.6`` (observation time UNCONFIRMED, §10 item 16).
    """
    recovery_min = series.session_minutes - precheck_min - dosing_min
    if recovery_min < 0:
        raise ValidationFailed(
            {"series.session_minutes": "chair time is shorter than pre-checks plus dosing"}
        )
    return SessionShape(precheck_min, dosing_min, recovery_min, nurse_setup_min, required_features)


def induction_request(
    series: Series,
    shape: SessionShape,
    *,
    series_id: str,
    patient_id: str,
    release_min: int,
    deadline_min: int,
    preferred_start_of_day_min: int | None = None,
    availability: tuple[Interval, ...] = (),
) -> SeriesRequest:
    """The whole induction series of one consented course as one request.

    ``series.sessions`` sessions, starts at least ``series.min_hours_between`` hours apart, all
    inside ``series.window_max_days`` days of the first start; weekdays from the protocol are
    preferences. Source: ``clinical.md §3.1``; the minimum interval is UNCONFIRMED (§10 item 4).
    """
    return SeriesRequest(
        id=series_id,
        patient_id=patient_id,
        sessions=series.sessions,
        shape=shape,
        release_min=release_min,
        deadline_min=deadline_min,
        min_gap_min=series.min_hours_between * 60,
        max_span_min=series.window_max_days * MINUTES_PER_DAY,
        preferred_weekdays=series.preferred_weekdays,
        preferred_start_of_day_min=preferred_start_of_day_min,
        availability=availability,
        sources=(SOURCE_SERIES, SOURCE_MIN_GAP),
    )


def booster_request(
    maintenance: Maintenance,
    shape: SessionShape,
    *,
    series_id: str,
    patient_id: str,
    booster_number: int,
    previous_start_min: int,
    tolerance_days: int,
    min_gap_min: int,
    preferred_start_of_day_min: int | None = None,
    availability: tuple[Interval, ...] = (),
) -> SeriesRequest:
    """One maintenance booster due ``booster_intervals_days[n-1]`` days after the previous session.

    The booster may fall ``tolerance_days`` either side of the due day, never sooner than
    ``min_gap_min`` after the previous session. Intervals past the end of the ladder repeat its
    last value. Source: ``clinical.md §3.3`` (taper ladders UNCONFIRMED).
    """
    if booster_number < 1 or not maintenance.booster_intervals_days:
        raise ValidationFailed(
            {"booster_number": "boosters are numbered from 1 on a non-empty ladder"}
        )
    ladder = maintenance.booster_intervals_days
    due_min = previous_start_min + ladder[min(booster_number, len(ladder)) - 1] * MINUTES_PER_DAY
    tolerance_min = tolerance_days * MINUTES_PER_DAY
    return SeriesRequest(
        id=series_id,
        patient_id=patient_id,
        sessions=1,
        shape=shape,
        release_min=max(due_min - tolerance_min, previous_start_min + min_gap_min),
        deadline_min=due_min + tolerance_min + MINUTES_PER_DAY,
        min_gap_min=min_gap_min,
        max_span_min=MINUTES_PER_DAY,
        kind=SeriesKind.BOOSTER,
        first_index=booster_number,
        preferred_start_of_day_min=preferred_start_of_day_min,
        availability=availability,
        prior_start_min=previous_start_min,
        sources=(SOURCE_BOOSTERS,),
    )


def chair_fits(chair: Chair, shape: SessionShape, start_min: int) -> bool:
    """True when ``chair`` has the features and is in service for the whole session."""
    end_min = start_min + shape.chair_min
    return shape.required_features <= chair.features and not overlaps_any(
        chair.out_of_service, start_min, end_min
    )


def nurse_fits(clinic: Clinic, nurse_id: str, shape: SessionShape, start_min: int) -> bool:
    """True when one shift of ``nurse_id`` covers the whole session."""
    return inside_any(clinic.shifts_of(nurse_id), start_min, start_min + shape.chair_min)


def calendar_fits(problem: Problem, request: SeriesRequest, start_min: int) -> bool:
    """True when a session of ``request`` at ``start_min`` fits the calendar, ignoring bookings."""
    shape = request.shape
    end_min = start_min + shape.chair_min
    if start_min < request.release_min or end_min > request.deadline_min:
        return False
    if not inside_any(problem.clinic.opening, start_min, end_min):
        return False
    if request.availability and not inside_any(request.availability, start_min, end_min):
        return False
    dose_start, dose_end = shape.dosing_span(start_min)
    return inside_any(problem.clinic.prescriber_cover(), dose_start, dose_end)


def candidate_starts(problem: Problem, request: SeriesRequest) -> tuple[int, ...]:
    """Sorted grid minutes where a session of ``request`` could start with an empty clinic."""
    clinic, step = problem.clinic, problem.grid.slot_min
    shifts = [clinic.shifts_of(n) for n in clinic.nurses()]
    chair_min = request.shape.chair_min
    starts: list[int] = []
    for span in clinic.opening:
        first = -(-max(span.start_min, request.release_min) // step) * step
        for start in range(first, span.end_min - request.shape.chair_min + 1, step):
            if not calendar_fits(problem, request, start):
                continue
            if not any(chair_fits(c, request.shape, start) for c in clinic.chairs):
                continue
            if any(inside_any(spans, start, start + chair_min) for spans in shifts):
                starts.append(start)
    return tuple(sorted(set(starts)))
