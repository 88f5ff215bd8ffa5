"""The pure reference analytics on hand-computed cohorts (the SQL is checked against these)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from ketaclinic.domain.outcomes import analytics as a
from ketaclinic.domain.outcomes.analytics import CourseFact, ScoreFact
from ketaclinic.domain.outcomes.cohort_trajectory import (
    compute_trajectory,
    t_critical_95,
    trajectory_point_from_sums,
)
from ketaclinic.domain.outcomes.response import OutcomeClass, classify_change, drop_reaches
from ketaclinic.domain.outcomes.time_to_response import (
    compute_time_to_response,
    kaplan_meier_from_counts,
)
from ketaclinic.domain.protocols.sections import OutcomeDefinition

PHQ9 = OutcomeDefinition("phq9", Decimal(50), Decimal(25), 4, "SUSTAIN-3")


def course(
    cid: int, clinic: int = 1, band: str = "26-45", prior: int = 0, done: int = 6
) -> CourseFact:
    return CourseFact(cid, clinic, "adult-iv", date(2025, 3, 10), band, prior, done, 1, 2)


def phq(cid: int, baseline: int | None, *sessions: int, m3: int | None = None) -> list[ScoreFact]:
    rows = [] if baseline is None else [ScoreFact(cid, "phq9", 0, 0, baseline)]
    rows += [ScoreFact(cid, "phq9", k, 2 * k, v) for k, v in enumerate(sessions, start=1)]
    if m3 is not None:
        rows.append(ScoreFact(cid, "phq9", None, 90, m3))
    return rows


COURSES = [course(1), course(2), course(3, clinic=2), course(4, clinic=2, done=3), course(5)]
SCORES = [
    *phq(1, 20, 18, 15, 12, 10, 10, 10, m3=4),  # response at session 4 (exactly 50 %)
    *phq(2, 10, 9, 9, 9, 9, 8, 8, m3=9),  # never responds
    *phq(3, 12, 5, 4, 4, 4, 4, 3),  # response at session 1, remission at 6
    *phq(4, 16, 14, 12, 12),  # drops out after 3
    *phq(5, 0, 0, 0, 0, 0, 0, 0),  # baseline 0: excluded everywhere
]
CS = a.collect_scores(COURSES, SCORES, "phq9")


def test_rates_carry_denominators() -> None:
    rows = a.compute_rates(CS, PHQ9, group_by=("clinic",))
    assert [(r.group, r.denominator, r.responders, r.remitters) for r in rows] == [
        (("1",), 2, 1, 0),
        (("2",), 1, 1, 1),
    ]
    assert rows[0].response_rate == 0.5


def test_remission_at_session_6_and_3_months() -> None:
    (row,) = a.compute_remission(CS, PHQ9)
    assert (row.end_of_series_n, row.end_of_series_remitted) == (3, 1)
    assert (row.three_month_n, row.three_month_remitted) == (2, 1)


@pytest.mark.parametrize("baseline", [0, 1, 3, 4, 5, 6, 12])
@pytest.mark.parametrize("latest", [0, 2, 4, 5])
def test_dashboard_classifies_a_course_exactly_as_the_course_page(
    baseline: int, latest: int
) -> None:
    """A baseline at or below the remission cut (PHQ-9 <= 4) is "cannot classify" on the course
    page: the dashboard leaves that course out of every figure measured from baseline."""
    cs = a.collect_scores([course(9)], phq(9, baseline, 9, 9, 9, 9, 9, latest, m3=latest), "phq9")
    page = classify_change(PHQ9, baseline, latest)
    rates = a.compute_rates(cs, PHQ9, group_by=("clinic",))
    remission = a.compute_remission(cs, PHQ9)
    median = a.compute_median_change(cs, PHQ9)
    followed = sum(r.events + r.censored for r in compute_time_to_response(cs, PHQ9))
    if page is OutcomeClass.CANNOT_CLASSIFY:
        assert (rates, remission, median, followed) == ([], [], [], 0)
        assert a.compute_top_clinics(cs, PHQ9, min_courses=1) == []
        return
    (rate,) = rates
    assert rate.denominator == 1
    assert rate.remitters == int(page is OutcomeClass.REMISSION)
    assert rate.responders == int(drop_reaches(baseline, latest, PHQ9.response_pct_drop))
    (row,) = remission
    assert (row.end_of_series_n, row.end_of_series_remitted) == (
        1,
        int(page is OutcomeClass.REMISSION),
    )
    assert (row.three_month_n, row.three_month_remitted) == (1, row.end_of_series_remitted)
    assert median[0].n == 1
    assert followed == 1


def test_courses_starting_in_remission_range_change_no_figure() -> None:
    low = [course(6), course(7, clinic=2)]
    extra = [*phq(6, 4, 3, 2, 2, 1, 1, 1, m3=0), *phq(7, 3, 1, 0, 0, 0, 0, 0, m3=0)]
    cs = a.collect_scores(COURSES + low, SCORES + extra, "phq9")
    assert a.compute_rates(cs, PHQ9, group_by=("clinic",)) == a.compute_rates(
        CS, PHQ9, group_by=("clinic",)
    )
    assert a.compute_remission(cs, PHQ9) == a.compute_remission(CS, PHQ9)
    assert a.compute_median_change(cs, PHQ9) == a.compute_median_change(CS, PHQ9)
    assert compute_time_to_response(cs, PHQ9) == compute_time_to_response(CS, PHQ9)
    assert a.compute_top_clinics(cs, PHQ9, min_courses=1) == a.compute_top_clinics(
        CS, PHQ9, min_courses=1
    )
    assert compute_trajectory(cs)[0].n == 7  # the mean score path still shows every baseline


def test_trajectory_mean_and_t_interval() -> None:
    points = {p.session_number: p for p in compute_trajectory(CS)}
    base = points[0]  # baselines 20, 10, 12, 16, 0
    assert base.n == 5 and base.mean == pytest.approx(11.6)
    sd = math.sqrt(sum((x - 11.6) ** 2 for x in (20, 10, 12, 16, 0)) / 4)
    assert base.sd == pytest.approx(sd)
    assert base.ci_low == pytest.approx(11.6 - 2.776 * sd / math.sqrt(5))
    assert points[6].n == 4


def test_trajectory_from_sums_matches_direct_statistics() -> None:
    xs = [20, 10, 12, 16, 0]
    direct = compute_trajectory(CS)[0]
    from_sums = trajectory_point_from_sums(0, len(xs), sum(xs), sum(x * x for x in xs))
    assert from_sums.mean == pytest.approx(direct.mean)
    assert from_sums.ci_high == pytest.approx(direct.ci_high)


@pytest.mark.parametrize(("df", "t"), [(1, 12.706), (4, 2.776), (35, 2.042), (200, 1.96)])
def test_t_critical(df: int, t: float) -> None:
    assert t_critical_95(df) == t


def test_median_change_interpolates_like_percentile_cont() -> None:
    (row,) = a.compute_median_change(CS, PHQ9)  # changes -10, -2, -9 in one cohort
    assert (row.n, row.median, row.q1, row.q3) == (3, -9.0, -9.5, -5.5)


def test_time_to_first_response_kaplan_meier() -> None:
    rows = compute_time_to_response(CS, PHQ9)
    assert [(r.at_risk, r.events, r.censored) for r in rows] == [
        (4, 1, 0),
        (3, 0, 0),
        (3, 0, 1),
        (2, 1, 0),
        (1, 0, 0),
        (1, 0, 1),
    ]
    assert rows[-1].cumulative_response == pytest.approx(1 - (3 / 4) * (1 / 2))
    counts = [(r.session_number, r.events, r.censored) for r in rows]
    assert kaplan_meier_from_counts(counts, total=4) == rows


def test_top_clinics_adjust_for_case_mix() -> None:
    ranks = a.compute_top_clinics(CS, PHQ9, min_courses=1)
    assert [(r.clinic_id, r.n, r.observed) for r in ranks] == [(2, 1, 1), (1, 2, 1)]
    assert ranks[0].expected == pytest.approx(2 / 3)
    assert ranks[0].adjusted_rate == pytest.approx(1 / (2 / 3) * (2 / 3))
    assert a.compute_top_clinics(CS, PHQ9, min_courses=2)[0].clinic_id == 1


def test_retention_and_dropout() -> None:
    rows = a.compute_retention(COURSES)
    assert [(r.reached, r.dropped_after) for r in rows] == [
        (5, 0),
        (5, 0),
        (5, 1),
        (4, 0),
        (4, 0),
        (4, 0),
    ]
    assert rows[2].dropout_rate == pytest.approx(0.2)


def test_a_course_still_in_treatment_is_not_a_drop_out() -> None:
    """Two courses still in induction after session 1 and one discontinued after session 2:
    only the discontinued one stopped, and the active ones are not in session 1's rate."""
    active = [replace(course(c, done=1), ended=False) for c in (21, 22)]
    stopped = course(23, done=2)
    finished = [course(c) for c in (24, 25)]
    rows = a.compute_retention([*active, stopped, *finished])
    assert [(r.reached, r.dropped_after, r.in_treatment) for r in rows] == [
        (5, 0, 2),
        (3, 1, 0),
        (2, 0, 0),
        (2, 0, 0),
        (2, 0, 0),
        (2, 0, 0),
    ]
    assert rows[0].dropout_rate == 0.0
    assert rows[1].dropout_rate == pytest.approx(1 / 3)
    ended_early = a.compute_retention([replace(c, ended=True) for c in active])
    assert [r.dropped_after for r in ended_early][:1] == [2]


def test_safety_rates_per_100_sessions() -> None:
    (row,) = a.compute_safety_rates(COURSES, group_by=("protocol",))
    assert (row.sessions, row.adverse_events, row.alarms) == (27, 5, 10)
    assert row.alarms_per_100 == pytest.approx(1000 / 27)


def test_select_courses_by_month_and_clinic() -> None:
    other = CourseFact(9, 3, "kat-sl", date(2025, 4, 1), "18-25", 1, 6, 0, 0)
    picked = a.select_courses([*COURSES, other], from_month="2025-04", to_month="2025-12")
    assert picked == [other]
    assert a.select_courses(COURSES, from_month="2025-01", to_month="2025-03", clinic_ids=[2]) == [
        COURSES[2],
        COURSES[3],
    ]
