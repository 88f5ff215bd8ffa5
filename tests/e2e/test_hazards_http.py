"""Hazard-log gates tried over their entry points (HTTP, CLI), as the person who would try.

Each test goes through the route a person uses (JSON API, web form or the command line) and
expects the refusal status and a body naming the rule. Rows of the spec tables are replayed over
HTTP where the hazard is rule drift (pre-dose BP thresholds, safety dispositions, discharge
overrides, QIDS-SR16 scoring). Sources are given per case or per test.
"""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.assessments.instruments import score
from ketaclinic.domain.assessments.safety import ClosureEffect, Disposition
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.entrypoints.cli.root import build_cli
from tests.conftest import PASSWORD, World
from tests.e2e.conftest import bearer, web_login
from tests.e2e.test_orders_api import ORDER
from tests.e2e.test_safety_gates_http import (
    _checked_in,
    _close,
    _high_risk_task,
    _in_recovery,
    _state,
    _step,
)
from tests.integration.test_orders_service import set_up_course
from tests.integration.test_session_workflow import CHECK_IN, Day, _pre_dose, _ready, make_day
from tests.kat_dosing import kat_start, ready_kat_session
from tests.spec.test_qids_published_form import ROWS as QIDS_ROWS
from tests.spec.test_safety_dispositions import CASES as DISPOSITIONS

BROKEN = Path(__file__).resolve().parents[1] / "integration" / "data" / "protocols"


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


# -- pre-dose blood pressure: hold (>= 180/110) and hard stop (> 180/100), adult pack ----------
@pytest.mark.parametrize(
    ("sbp", "dbp", "field", "source"),
    [
        pytest.param("179", "99", None, "§4.3 hold 180/110; §1.2 stop 180/100", id="179-99-ready"),
        pytest.param("180", "99", "predose_bp", "§4.3 hold at SBP >= 180", id="180-99-hold"),
        pytest.param("170", "101", "predose_bp_hard_stop", "§1.2 DBP > 100", id="170-101-stop"),
        pytest.param("175", "110", "predose_bp_hard_stop", "§4.3 + §1.2", id="175-110-stop"),
        pytest.param("181", "95", "predose_bp_hard_stop", "§1.2 SBP > 180", id="181-95-stop"),
    ],
)
def test_a_nurse_meets_the_pre_dose_bp_thresholds_as_the_pack_reads_them(
    client: TestClient, day: Day, sbp: str, dbp: str, field: str | None, source: str
) -> None:
    _checked_in(day)
    body = dict(_pre_dose(day, sbp_mmhg=sbp, dbp_mmhg=dbp))
    body |= {"recheck_sbp_mmhg": sbp, "recheck_dbp_mmhg": dbp}
    answer = _step(client, day, Role.NURSE, "pre-dose", body)
    if field is None:
        assert answer.status_code == 200, (source, answer.text)
        assert _state(client, day) == "ready"
        return
    assert answer.status_code in (409, 422), (source, answer.text)
    assert answer.json()["field"] == field, source
    assert any(r.startswith(f"{field}:") for r in answer.json()["reasons"]), source
    assert _state(client, day) == "checked_in"


# -- safety-task dispositions: the spec table's rows over HTTP ----------------------------------
@pytest.mark.parametrize(
    ("disposition", "role", "effect", "source"),
    DISPOSITIONS,
    ids=[f"{c[0].value}-{c[1].value}" for c in DISPOSITIONS],
)
def test_a_disposition_closes_the_task_as_the_table_says_over_http(
    client: TestClient,
    day: Day,
    disposition: Disposition,
    role: Role,
    effect: ClosureEffect,
    source: str,
) -> None:
    task_id = _high_risk_task(day)
    closed = _close(client, day, role, task_id, disposition.value)
    check_in = _step(client, day, Role.NURSE, "check-in", CHECK_IN)
    if effect is ClosureEffect.REFUSED:
        assert closed.status_code == 403 and "safety_disposition" in closed.text, source
        assert check_in.status_code in (409, 422), source
    elif effect is ClosureEffect.KEEPS_BLOCKED:
        assert closed.status_code == 200, (source, closed.text)
        assert check_in.status_code in (409, 422) and "safety_disposition" in check_in.text, source
    else:
        assert closed.status_code == 200 and check_in.status_code == 200, (source, check_in.text)


