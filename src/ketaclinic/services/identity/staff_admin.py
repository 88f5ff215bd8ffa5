"""Creating staff accounts, giving them a role in a clinic, listing and disabling them."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ketaclinic.domain.errors import Conflict, ValidationFailed
from ketaclinic.domain.identity.access import Permission, Role
from ketaclinic.domain.identity.passwords import MIN_PASSWORD_CHARS, password_problem
from ketaclinic.domain.identity.staff import Actor, Clinic, StaffMember
from ketaclinic.domain.patients.people import name_error
from ketaclinic.services.audit.ports import AuditEntry
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.identity.ports import PasswordHasher
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

RULE_NOT_SELF = "staff.not_disable_self"

_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
__all__ = ["MIN_PASSWORD_CHARS", "NewStaff", "StaffAdminService", "validate_new_staff"]


@dataclass(frozen=True, slots=True)
class NewStaff:
    email: str
    name: str
    role: Role
    password: str


def validate_new_staff(new: NewStaff, *, clinic_name: str, common: Collection[str]) -> None:
    """Email, name and password rules (``domain.identity.passwords``); every broken one named."""
    errors: dict[str, str] = {}
    if not _EMAIL.fullmatch(new.email.strip()):
        errors["email"] = "is not a valid email address"
    if (problem := name_error(new.name)) is not None:
        errors["name"] = problem
    weak = password_problem(new.password, email=new.email, clinic_name=clinic_name, common=common)
    if weak is not None:
        errors["password"] = weak
    if errors:
        raise ValidationFailed(errors)


class StaffAdminService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        hasher: PasswordHasher,
        common_passwords: Collection[str],
    ) -> None:
        self._uow, self._clock, self._hasher = uow_factory, clock, hasher
        self._common = common_passwords

    def create(self, actor: Actor, new: NewStaff) -> StaffMember | None:
        """Create an account with a role in the actor's clinic (admin only).

        An email that already belongs to an account in another clinic is not revealed: nothing is
        created, the caller gets the same answer as for a new account (``None`` here, so entry
        points show one generic confirmation), and the attempt is audited outside the clinic's
        trail (the operator adds an existing person to a second clinic).
        """
        require(actor, Permission.STAFF_ADMIN)
        return self._create(actor, new, reveal_existing=False)

    def bootstrap_create(self, clinic: Clinic, new: NewStaff, *, by: str = "cli") -> StaffMember:
        """Create an account from the operator's command line (no signed-in actor exists yet)."""
        member = self._create(
            Actor(None, None, clinic.id, by, label="operator"), new, reveal_existing=True
        )
        assert member is not None
        return member

    def _create(self, actor: Actor, new: NewStaff, *, reveal_existing: bool) -> StaffMember | None:
        with self._uow() as uow:
            clinic = uow.clinics.get(actor.clinic_id)
            validate_new_staff(new, clinic_name=clinic.name if clinic else "", common=self._common)
            email = new.email.strip().lower()
            existing = uow.staff.by_email(email)
            if existing is not None:
                here = any(
                    m.clinic_id == actor.clinic_id for m in uow.staff.memberships(existing.id)
                )
                if here or reveal_existing:
                    raise Conflict("an account with this email already exists", field="email")
                self._note_existing_elsewhere(uow, actor, existing.id)
                return None
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

    def _note_existing_elsewhere(self, uow: UnitOfWork, actor: Actor, staff_id: int) -> None:
        uow.audit.append(
            AuditEntry(
                action="staff.create",
                clinic_id=None,
                actor_id=actor.staff_id,
                actor_role=actor.role_name,
                object_type="staff",
                object_id=str(staff_id),
                outcome="existing_email",
                client=actor.client,
                detail=f"requested_by_clinic={actor.clinic_id}",
            ),
            at=self._clock.now(),
        )
        uow.commit()

    def list(self, actor: Actor) -> Sequence[tuple[StaffMember, Role]]:
        require(actor, Permission.STAFF_ADMIN)
        with self._uow() as uow:
            return uow.staff.list_for_clinic(actor.clinic_id)

    def list_all(self, clinic: Clinic) -> Sequence[tuple[StaffMember, Role]]:
        """For the operator's CLI."""
        with self._uow() as uow:
            return uow.staff.list_for_clinic(clinic.id)

    def set_active(self, actor: Actor, staff_id: int, active: bool) -> None:
        """Enable or disable a staff account; an administrator never disables their own
        (:data:`RULE_NOT_SELF`), so the clinic is never locked out by one click."""
        require(actor, Permission.STAFF_ADMIN)
        if not active and staff_id == actor.staff_id:
            raise Conflict(
                f"{RULE_NOT_SELF}: you cannot disable your own account; ask another administrator",
                field="staff_id",
            )
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
