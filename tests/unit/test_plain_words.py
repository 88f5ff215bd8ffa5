"""The page filters write one human format of local clinic time ("Mon 7 Dec 2026 08:00",
"Monday 7 December 2026"), states and routes as words ("In recovery", "intranasal"); the course
summary says "clinic default" with its sign-off status instead of "UNCONFIRMED"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest

from ketaclinic.adapters.pdf.report import _reason
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.entrypoints.web.plain import (
    DAY_FORMAT,
    day_words,
    field_label,
    local_time,
    month_words,
    route_name,
    route_words,
    shown_value,
    state_words,
)
from ketaclinic.services.outcomes.reports import CourseReport

AT = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # 08:00 in Chicago


def test_a_moment_reads_in_local_clinic_time_with_its_weekday() -> None:
    assert local_time(AT, "America/Chicago") == "Mon 7 Dec 2026 08:00"
    assert local_time(AT, "America/Chicago", "%H:%M") == "08:00"
    assert local_time(None, "America/Chicago") == ""
    assert shown_value(AT, "America/Chicago") == "Mon 7 Dec 2026 08:00"
    assert shown_value("2026-12-07T14:00:00+00:00", "America/Chicago") == "Mon 7 Dec 2026 08:00"


def test_a_day_reads_in_words_never_iso() -> None:
    assert day_words(date(2026, 12, 7)) == "7 Dec 2026"
    assert day_words(date(2026, 12, 7), DAY_FORMAT) == "Monday 7 December 2026"
    assert day_words(None) == ""


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (SessionState.CHECKED_IN, "Checked in"),
        (SessionState.RECOVERY, "In recovery"),
        (SessionState.NO_SHOW, "No-show"),
        (SessionState.INFUSING, "Dosing"),
        ("in_recovery", "In recovery"),
    ],
)
def test_states_read_as_plain_words(state: Any, words: str) -> None:
    assert state_words(state) == words


def test_routes_read_as_a_prescription_writes_them() -> None:
    assert route_words(Route.IV) == "IV"
    assert route_words(Route.IN) == "intranasal"
    for stored, shown in (("iv", "IV"), ("IV", "IV"), ("im", "IM"), ("po", "PO"), ("PO ", "PO")):
        assert route_words(stored) == shown
    assert route_name("po") == "Oral (PO)" and route_name("iv") == "Intravenous (IV)"


def _report(signed_off_at: datetime | None, by: str = "") -> CourseReport:
    fields = {
        "protocol_signed_off_at": signed_off_at,
        "protocol_signed_off_by": by,
        "clinic_timezone": "America/Chicago",
    }
    return cast(CourseReport, SimpleNamespace(**fields))


def test_a_clinic_default_says_so_and_whether_it_is_signed_off() -> None:
    source = "§3.4 PHQ-9 >=10 (UNCONFIRMED)"
    waiting = _reason(_report(None), "relapse rule met", source, True)
    assert "UNCONFIRMED" not in waiting
    assert waiting == (
        "relapse rule met (source: §3.4 PHQ-9 >=10 (clinic default); clinic default awaiting "
        "physician sign-off of the protocol)"
    )
    signed = _reason(_report(AT, "Dana Demo-Physician"), "relapse rule met", source, True)
    assert signed.endswith(
        "clinic default confirmed when the protocol was signed off by Dana Demo-Physician on "
        "Mon 7 Dec 2026)"
    )
    plain = _reason(_report(None), "drop >= 50 %", "§9.1 SUSTAIN-3", False)
    assert plain == "drop >= 50 % (source: §9.1 SUSTAIN-3)"


@pytest.mark.parametrize(
    ("value", "words"),
    [("2025-12", "December 2025"), ("2026-01", "January 2026"), ("2026-13", "2026-13"), ("", "")],
)
def test_a_month_reads_as_words(value: str, words: str) -> None:
    assert month_words(value) == words


def test_rates_and_check_ins_read_as_words() -> None:
    assert field_label("hr_per_min") == "Heart rate (per minute)"
    assert field_label("rr_per_min") == "Respiratory rate (per minute)"
    assert field_label("checkin_reviewed") == "Check-in reviewed"
    assert field_label("bp_hard_stop") == "BP hard stop"
