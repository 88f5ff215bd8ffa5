"""The seeded demo clinic (``seed_demo_clinic``, as ``ketaclinic demo`` seeds it) shows believable
scores: no course starts from a baseline of 0 unless the demo profile says so, every place that
shows a course's baseline (outcome, score trajectory, chart, report) shows the same one, and a
course whose relapse watch met the rule says so first on its outcome page, without claiming that
its response holds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.adapters.trajectory_charts import course_trajectory_chart
from ketaclinic.bootstrap import Services, build
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.outcomes.response import ScoreKind
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.demo import DEMO_PASSWORD
from ketaclinic.services.demo_clinic import DemoClinic, demo_clock_start, seed_demo_clinic
from ketaclinic.services.demo_pathway import DEMO_BASELINE_TOTALS, demo_actors
from tests.conftest import World, make_world, truncate_all
from tests.fakes import CountingTokens, FakeClock


class _DemoClock(FakeClock):
    def catch_up(self) -> None:
        return None


@dataclass(frozen=True)
class Demo:
    clinic: DemoClinic
    services: Services


pytestmark = pytest.mark.xdist_group("demo_scores")


@pytest.fixture(scope="module")
def demo_world(
    migrated_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One clinic database per backend for this module: seeding the demo takes seconds, and
    every test here only reads it."""
    truncate_all(migrated_engine)
    world = make_world(migrated_engine, tmp_path_factory.mktemp("demo"))
    yield world
    world.services.live.close()


@pytest.fixture(scope="module")
def demo(demo_world: World) -> Iterator[Demo]:
    world = demo_world
    now = world.clock.now()
    clock = _DemoClock(demo_clock_start(now))
    s = build(
        world.services.settings, clock=clock, tokens=CountingTokens(), engine=world.services.engine
    )
    seeded = seed_demo_clinic(s, clock, shipped_protocols(), until=now)
    yield Demo(seeded, s)
    s.live.close()


@pytest.fixture
def client(demo: Demo) -> Iterator[TestClient]:
    with TestClient(create_app(services=demo.services)) as c:
        yield c


def sign_in(client: TestClient, role: Role) -> None:
    page = client.get("/signin")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"email": f"{role.value}@demo.ketaclinic.test", "password": DEMO_PASSWORD}
    response = client.post("/signin", data={**form, "csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303


def pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(BytesIO(content))
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def course_ids(demo: Demo) -> list[tuple[int, int]]:
    """``(patient_id, course_id)`` of every seeded course."""
    c = demo.clinic
    found = [(h.patient_id, h.course_id) for h in c.history]
    found += [(st.patient_id, st.course_id) for st in c.stages]
    if c.pathway is not None:
        found.append((c.pathway.patient_id, c.pathway.course_id))
    return found


def test_no_demo_course_starts_from_zero_and_every_baseline_agrees(demo: Demo) -> None:
    s = demo.services
    nurse = demo_actors(s.uow, demo.clinic.result.clinic.id)[Role.NURSE]
    with_baseline = 0
    for patient_id, course_id in course_ids(demo):
        review = s.outcomes.review(nurse, course_id)
        for tagged in review.scores:
            if tagged.kind is ScoreKind.BASELINE:
                profile = DEMO_BASELINE_TOTALS.get(tagged.score.instrument)
                assert tagged.score.total > 0 or profile == 0, (course_id, tagged)
        baseline = review.outcome.baseline
        trajectory = s.assessments.trajectory(
            nurse, patient_id, review.outcome.instrument, course_id
        )
        chart = course_trajectory_chart(review, tz=demo.clinic.result.clinic.timezone)
        if baseline is None:
            assert trajectory.summary is None or trajectory.summary.baseline is None
            continue
        with_baseline += 1
        assert trajectory.summary is not None and trajectory.summary.baseline is not None
        assert trajectory.summary.baseline.total == baseline.total, course_id
        assert trajectory.summary.baseline.at == baseline.administered_at
        assert chart is not None
        assert f"from {baseline.total} points at baseline" in chart.description
    # the history's eleven courses, the pathway patient and the stage in induction
    assert with_baseline >= 13


def test_the_relapsed_course_shows_the_relapse_first_and_no_stability_claim(
    demo: Demo, client: TestClient
) -> None:
    [isle] = [h for h in demo.clinic.history if h.given == "Isle"]
    sign_in(client, Role.PHYSICIAN)
    page = client.get(f"/courses/{isle.course_id}/outcome")
    assert page.status_code == 200
    body = page.text
    outcome = body.split('id="oc-h"', 1)[1]
    assert 'data-relapse="met"' in outcome
    assert outcome.index('data-relapse="met"') < outcome.index("data-outcome=")
    assert "Relapse rule met" in outcome.split("data-outcome=", 1)[0]
    assert 'data-holds="true"' not in body and "· holds" not in body
    assert 'data-holds="false"' in body
    # the stability line says when the relapse rule was met, in the clinic's time, never a
    # sentence cut off after "since"
    holding = re.search(
        r"not holding: relapse rule met on (\w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2})", body
    )
    assert holding is not None, body
    assert "met since<" not in body
    # once relapse is met the early review does not claim progress, and no rule contradicts it
    assert 'data-futility="not-applicable"' in body
    assert "Early review (on track)" not in body and "improving" not in body
    assert "rule applies after" not in body
    panel = client.get(f"/patients/{isle.patient_id}/panels/outcomes").text
    assert panel.index('data-relapse="met"') < panel.index("data-outcome=")
    assert "· holds" not in panel
    report = pdf_text(client.get(f"/courses/{isle.course_id}/report.pdf").content)
    outcome_part = report.split("Outcome", 1)[1]
    assert f"not holding: relapse rule met on {holding.group(1)}" in report
    assert outcome_part.index("RELAPSE RULE MET") < outcome_part.index("on PHQ-9")
    assert "(holds)" not in report


def test_a_course_report_and_pages_show_the_courses_baseline(
    demo: Demo, client: TestClient
) -> None:
    [briar] = [h for h in demo.clinic.history if h.given == "Briar"]
    sign_in(client, Role.PHYSICIAN)
    report = pdf_text(client.get(f"/courses/{briar.course_id}/report.pdf").content)
    flat = " ".join(report.split())
    assert "from 18 points at baseline" in flat and "Baseline 18 \u2192 latest" in flat
    assert "from 0 points" not in flat
    # every time on the clinic's clock (the demo clinic is in Chicago), none in UTC
    nurse = demo_actors(demo.services.uow, demo.clinic.result.clinic.id)[Role.NURSE]
    baseline = demo.services.outcomes.review(nurse, briar.course_id).outcome.baseline
    assert baseline is not None
    local = baseline.administered_at.astimezone(ZoneInfo("America/Chicago"))
    assert f"{local:%a %-d %b %Y %H:%M} - PHQ-9 18 points - Baseline" in flat
    assert f"{baseline.administered_at:%a %-d %b %Y %H:%M}" not in flat
    assert not re.search(r"\d{4}-\d\d-\d\d", flat)  # no ISO date anywhere in the summary
    # a threshold the clinic took as a default says so in words, with its sign-off status
    assert "UNCONFIRMED" not in flat
    assert "partial response (clinic default)" in flat
    assert re.search(r"clinic default (awaiting physician sign-off|confirmed when)", flat)
    assert "UTC" not in flat and "+00:00" not in flat
    page = client.get(f"/courses/{briar.course_id}/outcome").text
    assert "from 18 points at baseline" in page and "from 0 points" not in page
