"""iCalendar export: RFC 5545 framing, folding, escaping and who sees which events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ketaclinic.adapters.ical import escape_text, fold, patient_calendar, staff_calendar
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.scheduling import Appointment, SessionShape, TimeGrid

GRID = TimeGrid(datetime(2030, 1, 7, tzinfo=UTC))
SHAPE = SessionShape(15, 40, 60, 15)
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def _appt(index: int, patient: str, nurse: str, start_min: int) -> Appointment:
    return Appointment(
        f"{patient}-s{index}", "series-x", patient, index, start_min, "chair-2", nurse, SHAPE
    )


APPOINTMENTS = (
    _appt(2, "patient-a", "nurse-1", 2 * 1440 + 9 * 60),
    _appt(1, "patient-a", "nurse-2", 9 * 60),
    _appt(1, "patient-b", "nurse-1", 10 * 60),
)


def test_patient_calendar_holds_only_their_sessions_in_order() -> None:
    text = patient_calendar(APPOINTMENTS, GRID, patient_id="patient-a", now=NOW)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 2
    assert "DTSTART:20300107T090000Z" in text and "DTEND:20300107T105500Z" in text
    assert text.index("session 1") < text.index("session 2")
    assert "patient-b" not in text and "nurse" not in text
    assert "DTSTAMP:20300101T120000Z" in text
    assert "UID:patient-a-s1@ketaclinic.invalid" in text


def test_staff_calendar_names_chair_and_record_id_only() -> None:
    text = staff_calendar(APPOINTMENTS, GRID, staff_id="nurse-1", now=NOW)
    assert text.count("BEGIN:VEVENT") == 2
    assert "SUMMARY:chair-2: patient patient-a\\, session 2" in text
    assert "LOCATION:chair-2" in text


def test_every_line_is_crlf_terminated_and_at_most_75_octets() -> None:
    text = staff_calendar(APPOINTMENTS, GRID, staff_id="nurse-1", now=NOW)
    lines = text.split("\r\n")
    assert lines[-1] == ""
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "\n" not in text.replace("\r\n", "")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        pytest.param("a,b", "a\\,b", id="comma"),
        pytest.param("a;b", "a\\;b", id="semicolon"),
        pytest.param("a\\b", "a\\\\b", id="backslash"),
        pytest.param("a\nb", "a\\nb", id="newline"),
    ],
)
def test_text_escaping(raw: str, escaped: str) -> None:
    assert escape_text(raw) == escaped


def test_folding_never_splits_a_multibyte_character() -> None:
    line = "SUMMARY:" + "é" * 80
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(parts) == line


def test_naive_dtstamp_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        patient_calendar(APPOINTMENTS, GRID, patient_id="patient-a", now=datetime(2030, 1, 1))


def test_calendars_name_the_clinic_zone_and_each_event_says_its_clinic_time() -> None:
    text = patient_calendar(
        APPOINTMENTS, GRID, patient_id="patient-a", now=NOW, timezone="America/Chicago"
    )
    assert "X-WR-TIMEZONE:America/Chicago\r\n" in text
    # 09:00 UTC on 2030-01-07 is 03:00 in Chicago (CST, UTC-6); the UTC stamps stay as they are
    assert "DTSTART:20300107T090000Z" in text
    assert "DESCRIPTION:2030-01-07 03:00-04:55 clinic time (America/Chicago)" in text


def test_a_staff_calendar_is_named_after_the_person() -> None:
    text = staff_calendar(
        APPOINTMENTS, GRID, staff_id="nurse-1", now=NOW, staff_name="Jordan Demo-Nurse"
    )
    assert "X-WR-CALNAME:Sessions of Jordan Demo-Nurse\r\n" in text
