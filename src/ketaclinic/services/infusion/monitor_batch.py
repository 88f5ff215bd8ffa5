"""One batch of listener messages, read once inside its transaction: the receipts already seen
and the clinic's routing (gateways, monitor routing EUI-64 -> chair, running sessions), the
routing held between batches while the clinic's catalog version (kept by database triggers) is
unchanged; after locking, each session's history and alarms, kept current as the batch stores
message by message. Stored receipts and readings are deferred and written with the whole batch,
one statement each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.infusion.monitor_ingest import Gateway
from ketaclinic.domain.infusion.records import InfusionSession, StoredAlarm
from ketaclinic.domain.infusion.vitals import VitalReading
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import AlertRule
from ketaclinic.services.infusion.board import TREND_POINTS
from ketaclinic.services.infusion.history_cache import HistoryCache
from ketaclinic.services.infusion.monitor_messages import (
    DeviceMessage,
    Receipt,
    RefusedMessage,
    VitalsBatch,
)
from ketaclinic.services.infusion.vitals_history import (
    LONG_RUN_READINGS,
    breaks_every_run,
    compact_history,
    history_parameters,
    threshold_rules,
)
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Routing:
    """What routes a clinic's monitor messages, as read at ``version`` of its catalog (None: not
    counted, so read again in every batch): the gateways, EUI-64 -> chair, and the running
    sessions by chair and by patient (the first one on a chair wins)."""

    version: int | None
    gateways: tuple[Gateway, ...]
    devices: dict[str, int]
    by_chair: dict[int, InfusionSession]
    by_patient: dict[int, InfusionSession]

    @classmethod
    def read(cls, uow: UnitOfWork, clinic_id: int, held: dict[int, Routing]) -> Routing:
        """The clinic's routing: the one ``held`` while its catalog version is unchanged, else
        read now (the version first, so a change committed meanwhile is read again next time)."""
        version = uow.hl7_inbox.catalog_version(clinic_id)
        current = held.get(clinic_id)
        if version is not None and current is not None and current.version == version:
            return current
        active = uow.sessions.active(clinic_id)
        routing = cls(
            version,
            tuple(uow.gateways.for_clinic(clinic_id)),
            uow.monitors.devices(clinic_id),
            {s.chair_id: s for s in reversed(active)},
            {s.patient_id: s for s in reversed(active)},
        )
        if version is not None:
            held[clinic_id] = routing
        return routing


class BatchState:
    """What one batch reads once, inside its transaction: the receipts seen, the clinic's routing,
    and (after locking) each session's history and alarms."""

    def __init__(self, routing: Routing, seen: dict[tuple[str, str], tuple[str, str]]) -> None:
        self.gateways = routing.gateways
        self.seen = seen
        self.devices = routing.devices
        self.by_chair = routing.by_chair
        self.by_patient = routing.by_patient
        self.history: dict[int, list[VitalReading]] = {}
        self.alarms: dict[int, list[StoredAlarm]] = {}
        self.protocols: dict[int, Protocol] = {}
        self.boards: dict[int, InfusionSession] = {}  # sessions whose chair changed
        self.versions: dict[int, int] = {}  # readings_version of each session, under its lock
        self.written: set[int] = set()  # sessions whose readings this batch stored
        self._receipts: list[dict[str, object]] = []
        self._readings: list[tuple[int, int, list[tuple[VitalReading, str | None]]]] = []

    def defer(
        self, s: InfusionSession, receipt: Receipt, rows: list[tuple[VitalReading, str | None]]
    ) -> None:
        """Keep a stored message's receipt and readings for :meth:`flush`."""
        self._receipts.append(
            {
                "sender": receipt.sender,
                "control_id": receipt.control_id,
                "digest": receipt.digest,
                "outcome": "stored",
                "ack_code": "AA",
                "session_id": s.id,
                "readings": len(rows),
            }
        )
        self._readings.append((s.id, s.patient_id, rows))

    def flush(self, uow: UnitOfWork, clinic_id: int, now: datetime) -> None:
        """Write every deferred receipt (one statement) and every reading (one statement)."""
        receipts = [{**r, "received_at": now} for r in self._receipts]
        ids = uow.hl7_inbox.record_many(clinic_id, receipts)
        batches = [
            (session_id, patient_id, rows, message_id)
            for (session_id, patient_id, rows), message_id in zip(self._readings, ids, strict=True)
        ]
        uow.readings.add_batches(clinic_id, batches, received_at=now)
        self.written.update(session_id for session_id, _p, _r in self._readings)
        self._receipts.clear()
        self._readings.clear()

    @classmethod
    def read(
        cls,
        uow: UnitOfWork,
        clinic_id: int,
        messages: Sequence[DeviceMessage | RefusedMessage],
        held: dict[int, Routing],
    ) -> BatchState:
        keys = [
            (m.batch.receipt.sender, m.batch.receipt.control_id)
            for m in messages
            if isinstance(m, DeviceMessage) and m.batch.receipt is not None
        ]
        routing = Routing.read(uow, clinic_id, held)
        return cls(routing, uow.hl7_inbox.seen_many(clinic_id, keys))

    def route(self, uow: UnitOfWork, clinic_id: int, batch: VitalsBatch) -> InfusionSession | None:
        """The running session of the message's monitor (EUI-64 -> chair), else of its MRN."""
        if batch.device_id:
            chair = self.devices.get(batch.device_id.upper())
            if chair is not None:
                return self.by_chair.get(chair)
        if batch.patient_mrn:
            patient = next(iter(patients_with_mrn(uow, clinic_id, batch.patient_mrn)), None)
            if patient is not None:
                return self.by_patient.get(patient)
        return None

    def prefetch(
        self,
        uow: UnitOfWork,
        clinic_id: int,
        session_ids: Sequence[int],
        protocol_of: Callable[[UnitOfWork, InfusionSession], Protocol],
        cache: HistoryCache,
    ) -> None:
        """Lock the sessions (id order); take each one's history from ``cache`` when it is
        current at the version read under the lock, else read it (one query for all); read the
        alarms in one query."""
        if not session_ids:
            return
        self.versions = uow.hl7_inbox.lock_sessions(clinic_id, session_ids)
        wanted = set(session_ids)
        sessions = {s.id: s for s in self.by_chair.values() if s.id in wanted}
        sessions.update({s.id: s for s in self.by_patient.values() if s.id in wanted})
        self.protocols.update({i: protocol_of(uow, s) for i, s in sessions.items()})
        self.alarms.update(uow.alarms.for_sessions(clinic_id, session_ids))
        stale: dict[int, Sequence[AlertRule]] = {}
        for session_id in sessions:
            held = cache.get(clinic_id, session_id, self.versions.get(session_id, -1))
            if held is None:
                stale[session_id] = self.protocols[session_id].monitoring.alert_rules
            else:
                self.history[session_id] = held
        self._read_history(uow, clinic_id, stale)

    def remember(self, cache: HistoryCache, clinic_id: int) -> None:
        """After the commit: hold each written session's history as current at the version this
        batch left (one more than under the lock)."""
        for session_id in self.written:
            rules = self.protocols[session_id].monitoring.alert_rules
            history = compact_history(self.history[session_id], rules)
            cache.put(clinic_id, session_id, self.versions[session_id] + 1, history)

    def hold(self, cache: HistoryCache, clinic_id: int) -> None:
        """Hold every history this batch read as current at the version read under the lock
        (nothing was written: the listener primes itself this way before it serves)."""
        for session_id, history in self.history.items():
            rules = self.protocols[session_id].monitoring.alert_rules
            version = self.versions.get(session_id)
            if version is not None:
                cache.put(clinic_id, session_id, version, compact_history(history, rules))

    def _read_history(
        self, uow: UnitOfWork, clinic_id: int, rules_of: dict[int, Sequence[AlertRule]]
    ) -> None:
        if not rules_of:
            return
        parameters = sorted({p for rules in rules_of.values() for p in history_parameters(rules)})
        rows = uow.readings.newest_many(clinic_id, sorted(rules_of), parameters, limit=TREND_POINTS)
        for session_id, rules in rules_of.items():
            by_parameter = threshold_rules(rules)
            history: list[VitalReading] = []
            for parameter in history_parameters(rules):
                own_rows = rows.get((session_id, parameter), [])
                own = by_parameter.get(parameter, [])
                long_run = len(own_rows) == TREND_POINTS and not any(
                    breaks_every_run(r, own) for r in own_rows
                )
                if own and long_run:
                    own_rows = uow.readings.newest(
                        clinic_id, session_id, parameter, limit=LONG_RUN_READINGS
                    )
                history += own_rows
            self.history[session_id] = history


def patients_with_mrn(uow: UnitOfWork, clinic_id: int, mrn: str) -> list[int]:
    found = uow.patients.search(PatientSearch(clinic_id, text=mrn.strip(), limit=5))
    return [p.id for p in found if p.mrn == mrn.strip()]
