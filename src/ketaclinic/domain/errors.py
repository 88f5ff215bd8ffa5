"""Domain errors. They know nothing of HTTP; the edges map them once.

Every error names what was wrong in ``field`` (a dotted path where it applies) so that a form, an
API response or a CLI message can point at it.
"""

from __future__ import annotations


class ClinicError(Exception):
    """Base of every expected, explainable refusal by the domain or a service."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class ValidationFailed(ClinicError):
    """Input broke a rule; ``errors`` maps each field path to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors.items()), ("", "invalid input"))
        super().__init__(
            f"{first[0]}: {first[1]}" if first[0] else first[1], field=first[0] or None
        )
        self.errors = dict(errors)


class NotFound(ClinicError):
    """The object does not exist in the clinic in use (never says whether it exists elsewhere)."""


class PermissionDenied(ClinicError):
    """The signed-in user's role in this clinic does not grant the permission; ``permission``
    is its code (kept for the API's structured error and one click away on pages)."""

    def __init__(
        self, detail: str, *, permission: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(detail, field=field)
        self.permission = permission


class NotAuthenticated(ClinicError):
    """No valid credentials, or the session expired."""


class Conflict(ClinicError):
    """The change clashes with the current state (duplicate, stale version, wrong state)."""


class InvalidTransition(Conflict):
    """A lifecycle transition that the state machine or one of its guards refuses."""

    def __init__(
        self, detail: str, *, reasons: tuple[str, ...] = (), field: str | None = None
    ) -> None:
        super().__init__(detail, field=field)
        self.reasons = reasons


class SafetyBlock(Conflict):
    """A safety rule blocks the action (an open safety gate, a hard stop, a withdrawn consent)."""

    def __init__(
        self, detail: str, *, reasons: tuple[str, ...] = (), field: str | None = None
    ) -> None:
        super().__init__(detail, field=field)
        self.reasons = reasons


class TooManyAttempts(ClinicError):
    """Too many failed sign-ins from one address or for one account; try again after
    ``retry_after_s`` seconds. Says nothing about whether the account exists."""

    def __init__(self, detail: str, *, retry_after_s: int, field: str | None = None) -> None:
        super().__init__(detail, field=field)
        self.retry_after_s = retry_after_s
