"""Journey records of KAT experiential sessions (SQLAlchemy Core): one per session, enforced by
the table's unique constraint so a race ends in one record and a Conflict."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from ketaclinic.adapters.db.integration.tables import journey_records
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.integration.plans import GivenDose, JourneyInput, JourneyRecord
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.domain.protocols.sections import Route


def _journey(m: Any) -> JourneyRecord:
    dose_mg = Decimal(decimal_text(Decimal(m["dose_mg"])))  # plain: 300, never 3E+2
    return JourneyRecord(
        m["id"],
        m["clinic_id"],
        m["course_id"],
        m["patient_id"],
        m["session_id"],
        Route(m["route"]),
        dose_mg,
        m["given_at"],
        m["attendant_id"],
        tuple(json.loads(m["setting"])),
        m["observations"],
        m["reflection"],
        m["recorded_at"],
    )


class SqlJourneyMixin:
    """The journey part of the integration repository (``IntegrationRepository`` port)."""

    _conn: Connection

    def add_journey(
        self, course: Course, j: JourneyInput, given: GivenDose, *, by: int, at: datetime
    ) -> JourneyRecord:
        values = {
            "clinic_id": course.clinic_id,
            "course_id": course.id,
            "patient_id": course.patient_id,
            "session_id": j.session_id,
            "route": given.route.value,
            "dose_mg": given.dose_mg,
            "given_at": given.given_at,
            "attendant_id": j.attendant_id,
            "setting": json.dumps(list(j.setting)),
            "observations": j.observations,
            "reflection": "",
            "recorded_by": by,
            "recorded_at": at,
        }
        try:
            with self._conn.begin_nested():
                stmt = insert(journey_records).values(**values)
                key = self._conn.execute(stmt).inserted_primary_key
        except IntegrityError as exc:  # another record for this session committed first
            raise Conflict(
                "this session already has its journey record (one per session)",
                field="session_id",
            ) from exc
        assert key is not None
        return _journey({**values, "id": int(key[0])})

    def get_journey(self, clinic_id: int, journey_id: int) -> JourneyRecord | None:
        t = journey_records
        row = (
            self._conn.execute(select(t).where(t.c.clinic_id == clinic_id, t.c.id == journey_id))
            .mappings()
            .first()
        )
        return _journey(row) if row else None

    def set_reflection(self, journey: JourneyRecord, text: str) -> JourneyRecord:
        t = journey_records
        self._conn.execute(
            update(t)
            .where(t.c.clinic_id == journey.clinic_id, t.c.id == journey.id)
            .values(reflection=text)
        )
        found = self.get_journey(journey.clinic_id, journey.id)
        assert found is not None
        return found

    def journeys(self, clinic_id: int, course_id: int) -> Sequence[JourneyRecord]:
        t = journey_records
        rows = self._conn.execute(
            select(t)
            .where(t.c.clinic_id == clinic_id, t.c.course_id == course_id)
            .order_by(t.c.given_at, t.c.id)
        ).mappings()
        return [_journey(r) for r in rows]
