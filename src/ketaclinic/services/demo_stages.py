"""Demo only: courses at the early stages of the pathway, so every stage can be seen in the demo.

Each stage patient is registered and taken forward through the same use cases a clinic uses
(course moves, evaluation, eligibility sign-off, consent signatures, tagged questionnaire
scores), each guarded and audited: a course in evaluation, a consented course waiting for its
series, a course in induction with its baseline and first session scores, an adolescent with a
guardian on the adolescent pack (in evaluation: the guardian signs on the tablet), and a
ketamine-assisted therapy course in evaluation. Names say the stage (``Demo-Stage...``); every
person is synthetic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ketaclinic.domain.errors import ClinicError
from ketaclinic.domain.evaluation.intake import SexAtBirth
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.outcomes.response import ScoreKind
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import (
    Measurement,
    PatientDetails,
    RelatedPersonDetails,
    RelationshipKind,
)
from ketaclinic.domain.patients.people import SexAtBirth as PatientSex
from ketaclinic.services.demo_pathway import (
    DEMO_BASELINE_TOTALS,
    PathwayServices,
    demo_actors,
    demo_evaluation,
    sign_patient_consents,
)
from ketaclinic.services.evaluation.eligibility import SignRequest
from ketaclinic.services.outcomes.reassessment import OutcomeService
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.ports import Clock, UnitOfWorkFactory

STAGE_FAMILY = "Demo-Stage"
ADULT_PACK, ADOLESCENT_PACK, KAT_PACK = "adult-iv-induction", "adolescent-iv", "kat-holistic"
#: PHQ-9 answers of a synthetic course: baseline 18 (the demo profile), session 1 at 15 (item 9
#: always 0).
BASELINE_PHQ9, SESSION1_PHQ9 = DEMO_BASELINE_TOTALS["phq9"], 15


@dataclass(frozen=True, slots=True)
class StagePatient:
    stage: str
    patient_id: int
    course_id: int
    state: CourseState


@dataclass(frozen=True, slots=True)
class _Stage:
    stage: str
    given: str
    pack: str
    age: int
    sex: PatientSex
    until: CourseState
    guardian: bool = False


STAGES: tuple[_Stage, ...] = (
    _Stage("evaluation", "Eval", ADULT_PACK, 44, PatientSex.FEMALE, CourseState.EVALUATING),
    _Stage("consented", "Consent", ADULT_PACK, 37, PatientSex.MALE, CourseState.CONSENTED),
    _Stage("induction", "Induct", ADULT_PACK, 52, PatientSex.FEMALE, CourseState.INDUCTION),
    _Stage(
        "adolescent",
        "Teen",
        ADOLESCENT_PACK,
        16,
        PatientSex.MALE,
        CourseState.EVALUATING,
        guardian=True,
    ),
    _Stage("kat", "Kat", KAT_PACK, 41, PatientSex.FEMALE, CourseState.EVALUATING),
)


def phq9_answers(total: int) -> dict[str, int]:
    """Synthetic PHQ-9 answers summing to ``total`` (0-24) with item 9 at 0 (no safety task)."""
    answers = {str(i): 0 for i in range(1, 10)} | {"difficulty": 1}
    for item in range(1, 9):
        answers[str(item)] = min(3, total)
        total -= answers[str(item)]
    return answers


def seed_demo_stages(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    s: PathwayServices,
    outcomes: OutcomeService,
    clinic_id: int,
) -> list[StagePatient]:
    """Create the stage patients once (an empty list when they are already there)."""
    with uow_factory() as uow:
        if uow.patients.search(PatientSearch(clinic_id, text=STAGE_FAMILY)):
            return []
    actors = demo_actors(uow_factory, clinic_id)
    seeded = []
    for stage in STAGES:
        seeded.append(_seed(uow_factory, clock, s, outcomes, actors, clinic_id, stage))
    return seeded


def _details(stage: _Stage, today: date) -> PatientDetails:
    born = date(today.year - stage.age - 1, 1 + len(stage.given) % 12, 9 + len(stage.stage) % 19)
    return PatientDetails(
        stage.given,
        f"{STAGE_FAMILY}{stage.stage.title()}",
        born,
        stage.sex,
        phone="+1 555 0400",
        email=f"{stage.stage}@example.invalid",
    )


def _seed(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    s: PathwayServices,
    outcomes: OutcomeService,
    actors: dict[Role, Actor],
    clinic_id: int,
    stage: _Stage,
) -> StagePatient:
    prescriber, nurse, desk = _people(actors)
    details = _details(stage, clock.now().date())
    guardians = [_guardian(details)] if stage.guardian else []
    patient = s.patients.register(desk, details, guardians)
    now = clock.now()
    s.patients.add_measurement(desk, patient.id, Measurement(now, Decimal(68), Decimal(168)))
    version = _version(uow_factory, clinic_id, stage.pack)
    course = s.courses.open(prescriber, patient.id, version)
    s.courses.move(prescriber, course.id, CourseState.EVALUATING)
    sex = SexAtBirth(details.sex_at_birth.value)
    age = (now.date() - details.date_of_birth).days * 100 // 36525
    evaluated: list[int] = []

    def evaluate() -> None:
        if stage.pack == ADULT_PACK:  # the adult work-up; other packs' are left to the user
            stored = s.evaluations.record(prescriber, course.id, demo_evaluation(now, age, sex))
            evaluated.append(stored.version)

    steps: list[tuple[CourseState, Callable[[], object]]] = [
        (CourseState.EVALUATING, evaluate),
        (CourseState.ELIGIBLE, lambda: _eligible(s, prescriber, course.id, evaluated)),
        (CourseState.CONSENTED, lambda: _consent(s, prescriber, nurse, course.id, details)),
        (CourseState.INDUCTION, lambda: _induct(s, outcomes, prescriber, nurse, course.id, clock)),
    ]
    for state, step in steps:
        step()
        if state is stage.until:
            break
    return StagePatient(stage.stage, patient.id, course.id, stage.until)


def _eligible(s: PathwayServices, prescriber: Actor, course_id: int, versions: list[int]) -> None:
    if not versions:
        raise ClinicError("the demo stage has no evaluation to sign", field="evaluation")
    s.eligibility.sign(prescriber, course_id, SignRequest(versions[-1]))
    s.courses.move(prescriber, course_id, CourseState.ELIGIBLE)


def _consent(
    s: PathwayServices, prescriber: Actor, nurse: Actor, course_id: int, d: PatientDetails
) -> None:
    sign_patient_consents(s.consents, nurse, course_id, f"{d.given_name} {d.family_name}")
    s.courses.move(prescriber, course_id, CourseState.CONSENTED)


def _induct(
    s: PathwayServices,
    outcomes: OutcomeService,
    prescriber: Actor,
    nurse: Actor,
    course_id: int,
    clock: Clock,
) -> None:
    s.courses.move(prescriber, course_id, CourseState.INDUCTION)
    # the evaluation's questionnaires (the demo profile: PHQ-9 BASELINE_PHQ9) are the baseline
    outcomes.record_score(
        nurse,
        course_id,
        "phq9",
        phq9_answers(SESSION1_PHQ9),
        kind=ScoreKind.SESSION.value,
        session_number=1,
        answered_at=clock.now(),
    )


def _guardian(details: PatientDetails) -> RelatedPersonDetails:
    return RelatedPersonDetails(
        kind=RelationshipKind.GUARDIAN,
        name=f"Lee {details.family_name}",
        relationship="parent",
        phone="+1 555 0401",
        legal_authority=True,
    )


def _people(actors: dict[Role, Actor]) -> tuple[Actor, Actor, Actor]:
    prescriber = actors.get(Role.APP) or actors.get(Role.PHYSICIAN)
    if prescriber is None:
        raise ClinicError("the demo needs a prescriber (physician or APP)", field="clinic")
    return prescriber, actors.get(Role.NURSE, prescriber), actors.get(Role.FRONT_DESK, prescriber)


def _version(uow_factory: UnitOfWorkFactory, clinic_id: int, pack: str) -> int:
    with uow_factory() as uow:
        found = [p for p in uow.protocols.list(clinic_id) if p.protocol_id == pack and p.signed_off]
    if not found:
        raise ClinicError(f"the demo needs a signed-off {pack} protocol", field="clinic")
    return max(found, key=lambda p: p.id).id
