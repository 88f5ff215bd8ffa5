"""Instruments over HTTP: self-report links (expired, used, forged), the chart form, the safety
assessment form, the JSON status API and the FHIR endpoints with OperationOutcome errors.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ketaclinic.adapters.db.assessments.tables import assessment_responses
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login

ITEM9_ONE = {f"item-{i}": "1" for i in range(1, 10)}


def stored(world: World) -> int:
    with world.services.engine.connect() as conn:
        query = select(func.count()).select_from(assessment_responses)
        return int(conn.execute(query).scalar_one())


def a_patient(world: World) -> int:
    details = PatientDetails("Rowan", "Demo-Rowan", date(1979, 9, 9), SexAtBirth.MALE)
    return world.services.patients.register(world.actor(Role.FRONT_DESK), details).id


def link_token(world: World, patient: int, instrument: str = "phq9") -> str:
    return world.services.links.create(world.actor(Role.NURSE), patient, instrument).token


def form_token(page: str) -> str:
    return page.split('name="form_token" value="', 1)[1].split('"', 1)[0]


def test_a_patient_answers_through_the_link_once(client: TestClient, world: World) -> None:
    token = link_token(world, a_patient(world))
    page = client.get(f"/link/{token}")
    assert page.status_code == 200 and "Thoughts that you would be better off dead" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "Demo-Rowan" not in page.text
    sent = client.post(f"/link/{token}", data={**ITEM9_ONE, "form_token": form_token(page.text)})
    assert sent.status_code == 200 and "Thank you" in sent.text
    again = client.post(f"/link/{token}", data={**ITEM9_ONE, "form_token": form_token(page.text)})
    assert again.status_code == 410 and "already been answered" in again.text
    assert client.get(f"/link/{token}").status_code == 410
    assert stored(world) == 1


def test_an_expired_link_shows_the_message_and_stores_nothing(
    client: TestClient, world: World
) -> None:
    token = link_token(world, a_patient(world))
    page = client.get(f"/link/{token}")
    world.clock.advance(hours=world.services.settings.assessment_link_hours, seconds=1)
    late = client.post(f"/link/{token}", data={**ITEM9_ONE, "form_token": form_token(page.text)})
    assert late.status_code == 410 and "expired" in late.text and "Nothing was saved" in late.text
    assert client.get(f"/link/{token}").status_code == 410
    assert client.get("/link/not-a-real-token").status_code == 404
    assert stored(world) == 0


def test_a_forged_form_or_missing_answer_stores_nothing(client: TestClient, world: World) -> None:
    token = link_token(world, a_patient(world))
    page = client.get(f"/link/{token}")
    forged = client.post(f"/link/{token}", data={**ITEM9_ONE, "form_token": "forged"})
    assert forged.status_code == 422 and "did not come from your questionnaire link" in forged.text
    # item 9 answered 0: an incomplete response without a safety answer is refused whole
    partial = {k: v for k, v in ITEM9_ONE.items() if k != "item-4"} | {"item-9": "0"}
    missing = client.post(f"/link/{token}", data={**partial, "form_token": form_token(page.text)})
    assert missing.status_code == 422
    assert 'id="item-4-error"' in missing.text and "please answer this item" in missing.text
    assert stored(world) == 0
    assert client.get(f"/link/{token}").status_code == 200  # still usable


def test_the_chart_form_records_and_the_task_reaches_panel_and_worklist(
    client: TestClient, world: World
) -> None:
    patient = a_patient(world)
    csrf = web_login(client, world, Role.NURSE)
    form = client.get(f"/patients/{patient}/assessments/new?instrument=phq9")
    assert form.status_code == 200 and 'role="radiogroup"' in form.text
    bad = client.post(
        f"/patients/{patient}/assessments",
        data={**ITEM9_ONE, "item-9": "7", "instrument_id": "phq9", "csrf_token": csrf},
    )
    assert bad.status_code == 422 and 'id="item-9-error"' in bad.text and stored(world) == 0
    done = client.post(
        f"/patients/{patient}/assessments",
        data={**ITEM9_ONE, "instrument_id": "phq9", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    panel = client.get(f"/patients/{patient}/panels/safety")
    assert "phq9.item9_positive" in panel.text and "open safety task" in panel.text
    shown = panel.text.split('<details class="why">')[0]  # the rule id sits one click away
    assert "phq9.item9_positive" not in shown and "· task " not in shown
    answers = client.get(f"/patients/{patient}/panels/assessments").text
    row = answers.split("data-response-id=", 1)[1].split("</tr>", 1)[0]
    assert "Item 9 (thoughts of death or self-harm) answered 1 or more" in row
    visible = re.sub(r"<[^>]+>", "", row.split('<details class="why">')[0])
    assert "phq9.item9_positive" not in visible
    assert "rule phq9.item9_positive" in row
    worklist = client.get("/worklist/safety")
    assert "Demo-Rowan" in worklist.text and 'data-urgency="same_day"' in worklist.text
    trajectories = client.get(f"/patients/{patient}/panels/trajectories")
    assert "<svg" in trajectories.text and "<table" in trajectories.text


def test_only_a_prescriber_can_close_a_task_and_only_with_a_full_assessment(
    client: TestClient, world: World
) -> None:
    patient = a_patient(world)
    answers = {str(i): 1 for i in range(1, 10)}
    [task] = world.services.assessments.record(
        world.actor(Role.NURSE), patient, "phq9", answers
    ).tasks
    csrf = web_login(client, world, Role.APP)
    empty = client.post(f"/safety/tasks/{task.id}/assess", data={"csrf_token": csrf})
    assert empty.status_code == 422
    assert 'id="risk_level-error"' in empty.text and 'id="disposition-error"' in empty.text
    assert world.services.safety.task(world.actor(Role.APP), task.id).open
    csrf = web_login(client, world, Role.PHYSICIAN)  # safe to continue: a physician only
    done = client.post(
        f"/safety/tasks/{task.id}/assess",
        data={
            "csrf_token": csrf,
            "risk_level": "low",
            "plan": "Safety plan reviewed with the patient; crisis line given.",
            "disposition": "continue_treatment",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert not world.services.safety.task(world.actor(Role.APP), task.id).open


def test_status_api_and_fhir_round_trip(client: TestClient, world: World) -> None:
    patient = a_patient(world)
    auth = bearer(client, world, Role.NURSE)
    answers = {str(i): 2 for i in range(1, 10)} | {"9": 0, "difficulty": 1}
    created = client.post(
        f"/api/v1/patients/{patient}/assessments",
        json={"instrument_id": "phq9", "answers": answers},
        headers=auth,
    )
    assert created.status_code == 201 and created.json()["total"] == 16
    response_id = created.json()["id"]
    exported = client.get(f"/api/v1/fhir/QuestionnaireResponse/{response_id}", headers=auth)
    assert exported.headers["content-type"].startswith("application/fhir+json")
    resource = exported.json()
    reimported = client.post("/api/v1/fhir/QuestionnaireResponse", json=resource, headers=auth)
    assert reimported.status_code == 201, reimported.text
    again = client.get(reimported.headers["location"], headers=auth).json()
    assert again["item"] == resource["item"]  # every item answer survives the round trip
    bundle = client.get(
        f"/api/v1/fhir/Observation?derived_from=QuestionnaireResponse/{response_id}",
        headers=auth,
    ).json()
    [observation] = [e["resource"] for e in bundle["entry"]]
    assert observation["valueInteger"] == 16
    assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{response_id}"}]
    status = client.get(f"/api/v1/patients/{patient}/instruments/phq9/status", headers=auth)
    assert status.status_code == 200
    body = status.json()  # no course: an answer with no course link is no course's baseline
    assert (body["baseline"], body["baseline_at"], body["latest"]) == (None, None, 16)
    assert body["change"] is None and body["classification"] is None
    assert "no baseline" in body["reason"]
    questionnaire = client.get("/api/v1/fhir/Questionnaire/phq9", headers=auth).json()
    assert questionnaire["resourceType"] == "Questionnaire"


def test_an_unscorable_fhir_response_is_refused_naming_the_item(
    client: TestClient, world: World, public_fixtures: Path
) -> None:
    patient = a_patient(world)
    auth = bearer(client, world, Role.NURSE)
    resource = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "urn:ketaclinic:questionnaire:phq9|1",
        "status": "completed",
        "subject": {"reference": f"Patient/{patient}"},
        "item": [
            {"linkId": str(i), "answer": [{"valueCoding": {"code": "not-a-code"}}]}
            for i in range(1, 10)
        ],
    }
    refused = client.post("/api/v1/fhir/QuestionnaireResponse", json=resource, headers=auth)
    assert refused.status_code == 422
    outcome = refused.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert {"answers.3"} <= {e for i in outcome["issue"] for e in i.get("expression", [])}
    foreign = dict(resource, subject={"reference": "Patient/999999"})
    example = json.loads(
        (public_fixtures / "fhir" / "QuestionnaireResponse-phq-9-example.json").read_text()
    )
    example["subject"] = {"reference": "Patient/999999"}
    for body in (foreign, example):
        missing = client.post("/api/v1/fhir/QuestionnaireResponse", json=body, headers=auth)
        assert missing.status_code in {404, 422}
        assert missing.json()["resourceType"] == "OperationOutcome"
    assert stored(world) == 0


def test_a_skip_item_answer_is_cleared_without_losing_the_other_answers(
    client: TestClient, world: World
) -> None:
    patient = a_patient(world)
    csrf = web_login(client, world, Role.NURSE)
    form = client.get(f"/patients/{patient}/assessments/new?instrument=cssrs-screen")
    assert form.status_code == 200
    assert 'id="item-3-clear"' in form.text and 'id="item-1-clear"' not in form.text
    answered = {"item-1": "1", "item-2": "0", "item-3": "1", "item-6": "0"}
    base = {"instrument_id": "cssrs-screen", "csrf_token": csrf}
    refused = client.post(f"/patients/{patient}/assessments", data={**answered, **base})
    assert refused.status_code == 422 and stored(world) == 0
    error = refused.text.split('id="item-3-error">', 1)[1].split("</p>", 1)[0]
    assert "asked only when item 2 is" in error and "clear this answer" in error
    assert "skip logic" not in refused.text
    for item, value in (("1", "1"), ("2", "0"), ("3", "1"), ("6", "0")):
        kept = f'id="item-{item}-{value}" name="item-{item}" value="{value}" checked'
        assert kept in refused.text
    cleared = client.post(
        f"/patients/{patient}/assessments",
        data={**answered, "item-3": "", **base},
        follow_redirects=False,
    )
    assert cleared.status_code == 303 and stored(world) == 1


def test_a_link_from_the_chart_names_the_questionnaire_and_when_it_expires(
    client: TestClient, world: World
) -> None:
    patient = a_patient(world)
    csrf = web_login(client, world, Role.NURSE)
    made = client.post(
        f"/patients/{patient}/assessment-links",
        data={"csrf_token": csrf, "instrument_id": "phq9"},
    )
    assert made.status_code == 200
    hours = world.services.settings.assessment_link_hours
    expires = world.clock.now() + timedelta(hours=hours)
    local = expires.astimezone(ZoneInfo("America/Chicago")).strftime("%a %-d %b %Y %H:%M")
    assert "PHQ-9 link created." in made.text
    assert f'<span id="link-expires">{local}</span>' in made.text
    url = made.text.split('<code class="link-text" id="link-text">', 1)[1].split("</code>", 1)[0]
    assert url.startswith("http") and "/link/" in url and f'value="{url}"' in made.text
    assert "data-copy=" in made.text
    token = url.rsplit("/link/", 1)[1]
    page = client.get(f"/link/{token}")
    assert f"This link works until {local}" in page.text
    sent = client.post(f"/link/{token}", data={**ITEM9_ONE, "form_token": form_token(page.text)})
    assert sent.status_code == 200
    reused = client.get(f"/link/{token}")
    assert reused.status_code == 410
    said = "This questionnaire has already been answered — thank you. Nothing more is needed."
    assert said in reused.text and "Nothing was saved" not in reused.text


def test_a_questionnaire_link_says_whether_it_was_answered_in_words(
    client: TestClient, world: World
) -> None:
    patient = a_patient(world)
    link_token(world, patient, "gad7")
    web_login(client, world, Role.NURSE)
    panel = client.get(f"/patients/{patient}/panels/assessments").text
    item = panel.split("data-link-id=", 1)[1].split("</li>", 1)[0]
    assert "GAD-7 link" in item and "not answered yet, open until" in item
    assert "usable" not in re.sub(r"<[^>]+>", "", item)
