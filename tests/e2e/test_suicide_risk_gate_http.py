"""Trying to get past the suicide-risk gate over HTTP.

A patient who leaves an item blank but answers PHQ-9 item 9 = 3 through the self-report link
must have the answer kept and acted on: the response is stored as incomplete (no total), its
safety task is open, and the nurse's check-in is refused naming the gate (clinical.md §5.1).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.e2e.test_assessments_http import form_token
from tests.integration.test_session_workflow import CHECK_IN, Day, make_day


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


INCOMPLETE_ITEM9_3 = {f"item-{i}": "0" for i in (1, 2, 4, 5, 6, 7, 8)} | {"item-9": "3"}


def test_incomplete_phq9_with_item9_over_the_link_is_kept_and_blocks_check_in(
    client: TestClient, day: Day
) -> None:
    w = day.world
    patient = day.setup.patient_id
    token = w.services.links.create(w.actor(Role.NURSE), patient, "phq9").token
    page = client.get(f"/link/{token}")
    sent = client.post(
        f"/link/{token}", data={**INCOMPLETE_ITEM9_3, "form_token": form_token(page.text)}
    )
    assert sent.status_code == 200 and "Thank you" in sent.text
    [response] = w.services.assessments.responses(w.actor(Role.NURSE), patient, "phq9")
    assert not response.complete and response.total is None
    assert response.answers["9"] == 3 and "3" not in response.answers
    nurse = bearer(client, w, Role.NURSE)
    check_in = client.post(
        f"/api/v1/sessions/{day.session_id}/steps/check-in", headers=nurse, json=CHECK_IN
    )
    assert check_in.status_code == 409, check_in.text
    assert any(r.startswith("safety_gates_clear") for r in check_in.json()["reasons"])


def test_incomplete_phq9_without_a_safety_answer_still_stores_nothing(
    client: TestClient, day: Day
) -> None:
    w = day.world
    token = w.services.links.create(w.actor(Role.NURSE), day.setup.patient_id, "phq9").token
    page = client.get(f"/link/{token}")
    blank3 = INCOMPLETE_ITEM9_3 | {"item-9": "0"}
    sent = client.post(f"/link/{token}", data={**blank3, "form_token": form_token(page.text)})
    assert sent.status_code == 422 and 'id="item-3-error"' in sent.text
    assert w.services.assessments.responses(w.actor(Role.NURSE), day.setup.patient_id) == []
