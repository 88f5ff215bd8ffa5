"""Who gave a premedication and who placed the IV line, each tried the way around it as the nurse.

``given_by`` of the "give" step and ``placed_by`` of the IV step are active staff of this clinic
chosen by staff id and checked by role (nurse, physician or APP) in
``services.infusion.dose_team.step_person``: a typed name, staff of another clinic, a
deactivated member and a role that may not do the step are refused naming the field, and nothing
is stored. Left empty, the signed-in nurse did it. SQLite and PostgreSQL (``world``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.identity.clinics import create_clinic
from ketaclinic.services.identity.staff_admin import NewStaff
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord
from tests.conftest import PASSWORD, World
from tests.integration.test_session_workflow import CHECK_IN, Day, make_day

PREMED = {"drug": "ondansetron", "dose_mg": "4", "route": "PO", "lot": "LOT-P1"}
IV = {"site": "left antecubital", "gauge": "22", "attempts": "1"}
#: step -> (field, the form without the person, the record kind)
STEPS = {
    "give": ("given_by", PREMED, RecordKind.ADMINISTRATION),
    "iv": ("placed_by", IV, RecordKind.IV_PLACEMENT),
}
WHO = "not an active nurse or prescriber (physician or APP) of this clinic"


@pytest.fixture
def day(world: World) -> Day:
    made = make_day(world)
    made.flow.check_in(world.actor(Role.NURSE), made.session_id, CHECK_IN)
    return made


def _records(day: Day, kind: RecordKind) -> list[SessionRecord]:
    view = day.flow.day(day.world.actor(Role.NURSE), day.session_id)
    return [r for r in view.records if r.kind is kind]


def _do(day: Day, actor: Actor, step: str, person: object) -> SessionRecord | object:
    field, form, _ = STEPS[step]
    fields: dict[str, Any] = dict(form)
    if person is not None:
        fields[field] = person
    return day.flow.step(actor, day.session_id, step, fields)


def _refused(day: Day, step: str, person: object) -> Mapping[str, str]:
    """As the nurse, name ``person``; expect a refusal and nothing stored."""
    _, _, kind = STEPS[step]
    before = len(_records(day, kind))
    with pytest.raises(ValidationFailed) as refused:
        _do(day, day.world.actor(Role.NURSE), step, person)
    assert len(_records(day, kind)) == before
    return refused.value.errors


def _staff_id(world: World, role: Role) -> int:
    staff_id = world.actor(role).staff_id
    assert staff_id is not None
    return staff_id


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("typed", ["Test Nurse", "Nurse Demo", "RN", True, "12abc"])
def test_a_typed_name_is_refused_naming_the_field(day: Day, step: str, typed: object) -> None:
    field = STEPS[step][0]
    assert _refused(day, step, typed) == {
        field: "choose a staff member of this clinic (a staff id), not typed text"
    }


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("role", [Role.COACH, Role.FRONT_DESK, Role.ADMIN])
def test_a_role_that_may_not_do_the_step_is_refused(day: Day, step: str, role: Role) -> None:
    field = STEPS[step][0]
    assert _refused(day, step, str(_staff_id(day.world, role))) == {field: WHO}


@pytest.mark.parametrize("step", list(STEPS))
def test_staff_of_another_clinic_are_refused(day: Day, step: str) -> None:
    w = day.world
    other = create_clinic(w.services.uow, w.clock, "otherclinic", "Other", "UTC", "OC")
    stranger = w.services.staff.bootstrap_create(
        other, NewStaff("rn@other.test", "Nurse Elsewhere", Role.NURSE, PASSWORD)
    )
    assert _refused(day, step, str(stranger.id)) == {STEPS[step][0]: WHO}
    assert _refused(day, step, "999999") == {STEPS[step][0]: WHO}


@pytest.mark.parametrize("step", list(STEPS))
def test_a_deactivated_member_is_refused(day: Day, step: str) -> None:
    w = day.world
    app = _staff_id(w, Role.APP)
    w.services.staff.set_active(w.actor(Role.ADMIN), app, False)
    assert _refused(day, step, str(app)) == {STEPS[step][0]: WHO}


def test_every_bad_field_is_named_at_once(day: Day) -> None:
    nurse = day.world.actor(Role.NURSE)
    with pytest.raises(ValidationFailed) as refused:
        day.flow.place_iv(nurse, day.session_id, {**IV, "gauge": "40", "placed_by": "Nurse Demo"})
    assert set(refused.value.errors) == {"gauge", "placed_by"}
    assert not _records(day, RecordKind.IV_PLACEMENT)


@pytest.mark.parametrize("step", list(STEPS))
def test_left_empty_the_signed_in_nurse_did_it_and_the_record_keeps_id_name_role(
    day: Day, step: str
) -> None:
    field, _, kind = STEPS[step]
    nurse = day.world.actor(Role.NURSE)
    _do(day, nurse, step, None)
    physician = _staff_id(day.world, Role.PHYSICIAN)
    _do(day, nurse, step, str(physician))  # the nurse records what the physician did
    people = [
        (r.payload[field], r.payload[f"{field}_id"], r.payload[f"{field}_role"])
        for r in _records(day, kind)
    ]
    assert people == [
        ("Test Nurse", nurse.staff_id, "nurse"),
        ("Test Physician", physician, "physician"),
    ]


def test_the_people_offered_are_the_active_nurses_and_prescribers(day: Day) -> None:
    w = day.world
    w.services.staff.set_active(w.actor(Role.ADMIN), _staff_id(w, Role.APP), False)
    for field in ("given_by", "placed_by"):
        offered = day.flow.step_people(w.actor(Role.NURSE), day.session_id, field)
        assert [(p.name, p.role) for p in offered] == [
            ("Test Nurse", Role.NURSE),
            ("Test Physician", Role.PHYSICIAN),
        ]
