"""Everything the order screen shows for a course's next session, gathered in one unit of work.

The recommendation (``domain.dosing.titration.recommend_titration``) is built from what this area
records: previous orders and their administrations (dose, dissociation, sedation, alarms, adverse
events), the latest between-session check-in, and a symptom change supplied by whichever area
records instruments (``SymptomSource``, registered in bootstrap; without one the response is
"unknown" and the titration rules keep the dose). The signing guards read the course facts
(eligibility, consent) and the safety gate (``services.assessments.safety.ensure_clear``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.dosing.plan import DosePlan, DoseRequest, plan_dose
from ketaclinic.domain.dosing.records import Administration, DoseOrder, OrderStatus, StoredCheckIn
from ketaclinic.domain.dosing.sessions import SymptomChange
from ketaclinic.domain.dosing.titration import (
    TitrationInput,
    TitrationRecommendation,
    recommend_titration,
)
from ketaclinic.domain.dosing.weight import (
    ChosenWeight,
    DosingWeightResult,
    Sex,
    WeightMeasurement,
    determine_dosing_weight,
)
from ketaclinic.domain.errors import NotFound, SafetyBlock, ValidationFailed
from ketaclinic.domain.patients.course import CourseFacts
from ketaclinic.domain.patients.people import Measurement, Patient, SexAtBirth, age_on
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Route, RouteDosing
from ketaclinic.services.assessments.safety import ensure_clear
from ketaclinic.services.dosing.underway import DoseUnderway, doses_underway
from ketaclinic.services.infusion.adverse_events import course_adverse_events, with_recorded_events
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.protocols.publishing import (
    awaiting_signoff,
    defaults_awaiting_signoff,
    load_published,
)

SymptomSource = Callable[[UnitOfWork, Course, Protocol], SymptomChange | None]
"""The primary instrument's baseline and latest totals for a course, when recorded."""

FactsOf = Callable[[UnitOfWork, Course, Protocol], CourseFacts]


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One earlier order beside what its administration recorded (None until given)."""

    order: DoseOrder
    administration: Administration | None
    underway: DoseUnderway | None = None  # its session is dosing: given, not yet recorded


@dataclass(frozen=True, slots=True)
class OrderScreen:
    """The next session's dosing picture for one course and route."""

    course: Course
    patient: Patient
    protocol_ref: str
    protocol: Protocol
    route: RouteDosing
    session_number: int
    sex: Sex | None
    age_years: int
    measurements: tuple[WeightMeasurement, ...]
    weight: DosingWeightResult | None
    recommendation: TitrationRecommendation | None
    history: tuple[SessionRow, ...]
    checkin: StoredCheckIn | None
    blockers: tuple[str, ...]
    open_order: DoseOrder | None
    at: datetime
    defaults_awaiting: tuple[str, ...] = ()  # the route's defaults still awaiting sign-off
    signed_off: bool = True  # the pinned version is signed off (its defaults confirmed)
    #: the previous session's dose, being given now: the next order waits for its response
    underway: DoseUnderway | None = None

    def plan(self, request: DoseRequest) -> DosePlan:
        """The full plan (weight, dose, preparation, refusals) for a prescriber's request."""
        return plan_dose(self.protocol, request, self.measurements, at=self.at)


def dosing_sex(patient: Patient, chosen: Sex | None) -> Sex | None:
    """The sex the Devine formula uses: the patient's, or the clinician's explicit choice when the
    record says intersex or unknown (clinical.md §2.3; never guessed)."""
    if chosen is not None:
        return chosen
    sex = patient.details.sex_at_birth
    return Sex(sex.value) if sex in (SexAtBirth.FEMALE, SexAtBirth.MALE) else None


def weight_measurements(rows: Sequence[Measurement]) -> tuple[WeightMeasurement, ...]:
    """Dated weights paired with the height measured with them, else the latest height known."""
    heights = sorted((m for m in rows if m.height_cm is not None), key=lambda m: m.measured_at)
    latest_height = heights[-1].height_cm if heights else None
    found = []
    for m in rows:
        height = m.height_cm if m.height_cm is not None else latest_height
        if m.weight_kg is not None and height is not None:
            found.append(WeightMeasurement(m.weight_kg, height, m.measured_at))
    return tuple(found)


def consent_words(reason: str, titles: dict[str, str]) -> str:
    """``doc@1:patient: patient signature missing`` as ``<document title>: patient signature
    missing`` (the consent status keys each requirement by document, version and signer)."""
    key, sep, text = reason.partition(": ")
    document = key.split("@", 1)[0]
    if not sep or document not in titles:
        return reason
    return f"{titles[document]}: {text}"


def order_blockers(
    uow: UnitOfWork, facts: CourseFacts, course: Course, protocol: Protocol | None = None
) -> tuple[str, ...]:
    """Every reason an order cannot be signed now: eligibility, consent and the safety gate.

    An order is written only for a course whose eligibility is signed, whose consent is in force
    and whose safety gate is clear (clinical.md §1, §6.3).
    """
    reasons: list[str] = []
    if facts.eligibility is None:
        reasons.append("eligibility decision not signed")
    elif not facts.eligibility.permits_treatment:
        reasons.append("signed eligibility decision is not eligible")
    if facts.consent is None:
        reasons.append("consent not recorded")
    elif not facts.consent.complete:
        titles = {d.id: d.title for d in protocol.consent.documents} if protocol else {}
        missing = "; ".join(consent_words(r, titles) for r in facts.consent.reasons)
        reasons.append("consent not in force: " + missing)
    try:
        ensure_clear(uow, course.clinic_id, course.patient_id)
    except SafetyBlock as block:
        reasons.extend(f"open safety gate: {r}" for r in block.reasons)
    return tuple(reasons)


