"""Clinic templates: build a :class:`Clinic` from a weekly pattern (demo data, tests, benchmarks).

Synthetic staff and chair ids only (``chair-1``, ``nurse-1``, ``prescriber-1``).
"""

from __future__ import annotations

from ketaclinic.domain.scheduling.calendar import (
    Chair,
    Clinic,
    Interval,
    Role,
    StaffShift,
    weekly_opening,
)

WEEKDAYS = (0, 1, 2, 3, 4)


def standard_clinic(
    *,
    horizon_days: int,
    first_weekday: int = 0,
    chairs: int = 8,
    recliners: int = 2,
    nurses: int = 3,
    prescribers: int = 1,
    open_min: int = 8 * 60,
    close_min: int = 18 * 60,
    nurse_max_chairs: int = 4,
    open_weekdays: tuple[int, ...] = WEEKDAYS,
    closed_days: frozenset[int] = frozenset(),
) -> Clinic:
    """A clinic open ``open_min``–``close_min`` (minutes after midnight) on ``open_weekdays``.

    Every nurse and prescriber works every opening span; the first ``recliners`` chairs have the
    ``recliner`` feature. ``nurse_max_chairs`` is the monitoring ratio (performance.md §4.4: 4).
    """
    hours = dict.fromkeys(open_weekdays, (open_min, close_min))
    opening = weekly_opening(horizon_days, first_weekday, hours, closed_days)
    chair_list = tuple(
        Chair(f"chair-{i + 1}", frozenset({"recliner"}) if i < recliners else frozenset())
        for i in range(chairs)
    )
    shifts = staff_shifts(opening, Role.NURSE, nurses) + staff_shifts(
        opening, Role.PRESCRIBER, prescribers
    )
    return Clinic(opening, chair_list, shifts, horizon_days, nurse_max_chairs)


def staff_shifts(opening: tuple[Interval, ...], role: Role, count: int) -> tuple[StaffShift, ...]:
    """One shift per opening span for each of ``count`` synthetic staff of ``role``."""
    return tuple(
        StaffShift(f"{role.value}-{i + 1}", role, span) for i in range(count) for span in opening
    )
