"""The clinic's registry of HL7 gateways (monitor message senders)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ketaclinic.adapters.db.infusion.tables_ingest import hl7_gateways
from ketaclinic.domain.infusion.monitor_ingest import Gateway, NewGateway


def _gateway(m: Any) -> Gateway:
    return Gateway(
        m["id"],
        m["clinic_id"],
        m["name"],
        m["source"],
        m["sending_application"],
        m["sending_facility"],
        m["added_at"],
        m["removed_at"],
    )


class SqlGatewayRegistry:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, clinic_id: int, new: NewGateway, *, by: int | None, at: datetime) -> Gateway:
        row = self._conn.execute(
            insert(hl7_gateways)
            .values(clinic_id=clinic_id, name=new.name, source=new.source)
            .values(sending_application=new.sending_application)
            .values(sending_facility=new.sending_facility, added_at=at, added_by=by)
            .returning(*hl7_gateways.c)
        ).one()
        return _gateway(row._mapping)

    def remove(self, clinic_id: int, gateway_id: int, *, by: int | None, at: datetime) -> bool:
        result = self._conn.execute(
            update(hl7_gateways)
            .where(hl7_gateways.c.clinic_id == clinic_id, hl7_gateways.c.id == gateway_id)
            .where(hl7_gateways.c.removed_at.is_(None))
            .values(removed_at=at, removed_by=by)
        )
        return bool(result.rowcount)

    def for_clinic(self, clinic_id: int, *, active_only: bool = True) -> Sequence[Gateway]:
        stmt = select(hl7_gateways).where(hl7_gateways.c.clinic_id == clinic_id)
        if active_only:
            stmt = stmt.where(hl7_gateways.c.removed_at.is_(None))
        return [_gateway(r._mapping) for r in self._conn.execute(stmt.order_by(hl7_gateways.c.id))]
