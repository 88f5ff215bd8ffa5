# SQL text here is assembled only from module constants, validated integers and a prefix
# checked by ``checked_prefix``; every value from a caller is a bound parameter.
"""Analytics tables, bulk rollup refresh and per-score rollup maintenance (portable SQL).

The tables are an analytics-facing fact schema (one row per course, one per administered score)
that a view or an export over the system-of-record tables can fill. Every name carries a
``prefix`` (for example ``"d1."`` for a schema, or ``"t_"`` for a table prefix) so tests and
benchmarks never collide with other tables. The SQL runs on PostgreSQL 15, SQLite >= 3.24 and
DuckDB (no rollups there: it is the ad-hoc peer).

Rollups (``course_outcome`` and ``trajectory_rollup``) are maintained on write by
:func:`record_score` in the same transaction as the score insert.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ketaclinic.domain.outcomes.analytics import THREE_MONTH_WINDOW_DAYS, ScoreFact

Executor = Callable[[str, Mapping[str, Any]], Sequence[Sequence[Any]]]
ROLLUP_SESSIONS = 6  # course_outcome keeps s1..s6: the six-infusion induction series

_PREFIX = re.compile(r"^([a-z_][a-z0-9_]*\.)?([a-z_][a-z0-9_]*)?$")
_SESSION_COLS = ", ".join(f"s{k} INTEGER" for k in range(1, ROLLUP_SESSIONS + 1))

_DDL = (
    """CREATE TABLE {p}courses (
        course_id BIGINT PRIMARY KEY, clinic_id INTEGER NOT NULL, protocol_id VARCHAR(64) NOT NULL,
        started_on DATE NOT NULL, start_month CHAR(7) NOT NULL, age_band VARCHAR(16) NOT NULL,
        prior_treatments INTEGER NOT NULL, sessions_completed INTEGER NOT NULL,
        adverse_events INTEGER NOT NULL, alarms INTEGER NOT NULL)""",
    """CREATE TABLE {p}scores (
        course_id BIGINT NOT NULL, instrument VARCHAR(32) NOT NULL, session_number INTEGER,
        days_from_start INTEGER NOT NULL, total INTEGER NOT NULL)""",
    """CREATE TABLE {p}course_outcome (
        course_id BIGINT NOT NULL, instrument VARCHAR(32) NOT NULL, clinic_id INTEGER NOT NULL,
        protocol_id VARCHAR(64) NOT NULL, start_month CHAR(7) NOT NULL,
        age_band VARCHAR(16) NOT NULL, prior_treatments INTEGER NOT NULL, baseline INTEGER,
        """
    + _SESSION_COLS
    + """, m3 INTEGER, m3_day INTEGER, PRIMARY KEY (course_id, instrument))""",
    """CREATE TABLE {p}trajectory_rollup (
        clinic_id INTEGER NOT NULL, start_month CHAR(7) NOT NULL, instrument VARCHAR(32) NOT NULL,
        session_number INTEGER NOT NULL, n BIGINT NOT NULL, total_sum BIGINT NOT NULL,
        total_sq BIGINT NOT NULL,
        PRIMARY KEY (clinic_id, start_month, instrument, session_number))""",
)

_INDEXES = (
    "CREATE INDEX {n}scores_course_ix ON {p}scores (course_id, instrument, session_number)",
    "CREATE INDEX {n}scores_session_ix ON {p}scores (instrument, session_number, course_id, total)",
    "CREATE INDEX {n}courses_month_ix ON {p}courses (start_month, clinic_id)",
    "CREATE INDEX {n}outcome_month_ix ON {p}course_outcome (instrument, start_month, clinic_id)",
)

TABLES = ("trajectory_rollup", "course_outcome", "scores", "courses")

# Run on a PostgreSQL connection before the dashboard queries. Their parameters (month range,
# clinic set) change the best plan a lot, and after five executions of a prepared statement
# PostgreSQL may switch to a generic plan (measured 4-6x slower on D1 top_clinics); planning
# each execution costs about a millisecond.
POSTGRES_SESSION_SETTINGS = ("SET plan_cache_mode = force_custom_plan",)


def checked_prefix(prefix: str) -> str:
    """Refuse anything but ``[schema.][table_prefix]`` in lower-case identifiers (no injection)."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"invalid analytics table prefix {prefix!r}")
    return prefix


