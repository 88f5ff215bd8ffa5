"""Who is offered the Resume form on a paused session: the rule ``resume_approved`` as the page
reads it (``services.infusion.pauses.may_resume``)."""

from __future__ import annotations

import pytest

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.infusion.pauses import may_resume


def _actor(role: Role) -> Actor:
    return Actor(staff_id=1, clinic_id=1, role=role)


def test_a_nurse_may_resume_only_once_a_prescriber_approved_this_pause() -> None:
    assert not may_resume(_actor(Role.NURSE), approved=False)
    assert may_resume(_actor(Role.NURSE), approved=True)


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.APP])
def test_a_prescriber_may_resume_without_a_prior_approval(role: Role) -> None:
    assert may_resume(_actor(role), approved=False)


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
def test_who_does_not_run_sessions_is_never_offered_resume(role: Role) -> None:
    assert not may_resume(_actor(role), approved=True)
