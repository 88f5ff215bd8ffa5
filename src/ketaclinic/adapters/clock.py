"""System clock and token source: the only places the service reads time and randomness."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SecretsTokenSource:
    def new_token(self) -> str:
        return secrets.token_urlsafe(32)