def format_sql(sql: str, prefix: str) -> str:
    """Apply the table prefix to ``{p}`` (names) and ``{n}`` (index names) in ``sql``."""
    prefix = checked_prefix(prefix)
    return sql.replace("{p}", prefix).replace("{n}", prefix.replace(".", "_"))


def create_tables(execute: Executor, prefix: str, *, indexes: bool = True) -> None:
    """Create the four analytics tables (and their indexes unless ``indexes`` is false)."""
    for ddl in _DDL:
        execute(format_sql(ddl, prefix), {})
    if indexes:
        create_indexes(execute, prefix)


def create_indexes(execute: Executor, prefix: str) -> None:
    """Create the read indexes (after a bulk load, for speed)."""
    for ddl in _INDEXES:
        execute(format_sql(ddl, prefix), {})


def drop_tables(execute: Executor, prefix: str) -> None:
    """Drop the analytics tables if they exist."""
    for table in TABLES:
        execute(format_sql(f"DROP TABLE IF EXISTS {{p}}{table}", prefix), {})


def _pivot(k: int) -> str:
    return f"MAX(CASE WHEN s.session_number = {k} THEN s.total END) AS s{k}"


_REFRESH_OUTCOME = """
INSERT INTO {p}course_outcome (course_id, instrument, clinic_id, protocol_id, start_month,
    age_band, prior_treatments, baseline, SESSION_NAMES, m3, m3_day)
SELECT c.course_id, s.instrument, c.clinic_id, c.protocol_id, c.start_month, c.age_band,
    c.prior_treatments, MAX(CASE WHEN s.session_number = 0 THEN s.total END) AS baseline,
    SESSION_PIVOTS, MAX(CASE WHEN s.days_from_start = w.d THEN s.total END) AS m3, MAX(w.d)
FROM {p}scores s
JOIN {p}courses c ON c.course_id = s.course_id
LEFT JOIN (SELECT course_id, instrument, MAX(days_from_start) AS d FROM {p}scores
           WHERE days_from_start BETWEEN M3_LOW AND M3_HIGH GROUP BY course_id, instrument) w
  ON w.course_id = s.course_id AND w.instrument = s.instrument
GROUP BY c.course_id, s.instrument, c.clinic_id, c.protocol_id, c.start_month, c.age_band,
    c.prior_treatments
"""

_REFRESH_TRAJECTORY = f"""
INSERT INTO {{p}}trajectory_rollup (clinic_id, start_month, instrument, session_number, n,
    total_sum, total_sq)
SELECT c.clinic_id, c.start_month, s.instrument, s.session_number, COUNT(*), SUM(s.total),
    SUM(s.total * s.total)
FROM {{p}}scores s JOIN {{p}}courses c ON c.course_id = s.course_id
WHERE s.session_number BETWEEN 0 AND {ROLLUP_SESSIONS}
GROUP BY c.clinic_id, c.start_month, s.instrument, s.session_number
"""  # noqa: S608 - ROLLUP_SESSIONS is a module constant


def _window_sql(sql: str) -> str:
    low, high = THREE_MONTH_WINDOW_DAYS
    names = ", ".join(f"s{k}" for k in range(1, ROLLUP_SESSIONS + 1))
    pivots = ", ".join(_pivot(k) for k in range(1, ROLLUP_SESSIONS + 1))
    return (
        sql.replace("SESSION_NAMES", names)
        .replace("SESSION_PIVOTS", pivots)
        .replace("M3_LOW", str(low))
        .replace("M3_HIGH", str(high))
    )


def refresh_rollups(execute: Executor, prefix: str) -> None:
    """Rebuild both rollups from the score table (after a bulk load or a repair)."""
    execute(format_sql("DELETE FROM {p}course_outcome", prefix), {})
    execute(format_sql("DELETE FROM {p}trajectory_rollup", prefix), {})
    execute(format_sql(_window_sql(_REFRESH_OUTCOME), prefix), {})
    execute(format_sql(_REFRESH_TRAJECTORY, prefix), {})


