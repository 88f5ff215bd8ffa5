"""A KAT journey's dose order while the journey is dosing: the order screen and the refusal to
sign the next order say the dose is being given (session in progress), from the session's state;
nothing names an order by its row id; once dosing has ended the next session is ordered."""

from __future__ import annotations

import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.protocols.canonical import decimal_text
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.kat_dosing import (
    discharge_kat,
    dosed_kat_session,
    kat_course,
    kat_start,
    ready_kat_session,
    verified_im_order,
)

IM_ORDER = {"route": "im", "mg_per_kg": "0.5", "vial_mg_per_ml": "50"}


def _previous_rows(page: str) -> list[str]:
    table = page.split('id="previous"', 1)[1].split("</table>", 1)[0]
    return [r.split("</tr>", 1)[0] for r in table.split("<tr data-session=")[1:]]


def test_the_order_screen_says_the_dose_is_being_given_while_the_journey_doses(
    client: TestClient, world: World
) -> None:
    dose = dosed_kat_session(world)
    course = dose.setup.course_id
    session = world.services.sessions.get(world.actor(Role.NURSE), dose.session_id)
    assert session.dosing_started_at is not None
    at = session.dosing_started_at.astimezone(ZoneInfo(world.clinic.timezone)).strftime("%H:%M")
    web_login(client, world, Role.PHYSICIAN)
    page = client.get(f"/courses/{course}/orders/new")
    assert page.status_code == 200, page.text
    assert "not yet given" not in page.text and "not given yet" not in page.text
    assert f"was given at {at} (session 1 in progress)" in page.text
    [row] = _previous_rows(page.text)
    assert f"given at {at} (session 1 in progress)" in row and "Being given" in row
    assert len(re.findall(r"<td[ >]", row)) == 8  # one cell under each of the eight headings
    assert "Dose order · " in page.text and "session 2" in page.text

    app = bearer(client, world, Role.APP)
    refused = client.post(f"/api/v1/courses/{course}/orders", headers=app, json=IM_ORDER)
    assert refused.status_code == 409, refused.text
    assert "session 1 in progress" in refused.text
    assert refused.json()["detail"].startswith("order.dose_underway: ")
    assert f"order {dose.order.id}" not in refused.text
    # the JSON order screen refuses as the page and signing do, whichever route is asked for
    for query in ("", "?route=im", "?route=sl"):
        screen = client.get(f"/api/v1/courses/{course}/order-screen{query}", headers=app)
        assert screen.status_code == 409, (query, screen.text)
        assert screen.json()["detail"].startswith("order.dose_underway: the session 1 dose")
        assert "session 1 in progress" in screen.json()["detail"]

    world.clock.advance(minutes=5)
    world.services.session_workflow.end_dosing(world.actor(Role.NURSE), dose.session_id)
    screen = world.services.orders.screen(world.actor(Role.APP), course)
    assert screen.underway is None and screen.open_order is None
    assert screen.session_number == 2 and screen.recommendation is not None
    page = client.get(f"/courses/{course}/orders/new")
    [row] = _previous_rows(page.text)
    assert "in progress" not in row and ">Given<" in row
    ended = client.get(f"/api/v1/courses/{course}/order-screen", headers=app)
    assert ended.status_code == 200 and ended.json()["session_number"] == 2, ended.text
    assert '<h2 id="route-h">Route · IM</h2>' in page.text  # the course's route: its last order
    assert '<input type="hidden" name="route" value="im">' in page.text


def test_a_new_kat_course_order_form_starts_from_the_protocol_route_not_im(
    client: TestClient, world: World
) -> None:
    """Nothing ordered yet: the form starts on the protocol's least invasive route (sublingual
    for the KAT pack), never on IM because it sorts first; the prescriber may still switch."""
    setup = kat_course(world)
    web_login(client, world, Role.PHYSICIAN)
    page = client.get(f"/courses/{setup.course_id}/orders/new").text
    assert '<h2 id="route-h">Route · sublingual</h2>' in page, page[:2000]
    assert '<input type="hidden" name="route" value="sl">' in page
    chooser = page.split('id="route-select"', 1)[1].split("</select>", 1)[0]
    assert '<option value="sl" selected>' in chooser and '<option value="im">' in chooser
    switched = client.get(f"/courses/{setup.course_id}/orders/new?route=im").text
    assert '<h2 id="route-h">Route · IM</h2>' in switched


