"""Test doubles held to the same contracts as the real adapters.

``FakeClock`` and ``CountingTokens`` stand in for the clock and the token source. The in-memory
repositories and unit of work live in the modules of this package (``uow.InMemoryDatabase``,
``uow.unit_of_work_factory``) and are held to the repository contracts in
``tests/integration/contracts``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count


class FakeClock:
    """A clock the test moves by hand. Starts at a fixed instant."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 2, 14, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current = self.current + timedelta(**delta)


class CountingTokens:
    """Deterministic, unique tokens."""

    def __init__(self) -> None:
        self._n = count(1)

    def new_token(self) -> str:
        return f"test-token-{next(self._n):06d}-{'x' * 20}"