def build_screen(
    uow: UnitOfWork,
    *,
    clinic_id: int,
    course_id: int,
    route: Route | None,
    sex: Sex | None,
    at: datetime,
    facts_of: FactsOf,
    symptoms_of: SymptomSource | None,
    chosen_weight: ChosenWeight | None = None,
) -> OrderScreen:
    """Gather the order screen inside the caller's unit of work (reads only)."""
    course = get_course(uow, clinic_id, course_id)
    patient = uow.patients.get(clinic_id, course.patient_id)
    if patient is None:
        raise NotFound("no such patient in this clinic", field="patient_id")
    loaded = load_published(uow, clinic_id, course.protocol_version_id)
    protocol = loaded.protocol
    orders = uow.dosing.orders_for_course(clinic_id, course_id)
    route_dosing = _route(protocol, route if route is not None else course_route(protocol, orders))
    measurements = weight_measurements(uow.patients.measurements(clinic_id, patient.id))
    events = course_adverse_events(uow, clinic_id, course_id, course.patient_id)
    given = with_recorded_events(uow.dosing.administrations(clinic_id, course_id), events)
    checkins = uow.dosing.checkins(clinic_id, course_id)
    chosen_sex = dosing_sex(patient, sex)
    weight = None
    if chosen_sex is not None:
        weight = determine_dosing_weight(
            route_dosing,
            measurements,
            chosen_sex,
            at=at,
            max_weight_age_days=protocol.evaluation.max_weight_age_days,
            chosen=chosen_weight,
        )
    symptoms = symptoms_of(uow, course, protocol) if symptoms_of else None
    checkin = checkins[0] if checkins else None
    underway = doses_underway(uow, orders)
    recommendation = None
    if not underway and weight is not None and weight.dosing_weight is not None:
        recommendation = recommend_titration(
            TitrationInput(
                route=route_dosing,
                rules=protocol.dosing.titration,
                dosing_weight=weight.dosing_weight,
                next_session_number=len(given) + 1,
                previous_sessions=tuple(a.as_previous() for a in given),
                symptoms=symptoms,
                checkin=checkin.checkin if checkin else None,
            ),
            at=at,
        )
    by_order = {a.order_id: a for a in given}
    return OrderScreen(
        course=course,
        patient=patient,
        protocol_ref=loaded.published.ref,
        protocol=protocol,
        route=route_dosing,
        session_number=len(given) + len(underway) + 1,
        sex=chosen_sex,
        age_years=age_on(patient.details.date_of_birth, at.date()),
        measurements=measurements,
        weight=weight,
        recommendation=recommendation,
        history=tuple(SessionRow(o, by_order.get(o.id), underway.get(o.id)) for o in orders),
        checkin=checkin,
        blockers=order_blockers(uow, facts_of(uow, course, protocol), course, protocol),
        open_order=next((o for o in orders if _waiting(o, underway)), None),
        at=at,
        defaults_awaiting=defaults_awaiting_signoff(loaded.published, route_dosing.sources),
        signed_off=not awaiting_signoff(loaded.published),
        underway=next(iter(underway.values()), None),
    )


def _waiting(order: DoseOrder, underway: Mapping[int, DoseUnderway]) -> bool:
    """Signed or checked, and its session has not started dosing."""
    return order.status is not OrderStatus.ADMINISTERED and order.id not in underway


#: The route an order starts from when the course has none yet: an IV protocol's infusion, else
#: the least invasive route the protocol doses by (sublingual, then intranasal, then IM).
ROUTE_PREFERENCE = (Route.IV, Route.SL, Route.IN, Route.IM)


def course_route(protocol: Protocol, orders: Sequence[DoseOrder]) -> Route | None:
    """The course's route: that of its latest order when its protocol still doses by it, else
    the protocol's route (:data:`ROUTE_PREFERENCE`); None when the protocol names none."""
    routes = protocol.dosing.routes
    latest = max(orders, key=lambda o: (o.signed_at, o.id), default=None)
    if latest is not None and latest.content.route in routes:
        return latest.content.route
    return next((r for r in ROUTE_PREFERENCE if r in routes), None)


def _route(protocol: Protocol, route: Route | None) -> RouteDosing:
    routes = protocol.dosing.routes
    if route is None:
        return next(iter(routes.values()))
    if route not in routes:
        raise ValidationFailed({"route": route_refusal(protocol, route)})
    return routes[route]


def route_refusal(protocol: Protocol, route: Route) -> str:
    """The refusal of a route the course's protocol does not dose, naming the rule."""
    allowed = ", ".join(r.value.upper() for r in protocol.dosing.routes)
    return (
        f"{route.value.upper()} is not a route of protocol {protocol.ref}; it doses by {allowed} "
        "only (rule plan.route_not_in_protocol)"
    )