# -- discharge: which criterion a physician may override --------------------------------------
@pytest.mark.parametrize(
    ("criterion", "escort", "instructions", "overridable", "source"),
    [
        pytest.param("escort_present", False, True, False, "§4.6 responsible adult", id="escort"),
        pytest.param("instructions_given", True, False, True, "§4.2 item 5", id="instructions"),
    ],
)
def test_a_physician_overrides_only_what_the_table_allows_at_discharge(
    client: TestClient,
    day: Day,
    criterion: str,
    escort: bool,
    instructions: bool,
    overridable: bool,
    source: str,
) -> None:
    _in_recovery(day, AldreteScore(2, 2, 2, 2, 2))
    day.world.clock.advance(minutes=70)
    body = {
        "escort_present": escort,
        "instructions_given": instructions,
        "override_reason": "Synthetic: reviewed at the bedside",
        "extended_observation_min": 60,
    }
    signed = _step(client, day, Role.PHYSICIAN, "discharge", body)
    if not overridable:
        assert signed.status_code in (409, 422), (source, signed.text)
        assert criterion in signed.text and "never overridden" in signed.text, source
        assert _state(client, day) == "recovery"
        return
    assert signed.status_code == 200, (source, signed.text)
    note = next(r for r in signed.json()["records"] if r["kind"] == "discharge")["payload"]
    assert criterion in note["overridden"] and note["override_role"] == "physician"


# -- ketamine dose gate: no administration outside a gated session ------------------------------
def test_no_dose_is_recorded_against_an_order_outside_a_session(
    client: TestClient, day: Day
) -> None:
    _ready(day)
    app = bearer(client, day.world, Role.APP)
    direct = client.post(
        f"/api/v1/orders/{day.order_id}/administration", headers=app, json={"dose_mg": "35"}
    )
    assert direct.status_code in (404, 405), direct.text
    ended = _step(client, day, Role.NURSE, "end", {"reason": "given elsewhere"})
    assert ended.status_code == 409, ended.text
    assert ended.json()["field"] == "state" and "ready to recovery" in ended.text
    nurse = day.world.actor(Role.NURSE)
    order, _ = day.world.services.orders.get(nurse, day.order_id)
    assert order.status.value == "verified"


# -- dosing weight: continuity above the BMI threshold, through `dose calc` ---------------------
def test_dose_calc_never_gives_a_heavier_patient_a_markedly_lower_dose() -> None:
    route = shipped_protocol("adult-iv-induction").dosing.routes[Route.IV]
    doses: list[tuple[Decimal, Decimal]] = []
    for tenth in range(840, 900, 2):  # 84.0 to 89.8 kg at 168 cm: BMI 29.8 to 31.8
        weight = Decimal(tenth) / 10
        args = ["dose", "calc", "--protocol", "adult-iv-induction", "--route", "iv"]
        args += ["--weight-kg", str(weight), "--height-cm", "168", "--sex", "female"]
        result = CliRunner().invoke(build_cli(), [*args, "--age", "40", "--json"])
        assert result.exit_code == 0, result.output
        doses.append((weight, Decimal(str(json.loads(result.output)["dose_mg"]))))
    for (w1, lighter), (w2, heavier) in pairwise(doses):
        assert heavier >= lighter - route.rounding_mg, f"weight.continuity: {w1} -> {w2} kg"


# -- protocol coherence: `protocol validate` refuses a ladder that cannot be given -------------
def test_protocol_validate_refuses_an_incoherent_pack_naming_the_field() -> None:
    result = CliRunner().invoke(
        build_cli(), ["protocol", "validate", str(BROKEN / "step-up-not-orderable.yaml")]
    )
    assert result.exit_code == 1
    assert "dosing.iv.titration_step_mg_per_kg" in result.output
    assert "ok:" not in result.output


