"""Trying to get past the eligibility gate over HTTP, as the role who would try.

Each test records a synthetic evaluation through the API and tries to sign the decision; the
refusal must name the rule that stops it (``reasons`` of the error body).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from ketaclinic.adapters.evaluation_codec import dump_evaluation
from ketaclinic.domain.identity.access import Role
from tests.baseline import calm_answers
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_evaluation_fixtures import (
    ADULT_INSTRUMENTS,
    enrol_adult,
    evaluation_for,
)

AT = "2026-03-01T09:00:00+00:00"


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(
        json.dumps(dump_evaluation(evaluation_for(40, ADULT_INSTRUMENTS)))
    )
    for path, value in changes.items():
        node = body
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return body


def _record(client: TestClient, world: World, body: dict[str, Any]) -> tuple[int, dict[str, str]]:
    enrolled = enrol_adult(world)
    app = bearer(client, world, Role.APP)
    made = client.post(f"/api/v1/courses/{enrolled.course_id}/evaluation", headers=app, json=body)
    assert made.status_code == 201, made.text
    return enrolled.course_id, app


def _sign(client: TestClient, course: int, auth: dict[str, str], **extra: Any) -> Any:
    findings = client.get(f"/api/v1/courses/{course}/eligibility", headers=auth).json()
    cautions = [f["rule"] for f in findings["findings"] if f["severity"] == "caution"]
    body = {"evaluation_version": 1, "acknowledged": cautions, **extra}
    return client.post(f"/api/v1/courses/{course}/eligibility/sign", headers=auth, json=body)


def test_app_cannot_sign_a_past_psychosis_patient_eligible(
    client: TestClient, world: World
) -> None:
    course, app = _record(client, world, _body(psychiatric__psychosis="past"))
    refused = _sign(client, course, app)
    assert refused.status_code == 409, refused.text
    assert any(r.startswith("psychosis_history:") for r in refused.json()["reasons"])
    overriding = _sign(
        client, course, app, overrides=[{"rule": "psychosis_history", "reason": "Synthetic"}]
    )
    assert overriding.status_code == 403, overriding.text


def test_nurse_cannot_sign_eligibility_for_a_past_psychosis_patient(
    client: TestClient, world: World
) -> None:
    course, _app = _record(client, world, _body(psychiatric__psychosis="past"))
    nurse = bearer(client, world, Role.NURSE)
    refused = _sign(client, course, nurse)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "PermissionDenied"


def test_physician_cannot_sign_with_cerebrovascular_history_not_assessed(
    client: TestClient, world: World
) -> None:
    body = _body()
    del body["medical"]["cerebrovascular"]
    course, _app = _record(client, world, body)
    physician = bearer(client, world, Role.PHYSICIAN)
    findings = client.get(f"/api/v1/courses/{course}/eligibility", headers=physician).json()
    assert findings["decision"] == "not_eligible"
    refused = _sign(client, course, physician)
    assert refused.status_code == 409, refused.text
    assert any(
        r.startswith("cerebrovascular_disease: not assessed") for r in refused.json()["reasons"]
    )


def test_app_cannot_sign_past_a_stroke_or_a_recent_suicide_attempt(
    client: TestClient, world: World
) -> None:
    course, app = _record(
        client,
        world,
        _body(medical__cerebrovascular="past", psychiatric__suicide_attempt_dates=["2026-02-09"]),
    )
    refused = _sign(client, course, app)
    assert refused.status_code == 409, refused.text
    reasons = refused.json()["reasons"]
    assert any(r.startswith("cerebrovascular_disease:") for r in reasons)
    assert any(r.startswith("recent_suicide_attempt:") for r in reasons)


def test_app_cannot_sign_past_prior_recreational_ketamine_use(
    client: TestClient, world: World
) -> None:
    use = [{"substance": "ketamine", "last_use_on": "2018-05-01", "use_disorder": "absent"}]
    course, app = _record(client, world, _body(psychiatric__substance_use=use))
    refused = _sign(client, course, app)
    assert refused.status_code == 409, refused.text
    assert any(r.startswith("ketamine_misuse_history:") for r in refused.json()["reasons"])


def test_a_normal_reading_does_not_hide_a_200_over_120_reading(
    client: TestClient, world: World
) -> None:
    readings = [
        {"at": "2026-02-20T09:00:00+00:00", "sbp_mmhg": "200", "dbp_mmhg": "120"},
        {"at": "2026-02-27T09:00:00+00:00", "sbp_mmhg": "130", "dbp_mmhg": "80"},
    ]
    course, _app = _record(client, world, _body(medical__blood_pressures=readings))
    physician = bearer(client, world, Role.PHYSICIAN)
    findings = client.get(f"/api/v1/courses/{course}/eligibility", headers=physician).json()
    hard = next(f for f in findings["findings"] if f["rule"] == "uncontrolled_hypertension")
    assert "200/120" in hard["evidence"] and findings["decision"] == "not_eligible"
    overriding = _sign(
        client,
        course,
        physician,
        overrides=[{"rule": "uncontrolled_hypertension", "reason": "Synthetic: white coat"}],
    )
    assert overriding.status_code == 409, overriding.text
    assert any(
        r.startswith("uncontrolled_hypertension: a hard stop cannot be overridden")
        for r in overriding.json()["reasons"]
    )
    signed = _sign(client, course, physician)
    assert signed.status_code == 201 and signed.json()["decision"] == "not_eligible"


def test_impossible_and_future_values_are_refused_naming_the_field(
    client: TestClient, world: World
) -> None:
    enrolled = enrol_adult(world)
    app = bearer(client, world, Role.APP)
    body = _body(
        baseline_instruments=[
            {"instrument": "phq9", "total": 40, "at": AT},
            {
                "instrument": "gad7",
                "at": "2027-01-01T09:00:00+00:00",
                "answers": calm_answers("gad7"),
            },
        ]
    )
    refused = client.post(
        f"/api/v1/courses/{enrolled.course_id}/evaluation", headers=app, json=body
    )
    assert refused.status_code == 422, refused.text
    fields = refused.json()["fields"]
    assert "baseline_instruments[0].total" in fields and "baseline_instruments[1].at" in fields


def test_typed_baseline_totals_do_not_satisfy_the_baseline(
    client: TestClient, world: World
) -> None:
    typed = [
        {"instrument": i, "total": 3, "at": AT} for i in ADULT_INSTRUMENTS if i != "cssrs-screen"
    ]
    course, _app = _record(client, world, _body(baseline_instruments=typed))
    physician = bearer(client, world, Role.PHYSICIAN)
    findings = client.get(f"/api/v1/courses/{course}/eligibility", headers=physician).json()
    assert findings["decision"] == "not_eligible"
    assert {"baseline_instrument.phq9", "baseline_instrument.cssrs-screen"} <= {
        f["rule"] for f in findings["findings"]
    }


def test_a_positive_baseline_item_9_opens_a_task_that_blocks_signing(
    client: TestClient, world: World
) -> None:
    entries = [
        {"instrument": i, "at": AT, "answers": calm_answers(i)}
        for i in ADULT_INSTRUMENTS
        if i != "phq9"
    ]
    entries.append({"instrument": "phq9", "at": AT, "answers": calm_answers("phq9", item_9=2)})
    course, _app = _record(client, world, _body(baseline_instruments=entries))
    physician = bearer(client, world, Role.PHYSICIAN)
    findings = client.get(f"/api/v1/courses/{course}/eligibility", headers=physician).json()
    item9 = [f for f in findings["findings"] if f["rule"].startswith("baseline_instrument.phq9.")]
    assert item9 and all(f["severity"] == "relative" for f in item9)
    overrides = [{"rule": f["rule"], "reason": "Synthetic: assessed"} for f in item9]
    refused = _sign(client, course, physician, overrides=overrides)
    assert refused.status_code == 409, refused.text
    assert any("open safety gate" in r for r in refused.json()["reasons"])


def test_the_web_evaluation_form_offers_recorded_questionnaires_not_totals(
    client: TestClient, world: World
) -> None:
    enrolled = enrol_adult(world)
    recorded = world.services.assessments.record(
        world.actor(Role.NURSE), enrolled.patient_id, "phq9", calm_answers("phq9", item_9=1)
    ).response
    csrf = web_login(client, world, Role.APP)
    page = client.get(f"/courses/{enrolled.course_id}/evaluation")
    assert f'<option value="{recorded.id}"' in page.text and "safety item positive" in page.text
    form = {
        "csrf_token": csrf,
        "presenting_problem": "Synthetic test case",
        "baseline_instruments[0].instrument": "phq9",
        "baseline_instruments[0].response_id": str(recorded.id),
    }
    saved = client.post(
        f"/courses/{enrolled.course_id}/evaluation", data=form, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text[:2000]
    space = world.services.evaluations.workspace(world.actor(Role.APP), enrolled.course_id)
    [baseline] = space.versions[0].evaluation.baseline_instruments
    assert baseline.response_id == recorded.id and baseline.answer_map()["9"] == 1
    view = world.services.eligibility.view(world.actor(Role.APP), enrolled.course_id)
    assert view.result is not None
    assert view.result.finding("baseline_instrument.phq9.phq9.item9_positive") is not None


def test_the_evaluation_form_labels_its_options_in_words(client: TestClient, world: World) -> None:
    enrolled = enrol_adult(world)
    web_login(client, world, Role.APP)
    page = client.get(f"/courses/{enrolled.course_id}/evaluation").text
    for value, words in (
        ("not_tolerated", "Not tolerated"),
        ("ect", "ECT"),
        ("tms", "TMS"),
        ("current", "Current"),
    ):
        assert f'<option value="{value}">{words}</option>' in page, value
    assert ">not_tolerated<" not in page and ">ect<" not in page and ">tms<" not in page
