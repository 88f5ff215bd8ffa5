"""Consent through the services on SQLite and PostgreSQL: required signatures, guardian
permission and adolescent assent, dissent, withdrawal, and the audit trail (clinical.md §6.3).
"""

from __future__ import annotations

import pytest

from ketaclinic.domain.consent.signatures import SignerRole, ensure_sessions_allowed
from ketaclinic.domain.errors import (
    Conflict,
    InvalidTransition,
    PermissionDenied,
    SafetyBlock,
    ValidationFailed,
)
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.services.audit.ports import AuditQuery
from tests.conftest import World
from tests.integration.test_evaluation_fixtures import (
    ADOLESCENT_INSTRUMENTS,
    ADULT_INSTRUMENTS,
    Enrolled,
    enrol_adolescent,
    enrol_adult,
    evaluate_and_sign,
    evaluation_for,
    signature,
)

PERMISSION = "guardian-permission-iv-ketamine"
FAMILY_PLAN = "family-involvement-plan"
ASSENT = "adolescent-assent-iv-ketamine"
ADULT_CONSENT = "iv-ketamine-informed-consent"
G, A, P = SignerRole.GUARDIAN, SignerRole.ASSENT, SignerRole.PATIENT


def eligible_adolescent(world: World) -> Enrolled:
    enrolled = enrol_adolescent(world)
    evaluate_and_sign(world, enrolled, evaluation_for(15, ADOLESCENT_INSTRUMENTS))
    return enrolled


def sign(world: World, enrolled: Enrolled, document: str, signer: SignerRole, **kw: object) -> None:
    given = signature(world, enrolled, document, signer, **kw)
    world.services.consents.sign(world.actor(Role.NURSE), enrolled.course_id, given)


def move_to_consented(world: World, enrolled: Enrolled) -> None:
    world.services.courses.move(world.actor(Role.APP), enrolled.course_id, CourseState.CONSENTED)


def test_course_cannot_reach_consented_without_eligibility_and_every_signature(
    world: World,
) -> None:
    enrolled = enrol_adult(world)
    app, nurse = world.actor(Role.APP), world.actor(Role.NURSE)
    with pytest.raises(InvalidTransition):  # no signed eligibility: not even eligible
        world.services.courses.move(app, enrolled.course_id, CourseState.CONSENTED)
    with pytest.raises(InvalidTransition) as not_eligible:
        world.services.courses.move(app, enrolled.course_id, CourseState.ELIGIBLE)
    assert any("eligibility decision not signed" in r for r in not_eligible.value.reasons)
    with pytest.raises(Conflict, match="eligible"):  # consent is not collected before eligibility
        given = signature(world, enrolled, ADULT_CONSENT, P)
        world.services.consents.sign(nurse, enrolled.course_id, given)
    evaluate_and_sign(world, enrolled, evaluation_for(40, ADULT_INSTRUMENTS))
    with pytest.raises(InvalidTransition) as refused:
        move_to_consented(world, enrolled)
    assert any("patient signature missing" in r for r in refused.value.reasons)
    sign(world, enrolled, ADULT_CONSENT, P)
    move_to_consented(world, enrolled)
    view = world.services.courses.view(app, enrolled.course_id)
    assert view.course.state is CourseState.CONSENTED
    assert view.facts.eligibility is not None and view.facts.consent is not None
    assert view.facts.consent.complete


def test_fifteen_year_old_guardian_permission_without_assent_is_refused(world: World) -> None:
    enrolled = eligible_adolescent(world)
    sign(world, enrolled, PERMISSION, G)
    sign(world, enrolled, FAMILY_PLAN, G)
    with pytest.raises(InvalidTransition) as refused:
        move_to_consented(world, enrolled)
    assert refused.value.reasons == (
        f"consent_complete: consent incomplete: {ASSENT}@1:assent: assent signature missing",
    )


def test_fifteen_year_old_assent_without_guardian_permission_is_refused(world: World) -> None:
    enrolled = eligible_adolescent(world)
    sign(world, enrolled, ASSENT, A)
    with pytest.raises(InvalidTransition) as refused:
        move_to_consented(world, enrolled)
    [reason] = refused.value.reasons
    assert f"{PERMISSION}@1:guardian: guardian signature missing" in reason
    assert f"{FAMILY_PLAN}@1:guardian: guardian signature missing" in reason
    assert "assent" not in reason.split("incomplete:")[1].replace(ASSENT, "")


def test_permission_and_assent_together_reach_consented_and_are_audited(world: World) -> None:
    enrolled = eligible_adolescent(world)
    for document, signer in ((PERMISSION, G), (FAMILY_PLAN, G), (ASSENT, A)):
        sign(world, enrolled, document, signer)
    move_to_consented(world, enrolled)
    events = audit(world, enrolled)
    signed = [e.detail for e in events if e.action == "consent.sign"]
    assert len(signed) == 3
    assert any(f"document={ASSENT}@1 signer=assent agrees" in d for d in signed)
    assert (
        sum(
            "signer=guardian agrees" in d and f"related_person={enrolled.guardian_id}" in d
            for d in signed
        )
        == 2
    )
    view = world.services.consents.view(world.actor(Role.NURSE), enrolled.course_id)
    assent = next(s for s in view.signatures if s.signer is A)
    assert assent.signature.explained_by == "Test Nurse"  # who explained it (clinical.md §6.3)
    assert assent.image_png.startswith("data:image/png;base64,")