# -- QIDS-SR16 as published, over the assessments API ------------------------------------------
@pytest.mark.parametrize(
    ("case", "answers", "domain", "complete", "missing"), QIDS_ROWS, ids=[r[0] for r in QIDS_ROWS]
)
def test_a_nurse_records_qids_sr16_as_published_over_http(
    client: TestClient,
    day: Day,
    case: str,
    answers: dict[str, int],
    domain: int | None,
    complete: bool,
    missing: tuple[str, ...],
) -> None:
    nurse = bearer(client, day.world, Role.NURSE)
    answers = {**answers, "12": 0}  # item 12 (thoughts of death) at 0: no safety answer to keep
    body = {"instrument_id": "qids-sr16", "answers": answers}
    url = f"/api/v1/patients/{day.setup.patient_id}/assessments"
    recorded = client.post(url, headers=nurse, json=body)
    if complete:
        assert recorded.status_code == 201, (case, recorded.text)
        assert recorded.json()["total"] == score("qids-sr16", answers).total, case
        return
    assert recorded.status_code == 422, (case, recorded.text)
    assert all(item in recorded.text for item in missing), case


# -- consent: only a person with authority signs, collected by a role that collects consent -----
def test_someone_without_authority_cannot_sign_for_the_patient(
    client: TestClient, world: World
) -> None:
    from ketaclinic.domain.consent.signatures import SignerRole
    from tests.integration.test_evaluation_fixtures import (
        ADOLESCENT_INSTRUMENTS,
        enrol_adolescent,
        evaluate_and_sign,
        evaluation_for,
        signature,
    )

    enrolled = enrol_adolescent(world, legal_authority=False)
    evaluate_and_sign(world, enrolled, evaluation_for(15, ADOLESCENT_INSTRUMENTS))
    given = signature(world, enrolled, "guardian-permission-iv-ketamine", SignerRole.GUARDIAN)
    form = {
        "document_id": given.document_id,
        "document_version": given.document_version,
        "document_hash": given.document_hash,
        "signer": given.signer.value,
        "signer_name": given.signer_name,
        "image_png": given.image_png,
        "agrees": "yes",
        "related_person_id": str(given.related_person_id),
        "witness_name": "",
        "reauth_password": PASSWORD,
    }
    url = f"/courses/{enrolled.course_id}/consent/sign"
    csrf = web_login(client, world, Role.COACH)
    coach = client.post(url, data={**form, "csrf_token": csrf}, follow_redirects=False)
    assert coach.status_code == 403 and "consent.collect" in coach.text
    csrf = web_login(client, world, Role.NURSE)
    nurse = client.post(url, data={**form, "csrf_token": csrf}, follow_redirects=False)
    assert nurse.status_code == 422, nurse.text
    assert "legal authority" in nurse.text
    view = world.services.consents.view(world.actor(Role.NURSE), enrolled.course_id)
    assert view.status.missing  # nothing was signed


# -- order and verification: the second person ---------------------------------------------------
def test_a_prescriber_cannot_verify_their_own_order(client: TestClient, world: World) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    app = bearer(client, world, Role.APP)
    signed = client.post(f"/api/v1/courses/{setup.course_id}/orders", headers=app, json=ORDER)
    assert signed.status_code == 201, signed.text
    check = {
        "mrn": setup.mrn,
        "drug": "ketamine",
        "route": "iv",
        "concentration_mg_per_ml": "0.35",
        "dose_mg": "35",
        "rate_ml_per_h": "150",
    }
    url = f"/api/v1/orders/{signed.json()['id']}/verify"
    for role in (Role.APP, Role.PHYSICIAN):
        own = client.post(url, headers=bearer(client, world, role), json=check)
        assert own.status_code == 403 and "order.verify" in own.text, role
    nurse = client.post(url, headers=bearer(client, world, Role.NURSE), json=check)
    assert nurse.status_code == 200 and nurse.json()["order"]["status"] == "verified"


