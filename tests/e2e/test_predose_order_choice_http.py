"""The pre-dose checklist offers the course's checked dose orders by description (route, dose
with units, prescriber, signed time in clinic words), never asking the nurse to type an order
number; the only usable order is preselected. The service check is unchanged: an order that is
not this course's verified order is refused naming ``order_id``. The session page describes its
order the same way, and shows its state in words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.entrypoints.app import create_app
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.infusion_world import walked_session

PREDOSE = {
    "sbp_mmhg": "124",
    "dbp_mmhg": "78",
    "hr_per_min": "72",
    "spo2_pct": "98",
    "symptom_check": "none",
}


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def _form(html: str) -> str:
    start = html.index('id="step-pre-dose"')
    return html[start : html.index("</section>", start)]


def test_the_nurse_chooses_the_checked_order_by_its_description(
    client: TestClient, world: World
) -> None:
    walked = walked_session(world, SessionState.CHECKED_IN)
    sid, order_id = walked.session.id, walked.order_id
    order, _ = world.services.orders.get(world.actor(Role.NURSE), order_id)
    csrf = web_login(client, world, Role.NURSE)
    page = client.get(f"/sessions/{sid}").text
    assert re.search(r'data-field="state" data-state="checked_in">Checked in<', page)
    form = _form(page)
    assert "order number" not in form and 'inputmode="numeric" name="order_id"' not in form
    [choice] = re.findall(r'<label class="choice">(.*?)</label>', form, flags=re.S)
    assert f'type="radio" name="order_id" value="{order_id}" required checked' in choice
    signed = order.signed_at.astimezone(ZoneInfo(world.clinic.timezone))
    dose = f"{order.content.dose_mg.normalize():f}"
    words = " ".join(re.sub(r"<[^>]+>", " ", choice).split())
    assert words.startswith(f"IV ketamine {dose} mg (")
    assert f"for session {order.content.session_number}, signed by " in words
    assert words.endswith(f"{signed:%a %-d %b %Y %H:%M}")
    with world.services.uow() as uow:
        prescriber = uow.staff.get(order.signed_by)
    assert prescriber is not None and f"signed by {prescriber.name} " in words

    wrong = client.post(
        f"/sessions/{sid}/steps/pre-dose",
        data={**PREDOSE, "order_id": str(order_id + 999), "csrf_token": csrf},
    )
    assert wrong.status_code == 422 and "no such dose order for this course" in wrong.text
    assert world.services.sessions.get(world.actor(Role.NURSE), sid).state is (
        SessionState.CHECKED_IN
    )
    assert 'id="pre-dose-order_id-error"' in wrong.text  # the choice is marked, by its field


def test_the_session_page_describes_its_order_in_words(client: TestClient, world: World) -> None:
    walked = walked_session(world, SessionState.READY)
    sid, order_id = walked.session.id, walked.order_id
    order, _ = world.services.orders.get(world.actor(Role.NURSE), order_id)
    signed = order.signed_at.astimezone(ZoneInfo(world.clinic.timezone))
    dose = f"{order.content.dose_mg.normalize():f}"
    web_login(client, world, Role.NURSE)
    ready = client.get(f"/sessions/{sid}").text
    assert re.search(r'data-field="state" data-state="ready">Ready<', ready)
    header = ready.split('data-field="order"', 1)[1].split("</span>", 1)[0]
    assert f"IV ketamine {dose} mg" in header and f"{signed:%a %-d %b %Y %H:%M}" in header
    meta = " ".join(re.sub(r"<[^>]+>", " ", ready.split("<h1>", 1)[1].split("</p>", 1)[0]).split())
    assert f"order {order_id}" not in meta and "dose order IV ketamine" in meta
