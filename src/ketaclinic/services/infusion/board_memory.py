"""The live board held in memory: what a newly opened board starts from, without a database read.

Each clinic's board is filled from one database read (:meth:`BoardMemory.begin`, then
:meth:`BoardMemory.keep`) and kept current by the very events the fan-out delivers to the open
boards (:meth:`BoardMemory.apply`, called by the broker with each event, before it picks the
subscribers to hand it to). Events delivered while the read runs are replayed on top of it, so
the board kept is what a board opened at that moment shows once those events reach it.

A board is trusted only while nothing it cannot follow has happened: a document too large for a
notification (``refetch``), a chair or a session it has not seen (its patient is unknown, and the
read audit must name every patient shown), an event of another kind, the fan-out losing its
connection. Each of those forgets the clinic's board, and the next opening reads the database
again. A board is also kept no longer than ``max_age_s`` (changes that publish no event, such as
an appointment moved after the patient arrived, reach a new board within that time) and never
past the clinic day it was read for (who is waiting is today's list).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Opening = tuple[list[dict[str, Any]], list[int]]
MAX_AGE_S = 5.0
_REPLAY_MAX = 10_000  # events held for one read before that read is given up


@dataclass(frozen=True, slots=True)
class BoardRead:
    """One database read of a clinic's board: the documents of the chairs in service (in board
    order), the chairs out of service, the patient of each session shown, and the end of the
    clinic day it was read for."""

    docs: Sequence[Mapping[str, Any]]
    out_of_service: frozenset[int]
    patients: Mapping[int, int]  # session id -> patient id
    valid_until: datetime

    def opening(self) -> Opening:
        return _opening(self.docs, self.patients)


def _opening(docs: Iterable[Mapping[str, Any]], patients: Mapping[int, int]) -> Opening:
    """Copies of ``docs`` and the patient of each session they show, in board order."""
    copies = [dict(d) for d in docs]
    shown = [patients[d["session_id"]] for d in copies if d.get("session_id") is not None]
    return copies, shown


@dataclass(slots=True)
class _Board:
    order: list[int]
    docs: dict[int, Mapping[str, Any]]
    out_of_service: frozenset[int]
    patients: dict[int, int]
    valid_until: datetime
    filled_at: float = 0.0

    def apply(self, event: Mapping[str, Any]) -> bool:
        """Take ``event`` in; False when this board cannot follow it (forget the board)."""
        kind = event.get("type")
        if kind == "alarm":  # an alarm's chair document follows it: the opening shows that
            return True
        if kind != "chair" or event.get("refetch"):
            return False
        chair_id = event.get("chair_id")
        if not isinstance(chair_id, int) or chair_id not in self.docs:
            return chair_id in self.out_of_service  # a chair the board does not show
        session_id = event.get("session_id")
        if session_id is not None and session_id not in self.patients:
            return False  # a session not read: its patient is unknown to the read audit
        self.docs[chair_id] = event
        return True

    def opening(self) -> Opening:
        return _opening((self.docs[c] for c in self.order), self.patients)


@dataclass(slots=True)
class Fill:
    """A database read of one clinic's board in progress, and the events delivered meanwhile."""

    clinic_id: int
    generation: int
    replay: list[Mapping[str, Any]] = field(default_factory=list)
    spoiled: bool = False


class BoardMemory:
    """Every clinic's board as the fan-out's events left it (thread-safe)."""

    def __init__(
        self,
        *,
        max_age_s: float = MAX_AGE_S,
        monotonic: Callable[[], float] = time.monotonic,
        live: bool = True,
    ) -> None:
        self._max_age = max_age_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._boards: dict[int, _Board] = {}
        self._fills: dict[int, list[Fill]] = {}
        self._fill_locks: dict[int, threading.Lock] = {}
        self._generation = 0
        self._live = live

    def apply(self, clinic_id: int, event: Mapping[str, Any]) -> None:
        """The fan-out delivers ``event`` to the clinic's boards: keep the memory in step."""
        with self._lock:
            for fill in self._fills.get(clinic_id, ()):
                if len(fill.replay) < _REPLAY_MAX:
                    fill.replay.append(event)
                else:
                    fill.spoiled = True
            board = self._boards.get(clinic_id)
            if board is not None and not board.apply(event):
                del self._boards[clinic_id]

    def recall(self, clinic_id: int, now: datetime) -> Opening | None:
        """The clinic's board, or None when it is not held (never read, forgotten, too old)."""
        with self._lock:
            board = self._boards.get(clinic_id)
            if board is None:
                return None
            if now > board.valid_until or self._monotonic() - board.filled_at > self._max_age:
                del self._boards[clinic_id]
                return None
            return board.opening()

    @contextmanager
    def filling(self, clinic_id: int) -> Iterator[Fill]:
        """One database read of a clinic's board at a time: the others wait for it, then find
        the board held (:meth:`recall`). The read must start inside this block."""
        with self._lock:
            gate = self._fill_locks.setdefault(clinic_id, threading.Lock())
        with gate:
            with self._lock:
                fill = Fill(clinic_id, self._generation)
                self._fills.setdefault(clinic_id, []).append(fill)
            try:
                yield fill
            finally:
                with self._lock:
                    self._fills[clinic_id].remove(fill)

    def keep(self, fill: Fill, read: BoardRead) -> None:
        """Hold ``read`` (with the events delivered since the fill began) as the clinic's board,
        unless the memory was reset meanwhile or the events cannot be followed."""
        order = [int(d["chair_id"]) for d in read.docs]
        board = _Board(
            order,
            dict(zip(order, read.docs, strict=True)),
            read.out_of_service,
            dict(read.patients),
            read.valid_until,
        )
        with self._lock:
            if not self._live or fill.spoiled or fill.generation != self._generation:
                return
            if not all(board.apply(e) for e in fill.replay):
                return
            board.filled_at = self._monotonic()
            self._boards[fill.clinic_id] = board

    def forget(self, *, live: bool | None = None) -> None:
        """Forget every board (events may have been lost); ``live`` False keeps the memory empty
        until set live again (the fan-out is not receiving events)."""
        with self._lock:
            self._boards.clear()
            self._generation += 1
            if live is not None:
                self._live = live

    @property
    def live(self) -> bool:
        """Whether the events are heard (a board read now can be kept)."""
        with self._lock:
            return self._live