# -- KAT attendance: the first journey needs a signed preparatory session -----------------------
def test_coach_cannot_start_a_first_journey_without_a_signed_preparatory_session(
    client: TestClient, world: World
) -> None:
    dose = ready_kat_session(world, prepared=False)
    url = f"/api/v1/sessions/{dose.session_id}/steps/start"
    coach = client.post(url, headers=bearer(client, world, Role.COACH), json=kat_start(world))
    assert coach.status_code == 403 and "session.nursing_step" in coach.text, coach.text
    started = client.post(url, headers=bearer(client, world, Role.NURSE), json=kat_start(world))
    assert started.status_code in (409, 422), started.text
    assert any(r.startswith("kat.preparation") for r in started.json()["reasons"])
    nurse = world.actor(Role.NURSE)
    assert world.services.sessions.get(nurse, dose.session_id).state.value == "ready"


# -- relapse watch: a responder in maintenance, scores recorded over the API --------------------
def _responder_in_maintenance(world: World, course_id: int) -> None:
    from ketaclinic.domain.patients.course import CourseState
    from tests.integration.test_outcome_service import (
        RESPONDER,
        reassess,
        record_series,
        to_reassessment,
    )

    physician = world.actor(Role.PHYSICIAN)
    record_series(world, course_id, RESPONDER)
    to_reassessment(world, course_id)
    reassess(world, course_id, 8)
    world.services.maintenance.store(physician, course_id, world.clock.now().date())
    world.services.outcomes.decide(physician, course_id, CourseState.MAINTENANCE, "responder")


def _watch(client: TestClient, world: World, course_id: int, *totals: int) -> dict[str, Any]:
    from tests.integration.test_outcome_service import phq9

    for total in totals:
        world.clock.advance(days=7)
        nurse = bearer(client, world, Role.NURSE)  # a fresh sign-in each week
        body = {"instrument_id": "phq9", "answers": phq9(total), "kind": "relapse_watch"}
        recorded = client.post(f"/api/v1/courses/{course_id}/scores", json=body, headers=nurse)
        assert recorded.status_code == 201, recorded.text
    review = client.get(f"/api/v1/courses/{course_id}/outcome", headers=nurse)
    assert review.status_code == 200, review.text
    relapse: dict[str, Any] = review.json()["relapse"]
    return relapse


def _worklist(client: TestClient, world: World) -> list[dict[str, Any]]:
    physician = bearer(client, world, Role.PHYSICIAN)
    entries: list[dict[str, Any]] = client.get(
        "/api/v1/worklist/outcomes", headers=physician
    ).json()
    return entries


def test_a_stable_responder_is_not_flagged_as_relapsed_until_response_is_lost(
    client: TestClient, world: World
) -> None:
    from tests.integration.test_outcome_service import induction_course

    _, course_id = induction_course(world)
    _responder_in_maintenance(world, course_id)
    stable = _watch(client, world, course_id, 10, 10)  # baseline 20: 50 % below, still a response
    assert stable["met"] is False and _worklist(client, world) == []
    lost = _watch(client, world, course_id, 11, 13)  # under 50 % below baseline, twice
    assert lost["met"] is True
    assert [e["kind"] for e in _worklist(client, world)] == ["relapse"]


def test_a_kat_responders_relapse_is_flagged_over_the_api(client: TestClient, world: World) -> None:
    from ketaclinic.domain.patients.course import CourseState
    from tests.kat_dosing import kat_course

    setup = kat_course(world)
    world.services.courses.move(world.actor(Role.APP), setup.course_id, CourseState.INDUCTION)
    _responder_in_maintenance(world, setup.course_id)
    relapse = _watch(client, world, setup.course_id, 12, 14)
    assert relapse["met"] is True
    assert [e["kind"] for e in _worklist(client, world)] == ["relapse"]
