"""Clinic calendar and resources on an integer-minute grid.

Every time inside the scheduling package is an ``int`` number of minutes from a
:class:`TimeGrid` epoch (a timezone-aware UTC instant the service chooses at the clinic's local
midnight of the first day of the horizon). Session starts fall on the grid's slot boundaries
(15 minutes by default). Conversion to and from ``datetime`` happens only at the edges through
:meth:`TimeGrid.to_minute` and :meth:`TimeGrid.to_datetime`.

Day ``d`` covers minutes ``[d * 1440, (d + 1) * 1440)``; its weekday is
``(epoch.weekday() + d) % 7`` (0 = Monday). A daylight-saving change inside the horizon shifts
local wall-clock labels by an hour but never the absolute instants stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from ketaclinic.domain.errors import ValidationFailed

MINUTES_PER_DAY = 1440


@dataclass(frozen=True, slots=True)
class Interval:
    """Half-open span ``[start_min, end_min)`` in grid minutes."""

    start_min: int
    end_min: int

    def __post_init__(self) -> None:
        if self.end_min <= self.start_min:
            raise ValidationFailed(
                {"interval": f"end {self.end_min} must follow start {self.start_min}"}
            )

    def contains(self, start_min: int, end_min: int) -> bool:
        """True when ``[start_min, end_min)`` lies wholly inside this interval."""
        return self.start_min <= start_min and end_min <= self.end_min

    def overlaps(self, start_min: int, end_min: int) -> bool:
        """True when ``[start_min, end_min)`` shares at least one minute with this interval."""
        return start_min < self.end_min and self.start_min < end_min


def inside_any(intervals: tuple[Interval, ...], start_min: int, end_min: int) -> bool:
    """True when ``[start_min, end_min)`` lies wholly inside one of ``intervals``."""
    return any(iv.contains(start_min, end_min) for iv in intervals)


def without(
    intervals: tuple[Interval, ...], gap: Interval, *, whole: Interval
) -> tuple[Interval, ...]:
    """``intervals`` (empty: all of ``whole``) with ``gap`` cut out: availability that excludes
    one span, e.g. the clinic day a patient said they cannot come."""
    out: list[Interval] = []
    for iv in intervals or (whole,):
        for lo, hi in (
            (iv.start_min, min(iv.end_min, gap.start_min)),
            (max(iv.start_min, gap.end_min), iv.end_min),
        ):
            if hi > lo:
                out.append(Interval(lo, hi))
    return tuple(out)


def overlaps_any(intervals: tuple[Interval, ...], start_min: int, end_min: int) -> bool:
    """True when ``[start_min, end_min)`` meets any of ``intervals``."""
    return any(iv.overlaps(start_min, end_min) for iv in intervals)


@dataclass(frozen=True, slots=True)
class TimeGrid:
    """The epoch and slot size every minute value is measured on."""

    epoch: datetime
    slot_min: int = 15

    def __post_init__(self) -> None:
        if self.epoch.tzinfo is None or self.epoch.utcoffset() != timedelta(0):
            raise ValidationFailed(
                {"epoch": "the grid epoch must be a timezone-aware UTC datetime"}
            )
        if self.slot_min <= 0 or MINUTES_PER_DAY % self.slot_min:
            raise ValidationFailed({"slot_min": "slot size must divide a day evenly"})

    def to_minute(self, at: datetime) -> int:
        """Whole minutes from the epoch to ``at`` (aware datetime), rounded down."""
        if at.tzinfo is None:
            raise ValidationFailed({"at": "datetime must be timezone-aware"})
        return int((at - self.epoch).total_seconds() // 60)

    def to_datetime(self, minute: int) -> datetime:
        """The UTC instant ``minute`` minutes after the epoch."""
        return (self.epoch + timedelta(minutes=minute)).astimezone(UTC)

    def weekday(self, minute: int) -> int:
        """Weekday (0 = Monday) of the day holding ``minute``."""
        return (self.epoch.weekday() + minute // MINUTES_PER_DAY) % 7

    def on_grid(self, minute: int) -> bool:
        """True when ``minute`` is a slot boundary."""
        return minute % self.slot_min == 0


class Role(StrEnum):
    """Staff roles the scheduler books against."""

    NURSE = "nurse"
    PRESCRIBER = "prescriber"  # physician or advanced practice provider who must be on site


@dataclass(frozen=True, slots=True)
class Chair:
    """A treatment chair. ``features`` e.g. ``{"recliner"}``; ``out_of_service`` spans block it."""

    id: str
    features: frozenset[str] = frozenset()
    out_of_service: tuple[Interval, ...] = ()


@dataclass(frozen=True, slots=True)
class StaffShift:
    """One contiguous on-site shift of one staff member."""

    staff_id: str
    role: Role
    span: Interval


@dataclass(frozen=True, slots=True)
class Clinic:
    """Opening hours (closures already removed), chairs and staff shifts over the horizon."""

    opening: tuple[Interval, ...]
    chairs: tuple[Chair, ...]
    shifts: tuple[StaffShift, ...]
    horizon_days: int
    nurse_max_chairs: int = 4  # chairs one nurse monitors at once
    sources: dict[str, str] = field(default_factory=dict)

    def nurses(self) -> tuple[str, ...]:
        """Ids of every nurse with at least one shift, in first-seen order."""
        return tuple(dict.fromkeys(s.staff_id for s in self.shifts if s.role is Role.NURSE))

    def shifts_of(self, staff_id: str) -> tuple[Interval, ...]:
        """The shift spans of one staff member."""
        return tuple(s.span for s in self.shifts if s.staff_id == staff_id)

    def prescriber_cover(self) -> tuple[Interval, ...]:
        """Every prescriber shift span (a dosing span must sit inside one of them)."""
        return tuple(s.span for s in self.shifts if s.role is Role.PRESCRIBER)

    def chair(self, chair_id: str) -> Chair | None:
        """The chair with ``chair_id``, or None."""
        return next((c for c in self.chairs if c.id == chair_id), None)


def weekly_opening(
    horizon_days: int,
    first_weekday: int,
    hours: dict[int, tuple[int, int]],
    closed_days: frozenset[int] = frozenset(),
) -> tuple[Interval, ...]:
    """Expand weekly opening hours into day intervals over the horizon.

    ``hours`` maps weekday (0 = Monday) to ``(open_min, close_min)`` minutes after local midnight;
    ``first_weekday`` is the weekday of day 0; ``closed_days`` are day indexes of closures
    (holidays). Days without an entry are closed.
    """
    spans: list[Interval] = []
    for day in range(horizon_days):
        weekday = (first_weekday + day) % 7
        if day in closed_days or weekday not in hours:
            continue
        open_min, close_min = hours[weekday]
        base = day * MINUTES_PER_DAY
        spans.append(Interval(base + open_min, base + close_min))
    return tuple(spans)
