"""The demo clinic, seeded the way ``ketaclinic demo`` seeds it, shows the early stages of the
pathway: a course in evaluation, a consented course, a course in induction with tagged scores,
an adolescent with a guardian on the adolescent pack and a ketamine-assisted therapy course. The
board shows no session on a course that has not reached induction. Seeding twice adds nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor, Clinic
from ketaclinic.domain.outcomes.response import ScoreKind
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.demo import DEMO_PASSWORD, seed_demo
from ketaclinic.services.demo_pathway import demo_actors, seed_demo_pathway
from ketaclinic.services.demo_stages import (
    BASELINE_PHQ9,
    SESSION1_PHQ9,
    STAGE_FAMILY,
    StagePatient,
    seed_demo_stages,
)
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World


@pytest.fixture
def seeded(world: World) -> tuple[Clinic, list[StagePatient]]:
    s = world.services
    demo = seed_demo(s.uow, world.clock, s.staff, s.patients, s.protocols, shipped_protocols())
    seed_demo_schedule(s.uow, world.clock, demo.clinic.id)
    seed_demo_pathway(s.uow, world.clock, s.pathway(), demo.clinic.id)
    stages = seed_demo_stages(s.uow, world.clock, s.pathway(), s.outcomes, demo.clinic.id)
    return demo.clinic, stages


@pytest.fixture
def client(world: World, seeded: tuple[Clinic, list[StagePatient]]) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def actor(world: World, clinic: Clinic, role: Role) -> Actor:
    return demo_actors(world.services.uow, clinic.id)[role]


def test_every_early_stage_exists_through_the_services(
    world: World, seeded: tuple[Clinic, list[StagePatient]]
) -> None:
    clinic, stages = seeded
    nurse = actor(world, clinic, Role.NURSE)
    by_stage = {st.stage: st for st in stages}
    expected = {
        "evaluation": CourseState.EVALUATING,
        "consented": CourseState.CONSENTED,
        "induction": CourseState.INDUCTION,
        "adolescent": CourseState.EVALUATING,
        "kat": CourseState.EVALUATING,
    }
    assert set(by_stage) == set(expected)
    for stage, state in expected.items():
        [course] = world.services.courses.for_patient(nurse, by_stage[stage].patient_id)
        assert course.state is state, stage
    packs = {
        st.stage: world.services.courses.view(nurse, st.course_id).published.protocol_id
        for st in stages
    }
    assert packs["adolescent"] == "adolescent-iv" and packs["kat"] == "kat-holistic"
    teen = world.services.patients.chart(nurse, by_stage["adolescent"].patient_id)
    assert [g.details.legal_authority for g in teen.guardians] == [True]
    review = world.services.outcomes.review(nurse, by_stage["induction"].course_id)
    kinds = [s.kind for s in review.scores]  # the evaluation's questionnaires are baselines too
    assert set(kinds[:-1]) == {ScoreKind.BASELINE} and kinds[-1] is ScoreKind.SESSION
    baseline, latest = review.outcome.baseline, review.outcome.latest
    assert baseline is not None and baseline.total == BASELINE_PHQ9  # the evaluation's PHQ-9
    assert all(s.score.total > 0 for s in review.scores if s.kind is ScoreKind.BASELINE)
    assert latest is not None and (latest.total, latest.session_number) == (SESSION1_PHQ9, 1)


def test_the_board_holds_no_session_before_induction(
    world: World, seeded: tuple[Clinic, list[StagePatient]]
) -> None:
    clinic, _ = seeded
    nurse = actor(world, clinic, Role.NURSE)
    for card in world.services.board.snapshot(nurse):
        if card.session is None:
            continue
        course = world.services.courses.view(nurse, card.session.course_id).course
        assert course.state is CourseState.INDUCTION


def test_seeding_again_adds_nothing(
    world: World, seeded: tuple[Clinic, list[StagePatient]]
) -> None:
    clinic, _ = seeded
    s = world.services
    assert seed_demo_stages(s.uow, world.clock, s.pathway(), s.outcomes, clinic.id) == []
    nurse = actor(world, clinic, Role.NURSE)
    found = s.patients.search(nurse, PatientSearch(clinic.id, text=STAGE_FAMILY))
    assert len(found) == 5


def test_the_prescriber_today_page_and_banner_show_the_stages(
    world: World, client: TestClient, seeded: tuple[Clinic, list[StagePatient]]
) -> None:
    _, stages = seeded
    page = client.get("/signin")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signin = {"email": "np@demo.ketaclinic.test", "password": DEMO_PASSWORD, "csrf_token": csrf}
    assert client.post("/signin", data=signin, follow_redirects=False).status_code == 303
    today = client.get("/today")
    assert today.status_code == 200
    to_sign = today.text.split('id="today-to-sign"', 1)[1].split("</section>", 1)[0]
    assert "Every appointment today has a signed order." in to_sign  # the pathway's is signed
    teen = next(st for st in stages if st.stage == "adolescent")
    chart = client.get(f"/patients/{teen.patient_id}")
    assert "Minor (under 18): guardian Lee Demo-StageAdolescent (legal authority)" in chart.text
    assert "course evaluating" in chart.text
