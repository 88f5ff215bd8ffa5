"""Sign-off: hard stops are final, relative findings need the role and a reason, cautions an ack."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.evaluation.eligibility import (
    Decision,
    EligibilityResult,
    Override,
    SignOffRefused,
    assess_eligibility,
    sign_eligibility,
)
from ketaclinic.domain.evaluation.intake import Medication, Status
from tests.unit.test_eligibility_fixtures import ADULTS, AT, RULES, amend, healthy_adult

LATER = AT + timedelta(minutes=5)


def _assess(**changes: object) -> EligibilityResult:
    return assess_eligibility(amend(healthy_adult(), **changes), RULES, ADULTS, at=AT)


def _refusal(result: EligibilityResult, **kwargs: object) -> tuple[str, ...]:
    params: dict[str, object] = {"signed_by": "dr-0001", "signer_role": "physician", "at": LATER}
    params.update(kwargs)
    with pytest.raises(SignOffRefused) as err:
        sign_eligibility(result, **params)  # type: ignore[arg-type]
    return err.value.reasons


MANIA = Override("ci.mania_history", "physician", "euthymic 4 years on lithium", "dr-0002")


def test_eligible_case_signs_with_no_overrides() -> None:
    signed = sign_eligibility(_assess(), signed_by="app-0003", signer_role="app", at=LATER)
    assert signed.decision is Decision.ELIGIBLE and signed.permits_treatment
    assert signed.signed_at == LATER and signed.assessed_at == AT


def test_relative_finding_signs_with_a_physician_override_and_reason() -> None:
    result = _assess(psychiatric__mania=Status.PAST)
    signed = sign_eligibility(
        result, signed_by="dr-0001", signer_role="physician", at=LATER, overrides=[MANIA]
    )
    assert signed.decision is Decision.ELIGIBLE_WITH_OVERRIDES
    assert signed.overrides == (MANIA,)


def test_relative_finding_without_override_is_refused() -> None:
    reasons = _refusal(_assess(psychiatric__mania=Status.PAST))
    assert reasons == (
        "ci.mania_history: relative finding needs an override by physician with a reason",
    )


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        pytest.param(
            Override("ci.mania_history", "nurse", "stable", "rn-1"),
            "ci.mania_history: override needs role 'physician', not 'nurse'",
            id="wrong-role",
        ),
        pytest.param(
            Override("ci.mania_history", "physician", "   ", "dr-0002"),
            "ci.mania_history: override needs a written reason",
            id="blank-reason",
        ),
    ],
)
def test_override_content_is_checked(override: Override, expected: str) -> None:
    reasons = _refusal(_assess(psychiatric__mania=Status.PAST), overrides=[override])
    assert expected in reasons


def test_hard_stop_cannot_be_overridden_even_by_a_physician() -> None:
    result = _assess(medical__aneurysm=Status.PAST)
    override = Override("ci.aneurysm", "physician", "small, stable on imaging", "dr-0002")
    reasons = _refusal(result, overrides=[override])
    assert reasons == ("ci.aneurysm: a hard stop cannot be overridden",)


def test_missing_evidence_cannot_be_overridden() -> None:
    result = _assess(allergies=None)
    override = Override("ci.hypersensitivity", "physician", "patient says none", "dr-0002")
    reasons = _refusal(result, overrides=[override])
    assert reasons == (
        "ci.hypersensitivity: missing evidence cannot be overridden; record it and assess again",
        "ci.hypersensitivity: not assessed (allergies not recorded); record it and assess again"
        " before signing",
    )


def test_a_not_assessed_item_blocks_signing_even_a_not_eligible_decision() -> None:
    reasons = _refusal(_assess(medical__cerebrovascular=None))
    assert any(r.startswith("ci.") and "not assessed" in r for r in reasons), reasons


def test_a_hard_stop_is_signed_not_eligible_whatever_else_is_unknown() -> None:
    signed = sign_eligibility(
        _assess(medical__aneurysm=Status.PAST, allergies=None),
        signed_by="dr-0001",
        signer_role="physician",
        at=LATER,
    )
    assert signed.decision is Decision.NOT_ELIGIBLE and not signed.permits_treatment


def test_not_eligible_decision_can_be_signed() -> None:
    signed = sign_eligibility(
        _assess(medical__aneurysm=Status.PAST),
        signed_by="dr-0001",
        signer_role="physician",
        at=LATER,
    )
    assert signed.decision is Decision.NOT_ELIGIBLE and not signed.permits_treatment


def test_cautions_need_acknowledgement() -> None:
    result = _assess(medications=(Medication("lorazepam", Decimal(2)),))
    assert _refusal(result) == ("ci.benzo: caution not acknowledged",)
    signed = sign_eligibility(
        result, signed_by="dr-0001", signer_role="physician", at=LATER, acknowledged={"ci.benzo"}
    )
    assert signed.acknowledged == frozenset({"ci.benzo"})


def test_open_safety_gate_blocks_signing_an_eligible_decision() -> None:
    gate = "PHQ-9 item 9 positive on 2026-03-01, no clinician assessment"
    reasons = _refusal(_assess(), open_safety_gates=[gate])
    assert reasons == (f"open safety gate: {gate}",)


def test_every_reason_is_returned_at_once() -> None:
    result = _assess(
        psychiatric__mania=Status.PAST, medications=(Medication("lorazepam", Decimal(2)),)
    )
    reasons = _refusal(
        result, signer_role="nurse", open_safety_gates=["gate"], at=AT - timedelta(minutes=1)
    )
    assert len(reasons) == 5
    assert reasons[0] == "role 'nurse' cannot sign eligibility (physician or APP)"
    assert "signing time is before the assessment" in reasons


def test_override_of_unknown_finding_is_refused() -> None:
    reasons = _refusal(_assess(), overrides=[Override("ci.nope", "physician", "x", "dr")])
    assert reasons == ("ci.nope: no such finding to override",)
