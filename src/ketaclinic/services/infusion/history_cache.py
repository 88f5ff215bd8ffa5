"""Each running session's evaluation history held in memory between listener batches.

An entry is the history (:func:`vitals_history.compact_history`) a session had when this process
last committed readings for it, with the session's ``readings_version`` after that commit. A
batch uses it only when the version it reads under the session's ingest lock is that same
number: every transaction that stores readings of the session (staff entry, a gateway, another
listener, or a batch here that did not commit) changes it, and then the history is read from the
database again. Entries are put only after a commit, so nothing uncommitted is ever served.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from ketaclinic.domain.infusion.vitals import VitalReading

MAX_SESSIONS = 2048  # entries kept; the oldest written goes first


class HistoryCache:
    """Thread-safe map (clinic, session) -> (readings_version, history)."""

    def __init__(self, max_sessions: int = MAX_SESSIONS) -> None:
        self._max = max_sessions
        self._lock = threading.Lock()
        self._entries: dict[tuple[int, int], tuple[int, tuple[VitalReading, ...]]] = {}

    def get(self, clinic_id: int, session_id: int, version: int) -> list[VitalReading] | None:
        """The held history if it is current at ``version``, else None (read it again)."""
        with self._lock:
            entry = self._entries.get((clinic_id, session_id))
        if entry is None or entry[0] != version:
            return None
        return list(entry[1])

    def put(
        self, clinic_id: int, session_id: int, version: int, history: Sequence[VitalReading]
    ) -> None:
        """Hold ``history`` as current at ``version`` (call only after the commit)."""
        key = (clinic_id, session_id)
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (version, tuple(history))
            while len(self._entries) > self._max:
                del self._entries[next(iter(self._entries))]

    def forget(self, clinic_id: int, session_id: int) -> None:
        with self._lock:
            self._entries.pop((clinic_id, session_id), None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
