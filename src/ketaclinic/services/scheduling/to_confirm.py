"""Series to confirm: induction series re-planned after a session was dropped (cancelled, missed,
postponed, or a visit closed without a dose that gave its appointment back). The re-plan books
the moved sessions as ``proposed``; until the front desk agrees the new times with the patient
and presses "Confirm series" on the schedule, the course is listed here with what changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.scheduling.booking import Booking, BookingKind, BookingStatus
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.ports import Clock, UnitOfWorkFactory
from ketaclinic.services.scheduling.course_kind import course_is_kat
from ketaclinic.services.scheduling.inputs import DropReason

#: How far ahead a proposed session is looked for: longer than any protocol's series window.
HORIZON = timedelta(days=180)

_DROPPED = frozenset({BookingStatus.CANCELLED, BookingStatus.MISSED})


@dataclass(frozen=True, slots=True)
class SeriesToConfirm:
    """One course whose re-planned sessions wait for the front desk to confirm them."""

    course: Course
    patient_id: int
    patient_name: str
    dropped: Booking  # the session whose drop re-planned the series (the latest one)
    why: str  # "cancelled", "missed" or "postponed"
    reason: str  # as written when it was dropped
    proposed: tuple[Booking, ...]  # the sessions to confirm, by time
    kat: bool = False  # a KAT course (SL, IN or IM dosing): "KAT session n", "KAT series"

    @property
    def dropped_words(self) -> str:
        """The dropped session in its course's words ("KAT session 2", "Induction session 2")."""
        return self.dropped.words_for(kat=self.kat)

    @property
    def first_at(self) -> datetime:
        return self.proposed[0].start_at


def _why(dropped: Booking) -> tuple[str, str]:
    """(why, reason) from the dropped appointment's note (``"cancelled: unwell"``)."""
    why, _, reason = dropped.note.partition(": ")
    if why not in {r.value for r in DropReason}:
        return dropped.status.value, dropped.note
    return why, reason


class SeriesToConfirmService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def series_to_confirm(self, actor: Actor) -> list[SeriesToConfirm]:
        """Every course of the clinic with re-planned induction sessions still ``proposed``,
        the soonest first. A series proposed for the first time (nothing dropped) is not one:
        it is confirmed where it was booked."""
        require(actor, Permission.SCHEDULE_READ)
        now = self._clock.now()
        found: list[SeriesToConfirm] = []
        with self._uow() as uow:
            upcoming = uow.schedule.active_between(actor.clinic_id, now, now + HORIZON)
            courses = sorted(
                {
                    b.course_id
                    for b in upcoming
                    if b.kind is BookingKind.INDUCTION and b.status is BookingStatus.PROPOSED
                }
            )
            for course_id in courses:
                own = [
                    b
                    for b in uow.schedule.for_course(actor.clinic_id, course_id)
                    if b.kind is BookingKind.INDUCTION
                ]
                dropped = [b for b in own if b.status in _DROPPED]
                course = uow.courses.get(actor.clinic_id, course_id)
                if not dropped or course is None:
                    continue
                last = max(dropped, key=lambda b: (b.updated_at, b.id))
                proposed = sorted(
                    (b for b in own if b.status is BookingStatus.PROPOSED),
                    key=lambda b: (b.start_at, b.id),
                )
                patient = uow.patients.get(actor.clinic_id, course.patient_id)
                name = patient.display_name if patient else f"patient {course.patient_id}"
                why, reason = _why(last)
                found.append(
                    SeriesToConfirm(
                        course,
                        course.patient_id,
                        name,
                        last,
                        why,
                        reason,
                        tuple(proposed),
                        kat=course_is_kat(uow, course),
                    )
                )
        return sorted(found, key=lambda s: (s.first_at, s.patient_name.casefold(), s.course.id))
