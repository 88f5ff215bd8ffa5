"""The HL7 inbox: receipts of accepted monitor messages (dedup by sender + MSH-10 + digest), the
per-session ingest locks, and the dead-letter store (a bounded prefix of each kept message).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from ketaclinic.adapters.db.bulk import insert_returning
from ketaclinic.adapters.db.infusion.tables import hl7_dead_letters, hl7_messages, infusion_sessions
from ketaclinic.adapters.db.infusion.tables_ingest import ingest_catalog_versions
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.infusion.records import DeadLetter

DEAD_LETTER_PREFIX_BYTES = 2048  # enough to read MSH, PID and the first OBX rows
_RECEIPT_ARRAYS = (
    "sender",
    "control_id",
    "digest",
    "outcome",
    "ack_code",
    "session_id",
    "readings",
)
_RECORD_MANY = text(
    "INSERT INTO hl7_messages (clinic_id, sender, control_id, digest, received_at, outcome,"
    " ack_code, session_id, readings)"
    " SELECT :clinic_id, u.sender, u.control_id, u.digest, u.received_at, u.outcome, u.ack_code,"
    " u.session_id, u.readings FROM unnest(CAST(:sender AS text[]), CAST(:control_id AS text[]),"
    " CAST(:digest AS text[]), CAST(:received_at AS timestamptz[]), CAST(:outcome AS text[]),"
    " CAST(:ack_code AS text[]), CAST(:session_id AS integer[]), CAST(:readings AS integer[]))"
    " AS u(sender, control_id, digest, received_at, outcome, ack_code, session_id, readings)"
    " RETURNING id, sender, control_id"
)

# built once (each batch of the listener runs these): only the values are bound per call
_CATALOG_VERSION = select(ingest_catalog_versions.c.version).where(
    ingest_catalog_versions.c.clinic_id == bindparam("clinic_id")
)
_SEEN_MANY = select(
    hl7_messages.c.sender,
    hl7_messages.c.control_id,
    hl7_messages.c.ack_code,
    hl7_messages.c.digest,
).where(
    hl7_messages.c.clinic_id == bindparam("clinic_id"),
    hl7_messages.c.control_id.in_(bindparam("control_ids", expanding=True)),
)
_LOCK_SESSIONS = (
    select(infusion_sessions.c.id, infusion_sessions.c.readings_version)
    .where(
        infusion_sessions.c.clinic_id == bindparam("clinic_id"),
        infusion_sessions.c.id.in_(bindparam("session_ids", expanding=True)),
    )
    .order_by(infusion_sessions.c.id)
    .with_for_update()
)


def _utc(value: datetime) -> datetime:
    """As the column type does: UTC-aware times only, a naive one is refused."""
    if value.tzinfo is None:
        raise ValueError("naive datetime refused: store UTC-aware datetimes only")
    return value.astimezone(UTC)


def _dead_letter(m: Any) -> DeadLetter:
    return DeadLetter(
        m["id"],
        m["clinic_id"],
        m["received_at"],
        m["kind"],
        m["ack_code"],
        m["error_code"],
        m["reason"],
        m["control_id"],
        m["payload_bytes"],
    )


class SqlHl7Inbox:
    """Receipts of accepted monitor messages (for dedup) and the dead-letter store."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def lock_session(self, clinic_id: int, session_id: int) -> None:
        """Serialise ingest per session (row lock on PostgreSQL; SQLite writes are serial)."""
        self._conn.execute(
            select(infusion_sessions.c.id)
            .where(infusion_sessions.c.clinic_id == clinic_id, infusion_sessions.c.id == session_id)
            .with_for_update()
        )

    def lock_sessions(self, clinic_id: int, session_ids: Sequence[int]) -> dict[int, int]:
        """:meth:`lock_session` for many sessions, in id order (no deadlock between writers);
        returns each session's ``readings_version`` as of the lock."""
        if not session_ids:
            return {}
        params = {"clinic_id": clinic_id, "session_ids": sorted(session_ids)}
        rows = self._conn.execute(_LOCK_SESSIONS, params)
        return {int(r.id): int(r.readings_version) for r in rows}

    def catalog_version(self, clinic_id: int) -> int | None:
        """How many times the clinic's gateways, monitor registry or sessions changed (kept by
        database triggers; a session's ``readings_version`` alone does not count)."""
        row = self._conn.execute(_CATALOG_VERSION, {"clinic_id": clinic_id}).first()
        return int(row.version) if row else 0

    def seen_many(
        self, clinic_id: int, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        """:meth:`seen` for many (sender, MSH-10) pairs in one query."""
        if not keys:
            return {}
        wanted = set(keys)
        params = {"clinic_id": clinic_id, "control_ids": sorted({c for _s, c in wanted})}
        return {
            (r.sender, r.control_id): (str(r.ack_code), str(r.digest))
            for r in self._conn.execute(_SEEN_MANY, params)
            if (r.sender, r.control_id) in wanted
        }

    def seen(self, clinic_id: int, sender: str, control_id: str) -> tuple[str, str] | None:
        """The ACK code sent for this sender's MSH-10 before and the digest of that message."""
        row = self._conn.execute(
            select(hl7_messages.c.ack_code, hl7_messages.c.digest).where(
                hl7_messages.c.clinic_id == clinic_id,
                hl7_messages.c.sender == sender,
                hl7_messages.c.control_id == control_id,
            )
        ).first()
        return (str(row.ack_code), str(row.digest)) if row else None

    def record(
        self,
        clinic_id: int,
        *,
        sender: str,
        control_id: str,
        digest: str,
        at: datetime,
        outcome: str,
        ack_code: str,
        session_id: int | None,
        readings: int,
    ) -> int:
        """Keep the receipt; the same message (sender, control id, digest) twice is a Conflict."""
        stmt = (
            insert(hl7_messages)
            .values(clinic_id=clinic_id, sender=sender, control_id=control_id, digest=digest)
            .values(received_at=at, outcome=outcome, ack_code=ack_code)
            .values(session_id=session_id, readings=readings)
            .returning(hl7_messages.c.id)
        )
        try:
            with self._conn.begin_nested():
                return int(self._conn.execute(stmt).scalar_one())
        except IntegrityError as exc:
            raise Conflict("this monitor message was received before", field="control_id") from exc

    def record_many(self, clinic_id: int, receipts: Sequence[dict[str, Any]]) -> list[int]:
        """:meth:`record` for many messages in one statement; ids in the order given."""
        if not receipts:
            return []
        if self._conn.dialect.name == "postgresql":
            return self._record_arrays(clinic_id, receipts)
        # SQLite: multi-row INSERT ... RETURNING (adapters.db.bulk); each id matched to its
        # receipt by sender and MSH-10, which are unique in the clinic
        columns = ("clinic_id", "received_at", *_RECEIPT_ARRAYS)
        values = [(clinic_id, r["received_at"], *(r[c] for c in _RECEIPT_ARRAYS)) for r in receipts]
        rows = insert_returning(
            self._conn, hl7_messages, columns, values, ("id", "sender", "control_id")
        )
        ids = {(r.sender, r.control_id): int(r.id) for r in rows}
        return [ids[(r["sender"], r["control_id"])] for r in receipts]

    def _record_arrays(self, clinic_id: int, receipts: Sequence[dict[str, Any]]) -> list[int]:
        """PostgreSQL: one column array per field through one fixed statement (prepared once
        per connection, whatever the batch size); each id found again by its sender and MSH-10,
        which are unique in the clinic."""
        params = {
            "clinic_id": clinic_id,
            "received_at": [_utc(r["received_at"]) for r in receipts],
            **{name: [r[name] for r in receipts] for name in _RECEIPT_ARRAYS},
        }
        rows = self._conn.execute(_RECORD_MANY, params)
        ids = {(r.sender, r.control_id): int(r.id) for r in rows}
        return [ids[(r["sender"], r["control_id"])] for r in receipts]

    def dead_letter(
        self,
        clinic_id: int,
        *,
        kind: str,
        ack_code: str,
        error_code: str,
        reason: str,
        control_id: str | None,
        payload: bytes,
        at: datetime,
        total_bytes: int | None = None,
        digest: str | None = None,
    ) -> int:
        """Keep the reason, a bounded prefix of the bytes and the SHA-256 of the whole message
        (``total_bytes``/``digest`` when the caller kept only a prefix itself)."""
        digest = digest or hashlib.sha256(payload).hexdigest()
        size = len(payload) if total_bytes is None else total_bytes
        return int(
            self._conn.execute(
                insert(hl7_dead_letters)
                .values(clinic_id=clinic_id, kind=kind, ack_code=ack_code, error_code=error_code)
                .values(reason=reason[:2000], control_id=(control_id or None) and control_id[:200])
                .values(payload=payload[:DEAD_LETTER_PREFIX_BYTES], payload_bytes=size)
                .values(payload_sha256=digest, received_at=at)
                .returning(hl7_dead_letters.c.id)
            ).scalar_one()
        )

    def dead_letters(self, clinic_id: int, *, limit: int = 100) -> Sequence[DeadLetter]:
        stmt = (
            select(hl7_dead_letters)
            .where(hl7_dead_letters.c.clinic_id == clinic_id)
            .order_by(hl7_dead_letters.c.id.desc())
            .limit(limit)
        )
        return [_dead_letter(r._mapping) for r in self._conn.execute(stmt)]

    def message_count(self, clinic_id: int) -> int:
        stmt = select(func.count()).select_from(hl7_messages)
        return int(
            self._conn.execute(stmt.where(hl7_messages.c.clinic_id == clinic_id)).scalar_one()
        )
