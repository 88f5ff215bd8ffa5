"""The scheduling problem, its solution and the reasons a schedule is refused.

A :class:`Problem` is a clinic calendar, the appointments that must not move (``fixed``) and the
series to place (``requests``). A request may carry the ``current`` positions of sessions already
booked, which is how re-plans keep confirmed appointments where they are unless a move is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.scheduling.calendar import Clinic, Interval, TimeGrid

SOURCE_SERIES = "clinical.md §3.1"  # induction template: 6 infusions over 2–3 weeks
SOURCE_MIN_GAP = "clinical.md §3.1 + §10 item 4 (UNCONFIRMED minimum interval)"
SOURCE_BOOSTERS = "clinical.md §3.3"
SOURCE_CAPACITY = "performance.md §4.1"  # chair, nurse set-up and monitoring capacity
SOURCE_RECOVERY = "clinical.md §4.6 + §10 item 16 (UNCONFIRMED observation time)"


class SeriesKind(StrEnum):
    INDUCTION = "induction"
    BOOSTER = "booster"


class AppointmentStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"


@dataclass(frozen=True, slots=True)
class SessionShape:
    """Chair time of one session: pre-checks, then dosing, then the recovery minimum.

    The nurse is held exclusively for ``nurse_setup_min`` from the start (IV placement, baseline
    vitals) and then monitors the chair until it is released. A prescriber must be on site for the
    whole dosing span. Minutes; recovery minimum source: ``SOURCE_RECOVERY``.
    """

    precheck_min: int
    dosing_min: int
    recovery_min: int
    nurse_setup_min: int
    required_features: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if min(self.precheck_min, self.recovery_min, self.nurse_setup_min) < 0:
            raise ValidationFailed({"shape": "session phases cannot be negative"})
        if self.dosing_min <= 0:
            raise ValidationFailed({"shape.dosing_min": "dosing must last at least one minute"})
        if self.nurse_setup_min > self.chair_min:
            raise ValidationFailed(
                {"shape.nurse_setup_min": "set-up cannot outlast the chair time"}
            )

    @property
    def chair_min(self) -> int:
        """Minutes the chair is held: pre-checks + dosing + recovery minimum."""
        return self.precheck_min + self.dosing_min + self.recovery_min

    def dosing_span(self, start_min: int) -> tuple[int, int]:
        """``(start, end)`` minutes of dosing for a session starting at ``start_min``."""
        begin = start_min + self.precheck_min
        return begin, begin + self.dosing_min


@dataclass(frozen=True, slots=True)
class Appointment:
    """One booked session: when, in which chair, monitored by which nurse."""

    id: str
    series_id: str
    patient_id: str
    index: int  # 1-based session number within the series
    start_min: int
    chair_id: str
    nurse_id: str
    shape: SessionShape
    status: AppointmentStatus = AppointmentStatus.PROPOSED

    @property
    def end_min(self) -> int:
        """Minute the chair is released."""
        return self.start_min + self.shape.chair_min

    @property
    def setup_end_min(self) -> int:
        """Minute the nurse's exclusive set-up ends."""
        return self.start_min + self.shape.nurse_setup_min


@dataclass(frozen=True, slots=True)
class SeriesRequest:
    """Sessions of one patient to place, with their hard limits and soft preferences.

    Hard: every session inside ``[release_min, deadline_min]`` and inside ``availability`` (empty =
    any time); consecutive starts at least ``min_gap_min`` apart (also after ``prior_start_min``);
    the last session ends within ``max_span_min`` of the first start (or of ``anchor_start_min``
    when earlier sessions already happened). Soft: ``preferred_weekdays`` and
    ``preferred_start_of_day_min``; ``current`` holds booked positions to keep if possible.
    """

    id: str
    patient_id: str
    sessions: int
    shape: SessionShape
    release_min: int
    deadline_min: int
    min_gap_min: int
    max_span_min: int
    kind: SeriesKind = SeriesKind.INDUCTION
    first_index: int = 1
    preferred_weekdays: tuple[int, ...] = ()
    preferred_start_of_day_min: int | None = None
    availability: tuple[Interval, ...] = ()
    anchor_start_min: int | None = None
    prior_start_min: int | None = None
    current: tuple[Appointment, ...] = ()
    sources: tuple[str, ...] = (SOURCE_SERIES, SOURCE_MIN_GAP)

    def __post_init__(self) -> None:
        if self.sessions < 1:
            raise ValidationFailed({"sessions": "a request needs at least one session"})
        if self.deadline_min <= self.release_min:
            raise ValidationFailed({"deadline_min": "deadline must follow release"})
        if self.min_gap_min < 0 or self.max_span_min <= 0:
            raise ValidationFailed({"min_gap_min": "gap and span must be positive"})
        if self.sessions > 1 and self.min_gap_min < self.shape.chair_min:
            raise ValidationFailed({"min_gap_min": "sessions of one patient cannot overlap"})
        if self.current and len(self.current) != self.sessions:
            raise ValidationFailed({"current": "current positions must cover every session"})

    def span_anchor(self, first_start_min: int) -> int:
        """Minute the series window is measured from."""
        return first_start_min if self.anchor_start_min is None else self.anchor_start_min


