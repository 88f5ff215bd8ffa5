"""FHIR R4 ``Appointment``, ``Slot`` and ``Schedule`` for booked sessions (plain JSON dicts).

Each chair is a ``Location`` with one ``Schedule``; each active booking is a ``busy`` ``Slot`` on
its chair's schedule and an ``Appointment`` whose participants are the patient, the monitoring
nurse and the chair. Status map: proposed -> proposed, confirmed -> booked, cancelled ->
cancelled, missed -> noshow. Never logs a resource (raw patient data).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ketaclinic.domain.scheduling.booking import Booking, BookingStatus

STATUS = {
    BookingStatus.PROPOSED: "proposed",
    BookingStatus.CONFIRMED: "booked",
    BookingStatus.CANCELLED: "cancelled",
    BookingStatus.MISSED: "noshow",
}
SERVICE_TEXT = {
    "induction": "Ketamine induction infusion",
    "booster": "Ketamine booster infusion",
    "coaching": "Integration coaching",
}


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _participant(reference: str, display: str | None = None) -> dict[str, Any]:
    actor: dict[str, Any] = {"reference": reference}
    if display:
        actor["display"] = display
    return {"actor": actor, "required": "required", "status": "accepted"}


def export_appointment(booking: Booking, *, chair_name: str, nurse_name: str) -> dict[str, Any]:
    """One FHIR R4 Appointment for a stored booking."""
    minutes = int((booking.end_at - booking.start_at).total_seconds() // 60)
    return {
        "resourceType": "Appointment",
        "id": str(booking.id),
        "status": STATUS[booking.status],
        "serviceType": [{"text": SERVICE_TEXT.get(booking.kind.value, booking.kind.value)}],
        "description": f"Session {booking.session_number} ({booking.kind.value})",
        "start": _instant(booking.start_at),
        "end": _instant(booking.end_at),
        "minutesDuration": minutes,
        "slot": [{"reference": f"Slot/{booking.id}"}] if booking.active else [],
        "basedOn": [{"reference": f"CarePlan/course-{booking.course_id}"}],
        "participant": [
            _participant(f"Patient/{booking.patient_id}"),
            _participant(f"Practitioner/{booking.nurse_id}", nurse_name),
            _participant(f"Location/chair-{booking.chair_id}", chair_name),
        ],
    }


def export_slot(booking: Booking) -> dict[str, Any]:
    """The busy Slot an active booking holds on its chair's Schedule."""
    return {
        "resourceType": "Slot",
        "id": str(booking.id),
        "schedule": {"reference": f"Schedule/chair-{booking.chair_id}"},
        "status": "busy",
        "start": _instant(booking.start_at),
        "end": _instant(booking.end_at),
    }


def export_schedule(
    chair_id: int, chair_name: str, *, start: datetime, end: datetime, active: bool
) -> dict[str, Any]:
    """The Schedule of one chair over the planning horizon ``[start, end)``."""
    return {
        "resourceType": "Schedule",
        "id": f"chair-{chair_id}",
        "active": active,
        "actor": [{"reference": f"Location/chair-{chair_id}", "display": chair_name}],
        "planningHorizon": {"start": _instant(start), "end": _instant(end)},
    }


def searchset(resources: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A FHIR searchset Bundle of ``resources``."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"fullUrl": f"{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }
