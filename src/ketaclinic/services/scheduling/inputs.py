"""The scheduling use cases' inputs, one model each, built by the web form and the JSON API alike.

Each model validates in its constructor and raises :class:`ValidationFailed` naming every bad
field at once, so a form shows the messages next to its fields and the API answers 422 with the
same field names. The edges only turn their wire format (form strings, JSON) into these types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ketaclinic.domain.errors import ValidationFailed

REASON_MAX_CHARS = 500
ID_MAX = 2**31 - 1  # row ids are int4 in every store


def _reason(value: str, errors: dict[str, str], missing: str) -> None:
    if not value.strip():
        errors["reason"] = missing
    elif len(value) > REASON_MAX_CHARS:
        errors["reason"] = f"must be at most {REASON_MAX_CHARS} characters"


def _row_id(value: int | None, name: str, errors: dict[str, str], message: str) -> None:
    if value is not None and not 1 <= value <= ID_MAX:
        errors[name] = message


@dataclass(frozen=True, slots=True)
class MoveRequest:
    """Move one session by hand: the new start, optionally another chair or nurse, and why.

    ``start_at`` must carry its time zone (the web form's clinic-local day and time, or the API's
    offset); ``chair_id``/``nurse_id`` left ``None`` keep the booking's own.
    """

    start_at: datetime
    reason: str
    chair_id: int | None = None
    nurse_id: int | None = None

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        if self.start_at.tzinfo is None or self.start_at.utcoffset() is None:
            errors["start_at"] = "start must be a timezone-aware time"
        _row_id(self.chair_id, "chair_id", errors, "choose a chair")
        _row_id(self.nurse_id, "nurse_id", errors, "choose a nurse")
        _reason(self.reason, errors, "a manual move needs a reason")
        if errors:
            raise ValidationFailed(errors)

    @property
    def why(self) -> str:
        """The reason as stored on the booking and in the audit trail."""
        return self.reason.strip()


class DropReason(StrEnum):
    CANCELLED = "cancelled"
    MISSED = "missed"
    POSTPONED = "postponed"  # e.g. the dosing recommendation says postpone; stored as cancelled


@dataclass(frozen=True, slots=True)
class DropRequest:
    """Cancel, mark missed or postpone one session, and why (the rest is re-planned)."""

    why: DropReason
    reason: str

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        _reason(self.reason, errors, "say why the session is dropped")
        if errors:
            raise ValidationFailed(errors)


def check_span(start_at: datetime, end_at: datetime, reason: str) -> None:
    """A chair out of service or a member of staff off: an aware span, and why."""
    errors = {}
    if start_at.tzinfo is None or end_at.tzinfo is None:
        errors["start_at"] = "times must be timezone-aware"
    elif end_at <= start_at:
        errors["end_at"] = "the end must follow the start"
    if not reason.strip():
        errors["reason"] = "say why the chair is out of service"
    if errors:
        raise ValidationFailed(errors)
