"""The clinic calendar the scheduler books against: opening hours, closures, staff shifts and
patient availability, plus the demo clinic's schedule.

Shifts are stored as UTC instants; weekly hours and patient windows as minutes after the clinic's
local midnight. A nurse shift must belong to a nurse, a prescriber shift to a physician or an
advanced practice provider (a prescriber on site while anyone is dosing: clinical.md §3.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ketaclinic.domain.errors import NotFound, ValidationFailed
from ketaclinic.domain.identity.access import PRESCRIBER_ROLES, Permission, Role
from ketaclinic.domain.identity.staff import Actor, Chair
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.scheduling.booking import (
    Availability,
    Booking,
    Closure,
    OpeningHours,
    Shift,
    ShiftRole,
)
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.scheduling.calendar import ChairRoutine
from ketaclinic.services.scheduling.course_kind import kat_course_ids
from ketaclinic.services.scheduling.dropping import open_visit_words, visits_on
from ketaclinic.services.scheduling.occupancy import ChairHold, chair_holds

SHIFT_ROLES: dict[ShiftRole, frozenset[Role]] = {
    ShiftRole.NURSE: frozenset({Role.NURSE}),
    ShiftRole.PRESCRIBER: PRESCRIBER_ROLES,
}


@dataclass(frozen=True, slots=True)
class Directory:
    """Names to show on schedule views (staff and chairs of one clinic)."""

    staff: dict[int, str]
    roles: dict[int, Role]
    chairs: tuple[Chair, ...]

    def chair_name(self, chair_id: int) -> str:
        return next((c.name for c in self.chairs if c.id == chair_id), f"chair {chair_id}")

    def nurses(self) -> list[tuple[int, str]]:
        return [(i, n) for i, n in self.staff.items() if self.roles[i] is Role.NURSE]


@dataclass(frozen=True, slots=True)
class Board:
    """Active appointments of ``days`` local days from ``first_day``, with names to show."""

    first_day: date
    days: int
    bookings: tuple[Booking, ...]
    patients: dict[int, str]
    directory: Directory
    zone: ZoneInfo
    #: sessions without an appointment still open in a chair (the chair is taken)
    holds: tuple[ChairHold, ...] = ()
    #: the KAT courses among the bookings' (SL, IN or IM dosing): "KAT session n"
    kat_courses: frozenset[int] = frozenset()
    #: the state of each visit open (the patient is here) or attended (discharged), by its
    #: appointment's id
    visits: Mapping[int, SessionState] = field(default_factory=dict)

    def visit(self, booking: Booking) -> str | None:
        """Where the patient of ``booking``'s open visit stands ("checked in"), else None: an
        appointment whose visit is open is neither moved nor dropped (``schedule.session_open``)."""
        state = self.visits.get(booking.id)
        if state is None or state is SessionState.DISCHARGED:
            return None
        return open_visit_words(state)

    def attended(self, booking: Booking) -> bool:
        """Whether the patient attended ``booking`` and was discharged: it stays as the record
        of the visit and is neither moved nor dropped (``schedule.visit_attended``)."""
        return self.visits.get(booking.id) is SessionState.DISCHARGED

    def words(self, booking: Booking) -> str:
        """What ``booking`` is, in its course's words ("KAT session 2", "Induction session 2")."""
        return booking.words_for(kat=booking.course_id in self.kat_courses)

    def local_day(self, booking: Booking) -> date:
        return booking.start_at.astimezone(self.zone).date()

    def dates(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range(self.days)]


