"""Contracts of the rows around dosing, infusion and scheduling (clinics and chairs, staff
memberships, patients, protocol versions, courses, safety tasks): in-memory fakes, SQLite and
PostgreSQL behave the same for what those use cases read and write."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.assessments.safety import Disposition, RiskLevel, SafetyAssessment, Urgency
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import (
    Measurement,
    PatientDetails,
    RelatedPersonDetails,
    RelationshipKind,
    SexAtBirth,
)
from ketaclinic.services.patients.ports import PatientSearch
from tests.integration.contracts.conftest import AT, Backend


def test_clinics_chairs_and_memberships_are_scoped(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        home = uow.clinics.get(h.clinic_id)
        chairs = uow.clinics.chairs(h.clinic_id)
        members = uow.staff.memberships(h.staff_id)
        listed = uow.staff.list_for_clinic(a.clinic_id)
        assert uow.clinics.by_slug("home") == home
        assert uow.clinics.get(h.clinic_id + a.clinic_id + 1000) is None
    assert home is not None and (home.slug, home.timezone) == ("home", "America/Chicago")
    assert [(c.id, c.name, c.features, c.in_service) for c in chairs] == [
        (h.chair_id, "Chair 1", ("monitor",), True),
        (h.second_chair_id, "Chair 2", ("monitor",), True),
    ]
    assert [(m.clinic_id, m.role) for m in members] == [(h.clinic_id, Role.NURSE)]
    assert [(s.id, role) for s, role in listed] == [
        (a.staff_id, Role.NURSE),
        (a.second_staff_id, Role.NURSE),
    ]


def test_a_second_chair_of_one_name_or_a_second_clinic_slug_is_a_conflict(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        with pytest.raises(Conflict) as chair:
            uow.clinics.add_chair(h.clinic_id, "Chair 1", ())
        with pytest.raises(Conflict) as slug:
            uow.clinics.add("home", "Again", "UTC", "XX", at=AT)
        with pytest.raises(Conflict) as email:
            uow.staff.add("staff1@home.test", "Again", "x", at=AT)
        assert uow.clinics.add_chair(backend.away.clinic_id, "Chair 3", ()) > 0
    assert (chair.value.field, slug.value.field, email.value.field) == ("name", "slug", "email")


def test_medical_record_numbers_count_up_per_clinic(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        assert uow.clinics.next_mrn(h.clinic_id) == "HO000003"
        assert uow.clinics.next_mrn(h.clinic_id) == "HO000004"
        assert uow.clinics.next_mrn(a.clinic_id) == "AW000003"


def test_patients_are_scoped_updated_optimistically_and_unique_by_mrn(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        patient = uow.patients.get(h.clinic_id, h.patient_id)
        assert patient is not None
        assert uow.patients.get(a.clinic_id, h.patient_id) is None
        details = PatientDetails("Bláir", "Demo-Contract", date(1980, 1, 1), SexAtBirth.MALE)
        updated = uow.patients.update(patient, details, at=AT)
        with pytest.raises(Conflict) as stale:
            uow.patients.update(patient, details, at=AT)
        with pytest.raises(Conflict) as taken:
            uow.patients.add(h.clinic_id, patient.mrn, details, at=AT)
        uow.commit()
    with backend.uow() as uow:
        assert uow.patients.get(h.clinic_id, h.patient_id) == updated
        found = uow.patients.search(PatientSearch(h.clinic_id, text="blair"))
        assert uow.patients.count(h.clinic_id) == 2
    assert (updated.version, stale.value.field, taken.value.field) == (2, "version", "mrn")
    assert [p.id for p in found] == [h.patient_id]


def test_measurements_list_newest_first(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        for days, kg in ((0, "70.5"), (10, "69.0"), (5, "71.2")):
            m = Measurement(AT + timedelta(days=days), Decimal(kg), Decimal("170.0"))
            uow.patients.add_measurement(h.clinic_id, h.patient_id, m, entered_by=h.staff_id)
        uow.commit()
    with backend.uow() as uow:
        listed = uow.patients.measurements(h.clinic_id, h.patient_id)
        assert uow.patients.measurements(backend.away.clinic_id, h.patient_id) == []
    assert [m.weight_kg for m in listed] == [Decimal("69.0"), Decimal("71.2"), Decimal("70.5")]


def test_protocol_versions_round_trip_and_sign_off_once(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        published = uow.protocols.get(h.clinic_id, h.protocol_version_id)
        assert published is not None and published.signed_off_by is None
        assert uow.protocols.get(a.clinic_id, h.protocol_version_id) is None
        assert uow.protocols.content(h.clinic_id, h.protocol_version_id) == "{}"
        assert uow.protocols.find(h.clinic_id, "contract", "1") == published
        uow.protocols.sign_off(
            h.clinic_id, published.id, hash=published.hash, by=h.staff_id, at=AT, confirmed_paths=[]
        )
        with pytest.raises(Conflict):
            uow.protocols.sign_off(
                h.clinic_id,
                published.id,
                hash=published.hash,
                by=h.staff_id,
                at=AT,
                confirmed_paths=[],
            )
        signed = uow.protocols.get(h.clinic_id, published.id)
        assert [p.id for p in uow.protocols.list(h.clinic_id)] == [published.id]
    assert signed is not None and (signed.signed_off_by, signed.signed_off_at) == (h.staff_id, AT)


def test_courses_are_scoped_listed_newest_first_and_moved_optimistically(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        course = uow.courses.get(h.clinic_id, h.course_id)
        assert course is not None and course.state is CourseState.REFERRED
        assert uow.courses.get(a.clinic_id, h.course_id) is None
        newer = uow.courses.add(
            h.clinic_id, h.patient_id, h.protocol_version_id, by=h.staff_id, at=AT
        )
        moved = uow.courses.move(course, CourseState.EVALUATING, by=h.staff_id, at=AT, reason="go")
        with pytest.raises(Conflict) as stale:
            uow.courses.move(course, CourseState.DISCONTINUED, by=h.staff_id, at=AT, reason="")
        uow.commit()
    with backend.uow() as uow:
        assert [c.id for c in uow.courses.for_patient(h.clinic_id, h.patient_id)] == [
            newer.id,
            course.id,
        ]
        assert uow.courses.get(h.clinic_id, course.id) == moved
        history = uow.courses.history(h.clinic_id, course.id)
        evaluating = uow.courses.in_states(h.clinic_id, [CourseState.EVALUATING])
    assert (moved.version, stale.value.field) == (2, "version")
    assert [(t.from_state, t.to_state, t.reason) for t in history] == [
        (CourseState.REFERRED, CourseState.EVALUATING, "go"),
    ]
    assert evaluating == [moved]


def test_safety_tasks_open_resolve_once_and_stay_in_their_clinic(backend: Backend) -> None:
    h, a = backend.home, backend.away
    assessment = SafetyAssessment(
        RiskLevel.LOW, "routine follow-up", Disposition.CONTINUE_TREATMENT
    )
    with backend.uow() as uow:
        task = uow.safety_tasks.open_task(
            h.clinic_id,
            h.patient_id,
            source="phq9",
            rule_id="phq9.item9",
            reason="item 9 > 0",
            urgency=Urgency.URGENT,
            at=AT,
        )
        assert uow.safety_tasks.open_for_patient(h.clinic_id, h.patient_id) == [task]
        assert uow.safety_tasks.open_for_patient(a.clinic_id, h.patient_id) == []
        assert uow.safety_tasks.open_in_clinic(h.clinic_id) == [task]
        resolved = uow.safety_tasks.resolve(task, assessment, by=h.staff_id, at=AT)
        with pytest.raises(Conflict) as again:
            uow.safety_tasks.resolve(task, assessment, by=h.staff_id, at=AT)
        uow.commit()
    with backend.uow() as uow:
        assert uow.safety_tasks.get(h.clinic_id, task.id) == resolved
        assert uow.safety_tasks.get(a.clinic_id, task.id) is None
        assert uow.safety_tasks.open_for_patient(h.clinic_id, h.patient_id) == []
        assert uow.safety_tasks.for_patient(h.clinic_id, h.patient_id) == [resolved]
    assert (resolved.open, resolved.risk_level, resolved.disposition) == (
        False,
        RiskLevel.LOW,
        Disposition.CONTINUE_TREATMENT,
    )
    assert again.value.field == "task_id"


def test_related_people_and_allergies_round_trip_in_their_clinic(backend: Backend) -> None:
    h, a = backend.home, backend.away
    guardian = RelatedPersonDetails(
        RelationshipKind.GUARDIAN, "Jordan Demo-Contract", "mother", "+1 555 0100", "", True
    )
    with backend.uow() as uow:
        person = uow.patients.add_related(h.clinic_id, h.patient_id, guardian, at=AT)
        allergy = uow.patients.add_allergy(
            h.clinic_id, h.patient_id, "latex", "rash", "mild", at=AT
        )
        uow.commit()
    with backend.uow() as uow:
        assert uow.patients.related(h.clinic_id, h.patient_id) == [person]
        assert uow.patients.related(a.clinic_id, h.patient_id) == []
        assert uow.patients.allergies(h.clinic_id, h.patient_id) == [allergy]
        assert uow.patients.allergies(a.clinic_id, h.patient_id) == []
    assert person.details == guardian and (allergy.substance, allergy.recorded_at) == ("latex", AT)


def test_sign_in_state_of_a_staff_member(backend: Backend) -> None:
    h = backend.home
    until = AT + timedelta(minutes=15)
    with backend.uow() as uow:
        uow.staff.record_signin_failure(h.staff_id, None)
        uow.staff.record_signin_failure(h.staff_id, until)
        locked = uow.staff.get(h.staff_id)
        uow.staff.record_signin_success(h.staff_id)
        uow.staff.set_active(h.staff_id, False)
        uow.staff.set_password_hash(h.staff_id, "new-hash")
        uow.commit()
    with backend.uow() as uow:
        member = uow.staff.get(h.staff_id)
        assert uow.staff.by_email("STAFF1@HOME.TEST") == member
    assert locked is not None and (locked.failed_signins, locked.locked_until) == (2, until)
    assert member is not None
    assert (member.failed_signins, member.locked_until, member.active, member.password_hash) == (
        0,
        None,
        False,
        "new-hash",
    )


def test_open_safety_tasks_of_a_clinic_list_oldest_first(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        later = uow.safety_tasks.open_task(
            h.clinic_id,
            h.second_patient_id,
            source="phq9",
            rule_id="r",
            reason="later",
            urgency=Urgency.ROUTINE,
            at=AT + timedelta(hours=1),
        )
        sooner = uow.safety_tasks.open_task(
            h.clinic_id,
            h.patient_id,
            source="phq9",
            rule_id="r",
            reason="sooner",
            urgency=Urgency.SAME_DAY,
            at=AT,
        )
        assert uow.safety_tasks.open_in_clinic(h.clinic_id) == [sooner, later]
        assert uow.safety_tasks.open_in_clinic(backend.away.clinic_id) == []


def test_courses_of_a_set_are_read_at_once_within_the_clinic(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        wanted = {h.second_course_id, h.course_id, a.course_id}
        found = uow.courses.get_many(h.clinic_id, wanted)
        assert [c.id for c in found] == sorted((h.course_id, h.second_course_id))
        assert all(c.clinic_id == h.clinic_id for c in found)
        assert list(uow.courses.get_many(h.clinic_id, set())) == []
