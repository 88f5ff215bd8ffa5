"""Reassessment and outcome classification open only once induction is done (every induction
session discharged) or a prescriber ends induction early with a written reason (clinical.md
§9.2). A score recorded without a tag lands on the course timeline by itself.

The physician, who would try, records a reassessment PHQ-9 after 1 of 6 sessions over the JSON
API and is refused naming the rule; the outcome review classifies nothing yet (it used to say
"remission, offer maintenance"); after ending induction early with a reason the same request is
accepted. Sessions are placed in their states through the repository (their workflow is tested
in test_session_workflow.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.integration.test_induction_facts import give_sessions
from tests.integration.test_outcome_service import induction_course, phq9

RULE = "outcome.reassessment_after_induction"


def test_reassessment_is_refused_until_induction_is_done_or_ended_early(
    client: TestClient, world: World
) -> None:
    patient_id, course_id = induction_course(world)  # evaluation recorded a calm PHQ-9 baseline
    give_sessions(world, course_id, patient_id, 1, SessionState.DISCHARGED)
    physician, nurse = bearer(client, world, Role.PHYSICIAN), bearer(client, world, Role.NURSE)
    url = f"/api/v1/courses/{course_id}"

    session_score = client.post(
        f"{url}/scores", json={"instrument_id": "phq9", "answers": phq9(3)}, headers=nurse
    )
    assert session_score.status_code == 201
    assert (session_score.json()["kind"], session_score.json()["session_number"]) == ("session", 1)

    body = {"instrument_id": "phq9", "answers": phq9(2), "kind": "reassessment"}
    refused = client.post(f"{url}/scores", json=body, headers=physician)
    assert refused.status_code == 409, refused.text
    assert refused.json()["reasons"][0].startswith(f"{RULE}: ")
    assert "1 of 6 induction sessions discharged" in refused.json()["reasons"][0]

    review = client.get(f"{url}/outcome", headers=physician).json()
    assert review["outcome"]["outcome"] == "cannot_classify"
    assert [r["rule_id"] for r in review["outcome"]["reasons"]] == [RULE]
    assert review["next_step"] == "complete_reassessment"
    decided = client.post(
        f"{url}/decision",
        json={"decision": "maintenance", "reason": "remission"},
        headers=physician,
    )
    assert decided.status_code == 409

    no_reason = client.post(f"{url}/move", json={"to": "reassessment"}, headers=physician)
    assert no_reason.status_code == 409
    ended = client.post(
        f"{url}/move",
        json={"to": "reassessment", "reason": "intolerable nausea: induction ended early"},
        headers=physician,
    )
    assert ended.status_code == 200, ended.text
    accepted = client.post(f"{url}/scores", json=body, headers=physician)
    assert accepted.status_code == 201 and accepted.json()["kind"] == "reassessment"
    review = client.get(f"{url}/outcome", headers=physician).json()
    # open now: the only thing left is the calm evaluation baseline (0 points)
    assert [r["rule_id"] for r in review["outcome"]["reasons"]] == ["outcome.zero_baseline"]
