"""Missed maintenance boosters and overdue relapse-watch checks, decided once
(``services.outcomes.overdue.course_overdue``) and read by the prescriber's list, the desk's
boosters list and the course PDF; and the booster booking gate while a met relapse waits for a
prescriber's decision (rule ``booster.relapse_review``), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from ketaclinic.adapters.pdf.report import render_course_report
from ketaclinic.domain.consent.signatures import SignerRole
from ketaclinic.domain.errors import SafetyBlock
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.outcomes.maintenance import BoosterWindow
from ketaclinic.domain.outcomes.response import ScoreKind
from ketaclinic.domain.outcomes.standing import OverdueKind, overdue_items
from ketaclinic.domain.patients.course import CourseState
from tests.conftest import World
from tests.integration import test_evaluation_fixtures as fixtures
from tests.integration.test_outcome_service import (
    phq9,
    reassess,
    record_series,
    responder_in_reassessment,
    to_reassessment,
)
from tests.integration.test_outcome_service_boosters import clinic_with_chairs
from tests.kat_dosing import kat_course

RULE = "booster.relapse_review"
D0 = date(2026, 3, 2)


def _window(number: int, target: date) -> BoosterWindow:
    return BoosterWindow(number, target, target - timedelta(1), target + timedelta(1), 7)


def test_overdue_rule_counts_a_booster_missed_only_after_its_last_day() -> None:
    windows = (_window(1, D0), _window(2, D0 + timedelta(7)))
    last_day = D0 + timedelta(1)
    assert overdue_items(windows, set(), None, check_label="check", today=last_day) == ()
    [missed] = overdue_items(
        windows, set(), None, check_label="check", today=last_day + timedelta(1)
    )
    assert (missed.kind, missed.booster_number, missed.due_on) == (OverdueKind.BOOSTER, 1, last_day)
    assert missed.since == last_day + timedelta(1)
    given = overdue_items(windows, {1}, None, check_label="check", today=D0 + timedelta(30))
    assert [o.booster_number for o in given] == [2]  # a given booster is never overdue


def test_overdue_rule_flags_the_check_after_its_due_day_oldest_first() -> None:
    windows = (_window(1, D0),)
    assert overdue_items((), set(), D0, check_label="PHQ-9 check", today=D0) == ()
    found = overdue_items(
        windows, set(), D0 - timedelta(3), check_label="PHQ-9 check", today=D0 + timedelta(5)
    )
    assert [o.kind for o in found] == [OverdueKind.RELAPSE_CHECK, OverdueKind.BOOSTER]
    assert found[0].what == "PHQ-9 check" and found[0].since == D0 - timedelta(2)


def _maintenance(world: World, start_in_days: int = 0) -> tuple[int, int]:
    patient_id, course_id = responder_in_reassessment(world)
    physician = world.actor(Role.PHYSICIAN)
    reassess(world, course_id, 8)
    start = world.clock.now().date() + timedelta(days=start_in_days)
    world.services.maintenance.store(physician, course_id, start)
    world.services.outcomes.decide(physician, course_id, CourseState.MAINTENANCE, "responder")
    return patient_id, course_id


def _pdf_text(world: World, course_id: int) -> str:
    report = world.services.reports.course_report(world.actor(Role.PHYSICIAN), course_id)
    pdf = render_course_report(report, clinic_tz=world.clinic.timezone)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def test_missed_booster_and_overdue_check_are_listed_everywhere_alike(world: World) -> None:
    clinic_with_chairs(world)
    patient_id, course_id = _maintenance(world)
    physician, desk = world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    assert world.services.overdue.worklist(physician) == []
    assert "OVERDUE" not in _pdf_text(world, course_id)

    world.clock.advance(days=10)  # booster 1's dates and the weekly check both passed
    zone = ZoneInfo(world.clinic.timezone)
    today = world.clock.now().astimezone(zone).date()
    review = world.services.outcomes.review(physician, course_id)
    assert review.plan is not None and review.relapse is not None
    first = review.plan.plan.windows[0]

    [entry] = world.services.overdue.worklist(physician)
    assert entry.patient.id == patient_id and entry.course.id == course_id
    check, booster = entry.items
    assert check.kind is OverdueKind.RELAPSE_CHECK and check.due_on == review.relapse.next_check_on
    assert "PHQ-9" in check.what and check.due_on < today
    assert booster.kind is OverdueKind.BOOSTER and booster.booster_number == 1
    assert booster.due_on == first.latest_on and entry.since == check.since

    standing = world.services.overdue.course(physician, course_id)
    assert standing.overdue == entry.items and not standing.relapse_review
    [row] = world.services.boosters.due_to_book(desk)
    assert row.course_id == course_id and row.overdue == entry.items
    assert [w.number for w in row.windows] == [2, 3]

    flat = _pdf_text(world, course_id)
    assert "Booster 1:" in flat and "(MISSED - OVERDUE)" in flat and "(OVERDUE)." in flat
    assert flat.count("MISSED") == 1  # boosters 2 and 3 are still ahead

    # a course that ended owes nothing: the list, the desk and the PDF agree
    world.services.courses.move(
        physician, course_id, CourseState.DISCONTINUED, reason="patient moved away"
    )
    assert world.services.overdue.worklist(physician) == []
    assert world.services.boosters.due_to_book(desk) == []
    assert "OVERDUE" not in _pdf_text(world, course_id)


def _relapse(world: World, course_id: int) -> None:
    nurse = world.actor(Role.NURSE)
    watch = ScoreKind.RELAPSE_WATCH.value
    for total in (11, 13):  # two PHQ-9 checks of 10 or more, 6 days apart: relapse
        world.clock.advance(days=6)
        world.services.outcomes.record_score(nurse, course_id, "phq9", phq9(total), kind=watch)


def test_booking_is_held_while_a_relapse_waits_for_the_prescriber(world: World) -> None:
    clinic_with_chairs(world)
    _, course_id = _maintenance(world, start_in_days=14)
    physician, desk = world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    _relapse(world, course_id)
    assert world.services.outcomes.review(physician, course_id).relapse_met

    with pytest.raises(SafetyBlock) as refused:
        world.services.boosters.book(desk, course_id, 1)
    assert refused.value.reasons[0].startswith(f"{RULE}: ")
    assert "physician or APP" in refused.value.detail
    assert world.services.boosters.booked(desk, course_id) == []
    [row] = world.services.boosters.due_to_book(desk)
    assert row.relapse_review
    [entry] = world.services.outcomes.worklist(physician)
    assert entry.kind == "relapse"
    assert world.services.overdue.course(physician, course_id).relapse_review

    # the prescriber decides after the relapse: a new booster plan (continue boosters)
    world.services.maintenance.store(physician, course_id, world.clock.now().date())
    booked = world.services.boosters.book(desk, course_id, 1)
    assert [b.session_number for b in booked.bookings] == [1]
    assert not world.services.boosters.due_to_book(desk)[0].relapse_review
    assert all(e.kind != "relapse" for e in world.services.outcomes.worklist(physician))


def test_the_outcome_worklist_reads_by_when_each_look_became_due(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    physician = world.actor(Role.PHYSICIAN)
    _, later = responder_in_reassessment(world)
    [version] = world.services.protocols.published(world.actor(Role.ADMIN))
    monkeypatch.setattr(fixtures, "publish", lambda _world, _pack: version.id)  # published once
    _, earlier = responder_in_reassessment(world)
    reassess(world, earlier, 8)  # waiting for the maintenance decision since today
    world.clock.advance(days=5)
    reassess(world, later, 8)  # the older course, reassessed five days later
    entries = world.services.outcomes.worklist(physician)
    assert [e.review.course.id for e in entries] == [earlier, later]
    assert [e.kind for e in entries] == ["maintenance_decision_due"] * 2
    assert entries[1].due_on - entries[0].due_on == timedelta(days=5)


def test_a_decision_taken_before_a_late_entered_relapse_score_does_not_count(
    world: World,
) -> None:
    clinic_with_chairs(world)
    _, course_id = _maintenance(world, start_in_days=14)
    physician, nurse = world.actor(Role.PHYSICIAN), world.actor(Role.NURSE)
    watch = ScoreKind.RELAPSE_WATCH.value
    world.clock.advance(days=6)
    world.services.outcomes.record_score(nurse, course_id, "phq9", phq9(11), kind=watch)
    world.clock.advance(days=6)
    answered = world.clock.now()  # the second check answered on paper today...
    world.clock.advance(days=1)
    world.services.maintenance.store(physician, course_id, world.clock.now().date())
    world.clock.advance(hours=2)  # ...entered after the prescriber stored a new plan
    world.services.outcomes.record_score(
        nurse, course_id, "phq9", phq9(13), kind=watch, answered_at=answered
    )
    assert world.services.overdue.course(physician, course_id).relapse_review
    with pytest.raises(SafetyBlock, match="physician or APP"):
        world.services.boosters.book(world.actor(Role.FRONT_DESK), course_id, 1)


def test_a_kat_course_s_relapse_hold_names_a_new_kat_series_never_re_induction(
    world: World,
) -> None:
    clinic_with_chairs(world)
    setup = kat_course(world)
    course_id = setup.course_id
    enrolled = fixtures.Enrolled(setup.patient_id, course_id, None, "Robin Demo-Rowan")
    consent = fixtures.signature(world, enrolled, "kat-informed-consent", SignerRole.PATIENT)
    world.services.consents.sign(world.actor(Role.NURSE), course_id, consent)
    physician, desk = world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    world.services.courses.move(world.actor(Role.APP), course_id, CourseState.INDUCTION)
    record_series(world, course_id, (20, 14, 9, 4))  # the KAT series of 3: remission
    to_reassessment(world, course_id)
    reassess(world, course_id, 4)
    world.services.maintenance.store(physician, course_id, world.clock.now().date())
    world.services.outcomes.decide(physician, course_id, CourseState.MAINTENANCE, "in remission")
    _relapse(world, course_id)
    assert world.services.outcomes.review(physician, course_id).relapse_met

    with pytest.raises(SafetyBlock) as refused:
        world.services.boosters.book(desk, course_id, 1)
    assert refused.value.reasons[0].startswith(f"{RULE}: ")
    for said in (refused.value.detail, refused.value.reasons[0]):
        assert "(a new KAT series, a new booster plan, or ending the course)" in said
        assert "induction" not in said
