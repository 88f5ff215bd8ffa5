"""Group commit for audit appends: concurrent requests share one writing unit of work.

Every page read appends to its clinic's audit chain, and a chain has one writer at a time (the
SQLite write lock, a PostgreSQL advisory lock). Committing each request's events on its own makes
concurrent page reads queue for that lock one by one. Here the caller hands over its appends and
waits: one thread at a time (the leader) takes every append waiting at that moment, runs them in
one unit of work, in arrival order, and commits once; each caller returns only after the commit
that holds its events (or with its own error). The chain is written exactly as by one writer:
one link after the other under the same lock, each linked to the one before.

If a batch fails, its appends are retried one unit of work each, so one bad append never costs
another request its audit events.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, cast

from ketaclinic.services.ports import UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")

MAX_BATCH = 256


@dataclass(eq=False)
class _Append:
    work: Callable[[UnitOfWork], object]
    done: threading.Event = field(default_factory=threading.Event)
    result: object = None
    error: Exception | None = None


class GroupCommit:
    def __init__(self, uow_factory: UnitOfWorkFactory, *, max_batch: int = MAX_BATCH) -> None:
        self._uow = uow_factory
        self._max_batch = max_batch
        self._waiting: list[_Append] = []
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()

    def run(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in a writing unit of work shared with concurrent callers; return its
        result once that unit has committed (or raise what ``work`` or the commit raised)."""
        mine = _Append(work)
        with self._queue_lock:
            self._waiting.append(mine)
        while not mine.done.is_set():
            with self._leader:
                if mine.done.is_set():
                    break
                with self._queue_lock:
                    batch = self._waiting[: self._max_batch]
                    del self._waiting[: self._max_batch]
                self._commit(batch)
        if mine.error is not None:
            raise mine.error
        return cast(T, mine.result)  # the value ``work`` returned

    def _commit(self, batch: list[_Append]) -> None:
        try:
            self._commit_or_split(batch)
        finally:  # never leave a caller waiting, whatever stopped the batch
            for appended in batch:
                if not appended.done.is_set():
                    appended.error = RuntimeError("the audit append was interrupted")
                    appended.done.set()

    def _commit_or_split(self, batch: list[_Append]) -> None:
        if not batch:
            return
        try:
            with self._uow() as uow:
                results = [a.work(uow) for a in batch]
                uow.commit()
        except Exception as error:
            if len(batch) == 1:
                batch[0].error = error
                batch[0].done.set()
                return
            for one in batch:
                self._commit_or_split([one])
            return
        for appended, result in zip(batch, results, strict=True):
            appended.result = result
            appended.done.set()
