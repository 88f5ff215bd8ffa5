"""A permission refusal reads in words: who is refused, what they tried to do and which roles may,
from the role/permission table; the permission code stays out of the sentence."""

from __future__ import annotations

import pytest

from ketaclinic.domain.errors import PermissionDenied
from ketaclinic.domain.identity.access import (
    PERMISSION_ACTIONS,
    Permission,
    Role,
    refusal_words,
    roles_with,
)
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.identity.authorization import require


def test_every_permission_has_words() -> None:
    assert set(PERMISSION_ACTIONS) == set(Permission)
    for permission, words in PERMISSION_ACTIONS.items():
        assert words and "." not in words and "_" not in words, permission


def test_the_refusal_names_the_action_and_the_roles_that_may() -> None:
    assert refusal_words(Role.NURSE, Permission.ORDER_WRITE) == (
        "A nurse cannot write or sign a dose order: "
        "only a physician or a nurse practitioner / PA may"
    )
    assert roles_with(Permission.ORDER_WRITE) == (Role.PHYSICIAN, Role.APP)
    assert refusal_words(Role.COACH, Permission.SCHEDULE_WRITE).startswith(
        "An integration coach cannot book or change appointments: only a physician, "
    )
    assert "a front desk staff member or an administrator may" in refusal_words(
        Role.COACH, Permission.SCHEDULE_WRITE
    )


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.PHYSICIAN])
def test_require_refuses_in_words_and_keeps_the_code(role: Role) -> None:
    actor = Actor(staff_id=1, clinic_id=1, role=role)
    with pytest.raises(PermissionDenied) as refused:
        require(actor, Permission.PROTOCOL_SIGNOFF)
    assert refused.value.permission == "protocol.signoff"
    assert "protocol.signoff" not in refused.value.detail
    assert refused.value.detail.endswith("cannot sign off a protocol version: only a physician may")
