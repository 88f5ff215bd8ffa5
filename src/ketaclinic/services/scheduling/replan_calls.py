"""Who the front desk calls after a clinic re-plan (a chair out of service, a nurse or prescriber
off): each appointment before and after, the patients' names, and each session in its course's
words ("KAT session 2", "Induction session 2")."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.scheduling.course_kind import kat_course_ids


@dataclass(frozen=True, slots=True)
class CallItem:
    """A patient to call: their appointment before, and after (None: not rebooked)."""

    patient_id: int
    before: Booking
    after: Booking | None


@dataclass(frozen=True, slots=True)
class ClinicReplanOutcome:
    chair_id: int | None  # the chair out of service, or None
    to_call: tuple[CallItem, ...]
    reassigned: tuple[CallItem, ...]  # same time, other chair or nurse: no call needed
    patients: dict[int, str] = field(default_factory=dict)  # display names of those to call
    staff_id: int | None = None  # the staff member off, or None
    #: the KAT courses among the appointments listed (SL, IN or IM dosing): "KAT session n"
    kat_courses: frozenset[int] = frozenset()

    def words(self, booking: Booking) -> str:
        """What ``booking`` is, in its course's words ("KAT session 2", "Induction session 2")."""
        return booking.words_for(kat=booking.course_id in self.kat_courses)


def for_the_desk(
    uow: UnitOfWork,
    clinic_id: int,
    outcome: ClinicReplanOutcome,
    *,
    chair_id: int | None,
    staff_id: int | None,
) -> ClinicReplanOutcome:
    """``outcome`` with what the desk needs to read it: who was taken out of service, the
    patients' names, and which of the listed appointments are of KAT courses."""
    listed = outcome.to_call + outcome.reassigned
    names = {}
    for call in listed:
        patient = uow.patients.get(clinic_id, call.patient_id)
        names[call.patient_id] = patient.display_name if patient else ""
    kat = kat_course_ids(uow, clinic_id, (c.before.course_id for c in listed))
    return replace(outcome, chair_id=chair_id, staff_id=staff_id, patients=names, kat_courses=kat)
