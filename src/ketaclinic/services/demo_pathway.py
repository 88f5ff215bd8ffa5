"""Demo only: one synthetic adult ready for infusion day, prepared through the real services.

The demo clinic needs a patient a new user can take through infusion day in the browser: a
course on the signed-off adult IV protocol, evaluated and signed eligible, consented, in
induction, with a recent weight, a signed dose order and a confirmed induction series whose first
appointment is today. Every step goes through the same use case a clinician would use (course
moves, evaluation, eligibility sign-off, consent signature, order, booking), each guarded and
audited. The evaluation is synthetic and obviously fake: nothing against treatment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from ketaclinic.domain.assessments.instruments.registry import get_instrument
from ketaclinic.domain.consent.signatures import SignerRole
from ketaclinic.domain.errors import ClinicError
from ketaclinic.domain.evaluation.intake import (
    CodeSystem,
    Diagnosis,
    Evaluation,
    InstrumentScore,
    ItemAnswer,
    MedicalHistory,
    PsychiatricHistory,
    Reproductive,
    SexAtBirth,
    Status,
    TestResult,
    Vitals,
)
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import Measurement, PatientDetails, age_on
from ketaclinic.domain.patients.people import SexAtBirth as PatientSex
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.services.consent.checks import SignatureInput
from ketaclinic.services.consent.consents import ConsentService
from ketaclinic.services.dosing.inputs import OrderDraft
from ketaclinic.services.dosing.orders import OrderService
from ketaclinic.services.evaluation.eligibility import EligibilityService, SignRequest
from ketaclinic.services.evaluation.evaluations import EvaluationService
from ketaclinic.services.patients.courses import CourseService
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.patients.registry import PatientService
from ketaclinic.services.ports import Clock, UnitOfWorkFactory
from ketaclinic.services.scheduling.booking import ScheduleService

DEMO_PROTOCOL = "adult-iv-induction"
PATHWAY_PATIENT = PatientDetails("Jordan", "Demo-Pathway", date(1982, 5, 14), PatientSex.FEMALE)
#: A 4x2 white PNG: the demo's "signature" (the consent service needs an image).
DEMO_SIGNATURE_PNG = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAACCAIAAADwyuo0AAAAEklEQVR4"
    "nGP8//8/AwwwMSABAEgGAwG0Rz8LAAAAAElFTkSuQmCC"
)
ADULT_INSTRUMENTS = ("phq9", "gad7", "pcl5", "cssrs-screen", "wsas")
#: The demo profile: believable baseline totals (points) of a synthetic adult referred with
#: moderately severe recurrent depression and PTSD symptoms above the provisional PCL-5 cut (so
#: remission and response on PCL-5 can be judged). An instrument left out (the C-SSRS screen,
#: which has no total) is answered "no" throughout; no demo baseline is 0 unless this profile
#: says so.
DEMO_BASELINE_TOTALS: Mapping[str, int] = {"phq9": 18, "gad7": 12, "pcl5": 45, "wsas": 22}


@dataclass(frozen=True, slots=True)
class PathwayServices:
    """The use cases the demo pathway goes through (from the composition root)."""

    patients: PatientService
    courses: CourseService
    evaluations: EvaluationService
    eligibility: EligibilityService
    consents: ConsentService
    orders: OrderService
    schedule: ScheduleService


@dataclass(frozen=True, slots=True)
class PathwayPatient:
    patient_id: int
    course_id: int
    order_id: int
    appointments: tuple[Booking, ...]


def demo_evaluation(
    at: datetime,
    age: int,
    sex: SexAtBirth = SexAtBirth.FEMALE,
    totals: Mapping[str, int] = DEMO_BASELINE_TOTALS,
) -> Evaluation:
    """A synthetic adult with nothing against treatment and the adult pack's work-up; the
    baseline questionnaires (answered the day before) sum to ``totals``."""
    no = Status.ABSENT
    return Evaluation(
        age_years=age,
        sex_at_birth=sex,
        presenting_problem="Synthetic demo case: recurrent depression",
        diagnoses=(Diagnosis(CodeSystem.ICD10CM, "F33.2", "MDD, recurrent, severe", True),),
        psychiatric=PsychiatricHistory(Status.ABSENT, Status.ABSENT, (), (), False, False),
        medical=MedicalHistory(
            cardiovascular=no,
            cerebrovascular=no,
            aneurysm=no,
            intracerebral_hemorrhage=no,
            hypertension=no,
            hepatic=no,
            urinary=no,
            seizures=no,
            sleep_apnea=no,
            raised_intracranial_pressure=no,
            raised_intraocular_pressure=no,
            hyperthyroidism=no,
            cognitive_impairment=no,
        ),
        reproductive=Reproductive(can_become_pregnant=False, pregnant=False, breastfeeding=False),
        allergies=(),
        medications=(),
        baseline_instruments=tuple(
            InstrumentScore(i, None, at - timedelta(days=1), answers=demo_answers(i, totals.get(i)))
            for i in ADULT_INSTRUMENTS
        ),
        baseline_vitals=Vitals(at - timedelta(days=1), Decimal(124), Decimal(78), Decimal(70)),
        tests=(TestResult("ecg", at - timedelta(days=2), "normal"),),
    )


def calm_answers(instrument_id: str) -> tuple[ItemAnswer, ...]:
    """A synthetic, complete questionnaire with nothing to flag: every asked item at its lowest
    option (the demo evaluation records item answers, never typed totals)."""
    instrument = get_instrument(instrument_id)
    answers: dict[str, int] = {}
    for item in instrument.items:
        asked = item.asked_when is None or (
            answers.get(item.asked_when.item_id) == item.asked_when.value
        )
        if asked and item.required:
            answers[item.id] = min(item.allowed_values())
    return tuple(ItemAnswer(item, value) for item, value in answers.items())


def demo_answers(instrument_id: str, total: int | None) -> tuple[ItemAnswer, ...]:
    """Synthetic, complete answers summing to ``total`` (calm answers when None): the scored
    items rise one step at a time in turn, and no safety item is ever raised (no safety task).
    Refuses a total the instrument cannot reach that way."""
    if total is None:
        return calm_answers(instrument_id)
    instrument = get_instrument(instrument_id)
    answers = {a.item: a.value for a in calm_answers(instrument_id)}
    safety = {i for rule in instrument.safety_rules for i in rule.item_ids}
    raisable = [i for i in instrument.items if i.scored and i.id in answers and i.id not in safety]
    missing = total - sum(answers[i.id] for i in raisable)
    while missing > 0:
        raised = [i for i in raisable if answers[i.id] < max(i.allowed_values())]
        if not raised:
            raise ClinicError(f"{instrument_id} cannot reach {total} points", field="totals")
        for item in raised[:missing]:
            answers[item.id] += 1
        missing -= min(len(raised), missing)
    return tuple(ItemAnswer(item, value) for item, value in answers.items())


def demo_actors(uow_factory: UnitOfWorkFactory, clinic_id: int) -> dict[Role, Actor]:
    with uow_factory() as uow:
        staff = uow.staff.list_for_clinic(clinic_id)
    found: dict[Role, Actor] = {}
    for member, role in staff:
        found.setdefault(role, Actor(member.id, role, clinic_id, "demo"))
    return found


def prepare_pathway_patient(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    s: PathwayServices,
    clinic_id: int,
    *,
    details: PatientDetails = PATHWAY_PATIENT,
) -> PathwayPatient:
    """Register ``details`` and take them to induction with a signed order and a confirmed
    series (demo only). Raises ``ClinicError`` naming what the demo clinic lacks."""
    desk = _actors(uow_factory, clinic_id)[2]
    patient = s.patients.register(desk, details)
    course_id, order_id = prepare_course(uow_factory, clock, s, clinic_id, patient.id)
    s.schedule.book_series(desk, course_id)
    booked = s.schedule.confirm_series(desk, course_id)
    return PathwayPatient(patient.id, course_id, order_id, tuple(booked))


def prepare_course(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    s: PathwayServices,
    clinic_id: int,
    patient_id: int,
    totals: Mapping[str, int] = DEMO_BASELINE_TOTALS,
) -> tuple[int, int]:
    """A course of ``patient_id`` on the adult IV protocol, evaluated (baseline questionnaires
    summing to ``totals``), eligible, consented, in induction, with a recent weight and a signed
    dose order: ``(course_id, order_id)``."""
    app, nurse, _desk = _actors(uow_factory, clinic_id)
    version = _signed_version(uow_factory, clinic_id)
    now = clock.now()
    details = s.patients.chart(app, patient_id).patient.details
    s.patients.add_measurement(app, patient_id, Measurement(now, Decimal(70), Decimal(170)))
    course = s.courses.open(app, patient_id, version)
    s.courses.move(app, course.id, CourseState.EVALUATING)
    age = age_on(details.date_of_birth, now.date())
    sex = SexAtBirth(details.sex_at_birth.value)
    stored = s.evaluations.record(app, course.id, demo_evaluation(now, age, sex, totals))
    s.eligibility.sign(app, course.id, SignRequest(stored.version))
    s.courses.move(app, course.id, CourseState.ELIGIBLE)
    sign_patient_consents(
        s.consents, nurse, course.id, f"{details.given_name} {details.family_name}"
    )
    s.courses.move(app, course.id, CourseState.CONSENTED)
    s.courses.move(app, course.id, CourseState.INDUCTION)
    draft = OrderDraft(
        route=Route.IV,
        mg_per_kg=Decimal("0.5"),
        vial_mg_per_ml=Decimal(50),
        final_volume_ml=Decimal(100),
        premedications=("ondansetron",),
    )
    order = s.orders.sign(app, course.id, draft)
    return course.id, order.id


def _actors(uow_factory: UnitOfWorkFactory, clinic_id: int) -> tuple[Actor, Actor, Actor]:
    """``(prescriber, nurse, desk)``: an APP or physician prescribes; a nurse (else the
    prescriber) collects consent; the front desk (else the prescriber) registers and books."""
    actors = demo_actors(uow_factory, clinic_id)
    prescriber = actors.get(Role.APP) or actors.get(Role.PHYSICIAN)
    if prescriber is None:
        raise ClinicError("the demo needs a prescriber (physician or APP)", field="clinic")
    return prescriber, actors.get(Role.NURSE, prescriber), actors.get(Role.FRONT_DESK, prescriber)


def _signed_version(uow_factory: UnitOfWorkFactory, clinic_id: int) -> int:
    with uow_factory() as uow:
        version = next(
            (
                p
                for p in uow.protocols.list(clinic_id)
                if p.protocol_id == DEMO_PROTOCOL and p.signed_off
            ),
            None,
        )
    if version is None:
        raise ClinicError(f"the demo needs a signed-off {DEMO_PROTOCOL} protocol", field="clinic")
    return version.id


def sign_patient_consents(
    consents: ConsentService, nurse: Actor, course_id: int, name: str
) -> None:
    view = consents.view(nurse, course_id)
    for req in view.requirements:
        if req.need.signer is not SignerRole.PATIENT:
            continue
        consents.sign(
            nurse,
            course_id,
            SignatureInput(
                document_id=req.need.document_id,
                document_version=req.need.document_version,
                document_hash=req.document.hash,
                signer=SignerRole.PATIENT,
                signer_name=name,
                image_png=DEMO_SIGNATURE_PNG,
            ),
        )


def seed_demo_pathway(
    uow_factory: UnitOfWorkFactory, clock: Clock, s: PathwayServices, clinic_id: int
) -> PathwayPatient | None:
    """Prepare the demo's pathway patient once (None when already there)."""
    with uow_factory() as uow:
        found = uow.patients.search(PatientSearch(clinic_id, text=PATHWAY_PATIENT.family_name))
    if found:
        return None
    return prepare_pathway_patient(uow_factory, clock, s, clinic_id)
