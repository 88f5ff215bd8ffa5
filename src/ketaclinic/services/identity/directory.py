"""Names of the clinic's staff and chairs, so that pages name people and places, never ids.

A read of the actor's own clinic only; names of colleagues and chairs are not patient data.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.ports import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Directory:
    staff: dict[int, str]
    chairs: dict[int, str]

    def staff_name(self, staff_id: int | None) -> str:
        """The person's name; an id the clinic does not know reads as "someone outside this
        clinic" (never a bare number)."""
        if staff_id is None:
            return "not recorded"
        return self.staff.get(staff_id, "someone outside this clinic")

    def chair_name(self, chair_id: int | None) -> str:
        if chair_id is None:
            return "no chair"
        return self.chairs.get(chair_id, "an unknown chair")


class DirectoryService:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory

    def directory(self, actor: Actor) -> Directory:
        """Every staff member and chair of the actor's clinic by id (PATIENT_READ: every role)."""
        require(actor, Permission.PATIENT_READ)
        with self._uow() as uow:
            staff = {m.id: m.name for m, _ in uow.staff.list_for_clinic(actor.clinic_id)}
            chairs = {c.id: c.name for c in uow.clinics.chairs(actor.clinic_id)}
        return Directory(staff, chairs)
