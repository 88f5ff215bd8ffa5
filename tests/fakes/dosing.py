"""Dose check-ins, orders, bedside checks and administrations in memory (``DosingRepository``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from ketaclinic.domain.dosing.checkin import BetweenSessionCheckIn
from ketaclinic.domain.dosing.records import (
    Administration,
    DoseOrder,
    OrderContent,
    OrderStatus,
    SessionResponse,
    StoredCheckIn,
    VerificationRecord,
)
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.protocols.sections import Route
from tests.fakes.tables import Tables


@dataclass
class DosingTables(Tables):
    checkins: dict[int, StoredCheckIn] = field(default_factory=dict)
    orders: dict[int, DoseOrder] = field(default_factory=dict)
    verifications: dict[int, tuple[int, VerificationRecord]] = field(default_factory=dict)
    administrations: dict[int, Administration] = field(default_factory=dict)


class InMemoryDosingRepository:
    def __init__(self, tables: DosingTables) -> None:
        self._t = tables

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
        new_id = self._t.next_id("checkins")
        stored = StoredCheckIn(new_id, clinic_id, patient_id, course_id, by, checkin)
        self._t.checkins[new_id] = stored
        return stored

    def checkins(self, clinic_id: int, course_id: int) -> Sequence[StoredCheckIn]:
        """Newest first."""
        found = [
            c
            for c in self._t.checkins.values()
            if c.clinic_id == clinic_id and c.course_id == course_id
        ]
        return sorted(found, key=lambda c: (c.checkin.recorded_at, c.id), reverse=True)

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
        new_id = self._t.next_id("orders")
        order = DoseOrder(
            new_id,
            clinic_id,
            patient_id,
            course_id,
            protocol_version_id,
            content,
            OrderStatus.SIGNED,
            by,
            at,
        )
        self._t.orders[new_id] = order
        return order

    def get_order(self, clinic_id: int, order_id: int) -> DoseOrder | None:
        found = self._t.orders.get(order_id)
        return found if found is not None and found.clinic_id == clinic_id else None

    def orders_for_course(self, clinic_id: int, course_id: int) -> Sequence[DoseOrder]:
        """Oldest first."""
        found = [
            o
            for o in self._t.orders.values()
            if o.clinic_id == clinic_id and o.course_id == course_id
        ]
        return sorted(found, key=lambda o: (o.content.session_number, o.id))

    def latest_routes(self, clinic_id: int, course_ids: Collection[int]) -> dict[int, Route]:
        found: dict[int, DoseOrder] = {}
        for o in sorted(self._t.orders.values(), key=lambda o: o.id):
            if o.clinic_id == clinic_id and o.course_id in course_ids:
                found[o.course_id] = o
        return {c: o.content.route for c, o in found.items()}

    def orders_for_patient(self, clinic_id: int, patient_id: int) -> Sequence[DoseOrder]:
        found = [
            o
            for o in self._t.orders.values()
            if o.clinic_id == clinic_id and o.patient_id == patient_id
        ]
        return sorted(found, key=lambda o: (o.signed_at, o.id))

    def _move(self, order: DoseOrder, expected: OrderStatus, moved: DoseOrder) -> None:
        current = self.get_order(order.clinic_id, order.id)
        if current is None or current.status is not expected:
            raise Conflict("the order changed meanwhile; reload it", field="order_id")
        self._t.orders[order.id] = moved

    # -- bedside checks --------------------------------------------------------------------
    def add_verification(
        self, order: DoseOrder, *, by: int, at: datetime, mismatches: Sequence[str]
    ) -> VerificationRecord:
        new_id = self._t.next_id("verifications")
        record = VerificationRecord(new_id, order.id, by, at, tuple(mismatches))
        self._t.verifications[new_id] = (order.clinic_id, record)
        if not mismatches:
            current = self.get_order(order.clinic_id, order.id) or order
            verified = replace(current, status=OrderStatus.VERIFIED, verified_by=by, verified_at=at)
            self._move(order, OrderStatus.SIGNED, verified)
        return record

    def verifications(self, clinic_id: int, order_id: int) -> Sequence[VerificationRecord]:
        return [
            r
            for _, (clinic, r) in sorted(self._t.verifications.items())
            if clinic == clinic_id and r.order_id == order_id
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
        current = self.get_order(order.clinic_id, order.id) or order
        self._move(order, OrderStatus.VERIFIED, replace(current, status=OrderStatus.ADMINISTERED))
        new_id = self._t.next_id("administrations")
        done = Administration(
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
        self._t.administrations[new_id] = done
        return done

    def administrations(self, clinic_id: int, course_id: int) -> Sequence[Administration]:
        """In session order."""
        found = [
            a
            for a in self._t.administrations.values()
            if a.clinic_id == clinic_id and a.course_id == course_id
        ]
        return sorted(found, key=lambda a: (a.session_number, a.id))
