"""Dose orders through the services on SQLite and PostgreSQL: signing guards, overrides,
ceilings, the second-person bedside check, administrations feeding the next recommendation, and
the FHIR MedicationRequest export (validated with fhir.resources.R4B).

Eligibility and consent are supplied by a test fact provider registered last on the
CourseService (it overrides whatever the eligibility and consent areas report), so each case
controls exactly the facts the signing guard reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationrequest import MedicationRequest
from sqlalchemy import func, select

from ketaclinic.adapters.db.dosing.tables import dose_orders, dose_verifications
from ketaclinic.adapters.db.tables import audit_events
from ketaclinic.adapters.fhir.medication import medication_request, searchset
from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.bootstrap import Services
from ketaclinic.domain.assessments.safety import Urgency
from ketaclinic.domain.consent.signatures import ConsentStatus
from ketaclinic.domain.dosing.checkin import TitrationOutcome
from ketaclinic.domain.dosing.records import OrderStatus
from ketaclinic.domain.dosing.sessions import DissociationInstrument
from ketaclinic.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    SafetyBlock,
    ValidationFailed,
)
from ketaclinic.domain.evaluation.eligibility.engine import Decision
from ketaclinic.domain.evaluation.eligibility.signoff import SignedDecision
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.domain.patients.course import ConsentFacts, CourseState, EligibilityFacts
from ketaclinic.domain.patients.people import Measurement, PatientDetails, SexAtBirth
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.assessments.safety import SafetyFlag, open_tasks
from ketaclinic.services.dosing.checkins import CheckinEntry
from ketaclinic.services.dosing.orders import BedsideEntry, OrderDraft
from ketaclinic.services.dosing.screen import consent_words
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from ketaclinic.services.ports import UnitOfWork
from tests.conftest import World, make_world
from tests.fakes import FakeClock

COMPLETE = ConsentStatus(missing=(), blocks=())


@dataclass
class Gate:
    """The eligibility and consent facts the test provider reports (mutable per test)."""

    eligible: bool | None = True
    consent: ConsentStatus | None = field(default_factory=lambda: COMPLETE)

    def eligibility_facts(
        self, uow: UnitOfWork, course: Course, protocol: Protocol
    ) -> EligibilityFacts:
        decision = None
        if self.eligible is not None:
            at = course.opened_at
            decision = SignedDecision(
                Decision.ELIGIBLE if self.eligible else Decision.NOT_ELIGIBLE,
                (),
                (),
                frozenset(),
                "Dr Demo-Signer",
                "physician",
                at,
                at,
            )
        return EligibilityFacts(decision)

    def consent_facts(self, uow: UnitOfWork, course: Course, protocol: Protocol) -> ConsentFacts:
        return ConsentFacts(self.consent)


@dataclass
class DosingSetup:
    services: Services
    clock: FakeClock
    gate: Gate
    patient_id: int
    course_id: int
    mrn: str


def set_up_course(
    services: Services,
    clock: FakeClock,
    physician: Actor,
    desk: Actor,
    *,
    weight_kg: str = "70",
    protocol_id: str = "adult-iv-induction",
    height_cm: str = "170",
) -> DosingSetup:
    """A patient with a fresh weight, a course on a signed-off protocol, moved to consented."""
    [published] = services.protocols.publish(physician.clinic_id, [shipped_protocol(protocol_id)])
    if not published.signed_off:
        items = services.protocols.signoff_items(physician, published.id)
        services.protocols.sign_off(physician, published.id, [i.path for i in items])
    details = PatientDetails("Robin", "Demo-Rowan", date(1984, 4, 4), SexAtBirth.FEMALE)
    patient = services.patients.register(desk, details)
    services.patients.add_measurement(
        physician, patient.id, Measurement(clock.now(), Decimal(weight_kg), Decimal(height_cm))
    )
    gate = Gate()
    services.courses.add_fact_provider(gate.eligibility_facts)
    services.courses.add_fact_provider(gate.consent_facts)
    course = services.courses.open(physician, patient.id, published.id)
    for state in (CourseState.EVALUATING, CourseState.ELIGIBLE, CourseState.CONSENTED):
        services.courses.move(physician, course.id, state)
    return DosingSetup(services, clock, gate, patient.id, course.id, patient.mrn)


def iv_draft(mg_per_kg: str = "0.5", reason: str = "", **changes: object) -> OrderDraft:
    values: dict[str, object] = {
        "route": Route.IV,
        "mg_per_kg": Decimal(mg_per_kg),
        "vial_mg_per_ml": Decimal(50),
        "final_volume_ml": Decimal(100),
        "premedications": ("ondansetron",),
        "override_reason": reason,
    }
    values.update(changes)
    return OrderDraft(**values)  # type: ignore[arg-type]


def bedside(order_mrn: str, **changes: object) -> BedsideEntry:
    values: dict[str, object] = {
        "mrn": order_mrn,
        "drug": "Ketamine",
        "route": Route.IV,
        "concentration_mg_per_ml": Decimal("0.35"),
        "dose_mg": Decimal(35),
        "rate_ml_per_h": Decimal(150),
    }
    values.update(changes)
    return BedsideEntry(**values)  # type: ignore[arg-type]


def give(
    setup: DosingSetup, order_id: int, world_actor: Actor, nurse: Actor, **response: object
) -> None:
    """Verify (as the nurse, with what the order says) and give the order in a session through
    the dose gate: check-in, premedication, IV, pre-dose checklist, start, the CADSS-6 peak and
    the end of dosing (which records the administration the next titration reads)."""
    from tests.integration.test_session_workflow import CHECK_IN  # shared check-in fields

    s = setup.services
    order, _ = s.orders.get(nurse, order_id)
    c = order.content
    entry = bedside(
        setup.mrn,
        concentration_mg_per_ml=c.final_concentration_mg_per_ml,
        dose_mg=c.dose_mg,
        rate_ml_per_h=c.rate_ml_per_h,
    )
    assert s.orders.verify(nurse, order_id, entry).verified
    with s.uow() as uow:
        chair = uow.clinics.add_chair(nurse.clinic_id, f"Chair for order {order_id}", ("monitor",))
        uow.commit()
    with s.uow() as uow:
        physician = next(
            Actor(member.id, role, nurse.clinic_id, "127.0.0.1")
            for member, role in uow.staff.list_for_clinic(nurse.clinic_id)
            if role is Role.PHYSICIAN
        )
    session_id = s.sessions.create(
        physician, setup.course_id, chair, unscheduled_reason="test visit"
    ).id
    flow = s.session_workflow
    flow.check_in(nurse, session_id, CHECK_IN)
    for premed in c.premedications:
        flow.give(
            nurse,
            session_id,
            {
                "drug": premed.drug,
                "dose_mg": str(premed.dose_mg),
                "route": premed.route,
                "lot": "LOT-DEMO-1",
                "given_by": str(nurse.staff_id),
            },
        )
    flow.place_iv(
        nurse,
        session_id,
        {"site": "left antecubital", "gauge": "22", "attempts": "1", "placed_by": nurse.staff_id},
    )
    flow.pre_dose(
        nurse,
        session_id,
        {
            "sbp_mmhg": "126",
            "dbp_mmhg": "80",
            "hr_per_min": "72",
            "spo2_pct": "98",
            "symptom_check": "well",
            "order_id": str(order_id),
        },
    )
    flow.start(
        world_actor,
        session_id,
        {
            "lot": "KET-DEMO-1",
            "given_by": str(nurse.staff_id),
            "prescriber_on_site": str(physician.staff_id),
        },
    )
    peak = response.get("dissociation_peak_total")
    if peak is not None:
        flow.score(nurse, session_id, {"instrument": "cadss6", "total": str(peak)})
    setup.clock.advance(minutes=c.duration_min)  # the whole planned infusion
    flow.end_dosing(nurse, session_id)
    _discharge(setup, nurse, session_id)


RECOVERY_VITALS = {
    "sbp": ("124", "mm[Hg]"),
    "dbp": ("78", "mm[Hg]"),
    "hr": ("72", "/min"),
    "spo2": ("98", "%"),
    "rr": ("14", "/min"),
}


def _discharge(setup: DosingSetup, nurse: Actor, session_id: int) -> None:
    """Recovery to discharge: 31 min observed, Aldrete 10, normal vitals, escort present."""
    s, clock = setup.services, setup.clock
    clock.advance(minutes=31)
    readings = tuple(
        VitalReading(Parameter(p), Decimal(v), unit, clock.now(), ReadingSource.STAFF)
        for p, (v, unit) in RECOVERY_VITALS.items()
    )
    s.monitoring.ingest(nurse, VitalsBatch(readings, session_id=session_id))
    s.session_workflow.aldrete(nurse, session_id, AldreteScore(2, 2, 2, 2, 2))
    s.session_workflow.discharge(
        nurse, session_id, {"escort_present": True, "instructions_given": True}
    )


@pytest.fixture
def setup(world: World) -> DosingSetup:
    return set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )


def count(world: World, table: object) -> int:
    with world.services.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_first_order_is_signed_from_the_recommendation_with_its_arithmetic(
    world: World, setup: DosingSetup
) -> None:
    app = world.actor(Role.APP)
    screen = world.services.orders.screen(app, setup.course_id)
    assert screen.session_number == 1 and screen.blockers == ()
    assert screen.recommendation is not None and screen.recommendation.proposed is not None
    assert screen.recommendation.proposed.dose_mg == Decimal(35)
    before = count(world, audit_events)
    order = world.services.orders.sign(app, setup.course_id, iv_draft())
    c = order.content
    assert (c.dose_mg, c.draw_volume_ml, c.final_volume_ml) == (Decimal(35), Decimal("0.70"), 100)
    assert c.rate_ml_per_h == Decimal(150) and c.final_concentration_mg_per_ml == Decimal("0.35")
    assert c.recommendation is TitrationOutcome.KEEP and not c.overrides
    assert [p.drug for p in c.premedications] == ["ondansetron"]
    assert any("0.5 mg/kg x 70" in s for s in c.steps), c.steps
    assert any("= 150.0 mL/h" in s for s in c.steps), c.steps
    assert order.status is OrderStatus.SIGNED and order.signed_by == app.staff_id
    assert count(world, audit_events) == before + 1


@pytest.mark.parametrize(
    ("eligible", "consent", "expected"),
    [
        (None, COMPLETE, "eligibility decision not signed"),
        (False, COMPLETE, "signed eligibility decision is not eligible"),
        (True, None, "consent not recorded"),
        (True, ConsentStatus(missing=("treatment consent@1:patient",), blocks=()), "consent"),
        (True, ConsentStatus(missing=(), blocks=("consent withdrawn by patient",)), "withdrawn"),
    ],
    ids=["unsigned_eligibility", "ineligible", "no_consent", "unsigned_consent", "withdrawn"],
)
def test_an_order_cannot_be_signed_without_eligibility_and_consent_in_force(
    world: World,
    setup: DosingSetup,
    eligible: bool | None,
    consent: ConsentStatus | None,
    expected: str,
) -> None:
    setup.gate.eligible, setup.gate.consent = eligible, consent
    with pytest.raises(SafetyBlock) as caught:
        world.services.orders.sign(world.actor(Role.PHYSICIAN), setup.course_id, iv_draft())
    assert any(expected in r for r in caught.value.reasons), caught.value.reasons
    assert count(world, dose_orders) == 0


def test_an_open_safety_gate_blocks_signing(world: World, setup: DosingSetup) -> None:
    with world.services.uow() as uow:
        flag = SafetyFlag("phq9.item9", "PHQ-9 item 9 positive", Urgency.URGENT)
        open_tasks(uow, world.clock, world.actor(Role.NURSE), setup.patient_id, [flag], source="t")
        uow.commit()
    with pytest.raises(SafetyBlock) as caught:
        world.services.orders.sign(world.actor(Role.APP), setup.course_id, iv_draft())
    assert any(r.startswith("open safety gate") for r in caught.value.reasons)
    assert count(world, dose_orders) == 0


def test_a_different_dose_needs_a_reason_and_a_ceiling_cannot_be_exceeded(
    world: World, setup: DosingSetup
) -> None:
    app = world.actor(Role.APP)
    with pytest.raises(SafetyBlock) as caught:
        world.services.orders.sign(app, setup.course_id, iv_draft("0.4"))
    assert caught.value.field == "override_reason"
    with pytest.raises(SafetyBlock) as caught:
        world.services.orders.sign(app, setup.course_id, iv_draft("1.5", reason="trying more"))
    assert any("ceilings cannot be overridden" in r for r in caught.value.reasons)
    with pytest.raises(SafetyBlock):  # the physician cannot exceed it either
        world.services.orders.sign(
            world.actor(Role.PHYSICIAN), setup.course_id, iv_draft("1.5", reason="more")
        )
    order = world.services.orders.sign(app, setup.course_id, iv_draft("0.4", reason="frail"))
    assert order.content.dose_mg == Decimal(28) and order.content.override_reason == "frail"


def test_hard_stops_refuse_the_plan(world: World, setup: DosingSetup) -> None:
    app = world.actor(Role.APP)
    with pytest.raises(SafetyBlock) as caught:  # 10 mg/mL must not be diluted (Ketalar PI)
        world.services.orders.sign(app, setup.course_id, iv_draft(vial_mg_per_ml=Decimal(10)))
    assert any("not to be diluted" in r for r in caught.value.reasons)
    with pytest.raises(ValidationFailed) as missing:
        world.services.orders.sign(app, setup.course_id, iv_draft(vial_mg_per_ml=None))
    assert "vial_mg_per_ml" in missing.value.errors


def test_nurse_verification_lists_every_mismatch_blocks_and_records_the_attempt(
    world: World, setup: DosingSetup
) -> None:
    order = world.services.orders.sign(world.actor(Role.APP), setup.course_id, iv_draft())
    nurse = world.actor(Role.NURSE)
    wrong = bedside(setup.mrn, concentration_mg_per_ml=Decimal(50), rate_ml_per_h=Decimal(52))
    outcome = world.services.orders.verify(nurse, order.id, wrong)
    assert not outcome.verified
    assert [m.field for m in outcome.result.mismatches] == [
        "concentration_mg_per_ml",
        "rate_ml_per_h",
    ]
    assert outcome.order.status is OrderStatus.SIGNED
    world.clock.advance(minutes=2)
    good = world.services.orders.verify(nurse, order.id, bedside(setup.mrn))
    assert good.verified and good.order.verified_by == nurse.staff_id
    assert good.order.verified_at == world.clock.now()
    assert count(world, dose_verifications) == 2
    _, attempts = world.services.orders.get(nurse, order.id)
    assert [a.verified for a in attempts] == [False, True]


def test_the_prescriber_cannot_verify_their_own_order(world: World, setup: DosingSetup) -> None:
    app = world.actor(Role.APP)
    order = world.services.orders.sign(app, setup.course_id, iv_draft())
    with pytest.raises(PermissionDenied):  # prescriber roles hold no ORDER_VERIFY
        world.services.orders.verify(app, order.id, bedside(setup.mrn))
    same_person_as_nurse = Actor(app.staff_id, Role.NURSE, app.clinic_id, "127.0.0.1")
    with pytest.raises(SafetyBlock) as caught:
        world.services.orders.verify(same_person_as_nurse, order.id, bedside(setup.mrn))
    assert caught.value.field == "verified_by"
    assert count(world, dose_verifications) == 0


def test_one_open_order_per_course(world: World, setup: DosingSetup) -> None:
    app = world.actor(Role.APP)
    world.services.orders.sign(app, setup.course_id, iv_draft())
    with pytest.raises(Conflict):
        world.services.orders.sign(app, setup.course_id, iv_draft())


def test_administrations_feed_the_next_recommendation(world: World, setup: DosingSetup) -> None:
    app, nurse = world.actor(Role.APP), world.actor(Role.NURSE)
    first = world.services.orders.sign(app, setup.course_id, iv_draft())
    give(
        setup,
        first.id,
        nurse,
        nurse,
        dissociation_instrument=DissociationInstrument.CADSS6,
        dissociation_peak_total=14,
    )
    world.clock.advance(days=2)
    world.services.checkins.record(
        nurse, setup.course_id, CheckinEntry(3, False, Decimal(7), False)
    )
    screen = world.services.orders.screen(app, setup.course_id)
    assert screen.session_number == 2
    assert screen.recommendation is not None
    assert screen.recommendation.outcome is TitrationOutcome.STEP_DOWN
    assert screen.recommendation.proposed is not None
    assert screen.recommendation.proposed.dose_mg == Decimal("17.5")  # 0.25 mg/kg x 70 kg
    assert [row.order.id for row in screen.history] == [first.id]
    assert screen.history[0].administration is not None


def test_fhir_medication_request_validates_as_r4(world: World, setup: DosingSetup) -> None:
    order = world.services.orders.sign(world.actor(Role.APP), setup.course_id, iv_draft())
    resource = medication_request(order)
    parsed = MedicationRequest.model_validate(resource)
    assert parsed.intent == "order" and parsed.status == "active"
    dose = resource["dosageInstruction"][0]["doseAndRate"][0]
    assert dose["doseQuantity"] == {
        "value": 35,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert dose["rateQuantity"]["code"] == "mL/h" and dose["rateQuantity"]["value"] == 150
    assert resource["medicationCodeableConcept"] == {"text": "ketamine"}  # no unconfirmed RxNorm
    Bundle.model_validate(searchset([resource]))


def test_orders_are_scoped_by_clinic(
    world: World, setup: DosingSetup, tmp_path_factory: pytest.TempPathFactory
) -> None:
    order = world.services.orders.sign(world.actor(Role.APP), setup.course_id, iv_draft())
    other = make_world(world.services.engine, tmp_path_factory.mktemp("o"), slug="otherdose")
    with pytest.raises(NotFound):
        other.services.orders.get(other.actor(Role.NURSE), order.id)
    with pytest.raises(NotFound):
        other.services.orders.screen(other.actor(Role.APP), setup.course_id)


def test_a_course_not_yet_consented_is_refused_in_plain_words(world: World) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    physician = world.actor(Role.PHYSICIAN)
    world.services.courses.move(
        physician, setup.course_id, CourseState.DISCONTINUED, reason="moved away"
    )
    with pytest.raises(SafetyBlock) as caught:
        world.services.orders.sign(world.actor(Role.APP), setup.course_id, iv_draft())
    assert caught.value.detail == "the course is discontinued: it cannot be dosed"
    assert "state" not in caught.value.detail


def test_consent_reasons_name_the_document_not_its_key() -> None:
    titles = {"kat-informed-consent": "Informed consent to ketamine-assisted therapy"}
    said = consent_words("kat-informed-consent@1:patient: patient signature missing", titles)
    assert said == "Informed consent to ketamine-assisted therapy: patient signature missing"
    assert consent_words("something else", titles) == "something else"
