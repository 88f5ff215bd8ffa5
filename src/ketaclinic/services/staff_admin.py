"""Creating staff accounts, giving them a role in a clinic, listing and disabling them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ketaclinic.domain.access import Permission, Role
from ketaclinic.domain.errors import Conflict, ValidationFailed
from ketaclinic.domain.patients import name_error
from ketaclinic.domain.staff import Actor, Clinic, StaffMember
from ketaclinic.services.audit import record
from ketaclinic.services.authorization import require
from ketaclinic.services.ports import Clock, PasswordHasher, UnitOfWorkFactory

_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
MIN_PASSWORD_CHARS = 12


@dataclass(frozen=True, slots=True)
class NewStaff:
    email: str
    name: str
    role: Role
    password: str


def validate_new_staff(new: NewStaff) -> None:
    errors: dict[str, str] = {}
    if not _EMAIL.fullmatch(new.email.strip()):
        errors["email"] = "is not a valid email address"
    if (problem := name_error(new.name)) is not None:
        errors["name"] = problem
    if len(new.password) < MIN_PASSWORD_CHARS:
        errors["password"] = f"must be at least {MIN_PASSWORD_CHARS} characters"
    if errors:
        raise ValidationFailed(errors)


class StaffAdminService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, hasher: PasswordHasher
    ) -> None:
        self._uow, self._clock, self._hasher = uow_factory, clock, hasher

    def create(self, actor: Actor, new: NewStaff) -> StaffMember:
        """Create an account with a role in the actor's clinic (admin only)."""
        require(actor, Permission.STAFF_ADMIN)
        return self._create(actor, new)

    def bootstrap_create(self, clinic: Clinic, new: NewStaff, *, by: str = "cli") -> StaffMember:
        """Create an account from the operator's command line (no signed-in actor exists yet)."""
        return self._create(Actor(None, None, clinic.id, by, label="operator"), new)

    def _create(self, actor: Actor, new: NewStaff) -> StaffMember:
        validate_new_staff(new)
        with self._uow() as uow:
            email = new.email.strip().lower()
            if uow.staff.by_email(email) is not None:
                raise Conflict("an account with this email already exists", field="email")
            member = uow.staff.add(
                email, new.name.strip(), self._hasher.hash(new.password), at=self._clock.now()
            )
            uow.staff.set_membership(member.id, actor.clinic_id, new.role)
            record(
                uow,
                self._clock,
                actor,
                "staff.create",
                object_type="staff",
                object_id=member.id,
                detail=f"role={new.role.value}",
            )
            uow.commit()
        return member

    def list(self, actor: Actor) -> Sequence[tuple[StaffMember, Role]]:
        require(actor, Permission.STAFF_ADMIN)
        with self._uow() as uow:
            return uow.staff.list_for_clinic(actor.clinic_id)

    def list_all(self, clinic: Clinic) -> Sequence[tuple[StaffMember, Role]]:
        """For the operator's CLI."""
        with self._uow() as uow:
            return uow.staff.list_for_clinic(clinic.id)

    def set_active(self, actor: Actor, staff_id: int, active: bool) -> None:
        require(actor, Permission.STAFF_ADMIN)
        with self._uow() as uow:
            if not any(m.clinic_id == actor.clinic_id for m in uow.staff.memberships(staff_id)):
                raise Conflict("no such staff member in this clinic", field="staff_id")
            uow.staff.set_active(staff_id, active)
            record(
                uow,
                self._clock,
                actor,
                "staff.enable" if active else "staff.disable",
                object_type="staff",
                object_id=staff_id,
            )
            uow.commit()
