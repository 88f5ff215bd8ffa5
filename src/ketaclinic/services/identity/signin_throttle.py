"""Throttling of failed sign-ins, per source address and per account name (OWASP ASVS 2.2.1;
NIST SP 800-63B §5.2.2).

Failures are counted in a sliding window for the address the request came from and for the email
typed (whether or not an account has it, so the answer never tells the two apart). Past either
limit, sign-in and token requests are refused with :class:`TooManyAttempts` and the seconds until
the oldest counted failure leaves the window, before any password is checked. A success clears the
account's count. The per-account database lockout (``lockout_after_failures``) still applies on top.

Counts are kept in this process's memory: each app server throttles on its own, and a restart
forgets them (the account lockout, stored in the database, does not).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from ketaclinic.domain.errors import TooManyAttempts
from ketaclinic.services.ports import Clock

THROTTLED = "too many failed sign-ins; wait before trying again"
MAX_KEYS = 100_000


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    failures_per_address: int
    failures_per_account: int
    window: timedelta


class SignInThrottle:
    def __init__(self, clock: Clock, policy: ThrottlePolicy) -> None:
        self._clock, self._policy = clock, policy
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(address: str, email: str) -> tuple[str, str]:
        return f"address:{address}", f"account:{email.strip().lower()}"

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._failures.get(key, deque())
        while times and now - times[0] >= self._policy.window:
            times.popleft()
        return times

    def check(self, address: str, email: str) -> None:
        """Refuse (429) when either count is at its limit."""
        now = self._clock.now()
        by_address, by_account = self._keys(address, email)
        with self._lock:
            waits = [
                self._wait(self._recent(key, now), limit, now)
                for key, limit in (
                    (by_address, self._policy.failures_per_address),
                    (by_account, self._policy.failures_per_account),
                )
            ]
        retry = max(waits)
        if retry > 0:
            raise TooManyAttempts(THROTTLED, retry_after_s=retry, field="email")

    def _wait(self, times: deque[datetime], limit: int, now: datetime) -> int:
        if len(times) < limit:
            return 0
        free_at = times[len(times) - limit] + self._policy.window
        return max(1, math.ceil((free_at - now).total_seconds()))

    def failed(self, address: str, email: str) -> None:
        now = self._clock.now()
        with self._lock:
            if len(self._failures) >= MAX_KEYS:
                self._failures.clear()
            for key in self._keys(address, email):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(self._keys("", email)[1], None)