class CalendarService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def set_hours(self, actor: Actor, hours: Sequence[OpeningHours]) -> None:
        """Replace the weekly opening hours (one entry per open weekday)."""
        require(actor, Permission.SCHEDULE_WRITE)
        if len({h.weekday for h in hours}) != len(hours):
            raise ValidationFailed({"weekday": "one opening span per weekday"})
        with self._uow() as uow:
            uow.schedule.set_hours(actor.clinic_id, hours)
            record(
                uow,
                self._clock,
                actor,
                "schedule.hours",
                object_type="clinic",
                object_id=actor.clinic_id,
                detail=f"{len(hours)} open weekdays",
            )
            uow.commit()

    def add_closure(self, actor: Actor, day: date, reason: str) -> None:
        """Close the clinic on a local calendar day (holiday, training)."""
        require(actor, Permission.SCHEDULE_WRITE)
        if not reason.strip():
            raise ValidationFailed({"reason": "say why the clinic is closed"})
        with self._uow() as uow:
            if day in {c.day for c in uow.schedule.closures(actor.clinic_id)}:
                raise ValidationFailed({"day": "the clinic is already closed that day"})
            uow.schedule.add_closure(actor.clinic_id, Closure(day, reason.strip()))
            record(
                uow,
                self._clock,
                actor,
                "schedule.closure",
                object_type="clinic",
                object_id=actor.clinic_id,
                detail=day.isoformat(),
            )
            uow.commit()

    def add_shift(
        self, actor: Actor, staff_id: int, role: ShiftRole, start_at: datetime, end_at: datetime
    ) -> Shift:
        """Put a nurse or a prescriber on site for ``[start_at, end_at)`` (UTC)."""
        require(actor, Permission.SCHEDULE_WRITE)
        if start_at.tzinfo is None or end_at.tzinfo is None or end_at <= start_at:
            raise ValidationFailed({"end_at": "the shift must end after it starts (aware times)"})
        with self._uow() as uow:
            shift = add_checked_shift(uow, actor.clinic_id, staff_id, role, start_at, end_at)
            record(
                uow,
                self._clock,
                actor,
                "schedule.shift",
                object_type="staff",
                object_id=staff_id,
                detail=f"{role.value} {start_at.isoformat()}",
            )
            uow.commit()
        return shift

    def set_patient_preferences(
        self,
        actor: Actor,
        patient_id: int,
        windows: Sequence[Availability],
        preferred_start_min: int | None,
    ) -> None:
        """Weekly windows the patient can attend (empty: any time) and a preferred start time."""
        require(actor, Permission.SCHEDULE_WRITE)
        if preferred_start_min is not None and not 0 <= preferred_start_min < 1440:
            raise ValidationFailed({"preferred_start_min": "a time of day, 0 to 1439 minutes"})
        with self._uow() as uow:
            if uow.patients.get(actor.clinic_id, patient_id) is None:
                raise NotFound("no such patient in this clinic", field="patient_id")
            uow.schedule.set_availability(actor.clinic_id, patient_id, windows)
            uow.schedule.set_preference(actor.clinic_id, patient_id, preferred_start_min)
            record(
                uow,
                self._clock,
                actor,
                "schedule.patient_preferences",
                object_type="patient",
                object_id=patient_id,
                patient_id=patient_id,
            )
            uow.commit()

    def directory(self, actor: Actor) -> Directory:
        """Staff names and roles, and the chairs, of the actor's clinic."""
        require(actor, Permission.SCHEDULE_READ)
        with self._uow() as uow:
            return load_directory(uow, actor.clinic_id)

    def board(self, actor: Actor, first_day: date, days: int = 1) -> Board:
        """The clinic's active appointments over local days (day view: 1, week view: 7)."""
        require(actor, Permission.SCHEDULE_READ)
        if not 1 <= days <= 31:
            raise ValidationFailed({"days": "between 1 and 31 days"})
        with self._uow() as uow:
            clinic = uow.clinics.get(actor.clinic_id)
            if clinic is None:
                raise NotFound("no such clinic", field="clinic_id")
            zone = ZoneInfo(clinic.timezone)
            start = datetime.combine(first_day, time(), tzinfo=zone)
            end = datetime.combine(first_day + timedelta(days=days), time(), tzinfo=zone)
            found = uow.schedule.active_between(actor.clinic_id, start, end)
            names = {}
            for pid in {b.patient_id for b in found}:
                patient = uow.patients.get(actor.clinic_id, pid)
                names[pid] = patient.display_name if patient else f"patient {pid}"
            directory = load_directory(uow, actor.clinic_id)
            now = self._clock.now()
            holds = tuple(
                h
                for h in chair_holds(uow, actor.clinic_id, ChairRoutine(), since=start, now=now)
                if h.closed_at is None and h.overlaps(start, end)
            )
            kat = kat_course_ids(uow, actor.clinic_id, (b.course_id for b in found))
            here = visits_on(uow, actor.clinic_id, [b.id for b in found])
        return Board(first_day, days, tuple(found), names, directory, zone, holds, kat, here)


def load_directory(uow: UnitOfWork, clinic_id: int) -> Directory:
    members = uow.staff.list_for_clinic(clinic_id)
    return Directory(
        {m.id: m.name for m, _ in members},
        {m.id: r for m, r in members},
        tuple(uow.clinics.chairs(clinic_id)),
    )


def add_checked_shift(
    uow: UnitOfWork,
    clinic_id: int,
    staff_id: int,
    role: ShiftRole,
    start_at: datetime,
    end_at: datetime,
) -> Shift:
    """Store a shift after checking the staff member holds a role that may work it."""
    roles = {m.id: r for m, r in uow.staff.list_for_clinic(clinic_id)}
    if staff_id not in roles:
        raise NotFound("no such staff member in this clinic", field="staff_id")
    if roles[staff_id] not in SHIFT_ROLES[role]:
        raise ValidationFailed(
            {"staff_id": f"a {roles[staff_id].value} cannot work a {role} shift"}
        )
    return uow.schedule.add_shift(clinic_id, staff_id, role, start_at, end_at)


DEMO_OPEN_MIN, DEMO_CLOSE_MIN = 8 * 60, 18 * 60


def seed_demo_schedule(
    uow_factory: UnitOfWorkFactory, clock: Clock, clinic_id: int, *, days: int = 63
) -> int:
    """Demo clinic calendar: open Monday–Friday 08:00–18:00 local, every nurse and prescriber
    on shift all day for ``days`` days from today. Returns the shifts added (0 when the clinic
    already has opening hours: the seed runs once)."""
    with uow_factory() as uow:
        clinic = uow.clinics.get(clinic_id)
        if clinic is None:
            raise NotFound("no such clinic", field="clinic_id")
        if uow.schedule.hours(clinic_id):
            return 0
        hours = [OpeningHours(d, DEMO_OPEN_MIN, DEMO_CLOSE_MIN) for d in range(5)]
        uow.schedule.set_hours(clinic_id, hours)
        zone = ZoneInfo(clinic.timezone)
        today = clock.now().astimezone(zone).date()
        count = 0
        for member, role in uow.staff.list_for_clinic(clinic_id):
            shift_role = next((k for k, v in SHIFT_ROLES.items() if role in v), None)
            if shift_role is None:
                continue
            for day in (today + timedelta(days=n) for n in range(days)):
                if day.weekday() < 5:
                    start = datetime.combine(day, time(8), tzinfo=zone)
                    end = datetime.combine(day, time(18), tzinfo=zone)
                    uow.schedule.add_shift(clinic_id, member.id, shift_role, start, end)
                    count += 1
        uow.commit()
    return count
