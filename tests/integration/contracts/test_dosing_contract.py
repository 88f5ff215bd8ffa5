"""``DosingRepository`` contract: in-memory fake, SQLite and PostgreSQL behave the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.dosing.checkin import (
    BetweenSessionCheckIn,
    CheckInSource,
    MedicationChange,
    MedicationChangeKind,
    SideEffect,
    TitrationOutcome,
)
from ketaclinic.domain.dosing.records import (
    DoseOrder,
    OrderContent,
    OrderStatus,
    PremedicationOrder,
    SessionResponse,
)
from ketaclinic.domain.dosing.sessions import AdverseEvent, DissociationInstrument, SessionAlarm
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.protocols.sections import AlertAction, Route, WeightBasis
from ketaclinic.services.ports import UnitOfWork
from tests.integration.contracts.conftest import AT, Backend, ClinicRows


def checkin(minutes: int = 0, sleep: str = "7.5") -> BetweenSessionCheckIn:
    return BetweenSessionCheckIn(
        recorded_at=AT + timedelta(minutes=minutes),
        recorded_by=CheckInSource.STAFF,
        anxiety_0_10=4,
        anxiety_spike=True,
        sleep_hours_last_night=Decimal(sleep),
        illness=False,
        medication_changes=(MedicationChange("sertraline", MedicationChangeKind.STARTED),),
        side_effects=(SideEffect.NAUSEA, SideEffect.HEADACHE),
    )


def content(session_number: int = 1, dose_mg: str = "35.00") -> OrderContent:
    return OrderContent(
        session_number=session_number,
        route=Route.IV,
        drug="ketamine",
        dose_mg=Decimal(dose_mg),
        requested_mg_per_kg=Decimal("0.5"),
        effective_mg_per_kg=Decimal("0.50"),
        dosing_weight_kg=Decimal("70.0"),
        weight_basis=WeightBasis.ACTUAL,
        weight_formula="actual weight 70.0 kg",
        vial_mg_per_ml=Decimal("10"),
        draw_volume_ml=Decimal("3.50"),
        final_volume_ml=Decimal("100"),
        final_concentration_mg_per_ml=Decimal("0.35"),
        rate_ml_per_h=Decimal("150.0"),
        mg_per_kg_per_h=None,
        duration_min=40,
        premedications=(PremedicationOrder("ondansetron", Decimal("4"), "iv", "src", True),),
        recommendation=TitrationOutcome.KEEP,
        recommended_dose_mg=None,
        override_reason="",
        reasons=("rule.a: kept [clinical.md §1]",),
        steps=("0.5 mg/kg x 70 kg = 35 mg",),
    )


RESPONSE = SessionResponse(
    dissociation_instrument=DissociationInstrument.CADSS6,
    dissociation_peak_total=9,
    excessive_sedation=False,
    alarms=(SessionAlarm("alarm.sbp_high", "sbp", AlertAction.PAUSE),),
    adverse_events=(AdverseEvent.NAUSEA,),
    stopped_early=False,
)


def sign(uow: UnitOfWork, rows: ClinicRows, session_number: int = 1, **kw: int) -> DoseOrder:
    return uow.dosing.add_order(
        rows.clinic_id,
        rows.patient_id,
        rows.course_id,
        rows.protocol_version_id,
        content(session_number),
        by=rows.staff_id,
        at=AT + timedelta(**kw),
    )


def verified(uow: UnitOfWork, rows: ClinicRows, session_number: int = 1) -> DoseOrder:
    order = sign(uow, rows, session_number)
    uow.dosing.add_verification(order, by=rows.second_staff_id, at=AT, mismatches=())
    found = uow.dosing.get_order(rows.clinic_id, order.id)
    assert found is not None
    return found


# -- check-ins -----------------------------------------------------------------------------
def test_checkin_round_trips_and_lists_newest_first(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        first = uow.dosing.add_checkin(h.clinic_id, h.patient_id, h.course_id, checkin(0), by=None)
        second = uow.dosing.add_checkin(
            h.clinic_id, h.patient_id, h.course_id, checkin(30, "6"), by=h.staff_id
        )
        uow.commit()
    with backend.uow() as uow:
        stored = uow.dosing.checkins(h.clinic_id, h.course_id)
    assert stored == [second, first]
    assert stored[1].checkin == checkin(0)
    assert stored[1].recorded_by_staff is None and stored[0].recorded_by_staff == h.staff_id


def test_checkins_at_the_same_time_list_the_later_one_first(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        ids = [
            uow.dosing.add_checkin(h.clinic_id, h.patient_id, h.course_id, checkin(), by=None).id
            for _ in range(3)
        ]
        assert [c.id for c in uow.dosing.checkins(h.clinic_id, h.course_id)] == ids[::-1]


def test_checkins_are_invisible_to_another_clinic_and_course(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        uow.dosing.add_checkin(h.clinic_id, h.patient_id, h.course_id, checkin(), by=None)
        assert uow.dosing.checkins(a.clinic_id, h.course_id) == []
        assert uow.dosing.checkins(h.clinic_id, h.second_course_id) == []


# -- orders --------------------------------------------------------------------------------
def test_signed_order_round_trips_exactly(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        order = sign(uow, h)
        uow.commit()
    assert order.status is OrderStatus.SIGNED
    assert (order.signed_by, order.signed_at, order.verified_by) == (h.staff_id, AT, None)
    with backend.uow() as uow:
        assert uow.dosing.get_order(h.clinic_id, order.id) == order
    assert order.content == content(1)
    assert str(order.content.dose_mg) == "35.00"  # Decimal text kept exactly


def test_an_order_is_not_found_in_another_clinic_or_by_an_unknown_id(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        order = sign(uow, h)
        assert uow.dosing.get_order(a.clinic_id, order.id) is None
        assert uow.dosing.get_order(h.clinic_id, order.id + 1000) is None
        assert uow.dosing.orders_for_course(a.clinic_id, h.course_id) == []
        assert uow.dosing.orders_for_patient(a.clinic_id, h.patient_id) == []


def test_orders_of_a_course_list_by_session_number(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        third, first, second = (sign(uow, h, n) for n in (3, 1, 2))
        listed = uow.dosing.orders_for_course(h.clinic_id, h.course_id)
    assert [o.id for o in listed] == [first.id, second.id, third.id]


def test_orders_of_a_patient_list_by_signing_time(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        later = sign(uow, h, 1, minutes=10)
        earlier = sign(uow, h, 2, minutes=5)
        listed = uow.dosing.orders_for_patient(h.clinic_id, h.patient_id)
        assert uow.dosing.orders_for_patient(h.clinic_id, h.second_patient_id) == []
    assert [o.id for o in listed] == [earlier.id, later.id]


# -- bedside checks ------------------------------------------------------------------------
def test_a_clean_bedside_check_verifies_the_order(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        order = sign(uow, h)
        record = uow.dosing.add_verification(
            order, by=h.second_staff_id, at=AT + timedelta(minutes=1), mismatches=()
        )
        uow.commit()
    with backend.uow() as uow:
        found = uow.dosing.get_order(h.clinic_id, order.id)
        assert uow.dosing.verifications(h.clinic_id, order.id) == [record]
        assert uow.dosing.verifications(backend.away.clinic_id, order.id) == []
    assert found is not None and found.status is OrderStatus.VERIFIED
    assert (found.verified_by, found.verified_at) == (h.second_staff_id, AT + timedelta(minutes=1))
    assert (record.order_id, record.by_staff, record.mismatches) == (
        order.id,
        h.second_staff_id,
        (),
    )


def test_a_bedside_check_with_mismatches_leaves_the_order_signed(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        order = sign(uow, h)
        first = uow.dosing.add_verification(
            order, by=h.second_staff_id, at=AT, mismatches=["dose_mg"]
        )
        second = uow.dosing.add_verification(order, by=h.second_staff_id, at=AT, mismatches=())
        found = uow.dosing.get_order(h.clinic_id, order.id)
        assert uow.dosing.verifications(h.clinic_id, order.id) == [first, second]
    assert first.mismatches == ("dose_mg",)
    assert found is not None and found.status is OrderStatus.VERIFIED


def test_verifying_an_order_twice_is_a_conflict(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        order = sign(uow, h)
        uow.dosing.add_verification(order, by=h.second_staff_id, at=AT, mismatches=())
        with pytest.raises(Conflict) as err:
            uow.dosing.add_verification(order, by=h.second_staff_id, at=AT, mismatches=())
    assert err.value.field == "order_id"


# -- administrations -----------------------------------------------------------------------
def test_an_administration_round_trips_and_marks_the_order_administered(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        order = verified(uow, h)
        given = uow.dosing.add_administration(order, RESPONSE, by=h.staff_id, at=AT)
        uow.commit()
    with backend.uow() as uow:
        assert uow.dosing.administrations(h.clinic_id, h.course_id) == [given]
        found = uow.dosing.get_order(h.clinic_id, order.id)
    assert found is not None and found.status is OrderStatus.ADMINISTERED
    assert (given.dose_mg, given.dose_mg_per_kg, given.session_number) == (
        Decimal("35.00"),
        Decimal("0.50"),
        1,
    )
    assert given.response == RESPONSE


def test_administering_an_order_twice_is_a_conflict(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        order = verified(uow, h)
        uow.dosing.add_administration(order, RESPONSE, by=h.staff_id, at=AT)
        with pytest.raises(Conflict) as err:
            uow.dosing.add_administration(order, RESPONSE, by=h.staff_id, at=AT)
    assert err.value.field == "order_id"


def test_administering_an_unverified_order_is_a_conflict(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        order = sign(uow, h)
        with pytest.raises(Conflict):
            uow.dosing.add_administration(order, SessionResponse(), by=h.staff_id, at=AT)


def test_administrations_list_in_session_order_within_the_clinic(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        second = uow.dosing.add_administration(verified(uow, h, 2), RESPONSE, by=h.staff_id, at=AT)
        first = uow.dosing.add_administration(verified(uow, h, 1), RESPONSE, by=h.staff_id, at=AT)
        assert uow.dosing.administrations(h.clinic_id, h.course_id) == [first, second]
        assert uow.dosing.administrations(a.clinic_id, h.course_id) == []


def test_the_latest_order_route_of_each_course_is_read_at_once_within_the_clinic(
    backend: Backend,
) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        sign(uow, h, 1)
        uow.dosing.add_order(
            h.clinic_id,
            h.patient_id,
            h.course_id,
            h.protocol_version_id,
            replace(content(2), route=Route.SL),
            by=h.staff_id,
            at=AT,
        )
        uow.commit()
    with backend.uow() as uow:
        both = {h.course_id, h.second_course_id}
        assert uow.dosing.latest_routes(h.clinic_id, both) == {h.course_id: Route.SL}
        assert uow.dosing.latest_routes(a.clinic_id, both) == {}
        assert uow.dosing.latest_routes(h.clinic_id, set()) == {}
