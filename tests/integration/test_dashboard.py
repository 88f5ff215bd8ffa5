"""Dashboard figures from stored scores checked against an independent computation on a small
generated cohort (domain.outcomes.analytics on the generator's own facts, and hand counts), on
SQLite and PostgreSQL. Acceptance: "the dashboard's numbers are checked against an independent
computation".
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from ketaclinic.domain.errors import PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.outcomes.analytics import (
    CourseFact,
    ScoreFact,
    collect_scores,
    compute_rates,
    compute_retention,
)
from ketaclinic.domain.outcomes.cohort_trajectory import compute_trajectory
from ketaclinic.domain.outcomes.time_to_response import compute_time_to_response
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.domain.protocols.sections import OutcomeDefinition
from tests.conftest import World
from tests.integration.test_evaluation_fixtures import publish
from tests.integration.test_outcome_service import phq9

PHQ9 = OutcomeDefinition("phq9", 50, 25, 4, "SUSTAIN-3")  # type: ignore[arg-type]


def generate(seed: int, n: int) -> list[tuple[int | None, list[int]]]:
    """Per course: a PHQ-9 baseline (None = missing) and 1-6 session totals (drop-outs); the
    fourth course starts already in the remission range (PHQ-9 3, the course page cannot
    classify it) and ends at 0."""
    rng = random.Random(seed)
    cohort = []
    for i in range(n):
        baseline = {0: None, 1: 0, 3: 3}.get(i, rng.randint(10, 24))
        sessions = rng.randint(1, 6) if i % 3 == 2 else 6
        start = baseline or 12
        totals = [max(0, min(24, start - rng.randint(0, 3) * k)) for k in range(1, sessions + 1)]
        cohort.append((baseline, totals))
    return cohort


def store(world: World, cohort: list[tuple[int | None, list[int]]]) -> list[int]:
    """Open one course per generated patient, then record every score through the services."""
    version = publish(world, "adult-iv-induction")
    app, nurse = world.actor(Role.APP), world.actor(Role.NURSE)
    ids = []
    for i, _ in enumerate(cohort):
        details = PatientDetails(
            "Cohort", f"Demo-{chr(65 + i)}", date(1980, 1, 1), SexAtBirth.FEMALE
        )
        patient = world.services.patients.register(world.actor(Role.FRONT_DESK), details)
        ids.append(world.services.courses.open(app, patient.id, version).id)
    opened = world.clock.now()
    world.clock.advance(days=30)
    for course_id, (baseline, totals) in zip(ids, cohort, strict=True):
        scores = ([(0, baseline)] if baseline is not None else []) + list(enumerate(totals, 1))
        for number, total in scores:
            world.services.outcomes.record_score(
                nurse,
                course_id,
                "phq9",
                phq9(total),
                kind="baseline" if number == 0 else "session",
                session_number=number or None,
                answered_at=opened + timedelta(days=2 * number + 1),
            )
    return ids


def expected_facts(
    ids: list[int],
    cohort: list[tuple[int | None, list[int]]],
    clinic_id: int,
    month: date,
    ended: frozenset[int] = frozenset(),
) -> tuple[list[CourseFact], list[ScoreFact]]:
    courses, scores = [], []
    for course_id, (baseline, totals) in zip(ids, cohort, strict=True):
        courses.append(
            CourseFact(
                course_id,
                clinic_id,
                "adult-iv-induction",
                month,
                "41-64",
                0,
                len(totals),
                0,
                0,
                ended=course_id in ended,
            )
        )
        if baseline is not None:
            scores.append(ScoreFact(course_id, "phq9", 0, 1, baseline))
        scores += [ScoreFact(course_id, "phq9", k, 2 * k + 1, t) for k, t in enumerate(totals, 1)]
    return courses, scores


def test_dashboard_matches_the_reference_computation(world: World) -> None:
    cohort = generate(11, 12)
    opened_on = world.clock.now().date()
    ids = store(world, cohort)
    # every other course short of session 6 is discontinued; the rest are still in treatment
    short = [cid for cid, (_, t) in zip(ids, cohort, strict=True) if len(t) < 6]
    stopped = frozenset(short[::2])
    for course_id in stopped:
        world.services.courses.move(
            world.actor(Role.PHYSICIAN),
            course_id,
            CourseState.DISCONTINUED,
            reason="Synthetic: stopped attending",
        )
    month = f"{opened_on:%Y-%m}"
    built = world.services.dashboard.build(world.actor(Role.ADMIN), month, month)
    [figures] = built.protocols
    facts, score_facts = expected_facts(ids, cohort, world.clinic.id, opened_on, stopped)
    grouped = collect_scores(facts, score_facts, "phq9")
    assert list(figures.rates_by_month) == compute_rates(grouped, PHQ9, group_by=("month",))
    assert list(figures.trajectory) == compute_trajectory(grouped, max_session=6)
    assert list(figures.time_to_response) == compute_time_to_response(grouped, PHQ9)
    assert list(figures.retention) == compute_retention(facts, series_sessions=6)
    # hand count, independent of domain.outcomes.analytics: usable baseline (above the remission
    # cut 4, as on the course page) and a session-6 score
    usable = [(b, t[5]) for b, t in cohort if b is not None and b > 4 and len(t) == 6]
    [low] = [t for b, t in cohort if b == 3]
    assert len(low) == 6 and low[5] <= 4  # a remission by its last score alone, yet not counted
    [row] = figures.rates_by_month
    assert 0 < row.denominator == len(usable) < len(cohort)  # exclusions really happen
    assert 0 < row.responders < row.denominator or row.remitters > 0
    assert row.responders == sum(1 for b, s6 in usable if (b - s6) * 2 >= b)
    assert row.remitters == sum(1 for _, s6 in usable if s6 <= 4)
    baselines = [b for b, _ in cohort if b is not None]
    assert figures.trajectory[0].n == len(baselines)
    assert figures.trajectory[0].mean == pytest.approx(sum(baselines) / len(baselines))
    assert figures.retention[0].reached == len(cohort)
    # only the discontinued short courses are drop-outs; those still in treatment are not
    assert len(short) - len(stopped) > 0 < len(stopped)
    assert sum(r.dropped_after for r in figures.retention) == len(stopped)
    assert sum(r.in_treatment for r in figures.retention) == len(short) - len(stopped)
    assert built.sessions_source == "scores"


def test_dashboard_checks_months_and_permission(world: World) -> None:
    admin = world.actor(Role.ADMIN)
    with pytest.raises(ValidationFailed) as caught:
        world.services.dashboard.build(admin, "2026-13", "2026-01")
    assert "from_month" in caught.value.errors
    with pytest.raises(ValidationFailed) as reversed_range:
        world.services.dashboard.build(admin, "2026-05", "2026-01")
    assert "to_month" in reversed_range.value.errors
    with pytest.raises(PermissionDenied):
        world.services.dashboard.build(world.actor(Role.NURSE), "2026-01", "2026-02")
    empty = world.services.dashboard.build(admin, "2026-01", "2026-02")
    assert empty.protocols == ()
