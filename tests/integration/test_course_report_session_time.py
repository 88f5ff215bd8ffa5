"""The referring clinician's PDF prints each session at the time dosing started, in the clinic's
local time (as the session and course pages do), not when the dose was recorded at the end of
dosing; and it names the protocol by its title and version in words, never its id."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from ketaclinic.adapters.pdf.report import render_course_report
from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import Day, _ready, make_day


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def test_the_pdf_prints_the_dosing_start_and_the_protocol_in_words(day: Day) -> None:
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _ready(day)
    day.flow.start(nurse, day.session_id, start_fields(w))
    started = day.flow.day(nurse, day.session_id).session.dosing_started_at
    assert started is not None
    w.clock.advance(minutes=40)
    day.flow.end_dosing(nurse, day.session_id)
    report = w.services.reports.course_report(w.actor(Role.PHYSICIAN), day.setup.course_id)
    tz = w.clinic.timezone
    pdf = render_course_report(report, clinic_tz=tz)
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    zone = ZoneInfo(tz)
    start_words = started.astimezone(zone).strftime("%a %-d %b %Y %H:%M")
    end_words = w.clock.now().astimezone(zone).strftime("%H:%M")
    assert f"Session 1 - {start_words} - " in text, text
    assert "at the time its dosing started" in text
    assert "Session 1 - given" not in text and end_words not in text.split("Session 1", 1)[1][:60]
    assert "@" not in text.split("Printed", 1)[0]
    title = report.protocol_title.split(" (", 1)[0]
    assert f"protocol {title}, version {report.protocol_version}" in text, text
    assert report.protocol_version and report.protocol_ref not in text
