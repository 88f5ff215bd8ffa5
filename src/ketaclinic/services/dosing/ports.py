"""What the services need from the outside world, as Protocols.

Adapters implement these (``ketaclinic.adapters``); tests use in-memory fakes. A service opens one
unit of work per use case and commits once; the audit event is written in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from ketaclinic.domain.dosing.checkin import BetweenSessionCheckIn
from ketaclinic.domain.dosing.records import (
    Administration,
    DoseOrder,
    OrderContent,
    SessionResponse,
    StoredCheckIn,
    VerificationRecord,
)
from ketaclinic.domain.protocols.sections import Route


class DosingRepository(Protocol):
    def add_checkin(
        self,
        clinic_id: int,
        patient_id: int,
        course_id: int,
        checkin: BetweenSessionCheckIn,
        *,
        by: int | None,
    ) -> StoredCheckIn: ...
    def checkins(self, clinic_id: int, course_id: int) -> Sequence[StoredCheckIn]: ...
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
    ) -> DoseOrder: ...
    def get_order(self, clinic_id: int, order_id: int) -> DoseOrder | None: ...
    def orders_for_course(self, clinic_id: int, course_id: int) -> Sequence[DoseOrder]: ...
    def orders_for_patient(self, clinic_id: int, patient_id: int) -> Sequence[DoseOrder]: ...
    def latest_routes(self, clinic_id: int, course_ids: Collection[int]) -> dict[int, Route]:
        """The route of each course's latest order (by order id), for those of ``course_ids``
        with an order: one read for the whole set."""
        ...

    def add_verification(
        self, order: DoseOrder, *, by: int, at: datetime, mismatches: Sequence[str]
    ) -> VerificationRecord: ...
    def verifications(self, clinic_id: int, order_id: int) -> Sequence[VerificationRecord]: ...
    def add_administration(
        self,
        order: DoseOrder,
        response: SessionResponse,
        *,
        by: int,
        at: datetime,
        given: tuple[Decimal, Decimal] | None = None,
    ) -> Administration:
        """Record the dose given under ``order``; ``given`` is (mg, mg/kg) actually given when
        dosing ended early (None: the ordered dose)."""
        ...

    def administrations(self, clinic_id: int, course_id: int) -> Sequence[Administration]: ...
