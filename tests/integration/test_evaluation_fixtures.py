"""Builders for the evaluation, eligibility and consent service tests (no tests in this module).

All patients, guardians and signatures are synthetic and obviously fake.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from ketaclinic.adapters.consent_texts import ShippedConsentLibrary
from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.consent.signatures import SignerRole
from ketaclinic.domain.evaluation.intake import Evaluation, InstrumentScore, ItemAnswer, TestResult
from ketaclinic.domain.evaluation.intake import SexAtBirth as EvalSex
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import (
    PatientDetails,
    RelatedPersonDetails,
    RelationshipKind,
    SexAtBirth,
)
from ketaclinic.services.consent.consents import SignatureInput
from ketaclinic.services.evaluation.eligibility import SignRequest
from tests.baseline import calm_answers
from tests.conftest import World
from tests.unit.test_eligibility_fixtures import AT, healthy_adult

# a 4x2 white PNG: what the canvas sends, in miniature
PNG = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAACCAIAAADwyuo0AAAAEklEQVR4nGP8//8/AwwwMSABAEgGAwG0Rz8LAAAAAElFTkSuQmCC"
)

ADOLESCENT_INSTRUMENTS = ("phq-a", "cssrs-screen", "madrs", "gad7")
ADULT_INSTRUMENTS = ("phq9", "gad7", "pcl5", "cssrs-screen", "wsas")
GUARDIAN_NAME = "Morgan Demo-Willow"


@dataclass(frozen=True)
class Enrolled:
    patient_id: int
    course_id: int
    guardian_id: int | None
    name: str


def publish(world: World, pack_id: str) -> int:
    [published] = world.services.protocols.publish(world.clinic.id, [shipped_protocol(pack_id)])
    physician = world.actor(Role.PHYSICIAN)
    items = world.services.protocols.signoff_items(physician, published.id)
    world.services.protocols.sign_off(physician, published.id, [i.path for i in items])
    return published.id


def _items(instrument_id: str) -> tuple[ItemAnswer, ...]:
    """Complete synthetic answers with nothing to flag (recorded as a response when stored)."""
    return tuple(ItemAnswer(k, v) for k, v in calm_answers(instrument_id).items())


def evaluation_for(age: int, instruments: tuple[str, ...]) -> Evaluation:
    """A synthetic patient with nothing against treatment, for a pack's required work-up."""
    return replace(
        healthy_adult(),
        age_years=age,
        sex_at_birth=EvalSex.MALE,
        baseline_instruments=tuple(
            InstrumentScore(i, None, AT - timedelta(days=1), _items(i)) for i in instruments
        ),
        tests=(TestResult("ecg", AT - timedelta(days=2), "normal"),),
    )


def enrol_adolescent(world: World, *, legal_authority: bool = True) -> Enrolled:
    """A 15-year-old with a guardian on the chart, a course on the adolescent pack, evaluating."""
    front = world.actor(Role.FRONT_DESK)
    details = PatientDetails("Robin", "Demo-Willow", date(2010, 7, 1), SexAtBirth.MALE)
    patient = world.services.patients.register(front, details)
    guardian = world.services.patients.add_related(
        front,
        patient.id,
        RelatedPersonDetails(
            RelationshipKind.GUARDIAN, GUARDIAN_NAME, "parent", legal_authority=legal_authority
        ),
    )
    course = _open(world, patient.id, publish(world, "adolescent-iv"))
    return Enrolled(patient.id, course, guardian.id, "Robin Demo-Willow")


def enrol_adult(world: World) -> Enrolled:
    front = world.actor(Role.FRONT_DESK)
    details = PatientDetails("Alex", "Demo-Aspen", date(1985, 6, 1), SexAtBirth.MALE)
    patient = world.services.patients.register(front, details)
    course = _open(world, patient.id, publish(world, "adult-iv-induction"))
    return Enrolled(patient.id, course, None, "Alex Demo-Aspen")


def _open(world: World, patient_id: int, version: int) -> int:
    app = world.actor(Role.APP)
    course = world.services.courses.open(app, patient_id, version)
    world.services.courses.move(app, course.id, CourseState.EVALUATING)
    return course.id


def evaluate_and_sign(world: World, enrolled: Enrolled, evaluation: Evaluation) -> None:
    app = world.actor(Role.APP)
    stored = world.services.evaluations.record(app, enrolled.course_id, evaluation)
    world.services.eligibility.sign(app, enrolled.course_id, SignRequest(stored.version))
    world.services.courses.move(app, enrolled.course_id, CourseState.ELIGIBLE)


def signature(
    world: World, enrolled: Enrolled, doc: str, role: SignerRole, **changes: object
) -> SignatureInput:
    """A complete signature on the document as the service renders it now; ``changes`` spoil it."""
    view = world.services.consents.view(world.actor(Role.NURSE), enrolled.course_id)
    req = view.requirement(doc, role)
    assert req is not None, (doc, role)
    name = GUARDIAN_NAME if role is SignerRole.GUARDIAN else enrolled.name
    given = SignatureInput(
        document_id=doc,
        document_version=req.need.document_version,
        document_hash=req.document.hash,
        signer=role,
        signer_name=name,
        image_png=PNG,
        related_person_id=enrolled.guardian_id if role is SignerRole.GUARDIAN else None,
    )
    return replace(given, **changes)  # type: ignore[arg-type]


LIBRARY = ShippedConsentLibrary()
