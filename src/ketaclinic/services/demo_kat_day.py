"""Demo only: a ketamine-assisted therapy (KAT) patient whose first journey is today.

A new user of the demo should see a KAT day, not only a KAT course in evaluation. This patient
goes through the same use cases a clinic uses, each guarded and audited: registered with a recent
weight, a course on the signed-off ``kat-holistic`` pack, evaluated (the pack's baseline
questionnaires and resting blood pressure), signed eligible, consented on the tablet, the
preparatory coaching session held and signed by the demo coach, a sublingual ketamine order signed
by the prescriber, and the protocol's series booked and confirmed by the front desk. When the
first journey falls on today (the clinic is open and the day has room for it), the front desk
marks the patient arrived (the session opens from the appointment) and the coach is named as the
attendant: the session waits for the nurse's check-in on the nurse's and the coach's Today pages.
The course stays consented (a KAT course is dosed while consented). Every person is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ketaclinic.domain.errors import ClinicError
from ketaclinic.domain.evaluation.intake import Evaluation, InstrumentScore, SexAtBirth, TestResult
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.integration.plans import NoteContent, NoteKind, RiskLevel
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import Measurement, PatientDetails, age_on
from ketaclinic.domain.patients.people import SexAtBirth as PatientSex
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.services.demo_pathway import (
    DEMO_BASELINE_TOTALS,
    PathwayServices,
    demo_actors,
    demo_answers,
    demo_evaluation,
    sign_patient_consents,
)
from ketaclinic.services.dosing.inputs import OrderDraft
from ketaclinic.services.evaluation.eligibility import SignRequest
from ketaclinic.services.infusion.session_opening import SessionOpeningService
from ketaclinic.services.infusion.sessions import SessionService
from ketaclinic.services.integration.coaching import CoachingService
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.ports import Clock, UnitOfWorkFactory

KAT_PROTOCOL = "kat-holistic"
KAT_DAY_PATIENT = PatientDetails(
    "Sol",
    "Demo-KatDay",
    date(1985, 9, 21),
    PatientSex.FEMALE,
    phone="+1 555 0410",
    email="katday@example.invalid",
)
#: The kat-holistic pack's baseline questionnaires (its evaluation section).
KAT_INSTRUMENTS = ("phq9", "gad7", "pcl5", "cssrs-screen")
#: The pack's starting sublingual dose (``dosing.sl.start_fixed_mg``), signed as recommended.
KAT_SL_DOSE_MG = Decimal(100)
PREPARATION = NoteContent(
    themes="Synthetic demo: intentions for the first journey, set and setting, safety agreements",
    practices_assigned=("Paced breathing",),
    homework="Write down one intention and bring it to the journey",
    risk=RiskLevel.NONE,
    risk_notes="",
)


@dataclass(frozen=True, slots=True)
class KatDayServices:
    """The use cases the KAT day patient goes through (from the composition root)."""

    pathway: PathwayServices
    coaching: CoachingService
    arrivals: SessionOpeningService
    sessions: SessionService


@dataclass(frozen=True, slots=True)
class KatDayPatient:
    patient_id: int
    course_id: int
    order_id: int
    appointments: tuple[Booking, ...]
    #: the session opened on arrival for today's journey (None when the first journey is on a
    #: later day: the clinic is closed today, or today has no room left for it)
    session: InfusionSession | None


@dataclass(frozen=True, slots=True)
class _Team:
    prescriber: Actor
    nurse: Actor
    desk: Actor
    coach: Actor


def kat_evaluation(at: datetime, age: int, sex: SexAtBirth) -> Evaluation:
    """The demo's synthetic adult (nothing against treatment) with the KAT pack's work-up: its
    baseline questionnaires answered the day before and a normal resting blood pressure."""
    day_before = at - timedelta(days=1)
    return replace(
        demo_evaluation(at, age, sex),
        presenting_problem="Synthetic demo case: trauma-related symptoms and low mood",
        baseline_instruments=tuple(
            InstrumentScore(
                i, None, day_before, answers=demo_answers(i, DEMO_BASELINE_TOTALS.get(i))
            )
            for i in KAT_INSTRUMENTS
        ),
        tests=(TestResult("baseline_bp", day_before, "normal (124/78 mmHg)"),),
    )


def seed_demo_kat_day(
    uow_factory: UnitOfWorkFactory, clock: Clock, s: KatDayServices, clinic_id: int
) -> KatDayPatient | None:
    """Prepare the KAT day patient once (None when already there). Raises ``ClinicError``
    naming what the demo clinic lacks."""
    with uow_factory() as uow:
        found = uow.patients.search(PatientSearch(clinic_id, text=KAT_DAY_PATIENT.family_name))
    if found:
        return None
    team = _team(uow_factory, clinic_id)
    p = s.pathway
    patient = p.patients.register(team.desk, KAT_DAY_PATIENT)
    now = clock.now()
    p.patients.add_measurement(team.desk, patient.id, Measurement(now, Decimal(66), Decimal(167)))
    course = p.courses.open(team.prescriber, patient.id, _signed_version(uow_factory, clinic_id))
    p.courses.move(team.prescriber, course.id, CourseState.EVALUATING)
    details = KAT_DAY_PATIENT
    age = age_on(details.date_of_birth, now.date())
    work_up = kat_evaluation(now, age, SexAtBirth(details.sex_at_birth.value))
    stored = p.evaluations.record(team.prescriber, course.id, work_up)
    p.eligibility.sign(team.prescriber, course.id, SignRequest(stored.version))
    p.courses.move(team.prescriber, course.id, CourseState.ELIGIBLE)
    name = f"{details.given_name} {details.family_name}"
    sign_patient_consents(p.consents, team.nurse, course.id, name)
    p.courses.move(team.prescriber, course.id, CourseState.CONSENTED)
    note = s.coaching.record_note(team.coach, course.id, NoteKind.PREPARATORY, now, PREPARATION)
    s.coaching.sign(team.coach, note.id)
    draft = OrderDraft(route=Route.SL, fixed_mg=KAT_SL_DOSE_MG)
    order = p.orders.sign(team.prescriber, course.id, draft)
    p.schedule.book_series(team.desk, course.id)
    booked = tuple(p.schedule.confirm_series(team.desk, course.id))
    session = _arrive_today(uow_factory, clock, s, team, clinic_id, booked)
    return KatDayPatient(patient.id, course.id, order.id, booked, session)


def _arrive_today(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    s: KatDayServices,
    team: _Team,
    clinic_id: int,
    booked: tuple[Booking, ...],
) -> InfusionSession | None:
    """The front desk marks the patient arrived for today's journey and the nurse names the
    coach as its attendant; nothing when the first journey is not today."""
    if not booked:
        return None
    first = min(booked, key=lambda b: b.start_at)
    with uow_factory() as uow:
        clinic = uow.clinics.get(clinic_id)
    zone = ZoneInfo(clinic.timezone if clinic else "UTC")
    if first.start_at.astimezone(zone).date() != clock.now().astimezone(zone).date():
        return None
    opened = s.arrivals.check_in(team.desk, first.id)
    return s.sessions.assign(
        team.nurse, opened.id, attendant_id=team.coach.staff_id, device_id=None
    )


def _team(uow_factory: UnitOfWorkFactory, clinic_id: int) -> _Team:
    actors = demo_actors(uow_factory, clinic_id)
    prescriber = actors.get(Role.APP) or actors.get(Role.PHYSICIAN)
    nurse, desk, coach = (actors.get(r) for r in (Role.NURSE, Role.FRONT_DESK, Role.COACH))
    if prescriber is None or nurse is None or desk is None or coach is None:
        raise ClinicError(
            "the demo's KAT day needs a prescriber, a nurse, the front desk and a coach",
            field="clinic",
        )
    return _Team(prescriber, nurse, desk, coach)


def _signed_version(uow_factory: UnitOfWorkFactory, clinic_id: int) -> int:
    with uow_factory() as uow:
        found = [
            p
            for p in uow.protocols.list(clinic_id)
            if p.protocol_id == KAT_PROTOCOL and p.signed_off
        ]
    if not found:
        raise ClinicError(f"the demo needs a signed-off {KAT_PROTOCOL} protocol", field="clinic")
    return max(found, key=lambda p: p.id).id
