"""Assemble the engine's minute-grid :class:`Problem` from the stored calendar of one clinic.

The grid epoch is the clinic's local midnight of the day ``now`` falls on (as UTC); opening hours
and patient availability are expanded day by day through the clinic's time zone, so a
daylight-saving change moves the UTC instants but never the local opening times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ketaclinic.domain.identity.staff import Chair as StoredChair
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.domain.scheduling import (
    Appointment,
    AppointmentStatus,
    Chair,
    Clinic,
    Interval,
    Role,
    SeriesRequest,
    SessionShape,
    StaffShift,
    TimeGrid,
    induction_request,
    session_shape,
)
from ketaclinic.domain.scheduling.booking import (
    Availability,
    BookedShape,
    Booking,
    BookingKind,
    BookingStatus,
)
from ketaclinic.domain.scheduling.calendar import without
from ketaclinic.services.ports import UnitOfWork

SLOT_MIN = 15


@dataclass(frozen=True, slots=True)
class ChairRoutine:
    """Clinic workflow defaults around the protocol's chair time (minutes).

    Nurse set-up is about 15 min, exclusive; one nurse monitors at most 4 chairs at once
    (performance.md §4.1 and §4.4). Pre-checks (consent, vitals, IV placement) happen during
    set-up. Defaults for the clinic to confirm, not clinical thresholds.
    """

    precheck_min: int = 15
    nurse_setup_min: int = 15
    nurse_max_chairs: int = 4
    source: str = "performance.md §4.1, §4.4 (clinic workflow defaults)"


@dataclass(frozen=True, slots=True)
class Frame:
    """The minute grid of one clinic: epoch at local midnight, ``horizon_days`` long."""

    grid: TimeGrid
    zone: ZoneInfo
    first_day: date
    horizon_days: int

    @property
    def end(self) -> datetime:
        """UTC instant the horizon ends."""
        return self.grid.to_datetime(self.horizon_days * 1440)

    def minute(self, at: datetime) -> int:
        return self.grid.to_minute(at)

    def local_minute(self, day: date, minute_of_day: int) -> int:
        """Grid minute of ``minute_of_day`` on local ``day`` (through the clinic's time zone)."""
        local = datetime.combine(day, time(), tzinfo=self.zone) + timedelta(minutes=minute_of_day)
        return self.grid.to_minute(local.astimezone(UTC))

    def days(self) -> Iterable[date]:
        return (self.first_day + timedelta(days=d) for d in range(self.horizon_days))


def frame_for(timezone: str, now: datetime, horizon_days: int) -> Frame:
    """The grid starting at the clinic's local midnight of ``now``'s local day."""
    zone = ZoneInfo(timezone)
    first = now.astimezone(zone).date()
    epoch = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    return Frame(TimeGrid(epoch, SLOT_MIN), zone, first, horizon_days)


def shape_for(protocol: Protocol, routine: ChairRoutine) -> SessionShape:
    """Session shape of the protocol's series: dosing minutes of the IV route (else the first)."""
    routes = protocol.dosing.routes
    dosing = routes.get(Route.IV) or next(iter(routes.values()))
    features = frozenset({"recliner"}) if Route.IM in routes and Route.IV not in routes else None
    return session_shape(
        protocol.series,
        dosing_min=dosing.duration_min,
        precheck_min=routine.precheck_min,
        nurse_setup_min=routine.nurse_setup_min,
        required_features=features or frozenset(),
    )


def engine_clinic(
    uow: UnitOfWork,
    clinic_id: int,
    frame: Frame,
    routine: ChairRoutine,
    rooms_taken: Sequence[Booking] = (),
) -> Clinic:
    """Opening hours minus closures, chairs with outages, and staff shifts over the frame.

    ``rooms_taken`` (coaching appointments: a room and a coach, no nurse, no dosing) block their
    chair for their span, like an outage."""
    store = uow.schedule
    hours = {h.weekday: h for h in store.hours(clinic_id)}
    closed = {c.day for c in store.closures(clinic_id)}
    opening = tuple(
        Interval(frame.local_minute(d, h.open_min), frame.local_minute(d, h.close_min))
        for d in frame.days()
        if d not in closed and (h := hours.get(d.weekday())) is not None
    )
    outages: dict[int, list[Interval]] = {}
    for o in store.outages(clinic_id):
        span = _clip(frame, o.start_at, o.end_at)
        if span is not None:
            outages.setdefault(o.chair_id, []).append(span)
    for b in rooms_taken:
        span = _clip(frame, b.start_at, b.end_at)
        if span is not None:
            outages.setdefault(b.chair_id, []).append(span)
    chairs = tuple(_chair(c, frame, outages.get(c.id, [])) for c in uow.clinics.chairs(clinic_id))
    shifts = tuple(
        StaffShift(str(s.staff_id), Role(s.role.value), span)
        for s in store.shifts(clinic_id, frame.grid.epoch, frame.end)
        if (span := _clip(frame, s.start_at, s.end_at)) is not None
    )
    sources = {"session routine": routine.source}
    return Clinic(opening, chairs, shifts, frame.horizon_days, routine.nurse_max_chairs, sources)


def _chair(chair: StoredChair, frame: Frame, outages: list[Interval]) -> Chair:
    blocked = outages if chair.in_service else [Interval(-1440, (frame.horizon_days + 1) * 1440)]
    return Chair(str(chair.id), frozenset(chair.features), tuple(blocked))


def _clip(frame: Frame, start: datetime, end: datetime) -> Interval | None:
    lo, hi = (
        max(frame.minute(start), -1440),
        min(frame.minute(end), (frame.horizon_days + 1) * 1440),
    )
    return Interval(lo, hi) if hi > lo else None


def series_id(course_id: int) -> str:
    return f"course-{course_id}"


def booking_series(booking: Booking) -> str:
    """Engine series of a booking: the course's induction, or one booster of its own."""
    if booking.kind is BookingKind.INDUCTION:
        return series_id(booking.course_id)
    return f"{series_id(booking.course_id)}-{booking.kind.value}-{booking.session_number}"


def induction_of(bookings: Sequence[Booking]) -> list[Booking]:
    """The active induction sessions among ``bookings``."""
    return [b for b in bookings if b.active and b.kind is BookingKind.INDUCTION]


def to_engine(booking: Booking, frame: Frame) -> Appointment:
    """The engine's view of a stored booking (ids prefixed ``b``)."""
    s = booking.shape
    status = (
        AppointmentStatus.CONFIRMED
        if booking.status is BookingStatus.CONFIRMED
        else AppointmentStatus.PROPOSED
    )
    return Appointment(
        id=f"b{booking.id}",
        series_id=booking_series(booking),
        patient_id=str(booking.patient_id),
        index=booking.session_number,
        start_min=frame.minute(booking.start_at),
        chair_id=str(booking.chair_id),
        nurse_id=str(booking.nurse_id),
        shape=SessionShape(s.precheck_min, s.dosing_min, s.recovery_min, s.nurse_setup_min),
        status=status,
    )


def booked_shape(shape: SessionShape) -> BookedShape:
    return BookedShape(
        shape.precheck_min, shape.dosing_min, shape.recovery_min, shape.nurse_setup_min
    )


def availability_intervals(frame: Frame, windows: Sequence[Availability]) -> tuple[Interval, ...]:
    """Weekly patient windows expanded over the frame (empty: any time)."""
    by_day: dict[int, list[Availability]] = {}
    for w in windows:
        by_day.setdefault(w.weekday, []).append(w)
    return tuple(
        Interval(frame.local_minute(d, w.start_min), frame.local_minute(d, w.end_min))
        for d in frame.days()
        for w in by_day.get(d.weekday(), [])
    )


def course_request(
    uow: UnitOfWork,
    course: Course,
    protocol: Protocol,
    frame: Frame,
    routine: ChairRoutine,
    release_min: int,
) -> SeriesRequest:
    """The whole induction series of ``course`` as one request from ``release_min`` on."""
    clinic_id, patient_id = course.clinic_id, course.patient_id
    return induction_request(
        protocol.series,
        shape_for(protocol, routine),
        series_id=series_id(course.id),
        patient_id=str(patient_id),
        release_min=release_min,
        deadline_min=frame.horizon_days * 1440,
        preferred_start_of_day_min=uow.schedule.preference(clinic_id, patient_id),
        availability=availability_intervals(
            frame, uow.schedule.availability(clinic_id, patient_id)
        ),
    )


def without_day(frame: Frame, request: SeriesRequest, at: datetime) -> tuple[Interval, ...]:
    """The availability of ``request`` minus the whole local clinic day of ``at``."""
    day = at.astimezone(frame.zone).date()
    gap = Interval(frame.local_minute(day, 0), frame.local_minute(day + timedelta(days=1), 0))
    whole = Interval(min(0, request.release_min), request.deadline_min)
    return without(request.availability, gap, whole=whole)


def infusions(bookings: Sequence[Booking]) -> list[Booking]:
    """Active infusion sessions (induction and boosters): what the engine places and checks."""
    return [b for b in bookings if b.active and b.kind is not BookingKind.COACHING]


def rooms_only(bookings: Sequence[Booking]) -> list[Booking]:
    """Active coaching appointments: they hold a room and a coach, never a nurse or dosing."""
    return [b for b in bookings if b.active and b.kind is BookingKind.COACHING]


def next_slot(frame: Frame, now: datetime) -> int:
    """First grid slot at or after ``now``."""
    minute = frame.minute(now) + (1 if now.second or now.microsecond else 0)
    return -(-minute // SLOT_MIN) * SLOT_MIN


CALENDAR_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday; any fixed UTC midnight works


def calendar_view(bookings: Sequence[Booking]) -> tuple[TimeGrid, tuple[Appointment, ...]]:
    """Active bookings as engine appointments on a fixed grid (for calendar exports)."""
    frame = Frame(TimeGrid(CALENDAR_EPOCH, SLOT_MIN), ZoneInfo("UTC"), CALENDAR_EPOCH.date(), 1)
    return frame.grid, tuple(to_engine(b, frame) for b in bookings if b.active)
