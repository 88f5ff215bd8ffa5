"""iCalendar (RFC 5545) export of appointments, per patient or per staff member. Pure text.

Events carry no names or free text: a patient's calendar reads "Clinic appointment (session n of
the series)"; a staff calendar names the chair and the patient's record id only. Lines end in
CRLF and are folded at 75 octets (RFC 5545 §3.1); text values are escaped (§3.3.11).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.scheduling.calendar import TimeGrid
from ketaclinic.domain.scheduling.model import Appointment

PRODUCT_ID = "-//ketaclinic//scheduling//EN"
UID_DOMAIN = "ketaclinic.invalid"


class Audience(StrEnum):
    PATIENT = "patient"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One VEVENT: aware UTC start and end, stable uid, plain-text summary."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str = ""


def appointment_events(
    appointments: Iterable[Appointment], grid: TimeGrid, audience: Audience
) -> list[CalendarEvent]:
    """Events for ``appointments`` worded for ``audience``, sorted by start."""
    events = []
    for a in sorted(appointments, key=lambda x: (x.start_min, x.id)):
        if audience is Audience.PATIENT:
            summary = f"Clinic appointment (session {a.index})"
            location = ""
        else:
            summary = f"{a.chair_id}: patient {a.patient_id}, session {a.index}"
            location = a.chair_id
        start, end = grid.to_datetime(a.start_min), grid.to_datetime(a.end_min)
        events.append(CalendarEvent(f"{a.id}@{UID_DOMAIN}", start, end, summary, location))
    return events


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines (RFC 5545 §3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, never splitting a character."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with one space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _stamp(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValidationFailed({"now": "iCalendar times must be timezone-aware"})
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _clinic_time(event: CalendarEvent, timezone: str) -> str:
    """The event's start and end as the clinic reads them (its own time zone, named)."""
    zone = ZoneInfo(timezone)
    start, end = event.start.astimezone(zone), event.end.astimezone(zone)
    return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} clinic time ({timezone})"


def _event_lines(event: CalendarEvent, now: datetime, timezone: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(event.start)}",
        f"DTEND:{_stamp(event.end)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"DESCRIPTION:{escape_text(_clinic_time(event, timezone))}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    return [*lines, "END:VEVENT"]


def to_ics(
    events: Sequence[CalendarEvent], *, calendar_name: str, now: datetime, timezone: str = "UTC"
) -> str:
    """A complete VCALENDAR text; ``now`` (aware) is every event's DTSTAMP. Times are UTC (as
    RFC 5545 allows without a VTIMEZONE); the clinic's zone is named for calendar programs
    (``X-WR-TIMEZONE``) and each event says its clinic time in its description."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(calendar_name)}",
        f"X-WR-TIMEZONE:{escape_text(timezone)}",
    ]
    for event in events:
        lines.extend(_event_lines(event, now, timezone))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def patient_calendar(
    appointments: Iterable[Appointment],
    grid: TimeGrid,
    *,
    patient_id: str,
    now: datetime,
    timezone: str = "UTC",
) -> str:
    """The ``.ics`` text of one patient's appointments."""
    own = [a for a in appointments if a.patient_id == patient_id]
    events = appointment_events(own, grid, Audience.PATIENT)
    return to_ics(events, calendar_name="Clinic appointments", now=now, timezone=timezone)


def staff_calendar(
    appointments: Iterable[Appointment],
    grid: TimeGrid,
    *,
    staff_id: str,
    now: datetime,
    staff_name: str = "",
    timezone: str = "UTC",
) -> str:
    """The ``.ics`` text of the sessions one nurse monitors, named after the nurse."""
    own = [a for a in appointments if a.nurse_id == staff_id]
    events = appointment_events(own, grid, Audience.STAFF)
    name = f"Sessions of {staff_name or staff_id}"
    return to_ics(events, calendar_name=name, now=now, timezone=timezone)
