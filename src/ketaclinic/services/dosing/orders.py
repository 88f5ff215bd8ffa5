"""Dose orders: written by a prescriber from the recommendation, checked at the bedside by a
second person, then given.

A prescriber (physician or APP, ``ORDER_WRITE``)
signs an order for the course's next session: the dose is always recomputed by the domain
(``plan_dose``), so a ceiling or a hard stop (label or pump refusal) cannot be exceeded by anyone;
a dose other than the recommended one needs a written reason (``review_prescribed_dose``). An order
for an ineligible course, a consent not in force or an open safety gate cannot be signed. Before
administration a nurse (``ORDER_VERIFY``, not the prescriber) enters what is in hand and
``verify_order`` lists every mismatch; a mismatch blocks and every attempt is recorded and audited.
What the prescriber and the nurse enter (``OrderDraft``, ``BedsideEntry``) is in ``inputs``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketaclinic.domain.dosing.calculation import request_above_ceiling
from ketaclinic.domain.dosing.orders import (
    ObservedAdministration,
    OrderToVerify,
    VerificationResult,
    review_prescribed_dose,
    verify_order,
)
from ketaclinic.domain.dosing.plan import DosePlan, DoseRequest
from ketaclinic.domain.dosing.reasons import DosingReason
from ketaclinic.domain.dosing.records import (
    DoseOrder,
    OrderStatus,
    VerificationRecord,
)
from ketaclinic.domain.dosing.weight import Sex
from ketaclinic.domain.errors import Conflict, NotFound, SafetyBlock, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.audit.trail import record
from ketaclinic.services.dosing.inputs import BedsideEntry, OrderDraft
from ketaclinic.services.dosing.order_content import order_content
from ketaclinic.services.dosing.screen import OrderScreen, SymptomSource, build_screen
from ketaclinic.services.dosing.underway import refuse_underway
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.patients.courses import CourseService
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

DOSING_STATES = frozenset({CourseState.CONSENTED, CourseState.INDUCTION, CourseState.MAINTENANCE})


@dataclass(frozen=True, slots=True)
class VerificationOutcome:
    order: DoseOrder
    attempt: VerificationRecord
    result: VerificationResult

    @property
    def verified(self) -> bool:
        return self.result.verified


class OrderService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        courses: CourseService,
        symptoms: SymptomSource | None = None,
    ) -> None:
        self._uow, self._clock, self._courses = uow_factory, clock, courses
        self._symptoms = symptoms

    def set_symptom_source(self, source: SymptomSource) -> None:
        """Wired in bootstrap by the area that records the primary instrument."""
        self._symptoms = source

    def screen(
        self, actor: Actor, course_id: int, *, route: Route | None = None, sex: Sex | None = None
    ) -> OrderScreen:
        """The order screen for the course's next session (read only; ``ORDER_WRITE``)."""
        require(actor, Permission.ORDER_WRITE)
        with self._uow() as uow:
            return self._screen(uow, actor, course_id, route, sex)

    def screen_to_write(
        self, actor: Actor, course_id: int, *, route: Route | None = None
    ) -> OrderScreen:
        """The order screen to write the next session's order from: refused while a dose of
        the course is being given (``order.dose_underway``), as signing is."""
        screen = self.screen(actor, course_id, route=route)
        refuse_underway(screen.underway)
        return screen

    def preview(self, actor: Actor, course_id: int, draft: OrderDraft) -> DosePlan:
        """The plan a draft would sign, with every step and refusal, without storing anything."""
        require(actor, Permission.ORDER_WRITE)
        with self._uow() as uow:
            screen = self._screen(uow, actor, course_id, draft.route, draft.sex, draft)
        return screen.plan(_request(screen, draft))

    def sign(self, actor: Actor, course_id: int, draft: OrderDraft) -> DoseOrder:
        """Sign an order for the next session; refused with every reason (see module)."""
        require(actor, Permission.ORDER_WRITE)
        assert actor.staff_id is not None
        with self._uow() as uow:
            screen = self._screen(uow, actor, course_id, draft.route, draft.sex, draft)
            _check_signable(screen)
            plan = screen.plan(_request(screen, draft))
            _check_plan(screen, plan, draft)
            content = order_content(screen, plan, draft.premedications, draft.override_reason)
            order = uow.dosing.add_order(
                actor.clinic_id,
                screen.patient.id,
                course_id,
                screen.course.protocol_version_id,
                content,
                by=actor.staff_id,
                at=self._clock.now(),
            )
            record(
                uow,
                self._clock,
                actor,
                "dose_order.sign",
                object_type="dose_order",
                object_id=order.id,
                patient_id=order.patient_id,
                detail=f"session={content.session_number} route={content.route.value} "
                f"dose_mg={content.dose_mg} recommendation={content.recommendation.value} "
                f"override={'yes' if content.overrides else 'no'} "
                f"weight_basis={content.weight_basis.value} weight_kg={content.dosing_weight_kg}",
            )
            uow.commit()
        return order

    def verify(self, actor: Actor, order_id: int, entry: BedsideEntry) -> VerificationOutcome:
        """The second-person bedside check; every attempt is stored and audited, a mismatch blocks.

        Refused outright when the nurse signed the order themselves or the order is not waiting
        for a check: the second person is the point of the check. Source: clinical.md §2.4.
        """
        require(actor, Permission.ORDER_VERIFY)
        assert actor.staff_id is not None
        with self._uow() as uow:
            order = _order(uow, actor, order_id)
            if order.signed_by == actor.staff_id:
                raise SafetyBlock(
                    "the bedside check must be made by a second person, not the prescriber",
                    field="verified_by",
                )
            if order.status is not OrderStatus.SIGNED:
                raise Conflict(f"this order is already {order.status.value}", field="order_id")
            result = verify_order(_to_verify(uow, order), _observed(order, entry))
            messages = [m.reason.message for m in result.mismatches]
            attempt = uow.dosing.add_verification(
                order, by=actor.staff_id, at=self._clock.now(), mismatches=messages
            )
            record(
                uow,
                self._clock,
                actor,
                "dose_order.verify",
                object_type="dose_order",
                object_id=order.id,
                patient_id=order.patient_id,
                outcome="success" if result.verified else "blocked",
                detail="mismatch=" + ",".join(m.field for m in result.mismatches),
            )
            updated = uow.dosing.get_order(actor.clinic_id, order_id)
            uow.commit()
        assert updated is not None
        return VerificationOutcome(updated, attempt, result)

    def get(self, actor: Actor, order_id: int) -> tuple[DoseOrder, Sequence[VerificationRecord]]:
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            order = _order(uow, actor, order_id)
            return order, uow.dosing.verifications(actor.clinic_id, order_id)

    def for_patient(self, actor: Actor, patient_id: int) -> Sequence[DoseOrder]:
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            if uow.patients.get(actor.clinic_id, patient_id) is None:
                raise NotFound("no such patient in this clinic", field="patient_id")
            return uow.dosing.orders_for_patient(actor.clinic_id, patient_id)

    def _screen(
        self,
        uow: UnitOfWork,
        actor: Actor,
        course_id: int,
        route: Route | None,
        sex: Sex | None,
        draft: OrderDraft | None = None,
    ) -> OrderScreen:
        return build_screen(
            uow,
            clinic_id=actor.clinic_id,
            course_id=course_id,
            route=route,
            sex=sex,
            at=self._clock.now(),
            facts_of=self._courses.facts,
            symptoms_of=self._symptoms,
            chosen_weight=draft.chosen_weight if draft else None,
        )


def _order(uow: UnitOfWork, actor: Actor, order_id: int) -> DoseOrder:
    order = uow.dosing.get_order(actor.clinic_id, order_id)
    if order is None:
        raise NotFound("no such order in this clinic", field="order_id")
    return order


def _request(screen: OrderScreen, draft: OrderDraft) -> DoseRequest:
    if screen.sex is None:
        raise ValidationFailed(
            {"sex": "the record says intersex or unknown: choose the sex the formula uses"}
        )
    per_kg = screen.route.start_mg_per_kg is not None
    errors: dict[str, str] = {}
    if per_kg and draft.mg_per_kg is None:
        errors["mg_per_kg"] = "enter the dose in mg/kg"
    if not per_kg and draft.fixed_mg is None:
        errors["fixed_mg"] = "enter the dose in mg"
    if screen.route.route in (Route.IV, Route.IM) and draft.vial_mg_per_ml is None:
        errors["vial_mg_per_ml"] = "choose the vial concentration"
    if errors:
        raise ValidationFailed(errors)
    return DoseRequest(
        route=screen.route.route,
        sex=screen.sex,
        age_years=screen.age_years,
        mg_per_kg=draft.mg_per_kg if per_kg else None,
        fixed_mg=None if per_kg else draft.fixed_mg,
        vial_mg_per_ml=draft.vial_mg_per_ml,
        final_volume_ml=draft.final_volume_ml,
        chosen_weight=draft.chosen_weight,
    )


