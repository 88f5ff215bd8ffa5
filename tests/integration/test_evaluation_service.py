"""The evaluation workspace through the services on SQLite and PostgreSQL: versions, the chart as
the source of age, sex and allergies, closed once the course is past evaluation, audited.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from ketaclinic.adapters.evaluation_codec import dump_evaluation
from ketaclinic.adapters.evaluation_json import parse_evaluation
from ketaclinic.domain.errors import Conflict, PermissionDenied, ValidationFailed
from ketaclinic.domain.evaluation.intake import Allergy, Medication
from ketaclinic.domain.evaluation.medications import DrugClass
from ketaclinic.domain.identity.access import Role
from ketaclinic.services.audit.ports import AuditQuery
from tests.conftest import World
from tests.integration.test_evaluation_fixtures import (
    ADULT_INSTRUMENTS,
    enrol_adult,
    evaluate_and_sign,
    evaluation_for,
)


def test_every_save_is_a_new_version_and_history_is_kept(world: World) -> None:
    enrolled = enrol_adult(world)
    app = world.actor(Role.APP)
    first = evaluation_for(40, ADULT_INSTRUMENTS)
    world.services.evaluations.record(app, enrolled.course_id, first)
    meds = (Medication("lorazepam", Decimal("2")), Medication("sertraline", Decimal("100")))
    world.services.evaluations.record(app, enrolled.course_id, replace(first, medications=meds))
    space = world.services.evaluations.workspace(world.actor(Role.NURSE), enrolled.course_id)
    assert [v.version for v in space.versions] == [2, 1]
    stored = space.versions[1].evaluation
    assert replace(stored, baseline_instruments=()) == replace(first, baseline_instruments=())
    # baseline instruments are kept as recorded questionnaire responses, item by item
    assert [(s.instrument, s.answer_map()) for s in stored.baseline_instruments] == [
        (s.instrument, s.answer_map()) for s in first.baseline_instruments
    ]
    assert all(s.response_id is not None for s in stored.baseline_instruments)
    assert space.review is not None
    assert space.review.diazepam_eq_mg_per_day == Decimal(20)  # lorazepam 2 mg x 10
    benzo = next(i for i in space.review.interactions if i.drug_class is DrugClass.BENZODIAZEPINE)
    assert benzo.effect and benzo.source
    events = world.services.audit.search(
        world.actor(Role.AUDITOR), AuditQuery(world.clinic.id, patient_id=enrolled.patient_id)
    )
    assert sorted(e.detail for _i, e in events if e.action == "evaluation.record") == [
        "version=1",
        "version=2",
    ]


def test_age_and_sex_must_agree_with_the_chart_and_nothing_is_stored(world: World) -> None:
    enrolled = enrol_adult(world)
    wrong = evaluation_for(39, ADULT_INSTRUMENTS)
    future = replace(
        wrong,
        baseline_vitals=replace(wrong.baseline_vitals, at=world.clock.now() + timedelta(days=1)),
    )
    with pytest.raises(ValidationFailed) as refused:
        world.services.evaluations.record(world.actor(Role.APP), enrolled.course_id, future)
    assert set(refused.value.errors) == {"age_years", "baseline_vitals.at"}
    space = world.services.evaluations.workspace(world.actor(Role.APP), enrolled.course_id)
    assert space.versions == []


def test_chart_allergies_are_carried_into_the_evaluation(world: World) -> None:
    enrolled = enrol_adult(world)
    world.services.patients.add_allergy(
        world.actor(Role.APP), enrolled.patient_id, "Penicillin", "rash", "moderate"
    )
    evaluation = replace(evaluation_for(40, ADULT_INSTRUMENTS), allergies=None)
    stored = world.services.evaluations.record(
        world.actor(Role.APP), enrolled.course_id, evaluation
    )
    assert stored.evaluation.allergies == (Allergy("Penicillin", "rash"),)


def test_only_prescribers_record_and_the_evaluation_closes_after_eligibility(world: World) -> None:
    enrolled = enrol_adult(world)
    evaluation = evaluation_for(40, ADULT_INSTRUMENTS)
    for role in (Role.NURSE, Role.FRONT_DESK, Role.COACH):
        with pytest.raises(PermissionDenied):
            world.services.evaluations.record(world.actor(role), enrolled.course_id, evaluation)
    evaluate_and_sign(world, enrolled, evaluation)
    with pytest.raises(Conflict, match="closed"):
        world.services.evaluations.record(world.actor(Role.APP), enrolled.course_id, evaluation)


def test_stored_json_reads_back_exactly() -> None:
    evaluation = evaluation_for(40, ADULT_INSTRUMENTS)
    assert parse_evaluation(dump_evaluation(evaluation)) == evaluation
