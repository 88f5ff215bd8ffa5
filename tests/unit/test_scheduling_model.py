"""Calendar, time grid, session shape and the protocol-to-request rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import Maintenance, Route, Series, SourceRef
from ketaclinic.domain.scheduling import (
    Interval,
    SeriesKind,
    SessionShape,
    TimeGrid,
    booster_request,
    induction_request,
    session_shape,
    signoff_fields,
    weekly_opening,
)
from ketaclinic.domain.scheduling.booking import (
    BookedShape,
    Booking,
    BookingKind,
    BookingStatus,
    is_kat,
    kat_course,
    visit_words,
)

DAY = 1440
SERIES = Series(
    sessions=6,
    window_min_days=14,
    window_max_days=21,
    min_hours_between=48,
    preferred_weekdays=(0, 2, 4),
    session_minutes=115,
    sources={
        "sessions": SourceRef("clinical.md §3.1"),
        "min_hours_between": SourceRef("clinical.md §3.1", needs_signoff=True),
    },
)
MAINTENANCE = Maintenance(
    booster_intervals_days=(7, 14, 28),
    relapse_watch_instrument="phq9",
    relapse_watch_every_days=7,
    relapse_rules=(),
)


def test_grid_round_trips_and_knows_weekdays() -> None:
    grid = TimeGrid(datetime(2030, 1, 7, tzinfo=UTC))  # Monday
    at = datetime(2030, 1, 9, 14, 30, tzinfo=UTC)
    minute = grid.to_minute(at)
    assert minute == 2 * DAY + 14 * 60 + 30
    assert grid.to_datetime(minute) == at
    assert grid.weekday(minute) == 2
    assert grid.on_grid(minute) and not grid.on_grid(minute + 5)
    other_zone = at.astimezone(timezone(timedelta(hours=-5)))
    assert grid.to_minute(other_zone) == minute


@pytest.mark.parametrize(
    ("epoch", "slot"),
    [
        pytest.param(datetime(2030, 1, 7), 15, id="naive-epoch"),
        pytest.param(datetime(2030, 1, 7, tzinfo=timezone(timedelta(hours=1))), 15, id="not-utc"),
        pytest.param(datetime(2030, 1, 7, tzinfo=UTC), 7, id="slot-not-dividing-a-day"),
    ],
)
def test_grid_refuses_bad_setup(epoch: datetime, slot: int) -> None:
    with pytest.raises(ValidationFailed):
        TimeGrid(epoch, slot)


def test_intervals_are_half_open() -> None:
    span = Interval(60, 120)
    assert span.contains(60, 120) and not span.contains(59, 120)
    assert span.overlaps(119, 200) and not span.overlaps(120, 200)
    with pytest.raises(ValidationFailed):
        Interval(10, 10)


def test_weekly_opening_skips_weekends_and_closures() -> None:
    spans = weekly_opening(14, 0, dict.fromkeys(range(5), (480, 1080)), frozenset({2}))
    days = [s.start_min // DAY for s in spans]
    assert days == [0, 1, 3, 4, 7, 8, 9, 10, 11]
    assert spans[0] == Interval(480, 1080)


def test_session_shape_from_protocol_chair_time() -> None:
    shape = session_shape(SERIES, dosing_min=40, precheck_min=15, nurse_setup_min=15)
    assert (shape.recovery_min, shape.chair_min) == (60, 115)
    assert shape.dosing_span(100) == (115, 155)
    with pytest.raises(ValidationFailed) as err:
        session_shape(SERIES, dosing_min=110, precheck_min=15, nurse_setup_min=15)
    assert err.value.field == "series.session_minutes"


def test_session_shape_validation() -> None:
    with pytest.raises(ValidationFailed):
        SessionShape(15, 0, 60, 15)
    with pytest.raises(ValidationFailed):
        SessionShape(0, 10, 0, 15)  # set-up longer than chair time


def test_induction_request_carries_the_protocol_series() -> None:
    shape = session_shape(SERIES, dosing_min=40, precheck_min=15, nurse_setup_min=15)
    request = induction_request(
        SERIES,
        shape,
        series_id="series-1",
        patient_id="patient-1",
        release_min=0,
        deadline_min=28 * DAY,
    )
    assert (request.sessions, request.min_gap_min, request.max_span_min) == (6, 2880, 21 * DAY)
    assert request.preferred_weekdays == (0, 2, 4)
    assert request.kind is SeriesKind.INDUCTION
    assert signoff_fields(SERIES) == ("min_hours_between",)


def test_overlapping_sessions_of_one_patient_are_refused() -> None:
    shape = SessionShape(15, 40, 60, 15)
    with pytest.raises(ValidationFailed) as err:
        induction_request(
            Series(6, 14, 21, 1, (), 115),
            shape,
            series_id="s",
            patient_id="p",
            release_min=0,
            deadline_min=DAY,
        )
    assert err.value.field in {"min_gap_min", "deadline_min"}


@pytest.mark.parametrize(
    ("number", "due_day"),
    [
        pytest.param(1, 7, id="first-weekly"),
        pytest.param(2, 14, id="second-fortnightly"),
        pytest.param(5, 28, id="past-ladder-repeats-last"),
    ],
)
def test_booster_due_day_follows_the_ladder(number: int, due_day: int) -> None:
    shape = SessionShape(15, 40, 60, 15)
    request = booster_request(
        MAINTENANCE,
        shape,
        series_id="b",
        patient_id="p",
        booster_number=number,
        previous_start_min=0,
        tolerance_days=1,
        min_gap_min=2 * DAY,
    )
    assert request.sessions == 1 and request.kind is SeriesKind.BOOSTER
    assert request.release_min == max((due_day - 1) * DAY, 2 * DAY)
    assert request.deadline_min == (due_day + 2) * DAY
    assert request.prior_start_min == 0
    assert request.first_index == number


def test_a_kat_course_names_its_series_sessions_kat_sessions() -> None:
    """SL, IN or IM dosing (no IV) is ketamine-assisted therapy: "KAT session 3", never
    "Induction session 3"; a booster and coaching read the same whatever the route."""

    at = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    shape = BookedShape(15, 40, 60, 10)
    induction = Booking(
        1, 1, 1, 1, 1, 1, at, at, BookingKind.INDUCTION, BookingStatus.CONFIRMED, 3, shape, "", at
    )
    booster = Booking(
        2, 1, 1, 1, 1, 1, at, at, BookingKind.BOOSTER, BookingStatus.CONFIRMED, 1, shape, "", at
    )
    assert induction.words == "Induction session 3"
    assert induction.words_for(kat=True) == "KAT session 3"
    assert booster.words_for(kat=True) == "Maintenance booster 1"
    assert visit_words(induction, 3, kat=True) == "KAT session 3"
    assert visit_words(None, 3, kat=True) == "KAT session 3"
    assert visit_words(None, None, kat=True) == "unscheduled visit"
    assert is_kat([Route.SL]) and is_kat([Route.IN, Route.IM])
    assert not is_kat([Route.IV, Route.SL]) and not is_kat([])
    assert kat_course([Route.IV, Route.SL], [Route.IV])  # the latest order's route counts
    assert not kat_course([], [Route.IV, Route.SL])  # nothing ordered: the protocol allows IV
    assert kat_course([], [Route.IM])
