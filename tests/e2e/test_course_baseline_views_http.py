"""Every view of a course shows the same baseline: the one the baseline rule decides. The course
below starts with the evaluation's PHQ-9 of 0 (the first score ever, answered the day before),
then a PHQ-9 of 20 retaken before the first infusion, six sessions down to 8 and two
reassessments. The outcome, the score trajectory, the course chart and the referring
clinician's PDF all start from 20, never from 0."""

from __future__ import annotations

from io import BytesIO

import pypdfium2 as pdfium
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.integration.test_outcome_service import reassess, responder_in_reassessment


def pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(BytesIO(content))
    return " ".join(" ".join(p.get_textpage().get_text_range().split()) for p in document)


def test_outcome_trajectory_chart_and_report_agree_on_the_baseline(
    client: TestClient, world: World
) -> None:
    patient_id, course_id = responder_in_reassessment(world)
    reassess(world, course_id, 9)
    world.clock.advance(days=7)
    reassess(world, course_id, 8)
    first = world.services.assessments.responses(world.actor(Role.NURSE), patient_id, "phq9")[0]
    assert first.total == 0  # the first score ever is not the course's baseline
    web_login(client, world, Role.PHYSICIAN)

    outcome = client.get(f"/courses/{course_id}/outcome").text
    numbers = outcome.split("Numbers behind the classification", 1)[1]
    assert '<th scope="row">Baseline</th><td>20 points' in numbers
    assert "from 20 points at baseline to 8 points" in outcome  # the chart's text alternative
    assert "from 0 points" not in outcome

    trajectories = client.get(f"/patients/{patient_id}/panels/trajectories").text
    phq9 = trajectories.split('data-instrument="phq9"', 1)[1].split("</article>", 1)[0]
    status = phq9.split('<p class="status">', 1)[1].split("</p>", 1)[0]
    assert "Baseline <strong>20</strong>" in status and "change -12 (-60%)" in status

    report = pdf_text(client.get(f"/courses/{course_id}/report.pdf").content)
    assert "from 20 points at baseline to 8 points" in report
    assert "Baseline 20 \u2192 latest 8 points" in report
    assert "from 0 points" not in report and "Baseline 0" not in report