@dataclass(frozen=True, slots=True)
class SoftWeights:
    """Weights of the soft-cost terms (integers, so the solver objective is exact)."""

    unplaced_series: int = 100_000
    moved_session: int = 2_000
    reassigned_session: int = 5  # same time, other chair or nurse: no call to the patient
    off_preferred_time_per_slot: int = 2
    off_preferred_weekday: int = 10
    extra_nurse_in_series: int = 8
    nurse_load_spread: int = 2
    completion_day: int = 3  # days from release to the end of the series


@dataclass(frozen=True, slots=True)
class Problem:
    """Everything a solver, the greedy baseline and the checker need."""

    grid: TimeGrid
    clinic: Clinic
    fixed: tuple[Appointment, ...]
    requests: tuple[SeriesRequest, ...]
    weights: SoftWeights = field(default_factory=SoftWeights)

    def request(self, series_id: str) -> SeriesRequest | None:
        """The request with ``series_id``, or None."""
        return next((r for r in self.requests if r.id == series_id), None)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Fixed appointments plus every placed session; ``unplaced`` lists series not booked."""

    appointments: tuple[Appointment, ...]
    unplaced: tuple[str, ...] = ()

    def of_series(self, series_id: str) -> tuple[Appointment, ...]:
        """Appointments of one series sorted by start."""
        return tuple(sorted((a for a in self.appointments if a.series_id == series_id), key=_start))


def _start(appointment: Appointment) -> int:
    return appointment.start_min


class Constraint(StrEnum):
    """Hard-constraint families; each violation and infeasibility reason names one."""

    GRID = "SCH-GRID"
    UNKNOWN_RESOURCE = "SCH-UNKNOWN-RESOURCE"
    OPENING_HOURS = "SCH-OPENING-HOURS"
    CHAIR_CAPACITY = "SCH-CHAIR-CAPACITY"
    CHAIR_FEATURE = "SCH-CHAIR-FEATURE"
    CHAIR_OUT_OF_SERVICE = "SCH-CHAIR-OUT-OF-SERVICE"
    NURSE_SHIFT = "SCH-NURSE-SHIFT"
    NURSE_SETUP = "SCH-NURSE-SETUP"
    NURSE_RATIO = "SCH-NURSE-RATIO"
    PRESCRIBER_ON_SITE = "SCH-PRESCRIBER-ON-SITE"
    PATIENT_AVAILABILITY = "SCH-PATIENT-AVAILABILITY"
    SPACING = "SCH-SPACING"
    WINDOW = "SCH-WINDOW"
    SESSION_COUNT = "SCH-SESSION-COUNT"
    FIXED_MOVED = "SCH-FIXED-MOVED"


CONSTRAINT_SOURCES: dict[Constraint, str] = {
    Constraint.SPACING: SOURCE_MIN_GAP,
    Constraint.WINDOW: SOURCE_SERIES,
    Constraint.SESSION_COUNT: SOURCE_SERIES,
    Constraint.NURSE_SETUP: SOURCE_CAPACITY,
    Constraint.NURSE_RATIO: SOURCE_CAPACITY,
    Constraint.CHAIR_CAPACITY: SOURCE_CAPACITY,
    Constraint.PRESCRIBER_ON_SITE: "clinical.md §3.1 (ASA 2025: medical supervision)",
}


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken hard constraint, naming the rule, its source and the appointments involved."""

    rule: Constraint
    message: str
    appointment_ids: tuple[str, ...] = ()
    series_id: str | None = None

    @property
    def source(self) -> str:
        """Source key of the rule (``clinic configuration`` for calendar rules)."""
        return CONSTRAINT_SOURCES.get(self.rule, "clinic configuration")
