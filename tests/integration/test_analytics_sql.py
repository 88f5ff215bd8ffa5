"""The six dashboard SQL queries agree with the pure reference on a small generated cohort.

Runs on SQLite in memory, on DuckDB in memory, and on PostgreSQL when
``KETACLINIC_TEST_DATABASE_URL`` is set (in a dedicated schema that is dropped afterwards).
"""

from __future__ import annotations

import math
import os
import random
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from ketaclinic.adapters.analytics import queries, schema
from ketaclinic.adapters.analytics.queries import DashboardFilter, Source
from ketaclinic.domain.outcomes import analytics as ref
from ketaclinic.domain.outcomes.analytics import CourseFact, ScoreFact
from ketaclinic.domain.outcomes.cohort_trajectory import compute_trajectory
from ketaclinic.domain.outcomes.time_to_response import compute_time_to_response
from ketaclinic.domain.protocols.sections import OutcomeDefinition

PHQ9 = OutcomeDefinition("phq9", Decimal(50), Decimal(25), 4, "SUSTAIN-3")
MADRS = OutcomeDefinition("madrs", Decimal(50), Decimal(25), 10, "Salloum 2020")
SCALE_MAX = {"phq9": 27, "madrs": 60}


def generate_cohort(seed: int, courses: int = 400) -> tuple[list[CourseFact], list[ScoreFact]]:
    """Obviously synthetic courses: baselines include 0 and missing, boundaries are hit often."""
    rng = random.Random(seed)
    facts, scores = [], []
    for cid in range(1, courses + 1):
        started = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
        done = rng.choice([1, 2, 3, 4, 5, 6, 6, 6, 6])
        course = CourseFact(
            cid,
            rng.randrange(1, 13),
            rng.choice(["adult-iv", "kat-sl"]),
            started,
            rng.choice(["18-25", "26-45", "46-65"]),
            rng.randrange(3),
            done,
            rng.randrange(3),
            rng.randrange(5),
            ended=cid % 7 != 0,  # every seventh course is still in treatment
        )
        facts.append(course)
        for instrument, top in SCALE_MAX.items():
            scores.extend(_course_scores(rng, course, instrument, top))
    return facts, scores


