"""The three people of a start of dosing, each tried the way around it by the role who would try.

Who gives the dose, the attending physician or coach of a non-IV dose and the prescriber on site
are active staff of this clinic chosen by staff id and checked by role
(``services.infusion.dose_team``). A coach named as prescriber on site, a typed name, a bare
tick, staff of another clinic and a deactivated member are refused naming the field; the session
stays ready and nothing is stored. SQLite and PostgreSQL (``world``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import pytest
from sqlalchemy import select

from ketaclinic.adapters.db.tables import audit_events
from ketaclinic.domain.errors import PermissionDenied, SafetyBlock, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.scheduling.booking import ShiftRole
from ketaclinic.services.identity.clinics import create_clinic
from ketaclinic.services.identity.staff_admin import NewStaff
from ketaclinic.services.infusion.ports import RecordKind
from tests.conftest import PASSWORD, World
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import Day, _ready, make_day
from tests.kat_dosing import kat_start, ready_kat_session


@pytest.fixture
def day(world: World) -> Day:
    made = make_day(world)
    _ready(made)
    return made


def _refused(day: Day, role: Role, fields: Mapping[str, object]) -> dict[str, str]:
    """Start as ``role``; expect a refusal; the session stays ready with no dose recorded."""
    with pytest.raises(ValidationFailed) as refused:
        day.flow.start(day.world.actor(role), day.session_id, fields)
    view = day.flow.day(day.world.actor(Role.NURSE), day.session_id)
    assert view.session.state is SessionState.READY
    assert not [
        r
        for r in view.records
        if r.kind is RecordKind.ADMINISTRATION and r.payload.get("purpose") == "ketamine"
    ]
    return refused.value.errors


def _id(world: World, role: Role) -> str:
    return str(world.actor(role).staff_id)


def test_nurse_naming_a_coach_as_prescriber_on_site_is_refused(day: Day) -> None:
    fields = start_fields(day.world, prescriber_on_site=_id(day.world, Role.COACH))
    errors = _refused(day, Role.NURSE, fields)
    assert errors == {
        "prescriber_on_site": "not an active prescriber (physician or APP) of this clinic"
    }


@pytest.mark.parametrize("tick", [True, "on", "yes", "Dr Test Physician"])
def test_a_bare_tick_or_a_typed_name_is_no_prescriber_on_site(day: Day, tick: object) -> None:
    errors = _refused(day, Role.NURSE, {**start_fields(day.world), "prescriber_on_site": tick})
    assert "not typed text" in errors["prescriber_on_site"]
    missing = {k: v for k, v in start_fields(day.world).items() if k != "prescriber_on_site"}
    errors = _refused(day, Role.NURSE, missing)
    assert "name the prescriber (physician or APP) on site" in errors["prescriber_on_site"]


def test_a_typed_name_is_no_given_by_and_a_coach_cannot_give_the_dose(day: Day) -> None:
    typed = _refused(day, Role.NURSE, start_fields(day.world, given_by="Test Nurse"))
    assert typed == {
        "given_by": "choose a staff member of this clinic (a staff id), not typed text"
    }
    coach = _refused(day, Role.NURSE, start_fields(day.world, given_by=_id(day.world, Role.COACH)))
    assert coach == {
        "given_by": "dose.role: an integration coach cannot give a dose; "
        "a nurse, physician or APP gives it"
    }


def test_staff_of_another_clinic_are_refused_for_every_field(day: Day) -> None:
    w = day.world
    other = create_clinic(w.services.uow, w.clock, "otherclinic", "Other", "UTC", "OC")
    stranger = w.services.staff.bootstrap_create(
        other, NewStaff("md@other.test", "Dr Elsewhere", Role.PHYSICIAN, PASSWORD)
    )
    them = str(stranger.id)
    errors = _refused(day, Role.NURSE, start_fields(w, given_by=them, prescriber_on_site=them))
    assert set(errors) == {"given_by", "prescriber_on_site"}
    assert all("of this clinic" in message for message in errors.values())


def test_a_deactivated_prescriber_is_refused(day: Day) -> None:
    w = day.world
    app = w.actor(Role.APP)
    assert app.staff_id is not None
    w.services.staff.set_active(w.actor(Role.ADMIN), app.staff_id, False)
    errors = _refused(day, Role.NURSE, start_fields(w, prescriber_on_site=str(app.staff_id)))
    assert "not an active prescriber" in errors["prescriber_on_site"]


def test_an_iv_dose_has_no_separate_attendant(day: Day) -> None:
    errors = _refused(
        day, Role.NURSE, start_fields(day.world, attending=_id(day.world, Role.COACH))
    )
    assert errors == {"attending": "an IV dose has no separate attendant"}


def test_the_start_records_each_person_by_id_and_name_and_audits_it(day: Day) -> None:
    w, nurse = day.world, day.world.actor(Role.NURSE)
    fields = {k: v for k, v in start_fields(w, prescriber_on_site=_id(w, Role.APP)).items()}
    del fields["given_by"]  # left empty: the signed-in nurse gives it
    started = day.flow.start(nurse, day.session_id, fields)
    assert started.state is SessionState.INFUSING
    view = day.flow.day(nurse, day.session_id)
    given = next(r for r in view.records if r.payload.get("purpose") == "ketamine")
    named = ["given_by", "given_by_id", "attending", "attending_id", "attending_role"]
    named += ["prescriber_on_site", "prescriber_on_site_id", "prescriber_on_site_role"]
    people = {k: given.payload[k] for k in named}
    assert people == {
        "given_by": "Test Nurse",
        "given_by_id": nurse.staff_id,
        "attending": "",
        "attending_id": None,
        "attending_role": None,
        "prescriber_on_site": "Test App",
        "prescriber_on_site_id": w.actor(Role.APP).staff_id,
        "prescriber_on_site_role": "app",
    }
    with w.services.engine.connect() as conn:
        details = conn.execute(
            select(audit_events.c.detail).where(audit_events.c.action == "session.dose_team")
        ).scalars()
        assert list(details) == [
            f"given_by={nurse.staff_id} attending=None "
            f"prescriber_on_site={w.actor(Role.APP).staff_id} (Test App, app)"
        ]


def test_prescribers_on_shift_today_are_offered_first_without_a_roster_being_required(
    day: Day,
) -> None:
    w, nurse = day.world, day.world.actor(Role.NURSE)
    offered = day.flow.dose_choices(nurse, day.session_id)
    assert [p.name for p in offered.prescribers] == ["Test App", "Test Physician"]
    assert [p.name for p in offered.given_by] == ["Test App", "Test Nurse", "Test Physician"]
    assert not offered.needs_attending and offered.attending == ()
    physician = w.actor(Role.PHYSICIAN)
    assert physician.staff_id is not None
    now = w.clock.now()
    w.services.calendar.add_shift(
        w.actor(Role.ADMIN),
        physician.staff_id,
        ShiftRole.PRESCRIBER,
        now - timedelta(hours=1),
        now + timedelta(hours=4),
    )
    offered = day.flow.dose_choices(nurse, day.session_id)
    assert [(p.name, p.rostered) for p in offered.prescribers] == [
        ("Test Physician", True),
        ("Test App", False),
    ]


def test_kat_attending_must_be_a_role_the_protocol_permits(world: World) -> None:
    """The physician checked the patient in (and so attends): each bad attending field is refused
    on the field, then the coach named attends."""
    dose = ready_kat_session(world, checked_in_by=Role.PHYSICIAN)
    coach, physician = world.actor(Role.COACH), world.actor(Role.PHYSICIAN)
    flow = world.services.session_workflow
    for attending, message in (
        ("", "dose_gate.attendant: choose the attending physician or coach (non-IV route)"),
        (
            _id(world, Role.NURSE),
            "dose_gate.attendant: not an active physician or coach of this clinic "
            "(the protocol's attendant roles)",
        ),
        ("Sage Demo-Coach", "choose a staff member of this clinic (a staff id), not typed text"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            flow.start(physician, dose.session_id, {**kat_start(world), "attending": attending})
        assert refused.value.errors == {"attending": message}
    started = flow.start(physician, dose.session_id, kat_start(world))
    assert started.state is SessionState.INFUSING
    given = [r for r in flow.day(coach, dose.session_id).records if r.payload.get("attending")]
    assert [(r.payload["attending"], r.payload["attending_role"]) for r in given] == [
        ("Test Coach", "coach")
    ]


@pytest.mark.parametrize("attends", [Role.COACH, Role.PHYSICIAN])
def test_a_kat_session_checked_in_by_the_nurse_starts_with_the_named_attendant(
    world: World, attends: Role
) -> None:
    dose = ready_kat_session(world, checked_in_by=Role.NURSE)
    flow, nurse = world.services.session_workflow, world.actor(Role.NURSE)
    assert flow.day(nurse, dose.session_id).session.attendant_id == world.actor(Role.NURSE).staff_id
    fields = {**kat_start(world), "given_by": "", "attending": _id(world, attends)}
    started = flow.start(nurse, dose.session_id, fields)
    assert started.state is SessionState.INFUSING
    assert started.attendant_id == world.actor(attends).staff_id
    with world.services.engine.connect() as conn:
        details = list(
            conn.execute(
                select(audit_events.c.detail).where(audit_events.c.action == "session.attendant")
            ).scalars()
        )
    assert details == [
        f"attendant={world.actor(attends).staff_id} ({attends.value}) "
        f"was={world.actor(Role.NURSE).staff_id}"
    ]


@pytest.mark.parametrize("attending", ["nurse", ""])
def test_a_nurse_cannot_attend_a_kat_dose_alone(world: World, attending: str) -> None:
    dose = ready_kat_session(world, checked_in_by=Role.NURSE)
    flow, nurse = world.services.session_workflow, world.actor(Role.NURSE)
    named = _id(world, Role.NURSE) if attending else ""
    with pytest.raises(SafetyBlock) as refused:
        flow.start(nurse, dose.session_id, {**kat_start(world), "attending": named})
    assert any(r.startswith("dose_gate.attendant: a nurse") for r in refused.value.reasons)
    view = flow.day(nurse, dose.session_id)
    assert view.session.state is SessionState.READY
    assert view.session.attendant_id == world.actor(Role.NURSE).staff_id


def test_a_coach_starting_a_kat_dose_is_told_a_coach_cannot_give_it(world: World) -> None:
    """The coach cannot record the start of a dose, whoever is named to give it; a nurse naming
    the coach as the one who gives it is refused on that field."""
    dose = ready_kat_session(world)
    flow, coach = world.services.session_workflow, world.actor(Role.COACH)
    for given_by in ("", _id(world, Role.COACH), _id(world, Role.NURSE)):
        with pytest.raises(PermissionDenied) as denied:
            flow.start(coach, dose.session_id, {**kat_start(world), "given_by": given_by})
        assert str(denied.value).startswith(
            "session.nursing_step: a coach cannot record the start of a dose"
        )
    nurse = world.actor(Role.NURSE)
    with pytest.raises(ValidationFailed) as refused:
        flow.start(nurse, dose.session_id, {**kat_start(world), "given_by": _id(world, Role.COACH)})
    assert refused.value.errors["given_by"].startswith(
        "dose.role: an integration coach cannot give a dose; a nurse, physician or APP"
    )
    assert flow.day(coach, dose.session_id).session.state is SessionState.READY
