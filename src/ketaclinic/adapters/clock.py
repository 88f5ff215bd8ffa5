"""System clock and token source: the only places the service reads time and randomness."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SecretsTokenSource:
    def new_token(self) -> str:
        return secrets.token_urlsafe(32)


class SeedClock:
    """Demo seeding only: the system clock shifted back, moved forward by the seeder.

    ``ketaclinic demo`` starts it in the past so the demo clinic's history (courses opened months
    ago, their sessions and scores) is made through the services at its own times; the seeder
    only ever moves it forward, then :meth:`catch_up` returns it to the system time."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, **delta: float) -> None:
        step = timedelta(**delta)
        if step < timedelta(0):
            raise ValueError("the seeding clock only moves forward")
        self._offset += step

    def catch_up(self) -> None:
        """Follow the system clock again (never moves backward)."""
        self._offset = max(self._offset, timedelta(0))
