"""Published protocol versions and their sign-offs, always scoped by clinic."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from ketaclinic.adapters.db.protocols.tables import protocol_signoffs, protocol_versions
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.patients.treatment import PublishedProtocol


def _published(m: Any) -> PublishedProtocol:
    return PublishedProtocol(
        id=m["id"],
        clinic_id=m["clinic_id"],
        protocol_id=m["protocol_id"],
        version=m["version"],
        hash=m["hash"],
        title=m["title"],
        base_ref=m["base_ref"],
        published_at=m["published_at"],
        signed_off_by=m["signed_by"],
        signed_off_at=m["signed_at"],
    )


class SqlProtocolRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _select(self) -> Any:
        return select(
            protocol_versions, protocol_signoffs.c.signed_by, protocol_signoffs.c.signed_at
        ).outerjoin(
            protocol_signoffs,
            (protocol_signoffs.c.protocol_version_id == protocol_versions.c.id)
            & (protocol_signoffs.c.hash == protocol_versions.c.hash),
        )

    def publish(
        self,
        clinic_id: int,
        *,
        protocol_id: str,
        version: str,
        hash: str,
        title: str,
        base_ref: str | None,
        content: str,
        at: datetime,
        by: int | None,
    ) -> PublishedProtocol:
        new_id = self._conn.execute(
            insert(protocol_versions)
            .values(clinic_id=clinic_id, protocol_id=protocol_id, version=version, hash=hash)
            .values(title=title, base_ref=base_ref, content=content, published_at=at)
            .values(published_by=by)
            .returning(protocol_versions.c.id)
        ).scalar_one()
        found = self.get(clinic_id, new_id)
        assert found is not None
        return found

    def get(self, clinic_id: int, version_id: int) -> PublishedProtocol | None:
        stmt = self._select().where(
            protocol_versions.c.clinic_id == clinic_id, protocol_versions.c.id == version_id
        )
        row = self._conn.execute(stmt).first()
        return _published(row._mapping) if row else None

    def find(self, clinic_id: int, protocol_id: str, version: str) -> PublishedProtocol | None:
        stmt = self._select().where(
            protocol_versions.c.clinic_id == clinic_id,
            protocol_versions.c.protocol_id == protocol_id,
            protocol_versions.c.version == version,
        )
        row = self._conn.execute(stmt).first()
        return _published(row._mapping) if row else None

    def list(self, clinic_id: int) -> Sequence[PublishedProtocol]:
        stmt = self._select().where(protocol_versions.c.clinic_id == clinic_id)
        stmt = stmt.order_by(protocol_versions.c.protocol_id, protocol_versions.c.id)
        return [_published(r._mapping) for r in self._conn.execute(stmt)]

    def content(self, clinic_id: int, version_id: int) -> str:
        stmt = select(protocol_versions.c.content).where(
            protocol_versions.c.clinic_id == clinic_id, protocol_versions.c.id == version_id
        )
        return str(self._conn.execute(stmt).scalar_one())

    def sign_off(
        self,
        clinic_id: int,
        version_id: int,
        *,
        hash: str,
        by: int,
        at: datetime,
        confirmed_paths: Sequence[str],
    ) -> None:
        existing = self._conn.execute(
            select(protocol_signoffs.c.id).where(
                protocol_signoffs.c.protocol_version_id == version_id
            )
        ).first()
        if existing is not None:
            raise Conflict(
                "this protocol version is already signed off", field="protocol_version_id"
            )
        self._conn.execute(
            insert(protocol_signoffs).values(
                clinic_id=clinic_id,
                protocol_version_id=version_id,
                hash=hash,
                signed_by=by,
                signed_at=at,
                confirmed_paths=json.dumps(sorted(confirmed_paths)),
            )
        )
