"""Vital readings: stored one by one (bedside entry) or a whole monitor batch at once, and read
back newest first per parameter for alarm evaluation and the board.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, text, update

from ketaclinic.adapters.db.bulk import insert_rows
from ketaclinic.adapters.db.infusion.tables import (
    infusion_sessions,
    vital_readings,
)
from ketaclinic.adapters.db.types import UTCDateTime
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.infusion.records import StoredReading
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, ReadingStatus, VitalReading

_BATCH_COLUMNS = (
    "clinic_id",
    "session_id",
    "patient_id",
    "parameter",
    "value",
    "unit",
    "observed_at",
    "received_at",
    "source",
    "status",
    "device_id",
    "mdc_code",
    "message_id",
    "entered_by",
    "plausible",
    "rejected_reason",
)

# built once (each listener batch runs it): only the values are bound per call
_BUMP = (
    update(infusion_sessions)
    .where(
        infusion_sessions.c.clinic_id == bindparam("in_clinic"),
        infusion_sessions.c.id.in_(bindparam("session_ids", expanding=True)),
    )
    .values(readings_version=infusion_sessions.c.readings_version + 1)
    .returning(infusion_sessions.c.id, infusion_sessions.c.patient_id)
)


def _plain(value: Decimal) -> Decimal:
    """The stored value without trailing zeros and without an exponent (120, 36.8, 98.25)."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def _reading(m: Any) -> StoredReading:
    reading = VitalReading(
        parameter=Parameter(m["parameter"]),
        value=_plain(Decimal(str(m["value"]))),
        unit=m["unit"],
        at=m["observed_at"],
        source=ReadingSource(m["source"]),
        status=ReadingStatus(m["status"]),
        device_id=m["device_id"],
        mdc_code=m["mdc_code"],
    )
    return StoredReading(
        m["id"], m["session_id"], reading, m["received_at"], m["plausible"], m["rejected_reason"]
    )


class SqlReadingRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_many(
        self,
        clinic_id: int,
        session_id: int,
        patient_id: int,
        rows: Sequence[tuple[VitalReading, str | None]],
        *,
        received_at: datetime,
        message_id: int | None = None,
        entered_by: int | None = None,
    ) -> None:
        """Store each reading with its rejection reason (None = plausible)."""
        if not rows:
            return
        self._bump(clinic_id, [(session_id, patient_id)])
        self._conn.execute(
            insert(vital_readings),
            [
                {
                    "clinic_id": clinic_id,
                    "session_id": session_id,
                    "patient_id": patient_id,
                    "parameter": r.parameter.value,
                    "value": r.value,
                    "unit": r.unit,
                    "observed_at": r.at,
                    "received_at": received_at,
                    "source": r.source.value,
                    "status": r.status.value,
                    "device_id": r.device_id,
                    "mdc_code": r.mdc_code,
                    "message_id": message_id,
                    "entered_by": entered_by,
                    "plausible": reason is None,
                    "rejected_reason": reason,
                }
                for r, reason in rows
            ],
        )

    def recent(
        self, clinic_id: int, session_id: int, *, since: datetime, limit: int = 500
    ) -> Sequence[StoredReading]:
        """Readings observed at or after ``since``, oldest first (at most ``limit``, newest)."""
        stmt = (
            select(vital_readings)
            .where(
                vital_readings.c.clinic_id == clinic_id,
                vital_readings.c.session_id == session_id,
                vital_readings.c.observed_at >= since,
            )
            .order_by(vital_readings.c.observed_at.desc(), vital_readings.c.id.desc())
            .limit(limit)
        )
        return [_reading(r._mapping) for r in reversed(list(self._conn.execute(stmt)))]

    def newest(
        self, clinic_id: int, session_id: int, parameter: str, *, limit: int
    ) -> list[VitalReading]:
        """The ``limit`` newest plausible readings of one parameter, oldest first."""
        columns = (
            vital_readings.c.parameter,
            vital_readings.c.value,
            vital_readings.c.unit,
            vital_readings.c.observed_at,
            vital_readings.c.source,
            vital_readings.c.status,
            vital_readings.c.device_id,
            vital_readings.c.mdc_code,
        )
        stmt = (
            select(*columns)
            .where(
                vital_readings.c.clinic_id == clinic_id,
                vital_readings.c.session_id == session_id,
                vital_readings.c.parameter == parameter,
                vital_readings.c.plausible.is_(True),
            )
            .order_by(vital_readings.c.observed_at.desc(), vital_readings.c.id.desc())
            .limit(limit)
        )
        return [
            VitalReading(
                Parameter(r.parameter),
                _plain(Decimal(str(r.value))),
                r.unit,
                r.observed_at,
                ReadingSource(r.source),
                ReadingStatus(r.status),
                r.device_id,
                r.mdc_code,
            )
            for r in reversed(list(self._conn.execute(stmt)))
        ]

    def add_batches(
        self,
        clinic_id: int,
        batches: Sequence[tuple[int, int, Sequence[tuple[VitalReading, str | None]], int | None]],
        *,
        received_at: datetime,
    ) -> None:
        """:meth:`add_many` for many messages in one statement: (session, patient, readings with
        their rejection reason, message id) each. Each session's ``readings_version`` goes up by
        exactly one."""
        if batches:  # every session of the batch counts, even one whose messages had no rows
            self._bump(clinic_id, [(b[0], b[1]) for b in batches])
        values = [
            (
                clinic_id,
                session_id,
                patient_id,
                r.parameter.value,
                r.value,
                r.unit,
                r.at,
                received_at,
                r.source.value,
                r.status.value,
                r.device_id,
                r.mdc_code,
                message_id,
                None,
                reason is None,
                reason,
            )
            for session_id, patient_id, rows, message_id in batches
            for r, reason in rows
        ]
        if not values:
            return
        if self._conn.dialect.name == "postgresql":
            self._copy(_BATCH_COLUMNS, values)
        else:  # the driver's executemany, values through the column types (adapters.db.bulk)
            insert_rows(self._conn, vital_readings, _BATCH_COLUMNS, values)

    def _copy(self, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """PostgreSQL: the rows in one COPY, in this transaction (an INSERT runs once per row);
        times pass through the column type, so a naive time is refused as on INSERT."""
        kinds = [vital_readings.c[name].type for name in columns]
        dialect = self._conn.dialect
        binders = [t.process_bind_param if isinstance(t, UTCDateTime) else None for t in kinds]
        driver = self._conn.connection.driver_connection
        if driver is None:
            raise RuntimeError("vital readings: the connection is closed")
        statement = f"COPY vital_readings ({', '.join(columns)}) FROM STDIN"
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        value if bind is None else bind(value, dialect)
                        for value, bind in zip(row, binders, strict=True)
                    ]
                )

    def _bump(self, clinic_id: int, sessions: Sequence[tuple[int, int]]) -> None:
        """One more transaction stored readings of these (session, patient) pairs, each session
        counted once. This is also where a reading's clinic and patient are held to its
        session's (the table keeps no per-row keys to them; migration 0020): a pair that is not a
        session of this clinic and patient fails the whole transaction."""
        pairs = set(sessions)
        session_ids = sorted({session_id for session_id, _p in pairs})
        done = self._conn.execute(_BUMP, {"in_clinic": clinic_id, "session_ids": session_ids})
        if {(int(r.id), int(r.patient_id)) for r in done} != pairs:
            raise Conflict(
                "readings name a session of another clinic or patient", field="session_id"
            )

    def newest_many(
        self, clinic_id: int, session_ids: Sequence[int], parameters: Sequence[str], *, limit: int
    ) -> dict[tuple[int, str], list[VitalReading]]:
        """:meth:`newest` for many sessions and parameters. Each (session, parameter) reads
        only its ``limit`` newest rows through the (session, time) index, however long the
        session: on PostgreSQL in one statement (a LATERAL join), elsewhere one small query
        each."""
        if not session_ids or not parameters:
            return {}
        if self._conn.dialect.name != "postgresql":
            return {
                (session_id, parameter): rows
                for session_id in session_ids
                for parameter in parameters
                if (rows := self.newest(clinic_id, session_id, parameter, limit=limit))
            }
        stmt = text(
            "SELECT s.sid AS session_id, p.param AS parameter, r.value, r.unit, r.observed_at,"
            " r.source, r.status, r.device_id, r.mdc_code"
            " FROM unnest(CAST(:sids AS integer[])) AS s(sid)"
            " CROSS JOIN unnest(CAST(:params AS varchar[])) AS p(param)"
            " CROSS JOIN LATERAL (SELECT v.value, v.unit, v.observed_at, v.source, v.status,"
            " v.device_id, v.mdc_code, v.id FROM vital_readings v"
            " WHERE v.clinic_id = :clinic AND v.session_id = s.sid AND v.parameter = p.param"
            " AND v.plausible ORDER BY v.observed_at DESC, v.id DESC LIMIT :lim) AS r"
            " ORDER BY s.sid, p.param, r.observed_at, r.id"
        )
        found: dict[tuple[int, str], list[VitalReading]] = {}
        params = {
            "sids": list(session_ids),
            "params": list(parameters),
            "clinic": clinic_id,
            "lim": limit,
        }
        for r in self._conn.execute(stmt, params):
            found.setdefault((r.session_id, r.parameter), []).append(
                VitalReading(
                    Parameter(r.parameter),
                    _plain(Decimal(str(r.value))),
                    r.unit,
                    r.observed_at.astimezone(UTC),
                    ReadingSource(r.source),
                    ReadingStatus(r.status),
                    r.device_id,
                    r.mdc_code,
                )
            )
        return found

    def for_session(self, clinic_id: int, session_id: int) -> Sequence[StoredReading]:
        stmt = (
            select(vital_readings)
            .where(
                vital_readings.c.clinic_id == clinic_id, vital_readings.c.session_id == session_id
            )
            .order_by(vital_readings.c.observed_at, vital_readings.c.id)
        )
        return [_reading(r._mapping) for r in self._conn.execute(stmt)]

    def latest(self, clinic_id: int, session_id: int, *, limit: int) -> Sequence[StoredReading]:
        stmt = (
            select(vital_readings)
            .where(
                vital_readings.c.clinic_id == clinic_id, vital_readings.c.session_id == session_id
            )
            .order_by(vital_readings.c.id.desc())
            .limit(limit)
        )
        return [_reading(r._mapping) for r in reversed(list(self._conn.execute(stmt)))]
