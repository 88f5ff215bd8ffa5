"""Dose check-ins, orders, bedside checks and administrations, always scoped by clinic."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from ketaclinic.adapters.db.dosing.tables import (
    dose_administrations,
    dose_checkins,
    dose_orders,
    dose_verifications,
)
from ketaclinic.domain.dosing.checkin import (
    BetweenSessionCheckIn,
    CheckInSource,
    MedicationChange,
    MedicationChangeKind,
    SideEffect,
    TitrationOutcome,
)
from ketaclinic.domain.dosing.records import (
    Administration,
    DoseOrder,
    OrderContent,
    OrderStatus,
    PremedicationOrder,
    SessionResponse,
    StoredCheckIn,
    VerificationRecord,
)
from ketaclinic.domain.dosing.sessions import AdverseEvent, DissociationInstrument, SessionAlarm
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.protocols.sections import AlertAction, Route, WeightBasis


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _checkin(m: Any) -> StoredCheckIn:
    checkin = BetweenSessionCheckIn(
        recorded_at=m["recorded_at"],
        recorded_by=CheckInSource(m["source"]),
        anxiety_0_10=m["anxiety_0_10"],
        anxiety_spike=bool(m["anxiety_spike"]),
        sleep_hours_last_night=Decimal(m["sleep_hours"]),
        illness=bool(m["illness"]),
        medication_changes=tuple(
            MedicationChange(c["drug"], MedicationChangeKind(c["change"]))
            for c in json.loads(m["medication_changes"])
        ),
        side_effects=tuple(SideEffect(s) for s in json.loads(m["side_effects"])),
    )
    return StoredCheckIn(
        m["id"], m["clinic_id"], m["patient_id"], m["course_id"], m["recorded_by"], checkin
    )


def _premeds(raw: str) -> tuple[PremedicationOrder, ...]:
    return tuple(
        PremedicationOrder(p["drug"], Decimal(p["dose_mg"]), p["route"], p["source"], p["signoff"])
        for p in json.loads(raw)
    )


def _content(m: Any) -> OrderContent:
    return OrderContent(
        session_number=m["session_number"],
        route=Route(m["route"]),
        drug=m["drug"],
        dose_mg=Decimal(m["dose_mg"]),
        requested_mg_per_kg=_dec(m["requested_mg_per_kg"]),
        effective_mg_per_kg=Decimal(m["effective_mg_per_kg"]),
        dosing_weight_kg=Decimal(m["dosing_weight_kg"]),
        weight_basis=WeightBasis(m["weight_basis"]),
        weight_formula=m["weight_formula"],
        vial_mg_per_ml=_dec(m["vial_mg_per_ml"]),
        draw_volume_ml=_dec(m["draw_volume_ml"]),
        final_volume_ml=_dec(m["final_volume_ml"]),
        final_concentration_mg_per_ml=_dec(m["final_concentration_mg_per_ml"]),
        rate_ml_per_h=_dec(m["rate_ml_per_h"]),
        mg_per_kg_per_h=_dec(m["mg_per_kg_per_h"]),
        duration_min=m["duration_min"],
        premedications=_premeds(m["premedications"]),
        recommendation=TitrationOutcome(m["recommendation"]),
        recommended_dose_mg=_dec(m["recommended_dose_mg"]),
        override_reason=m["override_reason"],
        reasons=tuple(json.loads(m["reasons"])),
        steps=tuple(json.loads(m["steps"])),
    )


def _order(m: Any) -> DoseOrder:
    return DoseOrder(
        id=m["id"],
        clinic_id=m["clinic_id"],
        patient_id=m["patient_id"],
        course_id=m["course_id"],
        protocol_version_id=m["protocol_version_id"],
        content=_content(m),
        status=OrderStatus(m["status"]),
        signed_by=m["signed_by"],
        signed_at=m["signed_at"],
        verified_by=m["verified_by"],
        verified_at=m["verified_at"],
    )


def _content_values(c: OrderContent) -> dict[str, object]:
    premeds = [
        {
            "drug": p.drug,
            "dose_mg": str(p.dose_mg),
            "route": p.route,
            "source": p.source,
            "signoff": p.needs_signoff,
        }
        for p in c.premedications
    ]
    return {
        "session_number": c.session_number,
        "route": c.route.value,
        "drug": c.drug,
        "dose_mg": str(c.dose_mg),
        "requested_mg_per_kg": _text(c.requested_mg_per_kg),
        "effective_mg_per_kg": str(c.effective_mg_per_kg),
        "dosing_weight_kg": str(c.dosing_weight_kg),
        "weight_basis": c.weight_basis.value,
        "weight_formula": c.weight_formula,
        "vial_mg_per_ml": _text(c.vial_mg_per_ml),
        "draw_volume_ml": _text(c.draw_volume_ml),
        "final_volume_ml": _text(c.final_volume_ml),
        "final_concentration_mg_per_ml": _text(c.final_concentration_mg_per_ml),
        "rate_ml_per_h": _text(c.rate_ml_per_h),
        "mg_per_kg_per_h": _text(c.mg_per_kg_per_h),
        "duration_min": c.duration_min,
        "premedications": json.dumps(premeds),
        "recommendation": c.recommendation.value,
        "recommended_dose_mg": _text(c.recommended_dose_mg),
        "override_reason": c.override_reason,
        "reasons": json.dumps(list(c.reasons)),
        "steps": json.dumps(list(c.steps)),
    }


def _administration(m: Any) -> Administration:
    instrument = m["dissociation_instrument"]
    response = SessionResponse(
        dissociation_instrument=DissociationInstrument(instrument) if instrument else None,
        dissociation_peak_total=m["dissociation_peak_total"],
        excessive_sedation=bool(m["excessive_sedation"]),
        alarms=tuple(
            SessionAlarm(a["rule_id"], a["parameter"], AlertAction(a["action"]))
            for a in json.loads(m["alarms"])
        ),
        adverse_events=tuple(AdverseEvent(e) for e in json.loads(m["adverse_events"])),
        stopped_early=bool(m["stopped_early"]),
    )
    return Administration(
        id=m["id"],
        clinic_id=m["clinic_id"],
        course_id=m["course_id"],
        order_id=m["order_id"],
        session_number=m["session_number"],
        given_at=m["given_at"],
        dose_mg=Decimal(m["dose_mg"]),
        dose_mg_per_kg=Decimal(m["dose_mg_per_kg"]),
        recorded_by=m["recorded_by"],
        response=response,
    )


class SqlDosingRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- check-ins -------------------------------------------------------------------------
    def add_checkin(
        self,
        clinic_id: int,
        patient_id: int,
        course_id: int,
        checkin: BetweenSessionCheckIn,
        *,
        by: int | None,
    ) -> StoredCheckIn:
        changes = [{"drug": c.drug, "change": c.change.value} for c in checkin.medication_changes]
        new_id = self._conn.execute(
            insert(dose_checkins)
            .values(clinic_id=clinic_id, patient_id=patient_id, course_id=course_id)
            .values(recorded_at=checkin.recorded_at, source=checkin.recorded_by.value)
            .values(recorded_by=by, anxiety_0_10=checkin.anxiety_0_10)
            .values(anxiety_spike=checkin.anxiety_spike, illness=checkin.illness)
            .values(sleep_hours=str(checkin.sleep_hours_last_night))
            .values(medication_changes=json.dumps(changes))
            .values(side_effects=json.dumps([s.value for s in checkin.side_effects]))
            .returning(dose_checkins.c.id)
        ).scalar_one()
        return StoredCheckIn(new_id, clinic_id, patient_id, course_id, by, checkin)

    def checkins(self, clinic_id: int, course_id: int) -> Sequence[StoredCheckIn]:
        """Newest first."""
        stmt = (
            select(dose_checkins)
            .where(dose_checkins.c.clinic_id == clinic_id, dose_checkins.c.course_id == course_id)
            .order_by(dose_checkins.c.recorded_at.desc(), dose_checkins.c.id.desc())
        )
        return [_checkin(r._mapping) for r in self._conn.execute(stmt)]

    # -- orders ----------------------------------------------------------------------------
    def add_order(
        self,
        clinic_id: int,
        patient_id: int,
        course_id: int,
        protocol_version_id: int,
        content: OrderContent,
        *,
        by: int,
        at: datetime,
    ) -> DoseOrder:
        new_id = self._conn.execute(
            insert(dose_orders)
            .values(clinic_id=clinic_id, patient_id=patient_id, course_id=course_id)
            .values(protocol_version_id=protocol_version_id, status=OrderStatus.SIGNED.value)
            .values(signed_by=by, signed_at=at, **_content_values(content))
            .returning(dose_orders.c.id)
        ).scalar_one()
        found = self.get_order(clinic_id, new_id)
        assert found is not None
        return found

    def get_order(self, clinic_id: int, order_id: int) -> DoseOrder | None:
        stmt = select(dose_orders).where(
            dose_orders.c.clinic_id == clinic_id, dose_orders.c.id == order_id
        )
        row = self._conn.execute(stmt).first()
        return _order(row._mapping) if row else None

    def orders_for_course(self, clinic_id: int, course_id: int) -> Sequence[DoseOrder]:
        """Oldest first."""
        stmt = (
            select(dose_orders)
            .where(dose_orders.c.clinic_id == clinic_id, dose_orders.c.course_id == course_id)
            .order_by(dose_orders.c.session_number, dose_orders.c.id)
        )
        return [_order(r._mapping) for r in self._conn.execute(stmt)]

    def latest_routes(self, clinic_id: int, course_ids: Collection[int]) -> dict[int, Route]:
        if not course_ids:
            return {}
        latest = (
            select(func.max(dose_orders.c.id))
            .where(dose_orders.c.clinic_id == clinic_id, dose_orders.c.course_id.in_(course_ids))
            .group_by(dose_orders.c.course_id)
        )
        stmt = select(dose_orders.c.course_id, dose_orders.c.route).where(
            dose_orders.c.clinic_id == clinic_id, dose_orders.c.id.in_(latest)
        )
        return {r.course_id: Route(r.route) for r in self._conn.execute(stmt)}

    def orders_for_patient(self, clinic_id: int, patient_id: int) -> Sequence[DoseOrder]:
        stmt = (
            select(dose_orders)
            .where(dose_orders.c.clinic_id == clinic_id, dose_orders.c.patient_id == patient_id)
            .order_by(dose_orders.c.signed_at, dose_orders.c.id)
        )
        return [_order(r._mapping) for r in self._conn.execute(stmt)]

    def _move(
        self,
        order: DoseOrder,
        expected: OrderStatus,
        values: dict[str, object],
        *,
        given: bool = False,
    ) -> None:
        result = self._conn.execute(
            update(dose_orders)
            .where(
                dose_orders.c.clinic_id == order.clinic_id,
                dose_orders.c.id == order.id,
                dose_orders.c.status == expected.value,
            )
            .values(**values)
        )
        if result.rowcount != 1:
            if given:
                raise Conflict(
                    "this order is no longer verified: it has already been recorded as given "
                    "or was changed meanwhile; reload it",
                    field="order_id",
                )
            raise Conflict("the order changed meanwhile; reload it", field="order_id")

    # -- bedside checks --------------------------------------------------------------------
    def add_verification(
        self, order: DoseOrder, *, by: int, at: datetime, mismatches: Sequence[str]
    ) -> VerificationRecord:
        new_id = self._conn.execute(
            insert(dose_verifications)
            .values(clinic_id=order.clinic_id, order_id=order.id, by_staff=by, at=at)
            .values(mismatches=json.dumps(list(mismatches)))
            .returning(dose_verifications.c.id)
        ).scalar_one()
        if not mismatches:
            values = {"status": OrderStatus.VERIFIED.value, "verified_by": by, "verified_at": at}
            self._move(order, OrderStatus.SIGNED, values)
        return VerificationRecord(new_id, order.id, by, at, tuple(mismatches))

    def verifications(self, clinic_id: int, order_id: int) -> Sequence[VerificationRecord]:
        stmt = (
            select(dose_verifications)
            .where(
                dose_verifications.c.clinic_id == clinic_id,
                dose_verifications.c.order_id == order_id,
            )
            .order_by(dose_verifications.c.id)
        )
        return [
            VerificationRecord(r.id, r.order_id, r.by_staff, r.at, tuple(json.loads(r.mismatches)))
            for r in self._conn.execute(stmt)
        ]

    # -- administrations -------------------------------------------------------------------
    def add_administration(
        self,
        order: DoseOrder,
        response: SessionResponse,
        *,
        by: int,
        at: datetime,
        given: tuple[Decimal, Decimal] | None = None,
    ) -> Administration:
        mg, per_kg = given or (order.content.dose_mg, order.content.effective_mg_per_kg)
        alarms = [
            {"rule_id": a.rule_id, "parameter": a.parameter, "action": a.action.value}
            for a in response.alarms
        ]
        instrument = response.dissociation_instrument
        # compare-and-set first: a racing second recording waits on the order row, then finds it
        # no longer verified and is refused (409), before it can insert a duplicate
        self._move(
            order, OrderStatus.VERIFIED, {"status": OrderStatus.ADMINISTERED.value}, given=True
        )
        new_id = self._conn.execute(
            insert(dose_administrations)
            .values(clinic_id=order.clinic_id, course_id=order.course_id, order_id=order.id)
            .values(session_number=order.content.session_number, given_at=at, recorded_by=by)
            .values(dose_mg=str(mg), dose_mg_per_kg=str(per_kg))
            .values(dissociation_instrument=instrument.value if instrument else None)
            .values(dissociation_peak_total=response.dissociation_peak_total)
            .values(excessive_sedation=response.excessive_sedation)
            .values(alarms=json.dumps(alarms), stopped_early=response.stopped_early)
            .values(adverse_events=json.dumps([e.value for e in response.adverse_events]))
            .returning(dose_administrations.c.id)
        ).scalar_one()
        return Administration(
            new_id,
            order.clinic_id,
            order.course_id,
            order.id,
            order.content.session_number,
            at,
            mg,
            per_kg,
            by,
            response,
        )

    def administrations(self, clinic_id: int, course_id: int) -> Sequence[Administration]:
        """In session order."""
        stmt = (
            select(dose_administrations)
            .where(
                dose_administrations.c.clinic_id == clinic_id,
                dose_administrations.c.course_id == course_id,
            )
            .order_by(dose_administrations.c.session_number, dose_administrations.c.id)
        )
        return [_administration(r._mapping) for r in self._conn.execute(stmt)]