def _course_scores(
    rng: random.Random, course: CourseFact, instrument: str, top: int
) -> list[ScoreFact]:
    roll = rng.random()
    baseline = None if roll < 0.05 else 0 if roll < 0.08 else rng.randrange(top // 3, top + 1)
    rows = []
    if baseline is not None:
        rows.append(ScoreFact(course.course_id, instrument, 0, 0, baseline))
    level = baseline if baseline is not None else rng.randrange(top)
    for k in range(1, course.sessions_completed + 1):
        if rng.random() < 0.3:  # land exactly on the 50 % boundary now and then
            value = level // 2 if level % 2 == 0 else rng.randrange(top + 1)
        else:
            value = max(0, min(top, level - rng.randrange(-2, 1 + top // 5) * k // 2))
        rows.append(ScoreFact(course.course_id, instrument, k, 2 * k, value))
    for day in range(40, 200, rng.choice([14, 21, 30])):
        rows.append(ScoreFact(course.course_id, instrument, None, day, rng.randrange(top + 1)))
    return rows


def remission_range_courses(first_id: int) -> tuple[list[CourseFact], list[ScoreFact]]:
    """Courses whose baseline is already at or below the remission cut (and one just above it):
    the course page cannot classify the first ones, so no figure from baseline may count them."""
    facts, scores = [], []
    cases = [  # (clinic, started, phq9 baseline, madrs baseline)
        (1, date(2024, 2, 5), 4, 10),  # exactly the cut: not classifiable
        (2, date(2024, 4, 9), 2, 3),  # well below the cut
        (5, date(2024, 5, 14), 1, 9),
        (1, date(2024, 6, 3), 5, 11),  # one above the cut: classified, counted as remission
    ]
    for offset, (clinic, started, phq9, madrs) in enumerate(cases):
        cid = first_id + offset
        course = CourseFact(cid, clinic, "adult-iv", started, "18-25", 0, 6, 0, 0)
        facts.append(course)
        for instrument, baseline in (("phq9", phq9), ("madrs", madrs)):
            scores.append(ScoreFact(cid, instrument, 0, 0, baseline))
            scores.extend(ScoreFact(cid, instrument, k, 2 * k, k % 2) for k in range(1, 7))
            scores.append(ScoreFact(cid, instrument, None, 90, 0))
    return facts, scores


FACTS, SCORES = generate_cohort(seed=11)
_LOW_FACTS, _LOW_SCORES = remission_range_courses(len(FACTS) + 1)
FACTS += _LOW_FACTS
SCORES += _LOW_SCORES
FILTERS = [
    pytest.param(DashboardFilter("2024-01", "2024-12", PHQ9, min_courses=5), id="phq9-all-year"),
    pytest.param(
        DashboardFilter("2024-03", "2024-08", MADRS, clinic_ids=(1, 2, 5), min_courses=3),
        id="madrs-3-clinics-6-months",
    ),
    pytest.param(DashboardFilter("2024-02", "2024-02", PHQ9, min_courses=1), id="phq9-one-month"),
]


def reference(name: str, f: DashboardFilter) -> list[Any]:
    courses = ref.select_courses(
        FACTS, from_month=f.from_month, to_month=f.to_month, clinic_ids=f.clinic_ids
    )
    cs = ref.collect_scores(courses, SCORES, f.definition.instrument)
    d = f.definition
    if name == "response_rate_by_clinic_month":
        return ref.compute_rates(cs, d, group_by=("clinic", "month"), at_session=f.at_session)
    if name == "remission_session_and_3_months":
        return ref.compute_remission(cs, d, at_session=f.at_session)
    if name == "mean_trajectory":
        return compute_trajectory(cs)
    if name == "median_change_by_cohort":
        return ref.compute_median_change(cs, d, at_session=f.at_session)
    if name == "time_to_first_response":
        return compute_time_to_response(cs, d)
    return ref.compute_top_clinics(cs, d, min_courses=f.min_courses, limit=f.limit)


def assert_same(actual: Sequence[Any], expected: Sequence[Any]) -> None:
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert type(got) is type(want)
        for field in want.__dataclass_fields__:
            a, b = getattr(got, field), getattr(want, field)
            if isinstance(b, float):
                assert a is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), field
            else:
                assert a == b, field


def sqlalchemy_executor(conn: Connection) -> schema.Executor:
    def execute(sql: str, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        result = conn.execute(text(sql), dict(params))
        return [tuple(r) for r in result.all()] if result.returns_rows else []

    return execute


def load(execute: schema.Executor, prefix: str, *, incremental: bool) -> None:
    schema.create_tables(execute, prefix)
    insert = schema.format_sql(
        "INSERT INTO {p}courses VALUES (:course_id, :clinic_id, :protocol_id, :started_on, "
        ":start_month, :age_band, :prior_treatments, :sessions_completed, :adverse_events, "
        ":alarms)",
        prefix,
    )
    for c in FACTS:
        execute(insert, {**_course_params(c)})
    for s in SCORES:
        schema.record_score(execute, prefix, s, rollups=incremental)
    if not incremental:
        schema.refresh_rollups(execute, prefix)


def _course_params(c: CourseFact) -> dict[str, Any]:
    return {
        "course_id": c.course_id,
        "clinic_id": c.clinic_id,
        "protocol_id": c.protocol_id,
        "started_on": c.started_on.isoformat(),
        "start_month": c.start_month,
        "age_band": c.age_band,
        "prior_treatments": c.prior_treatments,
        "sessions_completed": c.sessions_completed,
        "adverse_events": c.adverse_events,
        "alarms": c.alarms,
    }


@pytest.fixture(scope="module")
def sqlite_exec() -> Iterator[schema.Executor]:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        execute = sqlalchemy_executor(conn)
        load(execute, "inc_", incremental=True)
        load(execute, "bulk_", incremental=False)
        yield execute
    engine.dispose()


@pytest.fixture(scope="module")
def duck_exec() -> Iterator[schema.Executor]:
    con = duckdb.connect(":memory:")

    def execute(sql: str, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        sql = queries.to_duckdb(sql)
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        cur = con.execute(sql, used)
        return cur.fetchall() if cur.description else []

    load(execute, "", incremental=False)
    yield execute
    con.close()


@pytest.fixture(scope="module")
def pg_exec() -> Iterator[tuple[schema.Executor, str]]:
    url = os.environ.get("KETACLINIC_TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tier skipped: KETACLINIC_TEST_DATABASE_URL is not set")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"t_analytics_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
        conn.commit()
        try:
            execute = sqlalchemy_executor(conn)
            load(execute, f"{name}.inc_", incremental=True)
            load(execute, f"{name}.bulk_", incremental=False)
            conn.commit()
            yield execute, name
        finally:
            conn.rollback()
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
            conn.commit()
    engine.dispose()


@pytest.mark.parametrize("name", queries.QUERY_NAMES)
@pytest.mark.parametrize("f", FILTERS)
@pytest.mark.parametrize(
    ("source", "prefix"),
    [
        pytest.param(Source.RAW, "inc_", id="raw"),
        pytest.param(Source.ROLLUP, "inc_", id="rollup-on-write"),
        pytest.param(Source.ROLLUP, "bulk_", id="rollup-refreshed"),
    ],
)
def test_sqlite_matches_reference(
    sqlite_exec: schema.Executor, name: str, f: DashboardFilter, source: Source, prefix: str
) -> None:
    got, _ = queries.run_query(sqlite_exec, name, f, source=source, prefix=prefix)
    assert_same(got, reference(name, f))


@pytest.mark.parametrize("name", queries.QUERY_NAMES)
@pytest.mark.parametrize("f", FILTERS)
@pytest.mark.parametrize("source", [Source.RAW, Source.ROLLUP], ids=["raw", "rollup"])
def test_duckdb_matches_reference(
    duck_exec: schema.Executor, name: str, f: DashboardFilter, source: Source
) -> None:
    got, _ = queries.run_query(duck_exec, name, f, source=source, prefix="")
    assert_same(got, reference(name, f))


@pytest.mark.postgres
@pytest.mark.parametrize("name", queries.QUERY_NAMES)
@pytest.mark.parametrize("f", FILTERS)
@pytest.mark.parametrize(
    "stem",
    [
        pytest.param("raw:inc_", id="raw"),
        pytest.param("rollup:inc_", id="rollup-on-write"),
        pytest.param("rollup:bulk_", id="rollup-refreshed"),
    ],
)
def test_postgres_matches_reference(
    pg_exec: tuple[schema.Executor, str], name: str, f: DashboardFilter, stem: str
) -> None:
    execute, schema_name = pg_exec
    kind, table_prefix = stem.split(":")
    got, _ = queries.run_query(
        execute, name, f, source=Source(kind), prefix=f"{schema_name}.{table_prefix}"
    )
    assert_same(got, reference(name, f))


def test_cohort_exercises_the_edges() -> None:
    """The generated cohort really contains the cases the comparison is meant to cover."""
    baselines = [s.total for s in SCORES if s.session_number == 0 and s.instrument == "phq9"]
    assert 0 in baselines
    assert len(baselines) < len(FACTS)  # some courses have no baseline
    cs = ref.collect_scores(FACTS, SCORES, "phq9")
    pairs = [ref.end_pair(c, PHQ9, 6) for c in cs]
    exact_half = [p for p in pairs if p is not None and p[1] * 2 == p[0]]
    assert exact_half, "no course lands exactly on a 50 % drop"
    assert max(c.clinic_id for c in FACTS) >= 10  # clinic ids sort as numbers, not strings
    active = [c for c in FACTS if not c.ended]
    assert any(c.sessions_completed < 6 for c in active), "no course still in induction"
    for definition in (PHQ9, MADRS):
        low = [
            s
            for s in SCORES
            if s.instrument == definition.instrument
            and s.session_number == 0
            and 0 < s.total <= definition.remission_max_score
        ]
        assert len(low) >= 3, "no baseline already in the remission range"


@pytest.mark.parametrize("f", FILTERS)
def test_baselines_in_remission_range_are_in_every_filter(f: DashboardFilter) -> None:
    """Each filter holds a course the course page cannot classify (its baseline is at or below
    the remission cut) that would otherwise count as a remission at session 6 and 3 months."""
    courses = ref.select_courses(
        FACTS, from_month=f.from_month, to_month=f.to_month, clinic_ids=f.clinic_ids
    )
    cs = ref.collect_scores(courses, SCORES, f.definition.instrument)
    cut = f.definition.remission_max_score
    low = [c for c in cs if c.baseline is not None and 0 < c.baseline <= cut]
    assert low
    assert all(ref.usable_baseline(c, f.definition) is None for c in low)
    assert all(c.by_session[6] <= cut and c.three_month is not None for c in low)


def test_sql_does_not_count_remission_from_a_baseline_in_remission_range(
    sqlite_exec: schema.Executor,
) -> None:
    """The low-baseline courses alone (their own clinic set) give no remission row in SQL."""
    clinics = (1, 2, 5)
    f = DashboardFilter("2024-02", "2024-05", PHQ9, clinic_ids=clinics)
    got, _ = queries.run_query(
        sqlite_exec, "remission_session_and_3_months", f, source=Source.RAW, prefix="inc_"
    )
    every = queries.run_query(
        sqlite_exec, "remission_session_and_3_months", f, source=Source.ROLLUP, prefix="bulk_"
    )[0]
    assert got == every == reference("remission_session_and_3_months", f)
    low_ids = {c.course_id for c in _LOW_FACTS if c.started_on < date(2024, 6, 1)}
    assert low_ids  # in the filter, yet absent from every denominator
    courses = ref.select_courses(
        FACTS, from_month="2024-02", to_month="2024-05", clinic_ids=clinics
    )
    counted = [
        c
        for c in ref.collect_scores(courses, SCORES, "phq9")
        if ref.usable_baseline(c, PHQ9) is not None and 6 in c.by_session
    ]
    assert sum(r.end_of_series_n for r in got) == len(counted)
    assert not low_ids & {c.course.course_id for c in counted}


def test_courses_still_in_treatment_are_not_drop_outs() -> None:
    """The same cohort's drop-out table counts only ended courses short of the series."""
    rows = ref.compute_retention(FACTS, series_sessions=6)
    for row in rows[:-1]:
        ended = [c for c in FACTS if c.sessions_completed == row.session_number and c.ended]
        active = [c for c in FACTS if c.sessions_completed == row.session_number and not c.ended]
        assert active, row.session_number
        assert (row.dropped_after, row.in_treatment) == (len(ended), len(active))
        assert row.dropout_rate == len(ended) / (row.reached - len(active))
    assert (rows[-1].dropped_after, rows[-1].in_treatment) == (0, 0)
