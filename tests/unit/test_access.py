"""The role -> permission table: deny by default, and the clinical separations it must keep."""

from __future__ import annotations

import pytest

from ketaclinic.domain.identity.access import PERMISSIONS, Permission, Role, is_allowed


def test_every_role_has_an_entry_and_nothing_else_is_granted() -> None:
    assert set(PERMISSIONS) == set(Role)
    for role, granted in PERMISSIONS.items():
        for permission in Permission:
            assert is_allowed(role, permission) is (permission in granted), (role, permission)


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        (Role.PHYSICIAN, Permission.ELIGIBILITY_OVERRIDE, True),
        (Role.APP, Permission.ELIGIBILITY_OVERRIDE, False),  # relative contraindications: physician
        (Role.APP, Permission.ELIGIBILITY_SIGN, True),
        (Role.APP, Permission.SAFETY_ASSESS, True),
        (Role.NURSE, Permission.SAFETY_ASSESS, False),
        (Role.NURSE, Permission.ORDER_WRITE, False),  # only prescribers write dose orders
        (Role.NURSE, Permission.ORDER_VERIFY, True),
        (Role.PHYSICIAN, Permission.ORDER_VERIFY, False),  # verification is a second person
        (Role.FRONT_DESK, Permission.ORDER_WRITE, False),
        (Role.FRONT_DESK, Permission.SCHEDULE_WRITE, True),
        (Role.COACH, Permission.STAFF_ADMIN, False),
        (Role.COACH, Permission.COACHING_WRITE, True),
        (Role.ADMIN, Permission.STAFF_ADMIN, True),
        (Role.ADMIN, Permission.ORDER_WRITE, False),
        (Role.AUDITOR, Permission.AUDIT_READ, True),
        (Role.AUDITOR, Permission.PATIENT_WRITE, False),
        (Role.NURSE, Permission.AUDIT_READ, False),
        (Role.PHYSICIAN, Permission.PROTOCOL_SIGNOFF, True),
        (Role.APP, Permission.PROTOCOL_SIGNOFF, False),
        (Role.PHYSICIAN, Permission.PREDOSE_DECIDE, True),  # pre-dose BP hold: a prescriber
        (Role.APP, Permission.PREDOSE_DECIDE, True),
        (Role.NURSE, Permission.PREDOSE_DECIDE, False),
        (Role.PHYSICIAN, Permission.SAFETY_CLEAR, True),  # safe to continue: a physician
        (Role.APP, Permission.SAFETY_CLEAR, False),
        (Role.PHYSICIAN, Permission.DISCHARGE_OVERRIDE, True),  # discharge override: a physician
        (Role.APP, Permission.DISCHARGE_OVERRIDE, False),
        (Role.NURSE, Permission.DISCHARGE_OVERRIDE, False),
    ],
)
def test_clinical_separation_of_duties(role: Role, permission: Permission, allowed: bool) -> None:
    assert is_allowed(role, permission) is allowed