def test_a_second_order_beside_one_not_yet_given_is_refused_naming_it_not_its_id(
    client: TestClient, world: World
) -> None:
    setup = kat_course(world)
    order = verified_im_order(world, setup)
    app = bearer(client, world, Role.APP)
    refused = client.post(f"/api/v1/courses/{setup.course_id}/orders", headers=app, json=IM_ORDER)
    assert refused.status_code == 409, refused.text
    mg = decimal_text(order.content.dose_mg)
    assert f"session 1 dose order ({mg} mg IM) is checked at the bedside" in refused.text
    assert f"order {order.id} " not in refused.text
    assert order.content.dose_mg == Decimal(mg)


def test_a_consented_kat_course_enters_induction_when_its_first_journey_starts_dosing(
    client: TestClient, world: World
) -> None:
    """The same guarded move as an IV course's (consented -> induction), by the dose start: the
    chart's header follows, the move is in the course history with who started the dose."""
    dose = dosed_kat_session(world)
    course = dose.setup.course_id
    view = world.services.courses.view(world.actor(Role.NURSE), course)
    assert view.course.state is CourseState.INDUCTION
    last = view.history[-1]
    assert (last.from_state, last.to_state) == (CourseState.CONSENTED, CourseState.INDUCTION)
    assert last.by_staff == world.actor(Role.NURSE).staff_id  # the nurse started the dose
    web_login(client, world, Role.NURSE)
    chart = client.get(f"/patients/{dose.setup.patient_id}").text
    banner = chart.split('data-field="course">', 1)[1].split("</p>", 1)[0]
    assert banner.endswith("course in KAT sessions")


def test_a_course_already_in_induction_stays_there_on_the_next_journey(world: World) -> None:
    dose = dosed_kat_session(world)
    world.clock.advance(minutes=5)
    discharge_kat(world, dose.session_id)
    world.clock.advance(days=7)
    second = ready_kat_session(world, dose.setup)
    world.services.session_workflow.start(
        world.actor(Role.NURSE), second.session_id, kat_start(world)
    )
    view = world.services.courses.view(world.actor(Role.NURSE), dose.setup.course_id)
    assert view.course.state is CourseState.INDUCTION
    assert [h.to_state for h in view.history].count(CourseState.INDUCTION) == 1


def _record_items(page: str) -> list[str]:
    section = page.split('id="session-record"', 1)[1].split("</section>", 1)[0]
    return [li.split("</li>", 1)[0] for li in section.split("<li ")[1:]]


def test_the_session_record_lists_the_end_of_dosing_and_who_recorded_an_observation(
    client: TestClient, world: World
) -> None:
    dose = dosed_kat_session(world)
    coach, nurse = world.actor(Role.COACH), world.actor(Role.NURSE)
    flow = world.services.session_workflow
    world.clock.advance(minutes=5)
    flow.observe(coach, dose.session_id, {"note": "settled, eyes closed, music on"})
    world.clock.advance(minutes=5)
    flow.end_dosing(nurse, dose.session_id)
    world.clock.advance(minutes=5)
    flow.observe(coach, dose.session_id, {"note": "talking about the journey"})
    names = world.services.directory.directory(nurse)
    web_login(client, world, Role.NURSE)
    items = _record_items(client.get(f"/sessions/{dose.session_id}").text)
    kinds = [i.split('data-kind="', 1)[1].split('"', 1)[0] for i in items]
    assert kinds[-3:] == ["observation", "dosing-ended", "observation"]
    ended = items[-2]
    assert "End of dosing" in ended and f"Ended by: {names.staff_name(nurse.staff_id)}" in ended
    assert f"Ketamine given: {decimal_text(dose.order.content.dose_mg)} mg" in ended
    for observed in (items[-3], items[-1]):
        assert f"Recorded by: {names.staff_name(coach.staff_id)}" in observed


def test_ending_an_im_dose_early_and_its_bedside_check_speak_of_the_im_route(
    client: TestClient, world: World
) -> None:
    """The early-stop why names what is recorded for IM (the ordered dose, given at once), not
    an IV pump rate; the bedside check asks for the syringe label, not a bag or a pump."""
    dose = dosed_kat_session(world)
    web_login(client, world, Role.NURSE)
    page = client.get(f"/sessions/{dose.session_id}").text
    why = page.split('id="end-early"', 1)[1].split("</details>", 1)[0]
    assert "for IM the injection is given at once" in why and "pump rate" not in why
    check = client.get(f"/orders/{dose.order.id}/verify").text
    intro = check.split("Enter what is in hand:", 1)[1].split(".", 1)[0]
    assert intro == " the wristband and the syringe label"
