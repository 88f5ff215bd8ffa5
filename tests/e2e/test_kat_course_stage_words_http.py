"""A KAT course's chart says where it stands in its own words, through HTTP: its stage, its
history and its next steps read "KAT sessions" and "KAT series", never induction (the rule id
stays behind "why"); the sessions given and the sessions discharged (which finish the series)
are counted apart, so "1 given" and "0 discharged" never contradict. An IV course keeps
"Induction"."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.integration.test_outcome_service import induction_course
from tests.kat_dosing import dosed_kat_session


def _text(markup: str) -> str:
    """The words a reader sees: tags and the "why" details (rule ids) left out."""
    shown = re.sub(r"<details class=\"why\">.*?</details>", " ", markup, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", shown)).split())


def test_a_kat_course_s_chart_reads_kat_sessions_and_counts_given_apart_from_discharged(
    client: TestClient, world: World
) -> None:
    dose = dosed_kat_session(world)
    world.clock.advance(minutes=5)  # past the planned dosing time: given, now in recovery
    world.services.session_workflow.end_dosing(world.actor(Role.NURSE), dose.session_id)
    patient_id, course_id = dose.setup.patient_id, dose.setup.course_id
    course = world.services.courses.view(world.actor(Role.PHYSICIAN), course_id).course
    assert course.state is CourseState.INDUCTION
    web_login(client, world, Role.PHYSICIAN)

    panel = client.get(f"/patients/{patient_id}/panels/courses").text
    article = panel.split(f'data-course-id="{course_id}"', 1)[1].split("</article>", 1)[0]
    badge = article.split('data-state="induction">', 1)[1].split("</span>", 1)[0]
    assert badge == "KAT sessions"
    history = article.split("<summary>History</summary>", 1)[1].split("</details>", 1)[0]
    assert "Consented → KAT sessions" in " ".join(html.unescape(history).split())
    steps = article.split("<h4>Next steps</h4>", 1)[1].split("<summary>History</summary>", 1)[0]
    shown = _text(steps)
    assert "KAT series 0 of 3 sessions discharged" in shown
    assert "induction" not in shown.lower()
    assert "induction_done" in steps  # the rule, one click away

    chart = client.get(f"/patients/{patient_id}").text
    summary = chart.split('id="chart-summary"', 1)[1].split("</section>", 1)[0]
    course_words = summary.split('data-field="summary-course">', 1)[1].split("</dd>", 1)[0]
    assert _text(course_words).endswith("· KAT sessions")
    sessions = summary.split('data-field="summary-sessions">', 1)[1].split("</dd>", 1)[0]
    assert _text(sessions) == "1 of 3 given, 0 discharged yet"
    assert "induction" not in _text(summary).lower()


def test_an_iv_course_s_chart_keeps_induction(client: TestClient, world: World) -> None:
    patient_id, course_id = induction_course(world)
    web_login(client, world, Role.PHYSICIAN)
    panel = client.get(f"/patients/{patient_id}/panels/courses").text
    article = panel.split(f'data-course-id="{course_id}"', 1)[1].split("</article>", 1)[0]
    assert article.split('data-state="induction">', 1)[1].split("</span>", 1)[0] == "Induction"
    assert "KAT" not in _text(article)
