"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    """argon2id with the library's RFC 9106 low-memory profile; cheaper parameters for tests."""

    def __init__(self, *, fast: bool = False) -> None:
        self._hasher = _Argon2(time_cost=1, memory_cost=8, parallelism=1) if fast else _Argon2()

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
