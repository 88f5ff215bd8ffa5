"""Dose orders and check-ins as use cases, on the in-memory fakes.

Signing (prescriber only; eligibility, consent and the safety gate; ceilings; an override needs a
reason; one open order at a time), the second-person bedside check, the administration, and the
between-session check-in. Each use case commits once with its audit event; a refusal stores
nothing. Sources as in ``services/dosing/orders.py`` (clinical.md §2.2, §2.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

import pytest

from ketaclinic.domain.consent.signatures import ConsentStatus
from ketaclinic.domain.dosing.records import DoseOrder, OrderStatus
from ketaclinic.domain.errors import Conflict, NotFound, PermissionDenied, SafetyBlock
from ketaclinic.domain.evaluation.eligibility.engine import Decision
from ketaclinic.domain.evaluation.eligibility.signoff import SignedDecision
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import ConsentFacts, CourseState, EligibilityFacts
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.dosing.checkins import CheckinEntry, CheckinService
from ketaclinic.services.dosing.gate import dose_refusals
from ketaclinic.services.dosing.orders import BedsideEntry, OrderDraft, OrderService
from ketaclinic.services.patients.courses import CourseService, FactProvider
from ketaclinic.services.ports import UnitOfWork
from tests.unit.services.world import FakeWorld

COMPLETE = ConsentStatus(missing=(), blocks=())


@dataclass
class Gate:
    """The eligibility and consent facts the course reports (set per test)."""

    eligible: bool = True
    consent: ConsentStatus = field(default_factory=lambda: COMPLETE)

    def eligibility_facts(
        self, uow: UnitOfWork, course: Course, protocol: Protocol
    ) -> EligibilityFacts:
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

    def providers(self) -> list[FactProvider]:
        return [self.eligibility_facts, self.consent_facts]


@dataclass
class Dosing:
    world: FakeWorld
    gate: Gate
    orders: OrderService
    checkins: CheckinService

    def sign(self, mg_per_kg: str = "0.5", reason: str = "") -> DoseOrder:
        return self.orders.sign(
            self.world.actor(Role.PHYSICIAN), self.world.course.id, draft(mg_per_kg, reason)
        )

    def verified(self) -> DoseOrder:
        order = self.sign()
        self.orders.verify(self.world.actor(Role.NURSE), order.id, bedside(self.world.mrn))
        return self.orders.get(self.world.actor(Role.NURSE), order.id)[0]


def draft(mg_per_kg: str = "0.5", reason: str = "") -> OrderDraft:
    return OrderDraft(
        route=Route.IV,
        mg_per_kg=Decimal(mg_per_kg),
        vial_mg_per_ml=Decimal(50),
        final_volume_ml=Decimal(100),
        premedications=("ondansetron",),
        override_reason=reason,
    )


def bedside(mrn: str) -> BedsideEntry:
    return BedsideEntry(
        mrn=mrn,
        drug="Ketamine",
        route=Route.IV,
        concentration_mg_per_ml=Decimal("0.35"),
        dose_mg=Decimal(35),
        rate_ml_per_h=Decimal(150),
    )


@pytest.fixture
def dosing(fake_world: FakeWorld) -> Dosing:
    gate = Gate()
    courses = CourseService(fake_world.uow, fake_world.clock, gate.providers())
    fake_world.move_course(CourseState.CONSENTED)
    return Dosing(
        fake_world,
        gate,
        OrderService(fake_world.uow, fake_world.clock, courses),
        CheckinService(fake_world.uow, fake_world.clock),
    )


def stored_orders(w: FakeWorld) -> list[DoseOrder]:
    return list(w.committed.dosing.orders.values())


# -- signing -------------------------------------------------------------------------------
def test_a_prescriber_signs_the_recommended_dose_in_one_commit_with_its_audit_event(
    dosing: Dosing,
) -> None:
    w, before = dosing.world, dosing.world.db.commits
    order = dosing.sign()
    assert (order.status, order.content.dose_mg, order.signed_by) == (
        OrderStatus.SIGNED,
        Decimal("35.0"),
        w.staff(Role.PHYSICIAN),
    )
    assert stored_orders(w) == [order]
    assert w.db.commits == before + 1
    event = w.audit()[-1]
    assert (event.action, event.object_id, event.patient_id) == (
        "dose_order.sign",
        str(order.id),
        w.patient_id,
    )
    assert "dose_mg=35.0" in event.detail and "override=no" in event.detail


@pytest.mark.parametrize("role", [Role.NURSE, Role.COACH, Role.FRONT_DESK, Role.AUDITOR])
def test_only_a_prescriber_signs_an_order(dosing: Dosing, role: Role) -> None:
    w, before = dosing.world, dosing.world.db.commits
    with pytest.raises(PermissionDenied):
        dosing.orders.sign(w.actor(role), w.course.id, draft())
    assert (stored_orders(w), w.db.commits, w.actions()) == ([], before, [])


def test_a_course_that_is_not_eligible_cannot_be_dosed(dosing: Dosing) -> None:
    dosing.gate.eligible = False
    with pytest.raises(SafetyBlock) as err:
        dosing.sign()
    assert "signed eligibility decision is not eligible" in err.value.reasons
    assert stored_orders(dosing.world) == [] and dosing.world.actions() == []


def test_consent_not_in_force_blocks_signing(dosing: Dosing) -> None:
    dosing.gate.consent = ConsentStatus(missing=("iv-ketamine-informed-consent",), blocks=())
    with pytest.raises(SafetyBlock) as err:
        dosing.sign()
    assert err.value.field == "course_id"
    assert stored_orders(dosing.world) == []


def test_an_open_safety_task_blocks_signing_naming_the_task(dosing: Dosing) -> None:
    task = dosing.world.open_safety_task()
    with pytest.raises(SafetyBlock) as err:
        dosing.sign()
    assert any(f"safety task {task.id}" in r for r in err.value.reasons)
    assert stored_orders(dosing.world) == []


def test_a_course_before_consent_cannot_be_dosed(fake_world: FakeWorld) -> None:
    gate = Gate()
    orders = OrderService(
        fake_world.uow,
        fake_world.clock,
        CourseService(fake_world.uow, fake_world.clock, gate.providers()),
    )
    fake_world.move_course(CourseState.EVALUATING)
    with pytest.raises(SafetyBlock) as err:
        orders.sign(fake_world.actor(Role.PHYSICIAN), fake_world.course.id, draft())
    assert (
        err.value.field == "course_id" and "the course is still being evaluated" in err.value.detail
    )
    assert stored_orders(fake_world) == []


def test_a_dose_above_the_ceiling_is_refused_and_cannot_be_overridden(dosing: Dosing) -> None:
    with pytest.raises(SafetyBlock) as err:
        dosing.sign("5", reason="the patient asked for more")
    assert err.value.field == "dose"
    assert any("ceiling" in r for r in err.value.reasons)
    assert stored_orders(dosing.world) == []


def test_a_dose_other_than_recommended_needs_a_written_reason(dosing: Dosing) -> None:
    with pytest.raises(SafetyBlock) as err:
        dosing.sign("0.6")
    assert err.value.field == "override_reason"
    assert stored_orders(dosing.world) == []
    order = dosing.sign("0.6", reason="tolerated 0.5 well, response partial")
    assert order.content.override_reason.startswith("tolerated")
    assert "override=yes" in dosing.world.audit()[-1].detail


def test_a_second_order_while_one_is_not_given_is_a_conflict(dosing: Dosing) -> None:
    first = dosing.sign()
    with pytest.raises(Conflict) as err:
        dosing.sign()
    assert err.value.field == "course_id" and str(first.id) in err.value.detail
    assert stored_orders(dosing.world) == [first]


def test_another_clinic_never_sees_the_order(dosing: Dosing) -> None:
    order = dosing.sign()
    outsider = dosing.world.outsider(Role.NURSE)
    with pytest.raises(NotFound):
        dosing.orders.get(outsider, order.id)
    with pytest.raises(NotFound):
        dosing.orders.verify(outsider, order.id, bedside(dosing.world.mrn))
    assert dosing.world.committed.dosing.verifications == {}


# -- the second-person bedside check -------------------------------------------------------
def test_a_nurse_verifies_what_is_in_hand_in_one_commit(dosing: Dosing) -> None:
    w = dosing.world
    order = dosing.sign()
    before = w.db.commits
    outcome = dosing.orders.verify(w.actor(Role.NURSE), order.id, bedside(w.mrn))
    assert outcome.verified and outcome.order.status is OrderStatus.VERIFIED
    assert outcome.order.verified_by == w.staff(Role.NURSE)
    assert w.db.commits == before + 1
    assert (w.audit()[-1].action, w.audit()[-1].outcome) == ("dose_order.verify", "success")


def test_the_prescriber_cannot_make_the_second_person_check(dosing: Dosing) -> None:
    w = dosing.world
    order = dosing.sign()
    with pytest.raises(PermissionDenied):  # prescribers do not hold ORDER_VERIFY
        dosing.orders.verify(w.actor(Role.PHYSICIAN), order.id, bedside(w.mrn))
    # the same person, later holding the nurse role, still cannot check their own order
    same_person = replace(w.actor(Role.NURSE), staff_id=w.staff(Role.PHYSICIAN))
    with pytest.raises(SafetyBlock) as err:
        dosing.orders.verify(same_person, order.id, bedside(w.mrn))
    assert err.value.field == "verified_by"
    assert w.committed.dosing.verifications == {}
    assert w.committed.dosing.orders[order.id].status is OrderStatus.SIGNED


def test_a_mismatch_blocks_and_the_attempt_is_kept_and_audited(dosing: Dosing) -> None:
    w = dosing.world
    order = dosing.sign()
    outcome = dosing.orders.verify(
        w.actor(Role.NURSE), order.id, replace(bedside(w.mrn), dose_mg=Decimal(50), mrn="UN999999")
    )
    assert not outcome.verified and outcome.order.status is OrderStatus.SIGNED
    assert len(outcome.attempt.mismatches) == 2
    assert [r for _, r in w.committed.dosing.verifications.values()] == [outcome.attempt]
    event = w.audit()[-1]
    assert (event.action, event.outcome) == ("dose_order.verify", "blocked")
    assert "dose_mg" in event.detail and "patient_id" in event.detail


def test_a_verified_order_is_not_checked_again(dosing: Dosing) -> None:
    order = dosing.verified()
    with pytest.raises(Conflict):
        dosing.orders.verify(dosing.world.actor(Role.NURSE), order.id, bedside(dosing.world.mrn))


# -- the dose gate ---------------------------------------------------------------------------
# An administration is written only when a gated session starts dosing; these check the gate
# (``services.dosing.gate.dose_refusals``) on the in-memory store, before any session exists.
def _refusals(dosing: Dosing, order: DoseOrder | None) -> tuple[str, ...]:
    w = dosing.world
    with w.uow() as uow:
        course = uow.courses.get(w.clinic.id, w.course.id)
        assert course is not None
        consent = ConsentStatus(missing=(), blocks=())
        return dose_refusals(uow, course, consent, None, order, w.protocol, w.clock.now())


def test_an_unverified_order_cannot_be_given(dosing: Dosing) -> None:
    order = dosing.sign()
    refusals = _refusals(dosing, order)
    assert any(r.startswith("dose_gate.order:") and "not verified" in r for r in refusals)
    assert dosing.world.committed.dosing.administrations == {}


def test_an_open_safety_task_blocks_the_dose(dosing: Dosing) -> None:
    w = dosing.world
    order = dosing.verified()
    assert not [r for r in _refusals(dosing, order) if r.startswith("dose_gate.safety_gates")]
    w.open_safety_task()
    assert [r for r in _refusals(dosing, order) if r.startswith("dose_gate.safety_gates")]
    assert w.committed.dosing.orders[order.id].status is OrderStatus.VERIFIED


def test_a_verified_order_is_still_refused_outside_a_session(dosing: Dosing) -> None:
    order = dosing.verified()
    refusals = _refusals(dosing, order)
    assert [r for r in refusals if r.startswith("dose_gate.session:")]
    assert not [r for r in refusals if r.startswith("dose_gate.order:")]


# -- check-ins -----------------------------------------------------------------------------
ENTRY = CheckinEntry(
    anxiety_0_10=3, anxiety_spike=False, sleep_hours_last_night=Decimal(7), illness=True
)


def test_a_checkin_is_stored_with_its_findings_in_one_commit(dosing: Dosing) -> None:
    w = dosing.world
    before = w.db.commits
    view = dosing.checkins.record(w.actor(Role.NURSE), w.course.id, ENTRY)
    assert view.stored.checkin.illness and view.stored.recorded_by_staff == w.staff(Role.NURSE)
    assert any(f.reason.rule_id for f in view.findings)  # illness adjusts the next session
    assert w.db.commits == before + 1
    assert list(w.committed.dosing.checkins.values()) == [view.stored]
    assert w.audit()[-1].action == "dose_checkin.record"


def test_front_desk_cannot_record_a_checkin_and_nothing_is_stored(dosing: Dosing) -> None:
    w = dosing.world
    with pytest.raises(PermissionDenied):
        dosing.checkins.record(w.actor(Role.FRONT_DESK), w.course.id, ENTRY)
    with pytest.raises(NotFound):
        dosing.checkins.record(w.outsider(Role.NURSE), w.course.id, ENTRY)
    assert w.committed.dosing.checkins == {} and w.actions() == []
