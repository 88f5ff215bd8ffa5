"""What closing a suicide-risk safety task does to the patient's gate, one row per disposition and
role (rule ``safety_disposition``; C-SSRS triage clinical.md §5.2, suicidal-ideation focus §6.3).
Only continue treatment documented by a physician lifts the block."""

from __future__ import annotations

import pytest

from ketaclinic.domain.assessments.safety import ClosureEffect, Disposition, closure_effect
from ketaclinic.domain.identity.access import Permission, Role, is_allowed

E = ClosureEffect
#: (disposition, role, effect, source)
CASES = [
    (Disposition.CONTINUE_TREATMENT, Role.PHYSICIAN, E.LIFTS, "§5.2 physician documents safe"),
    (Disposition.CONTINUE_TREATMENT, Role.APP, E.REFUSED, "§5.2 clearance is the physician's"),
    (Disposition.HOLD_TREATMENT, Role.PHYSICIAN, E.KEEPS_BLOCKED, "§5.2 hold keeps treatment off"),
    (Disposition.HOLD_TREATMENT, Role.APP, E.KEEPS_BLOCKED, "§5.2 hold keeps treatment off"),
    (Disposition.ADMIT, Role.APP, E.KEEPS_BLOCKED, "§5.2 admission: no outpatient dosing"),
    (Disposition.ADMIT, Role.PHYSICIAN, E.KEEPS_BLOCKED, "§5.2 admission: no outpatient dosing"),
    (Disposition.REFER_EMERGENCY, Role.APP, E.KEEPS_BLOCKED, "§5.2 emergency referral"),
    (Disposition.REFER_OUTPATIENT, Role.PHYSICIAN, E.KEEPS_BLOCKED, "§6.3 referral first"),
]


@pytest.mark.parametrize(
    ("disposition", "role", "effect", "source"),
    CASES,
    ids=[f"{c[0].value}-{c[1].value}" for c in CASES],
)
def test_closure_effect(
    disposition: Disposition, role: Role, effect: ClosureEffect, source: str
) -> None:
    may_clear = is_allowed(role, Permission.SAFETY_CLEAR)
    assert closure_effect(disposition, may_clear=may_clear) is effect, source


def test_every_disposition_has_a_row() -> None:
    assert {c[0] for c in CASES} == set(Disposition)
