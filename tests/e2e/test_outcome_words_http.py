"""The outcomes pages in each course's own words, through HTTP: a KAT course's series reads as
KAT sessions (never induction) and its dashboard figures, drop-out included, run over its own
series of 3 and name the protocol; response and remission are measured at the end of each
protocol's own series (session 3 of a KAT series, session 6 of an IV induction) and say so; a
rate out of no session is a dash with the reason beside it; a relapse rule met says which rule
and when; comparisons read "≥" and "≤" on the page."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.outcomes.response import ScoreKind
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.entrypoints.web.plain import local_time
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.e2e.test_dashboard_web import pdf_text
from tests.integration.test_outcome_service import (
    induction_course,
    phq9,
    reassess,
    record_series,
    responder_in_reassessment,
    to_reassessment,
)
from tests.kat_dosing import kat_course

KAT_SERIES = (20, 14, 9, 6)  # PHQ-9 baseline, then KAT sessions 1..3 of the series of 3


def kat_course_scored(world: World) -> int:
    """A kat-holistic course in its series of 3, a PHQ-9 at baseline and at each session."""
    setup = kat_course(world)
    world.services.courses.move(world.actor(Role.APP), setup.course_id, CourseState.INDUCTION)
    record_series(world, setup.course_id, KAT_SERIES)
    return setup.course_id


def _figure(page: str, figure_id: str) -> str:
    return page.split(f'aria-labelledby="fig-{figure_id}"', 1)[1].split("</section>", 1)[0]


def _rows(section: str, protocol_id: str) -> list[str]:
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [r for r in body.split("<tr>") if f'data-protocol-id="{protocol_id}"' in r]


def test_a_kat_protocol_s_figures_run_over_its_own_series_and_name_it(
    client: TestClient, world: World
) -> None:
    kat_course_scored(world)
    ended = kat_course_scored(world)  # ended after the last session of its series of 3
    world.services.courses.move(
        world.actor(Role.PHYSICIAN), ended, CourseState.DISCONTINUED, reason="Synthetic: moved away"
    )
    responder_in_reassessment(world)  # an IV course of 6 beside it
    web_login(client, world, Role.ADMIN)
    month = world.clock.now().strftime("%Y-%m")
    page = client.get(f"/outcomes?from_month={month}&to_month={month}")
    assert page.status_code == 200
    km = _figure(page.text, "time_to_response")
    kat_sessions = [r.split("</td><td>", 2)[1] for r in _rows(km, "kat-holistic")]
    assert kat_sessions == ["1", "2", "3"]  # the KAT series of 3, not the IV shape of 6
    iv_sessions = [r.split("</td><td>", 2)[1] for r in _rows(km, "adult-iv-induction")]
    assert iv_sessions == ["1", "2", "3", "4", "5", "6"]
    trajectory = _figure(page.text, "trajectory")
    kat_points = [r.split("</td><td>", 3)[2] for r in _rows(trajectory, "kat-holistic")]
    assert kat_points == ["0", "1", "2", "3"]
    # every chart names its protocol: the KAT mean PHQ-9 chart as the IV one
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", trajectory)
    assert len(captions) == 2
    assert all(": mean PHQ-9 by session with 95 % CI" in c for c in captions)
    assert not any(c.startswith("Mean PHQ-9") for c in captions)
    km_captions = re.findall(r"<figcaption>([^<]*)</figcaption>", km)
    assert len(km_captions) == 2
    assert all(c.endswith(": time to first response (PHQ-9)") for c in km_captions)
    retention = _figure(page.text, "retention")
    kat_reached = [r.split("</td><td>", 2)[1] for r in _rows(retention, "kat-holistic")]
    assert kat_reached == ["1", "2", "3"]  # drop-out over the KAT series of 3 only
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", r) for r in _rows(retention, "kat-holistic")]
    assert [c[2:5] for c in cells] == [["2", "0", "0"], ["2", "0", "0"], ["2", "0", "0"]]
    dropout = re.findall(r"<figcaption>([^<]*)</figcaption>", retention)
    assert len(dropout) == 2 and all(": drop-out after each session" in c for c in dropout)
    csv = client.get(f"/outcomes/time_to_response.csv?from_month={month}&to_month={month}")
    kat_csv = [line for line in csv.text.splitlines() if line.startswith("kat-holistic,")]
    assert [line.split(",")[1] for line in kat_csv] == ["1", "2", "3"]


def _completed(world: World, course_id: int) -> None:
    """Setup step: the course reassessed after its series and completed (through the
    repository, as ``to_reassessment``)."""
    to_reassessment(world, course_id)
    with world.services.uow() as uow:
        course = uow.courses.get(world.clinic.id, course_id)
        assert course is not None
        by = world.actor(Role.PHYSICIAN).staff_id or 0
        uow.courses.move(course, CourseState.COMPLETED, by=by, at=world.clock.now(), reason="done")
        uow.commit()


def _cells(section: str, protocol_id: str) -> list[list[str]]:
    return [re.findall(r"<td[^>]*>([^<]*)</td>", r) for r in _rows(section, protocol_id)]


def test_response_and_remission_are_measured_at_the_end_of_each_protocol_s_own_series(
    client: TestClient, world: World
) -> None:
    setup = kat_course(world)
    world.services.courses.move(world.actor(Role.APP), setup.course_id, CourseState.INDUCTION)
    record_series(world, setup.course_id, (20, 14, 9, 4))  # 80 % down, 4 at or below the cut
    _completed(world, setup.course_id)  # its series of 3 done: no session 6 ever comes
    responder_in_reassessment(world)  # an IV course: 20 at baseline, 8 at session 6 of 6
    web_login(client, world, Role.ADMIN)
    month = world.clock.now().strftime("%Y-%m")
    page = client.get(f"/outcomes?from_month={month}&to_month={month}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "at the end of the KAT series (session 3)" in text.split("</p>", 1)[0]
    assert "at session 6" not in text and "session-6" not in text
    kat_end, iv_end = (
        "At the end of the KAT series (session 3)",
        "At the end of the series (session 6)",
    )
    rates = _figure(page.text, "rates")
    # protocol, month, clinic, measured at, courses, responded, %, in remission, %
    assert [c[1:] for c in _cells(rates, "kat-holistic")] == [
        ["All months", world.clinic.name, kat_end, "1", "1", "100.0", "1", "100.0"],
        [f"{world.clock.now():%B %Y}", world.clinic.name, kat_end, "1", "1", "100.0", "1", "100.0"],
    ]
    [iv_all, _] = _cells(rates, "adult-iv-induction")
    assert iv_all[3:] == [iv_end, "1", "1", "100.0", "0", "0.0"]  # still counted at session 6
    remission = _figure(page.text, "remission")
    assert [c[1:5] for c in _cells(remission, "kat-holistic")] == [[kat_end, "1", "1", "100.0"]]
    assert [c[1:5] for c in _cells(remission, "adult-iv-induction")] == [[iv_end, "1", "0", "0.0"]]
    csv = client.get(f"/outcomes/remission.csv?from_month={month}&to_month={month}")
    lines = csv.text.splitlines()
    assert lines[0].startswith("protocol,series_sessions,at_end_of_series_n,")
    assert "kat-holistic,3,1,1,100.0,0,0," in lines
    api = client.get(
        f"/api/v1/outcomes/dashboard?from_month={month}&to_month={month}",
        headers=bearer(client, world, Role.ADMIN),
    ).json()
    [kat] = [p for p in api["protocols"] if p["protocol_id"] == "kat-holistic"]
    assert (kat["rates_at_session"], kat["rates_measured_at"]) == (
        3,
        kat_end[0].lower() + kat_end[1:],
    )
    [row] = kat["remission"]
    assert (row["end_of_series_n"], row["end_of_series_remitted"]) == (1, 1)


def test_a_rate_out_of_no_session_is_a_dash_with_the_reason_beside_it(
    client: TestClient, world: World
) -> None:
    _, course_id = induction_course(world)
    record_series(world, course_id, (20,))  # a baseline only: no session given yet
    web_login(client, world, Role.ADMIN)
    month = world.clock.now().strftime("%Y-%m")
    page = client.get(f"/outcomes?from_month={month}&to_month={month}")
    safety = _figure(page.text, "safety")
    [row] = _rows(safety, "adult-iv-induction")
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells[1:] == ["0", "0", "\u2014", "0", "\u2014"]  # sessions, events, rate, ...
    assert "0.0" not in row
    assert 'title="A dash (\u2014) means no session is recorded for those courses yet' in row
    assert 'data-no-figure="safety"' in safety
    assert "with no session there is no rate per 100 sessions (it is not 0)" in safety
    csv = client.get(f"/outcomes/safety.csv?from_month={month}&to_month={month}")
    assert csv.text.splitlines()[1] == "adult-iv-induction,0,0,,0,"


def test_a_kat_course_page_says_kat_sessions_never_induction(
    client: TestClient, world: World
) -> None:
    course_id = kat_course_scored(world)
    web_login(client, world, Role.PHYSICIAN)
    page = client.get(f"/courses/{course_id}/outcome")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "3 KAT sessions with a score" in text
    assert "open once the KAT series is done: 0 of 3 KAT sessions discharged" in text
    assert 'data-state="induction">In KAT sessions</span>' in text
    # in no word shown (a rule id one click away, under "Why", keeps its code)
    shown = re.sub(r"<details.*?</details>", " ", text, flags=re.S)
    assert "induction" not in re.sub(r"<[^>]*>", " ", shown).lower()
    report = client.get(f"/courses/{course_id}/report.pdf")
    assert report.status_code == 200
    printed = " ".join(pdf_text(report.content).split())
    assert f"Course {course_id} (in KAT sessions)" in printed
    assert "induction" not in printed.lower()
    # each score says why it was taken in words, a session of the series as a KAT session
    assert "PHQ-9 20 points - Baseline" in printed
    assert "PHQ-9 9 points - KAT session 2" in printed
    assert "Cannot classify on PHQ-9" in printed and "cannot_classify" not in printed


def test_the_relapse_watch_marks_the_rule_met_and_when(client: TestClient, world: World) -> None:
    _, course_id = responder_in_reassessment(world)
    physician, nurse = world.actor(Role.PHYSICIAN), world.actor(Role.NURSE)
    reassess(world, course_id, 8)
    world.services.maintenance.store(physician, course_id, world.clock.now().date())
    world.services.outcomes.decide(physician, course_id, CourseState.MAINTENANCE, "responder")
    for total in (12, 6, 11, 13):  # 11 then 13 a week apart meet the PHQ-9 10 or above rules
        world.clock.advance(days=7)
        kind = ScoreKind.RELAPSE_WATCH.value
        world.services.outcomes.record_score(nurse, course_id, "phq9", phq9(total), kind=kind)
    review = world.services.outcomes.review(physician, course_id)
    assert review.relapse is not None
    met = [e for e in review.relapse.watch.evaluations if e.met]
    assert met and all(e.met_at is not None for e in met)
    web_login(client, world, Role.PHYSICIAN)
    page = html.unescape(client.get(f"/courses/{course_id}/outcome").text)
    watch = page.split('id="rw-h"', 1)[1].split("</section>", 1)[0]
    rules = re.findall(r'<li data-relapse-rule="(met|not_met)">(.*?)</li>', watch, re.S)
    assert len(rules) == len(review.relapse.watch.evaluations)
    shown_met = [body for kind, body in rules if kind == "met"]
    assert len(shown_met) == len(met)
    for evaluation, body in zip(met, shown_met, strict=True):
        when = local_time(evaluation.met_at, world.clinic.timezone)
        assert f"<strong>Rule met on {when}:</strong> PHQ-9 10 points or above" in body
    assert all("Rule met" not in body for kind, body in rules if kind == "not_met")
    # the cited sources read "≥ 10", never the typed ">= 10"
    assert "\u2265 10" in watch and ">=" not in page and "<=" not in page
    worklist = html.unescape(client.get("/worklist/outcomes").text)
    assert f"Rule met on {local_time(met[0].met_at, world.clinic.timezone)}:" in worklist
    assert ">=" not in worklist