#: A course state as the refusal to dose it says it.
_COURSE_WORDS = {
    CourseState.REFERRED: "only referred",
    CourseState.EVALUATING: "still being evaluated",
    CourseState.ELIGIBLE: "eligible but not yet consented",
    CourseState.INELIGIBLE: "ineligible",
    CourseState.REASSESSMENT: "in reassessment",
    CourseState.COMPLETED: "completed",
    CourseState.DISCONTINUED: "discontinued",
}


def _check_signable(screen: OrderScreen) -> None:
    if screen.course.state not in DOSING_STATES:
        raise SafetyBlock(
            f"the course is {_COURSE_WORDS.get(screen.course.state, screen.course.state.value)}:"
            " it cannot be dosed",
            reasons=("orders are written for consented, induction or maintenance courses",),
            field="course_id",
        )
    if screen.blockers:
        raise SafetyBlock("this order cannot be signed", reasons=screen.blockers, field="course_id")
    refuse_underway(screen.underway)
    if screen.open_order is not None:
        raise Conflict(
            f"the {order_words(screen.open_order)} is {_STATUS_WORDS[screen.open_order.status]}"
            " and not yet given: one order at a time",
            field="course_id",
        )


#: An order not yet given, as a refusal says it.
_STATUS_WORDS = {
    OrderStatus.SIGNED: "signed and waiting for the bedside check",
    OrderStatus.VERIFIED: "checked at the bedside",
    OrderStatus.ADMINISTERED: "given",
}


def order_words(order: DoseOrder) -> str:
    """An order named by what it orders and its session: ``session 1 dose order (100 mg SL)``."""
    c = order.content
    dose = f"{decimal_text(c.dose_mg)} mg {c.route.value.upper()}"
    return f"session {c.session_number} dose order ({dose})"


def _check_plan(screen: OrderScreen, plan: DosePlan, draft: OrderDraft) -> None:
    """Plan refusals, a request above a ceiling, and an override without a written reason."""
    refusals = list(plan.refusals)
    recommendation = screen.recommendation
    if recommendation is None or plan.dose is None:
        refusals.append(DosingReason("order.no_recommendation", "no dose can be computed", ""))
        _refuse(refusals)
        return
    dose = plan.dose
    proposed = recommendation.proposed
    above = request_above_ceiling(dose, proposed_mg=proposed.requested_mg if proposed else None)
    if above is not None:
        refusals.append(above)
    review = review_prescribed_dose(recommendation, dose, override_reason=draft.override_reason)
    refusals.extend(review.refusals)
    _refuse(refusals)


def _refuse(refusals: Sequence[DosingReason]) -> None:
    if refusals:
        field = (
            "override_reason"
            if all(r.rule_id == "order.override_needs_reason" for r in refusals)
            else "dose"
        )
        raise SafetyBlock(
            "this order cannot be signed",
            reasons=tuple(f"{r.message} [{r.source}]" if r.source else r.message for r in refusals),
            field=field,
        )


def _to_verify(uow: UnitOfWork, order: DoseOrder) -> OrderToVerify:
    patient = uow.patients.get(order.clinic_id, order.patient_id)
    assert patient is not None
    c = order.content
    concentration = c.final_concentration_mg_per_ml  # None: an SL or IN dose, no solution made
    return OrderToVerify(
        order_id=str(order.id),
        patient_id=patient.mrn,
        drug=c.drug,
        route=c.route,
        concentration_mg_per_ml=concentration,
        dose_mg=c.dose_mg,
        rate_ml_per_h=c.rate_ml_per_h,
    )


def _observed(order: DoseOrder, entry: BedsideEntry) -> ObservedAdministration:
    return ObservedAdministration(
        patient_id=entry.mrn.strip(),
        drug=entry.drug,
        route=entry.route,
        concentration_mg_per_ml=entry.concentration_mg_per_ml,
        dose_mg=entry.dose_mg,
        rate_ml_per_h=entry.rate_ml_per_h,
    )