def test_adolescent_dissent_is_recorded_and_blocks(world: World) -> None:
    enrolled = eligible_adolescent(world)
    sign(world, enrolled, PERMISSION, G)
    sign(world, enrolled, FAMILY_PLAN, G)
    sign(world, enrolled, ASSENT, A, agrees=False, image_png="")
    with pytest.raises(InvalidTransition) as refused:
        move_to_consented(world, enrolled)
    assert "adolescent dissent recorded" in refused.value.reasons[0]
    assert any("dissent" in e.detail for e in audit(world, enrolled) if e.action == "consent.sign")


def test_withdrawal_blocks_further_sessions_at_once(world: World) -> None:
    enrolled = enrol_adult(world)
    evaluate_and_sign(world, enrolled, evaluation_for(40, ADULT_INSTRUMENTS))
    sign(world, enrolled, ADULT_CONSENT, P)
    move_to_consented(world, enrolled)
    nurse = world.actor(Role.NURSE)
    world.clock.advance(days=3)
    world.services.consents.withdraw(nurse, enrolled.course_id, P, "wants to stop for now")
    with world.services.uow() as uow:
        course = uow.courses.get(world.clinic.id, enrolled.course_id)
        assert course is not None
        status = world.services.consents.allows_sessions(uow, course)
    assert not status.complete and "consent withdrawn by patient" in status.blocks[0]
    with pytest.raises(SafetyBlock):
        ensure_sessions_allowed(status)
    with pytest.raises(InvalidTransition) as refused:
        world.services.courses.move(
            world.actor(Role.APP), enrolled.course_id, CourseState.INDUCTION
        )
    assert any("consent withdrawn by patient" in r for r in refused.value.reasons)
    [event] = [e for e in audit(world, enrolled) if e.action == "consent.withdraw"]
    assert "reason=wants to stop for now" in event.detail


@pytest.mark.parametrize(
    ("document", "signer", "changes", "field"),
    [
        (ASSENT, A, {"document_id": ADULT_CONSENT, "signer": P}, "document_id"),  # adult form
        (ASSENT, A, {"signer_name": "Someone Else"}, "signer_name"),
        (ASSENT, A, {"image_png": ""}, "image_png"),
        (ASSENT, A, {"image_png": "data:image/jpeg;base64,AAAA"}, "image_png"),
        (
            ASSENT,
            A,
            {"image_png": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAQ="},
            "image_png",
        ),
        (PERMISSION, G, {"related_person_id": None}, "related_person_id"),
        (PERMISSION, G, {"signer_name": "Robin Demo-Willow"}, "signer_name"),
    ],
)
def test_bad_signatures_are_refused_naming_the_field_and_nothing_is_stored(
    world: World, document: str, signer: SignerRole, changes: dict[str, object], field: str
) -> None:
    enrolled = eligible_adolescent(world)
    given = signature(world, enrolled, document, signer, **changes)
    with pytest.raises(ValidationFailed) as refused:
        world.services.consents.sign(world.actor(Role.NURSE), enrolled.course_id, given)
    assert field in refused.value.errors
    assert (
        world.services.consents.view(world.actor(Role.NURSE), enrolled.course_id).signatures == []
    )


def test_a_changed_text_hash_is_refused(world: World) -> None:
    enrolled = eligible_adolescent(world)
    given = signature(world, enrolled, ASSENT, A, document_hash="0" * 64)
    with pytest.raises(Conflict) as refused:
        world.services.consents.sign(world.actor(Role.NURSE), enrolled.course_id, given)
    assert refused.value.field == "document_hash"


def test_guardian_without_recorded_legal_authority_cannot_give_permission(world: World) -> None:
    enrolled = enrol_adolescent(world, legal_authority=False)
    evaluate_and_sign(world, enrolled, evaluation_for(15, ADOLESCENT_INSTRUMENTS))
    given = signature(world, enrolled, PERMISSION, G)
    with pytest.raises(ValidationFailed, match="legal authority"):
        world.services.consents.sign(world.actor(Role.NURSE), enrolled.course_id, given)


def test_roles_without_consent_collection_cannot_sign(world: World) -> None:
    enrolled = eligible_adolescent(world)
    given = signature(world, enrolled, ASSENT, A)
    for role in (Role.COACH, Role.AUDITOR, Role.ADMIN):
        with pytest.raises(PermissionDenied):
            world.services.consents.sign(world.actor(role), enrolled.course_id, given)


def audit(world: World, enrolled: Enrolled) -> list:  # type: ignore[type-arg]
    query = AuditQuery(world.clinic.id, patient_id=enrolled.patient_id, limit=500)
    return [e for _id, e in world.services.audit.search(world.actor(Role.AUDITOR), query)]