INSERT_SCORE = """
INSERT INTO {p}scores (course_id, instrument, session_number, days_from_start, total)
VALUES (:course_id, :instrument, :session_number, :days_from_start, :total)
"""


def _upsert_outcome_sql() -> str:
    ks = range(1, ROLLUP_SESSIONS + 1)
    new = ", ".join(f"CASE WHEN :session_number = {k} THEN :total END" for k in ks)
    merge = ", ".join(f"s{k} = COALESCE(excluded.s{k}, o.s{k})" for k in ks)
    return _window_sql(f"""
INSERT INTO {{p}}course_outcome AS o (course_id, instrument, clinic_id, protocol_id, start_month,
    age_band, prior_treatments, baseline, SESSION_NAMES, m3, m3_day)
SELECT c.course_id, :instrument, c.clinic_id, c.protocol_id, c.start_month, c.age_band,
    c.prior_treatments, CASE WHEN :session_number = 0 THEN :total END, {new},
    CASE WHEN :days_from_start BETWEEN M3_LOW AND M3_HIGH THEN :total END,
    CASE WHEN :days_from_start BETWEEN M3_LOW AND M3_HIGH THEN :days_from_start END
FROM {{p}}courses c WHERE c.course_id = :course_id
ON CONFLICT (course_id, instrument) DO UPDATE SET
    baseline = COALESCE(excluded.baseline, o.baseline), {merge},
    m3 = CASE WHEN excluded.m3_day IS NOT NULL AND (o.m3_day IS NULL OR excluded.m3_day >= o.m3_day)
              THEN excluded.m3 ELSE o.m3 END,
    m3_day = CASE WHEN excluded.m3_day IS NOT NULL
                   AND (o.m3_day IS NULL OR excluded.m3_day >= o.m3_day)
              THEN excluded.m3_day ELSE o.m3_day END
""")  # noqa: S608 - session columns come from range() integers


UPSERT_OUTCOME = _upsert_outcome_sql()

UPSERT_TRAJECTORY = f"""
INSERT INTO {{p}}trajectory_rollup AS t (clinic_id, start_month, instrument, session_number, n,
    total_sum, total_sq)
SELECT c.clinic_id, c.start_month, :instrument, :session_number, 1, :total, :total * :total
FROM {{p}}courses c
WHERE c.course_id = :course_id AND :session_number BETWEEN 0 AND {ROLLUP_SESSIONS}
ON CONFLICT (clinic_id, start_month, instrument, session_number) DO UPDATE SET
    n = t.n + 1, total_sum = t.total_sum + excluded.total_sum,
    total_sq = t.total_sq + excluded.total_sq
"""  # noqa: S608 - ROLLUP_SESSIONS is a module constant


def score_params(score: ScoreFact) -> dict[str, Any]:
    """Bind parameters of one score for the insert and rollup statements."""
    return {
        "course_id": score.course_id,
        "instrument": score.instrument,
        "session_number": score.session_number,
        "days_from_start": score.days_from_start,
        "total": score.total,
    }


def record_score(execute: Executor, prefix: str, score: ScoreFact, *, rollups: bool = True) -> None:
    """Insert one score and (unless ``rollups`` is false) maintain both rollups.

    The caller owns the transaction: the score and its rollup changes commit together. Assumes at
    most one score per course, instrument and session number (the trajectory sums count each).
    """
    params = score_params(score)
    execute(format_sql(INSERT_SCORE, prefix), params)
    if rollups:
        maintain_rollups(execute, prefix, params)


def maintain_rollups(execute: Executor, prefix: str, params: Mapping[str, Any]) -> None:
    """Apply one score's bind parameters to ``course_outcome`` and ``trajectory_rollup``."""
    execute(format_sql(UPSERT_OUTCOME, prefix), params)
    execute(format_sql(UPSERT_TRAJECTORY, prefix), params)
