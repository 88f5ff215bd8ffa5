# SQL text here is assembled only from module constants, validated integers and a prefix
# checked by ``checked_prefix``; every value from a caller is a bound parameter.
"""The six D1 dashboard queries, on the raw score table or on the rollups.

Each query is portable SQL (PostgreSQL, SQLite, DuckDB) with ``:name`` parameters, run through an
:data:`~ketaclinic.adapters.analytics.schema.Executor` so the same code serves a SQLAlchemy
connection, a psycopg cursor or DuckDB. Results are the row types of ``domain.outcomes.analytics``,
whose pure functions are the reference these queries are tested against; a course counts from
baseline only when the baseline is usable (above 0 and above the remission threshold, the course
page's rule). Integer arithmetic keeps
the response boundary exact: ``(baseline - score) * 100 * den >= num * baseline`` with
``num/den = response_pct_drop``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ketaclinic.adapters.analytics.schema import ROLLUP_SESSIONS, Executor, format_sql
from ketaclinic.domain.outcomes.analytics import (
    THREE_MONTH_WINDOW_DAYS,
    ClinicRank,
    CohortChange,
    RateRow,
    RemissionRow,
)
from ketaclinic.domain.outcomes.cohort_trajectory import trajectory_point_from_sums
from ketaclinic.domain.outcomes.time_to_response import kaplan_meier_from_counts
from ketaclinic.domain.protocols.sections import OutcomeDefinition

QUERY_NAMES = (
    "response_rate_by_clinic_month",
    "remission_session_and_3_months",
    "mean_trajectory",
    "median_change_by_cohort",
    "time_to_first_response",
    "top_clinics",
)


class Source(StrEnum):
    RAW = "raw"  # scores joined to courses at query time
    ROLLUP = "rollup"  # course_outcome / trajectory_rollup maintained on write


@dataclass(frozen=True, slots=True)
class DashboardFilter:
    """The clinic set, month range (inclusive "YYYY-MM") and outcome definition of a query."""

    from_month: str
    to_month: str
    definition: OutcomeDefinition
    clinic_ids: tuple[int, ...] | None = None
    at_session: int = 6
    min_courses: int = 20
    limit: int = 10

    def params(self) -> dict[str, Any]:
        num, den = self.definition.response_pct_drop.as_integer_ratio()
        return {
            "from_month": self.from_month,
            "to_month": self.to_month,
            "instrument": self.definition.instrument,
            "pct_num": num,
            "pct_den": den,
            "remission_max": self.definition.remission_max_score,
            "min_courses": self.min_courses,
            "limit": self.limit,
            "m3_low": THREE_MONTH_WINDOW_DAYS[0],
            "m3_high": THREE_MONTH_WINDOW_DAYS[1],
        }

    def clinic_sql(self, alias: str) -> str:
        """Clinic filter as integer literals (ints only, so nothing can be injected)."""
        if self.clinic_ids is None:
            return ""
        ids = ", ".join(str(int(i)) for i in self.clinic_ids) or "NULL"
        return f" AND {alias}.clinic_id IN ({ids})"


RESPONDS = "(e.baseline - e.score) * 100 * :pct_den >= :pct_num * e.baseline"


def usable_baseline_sql(column: str) -> str:
    """``column`` holds a baseline a course can be classified from (``usable_baseline``): above 0
    and above the remission threshold (``OutcomeDefinition.classifiable_from``)."""
    return f"{column} > 0 AND {column} > :remission_max"


def _session_col(k: int) -> str:
    if not 1 <= k <= ROLLUP_SESSIONS:
        raise ValueError(f"session {k} is outside the rollup's 1..{ROLLUP_SESSIONS}")
    return f"s{int(k)}"


def _end_cte(f: DashboardFilter, source: Source) -> str:
    """CTE ``e``: one row per course with a usable baseline (and its score at ``f.at_session``)."""
    if source is Source.ROLLUP:
        col = _session_col(f.at_session)
        return f"""e AS (SELECT o.course_id, o.clinic_id, o.protocol_id, o.start_month, o.age_band,
            o.prior_treatments, o.baseline, o.{col} AS score, o.m3
        FROM {{p}}course_outcome o
        WHERE o.instrument = :instrument AND o.start_month BETWEEN :from_month AND :to_month
          AND {usable_baseline_sql("o.baseline")}{f.clinic_sql("o")})"""  # noqa: S608 - validated session column and integer clinic ids only
    return f"""c AS (SELECT * FROM {{p}}courses c
            WHERE c.start_month BETWEEN :from_month AND :to_month{f.clinic_sql("c")}),
        m AS (SELECT s.course_id, s.days_from_start, s.total FROM {{p}}scores s
            WHERE s.instrument = :instrument AND s.days_from_start BETWEEN :m3_low AND :m3_high),
        ml AS (SELECT m.course_id, MAX(m.total) AS total FROM m
            JOIN (SELECT course_id, MAX(days_from_start) AS d FROM m GROUP BY course_id) x
              ON x.course_id = m.course_id AND x.d = m.days_from_start GROUP BY m.course_id),
        e AS (SELECT c.course_id, c.clinic_id, c.protocol_id, c.start_month, c.age_band,
            c.prior_treatments, b.total AS baseline, s6.total AS score, ml.total AS m3
        FROM c JOIN {{p}}scores b ON b.course_id = c.course_id
            AND b.instrument = :instrument AND b.session_number = 0
        LEFT JOIN {{p}}scores s6 ON s6.course_id = c.course_id
            AND s6.instrument = :instrument AND s6.session_number = {int(f.at_session)}
        LEFT JOIN ml ON ml.course_id = c.course_id
        WHERE {usable_baseline_sql("b.total")})"""  # noqa: S608 - integer clinic ids and session number only


def _rate_sql(f: DashboardFilter, source: Source) -> str:
    return f"""WITH {_end_cte(f, source)}
    SELECT e.clinic_id, e.start_month, COUNT(*),
        SUM(CASE WHEN {RESPONDS} THEN 1 ELSE 0 END),
        SUM(CASE WHEN e.score <= :remission_max THEN 1 ELSE 0 END)
    FROM e WHERE e.score IS NOT NULL
    GROUP BY e.clinic_id, e.start_month ORDER BY e.clinic_id, e.start_month"""  # noqa: S608 - _end_cte text and constants; values are bound


def _remission_sql(f: DashboardFilter, source: Source) -> str:
    return f"""WITH {_end_cte(f, source)}
    SELECT e.protocol_id, COUNT(e.score),
        SUM(CASE WHEN e.score <= :remission_max THEN 1 ELSE 0 END), COUNT(e.m3),
        SUM(CASE WHEN e.m3 <= :remission_max THEN 1 ELSE 0 END)
    FROM e GROUP BY e.protocol_id ORDER BY e.protocol_id"""  # noqa: S608 - _end_cte text and constants; values are bound


def _trajectory_sql(f: DashboardFilter, source: Source) -> str:
    if source is Source.ROLLUP:
        return f"""SELECT t.session_number, SUM(t.n), SUM(t.total_sum), SUM(t.total_sq)
        FROM {{p}}trajectory_rollup t
        WHERE t.instrument = :instrument AND t.start_month BETWEEN :from_month AND :to_month
          AND t.session_number BETWEEN 0 AND {ROLLUP_SESSIONS}{f.clinic_sql("t")}
        GROUP BY t.session_number ORDER BY t.session_number"""  # noqa: S608 - module constant and integer clinic ids only
    return f"""SELECT s.session_number, COUNT(*), SUM(s.total), SUM(s.total * s.total)
    FROM {{p}}scores s JOIN {{p}}courses c ON c.course_id = s.course_id
    WHERE s.instrument = :instrument AND c.start_month BETWEEN :from_month AND :to_month
      AND s.session_number BETWEEN 0 AND {ROLLUP_SESSIONS}{f.clinic_sql("c")}
    GROUP BY s.session_number ORDER BY s.session_number"""  # noqa: S608 - module constant and integer clinic ids only


def _order_stat(p4: int, offset: int) -> str:
    """Value at 1-based rank ``floor((n-1) * p4/4) + offset`` (exact on every engine)."""
    index = f"({p4} * (r.cnt - 1) - ({p4} * (r.cnt - 1)) % 4) / 4 + {offset}"
    return f"MAX(CASE WHEN r.rn = {index} THEN r.change END)"


def _median_sql(f: DashboardFilter, source: Source) -> str:
    stats = ", ".join(_order_stat(p4, off) for p4 in (1, 2, 3) for off in (1, 2))
    return f"""WITH {_end_cte(f, source)},
    r AS (SELECT e.age_band, e.prior_treatments, e.score - e.baseline AS change,
        ROW_NUMBER() OVER (PARTITION BY e.age_band, e.prior_treatments
                           ORDER BY e.score - e.baseline) AS rn,
        COUNT(*) OVER (PARTITION BY e.age_band, e.prior_treatments) AS cnt
        FROM e WHERE e.score IS NOT NULL)
    SELECT r.age_band, r.prior_treatments, MAX(r.cnt), {stats}
    FROM r GROUP BY r.age_band, r.prior_treatments ORDER BY r.age_band, r.prior_treatments"""  # noqa: S608 - order statistics built from integer constants


def _first_response_sql(f: DashboardFilter, source: Source) -> str:
    if source is Source.ROLLUP:
        ks = range(1, ROLLUP_SESSIONS + 1)
        resp = "(o.baseline - o.s{k}) * 100 * :pct_den >= :pct_num * o.baseline"
        first = " ".join(f"WHEN {resp.format(k=k)} THEN {k}" for k in ks)
        last = " ".join(f"WHEN o.s{k} IS NOT NULL THEN {k}" for k in reversed(ks))
        inner = f"""SELECT CASE {first} END AS first_k, CASE {last} END AS last_k
        FROM {{p}}course_outcome o
        WHERE o.instrument = :instrument AND o.start_month BETWEEN :from_month AND :to_month
          AND {usable_baseline_sql("o.baseline")}{f.clinic_sql("o")}"""  # noqa: S608 - integer constants and integer clinic ids only
    else:
        resp = "(b.total - s.total) * 100 * :pct_den >= :pct_num * b.total"
        inner = f"""SELECT MIN(CASE WHEN {resp} THEN s.session_number END) AS first_k,
            MAX(s.session_number) AS last_k
        FROM {{p}}courses c
        JOIN {{p}}scores b ON b.course_id = c.course_id AND b.instrument = :instrument
            AND b.session_number = 0
        JOIN {{p}}scores s ON s.course_id = c.course_id AND s.instrument = :instrument
            AND s.session_number BETWEEN 1 AND {ROLLUP_SESSIONS}
        WHERE c.start_month BETWEEN :from_month AND :to_month
          AND {usable_baseline_sql("b.total")}{f.clinic_sql("c")}
        GROUP BY c.course_id"""  # noqa: S608 - integer constants and integer clinic ids only
    return f"""SELECT COALESCE(x.first_k, x.last_k) AS k,
        SUM(CASE WHEN x.first_k IS NOT NULL THEN 1 ELSE 0 END),
        SUM(CASE WHEN x.first_k IS NULL THEN 1 ELSE 0 END)
    FROM ({inner}) x WHERE x.last_k IS NOT NULL
    GROUP BY COALESCE(x.first_k, x.last_k) ORDER BY 1"""  # noqa: S608 - inner query built above from integers only


def _top_clinics_sql(f: DashboardFilter, source: Source) -> str:
    return f"""WITH {_end_cte(f, source)},
    o AS (SELECT e.clinic_id, e.age_band, e.prior_treatments,
        CASE WHEN {RESPONDS} THEN 1 ELSE 0 END AS hit FROM e WHERE e.score IS NOT NULL),
    st AS (SELECT age_band, prior_treatments, AVG(hit * 1.0) AS rate FROM o
        GROUP BY age_band, prior_treatments),
    ov AS (SELECT AVG(hit * 1.0) AS rate FROM o),
    cl AS (SELECT o.clinic_id, COUNT(*) AS n, SUM(o.hit) AS observed, SUM(st.rate) AS expected
        FROM o JOIN st ON st.age_band = o.age_band AND st.prior_treatments = o.prior_treatments
        GROUP BY o.clinic_id HAVING COUNT(*) >= :min_courses)
    SELECT cl.clinic_id, cl.n, cl.observed, cl.expected,
        CASE WHEN cl.expected > 0 THEN cl.observed * ov.rate / cl.expected ELSE 0 END AS adjusted
    FROM cl CROSS JOIN ov ORDER BY adjusted DESC, cl.clinic_id LIMIT :limit"""  # noqa: S608 - _end_cte text and constants; values are bound


def _interpolate(n: int, p4: int, lo: Any, hi: Any) -> float:
    position = p4 * (n - 1)
    frac = (position % 4) / 4
    if frac == 0 or hi is None:
        return float(lo)
    return float(lo) + (float(hi) - float(lo)) * frac


def _median_rows(rows: Sequence[Sequence[Any]]) -> list[CohortChange]:
    out = []
    for band, prior, n, q1a, q1b, ma, mb, q3a, q3b in rows:
        n = int(n)
        q1, med, q3 = (
            _interpolate(n, p4, a, b) for p4, a, b in ((1, q1a, q1b), (2, ma, mb), (3, q3a, q3b))
        )
        out.append(CohortChange(str(band), int(prior), n, med, q1, q3))
    return out


_SQL = {
    "response_rate_by_clinic_month": _rate_sql,
    "remission_session_and_3_months": _remission_sql,
    "mean_trajectory": _trajectory_sql,
    "median_change_by_cohort": _median_sql,
    "time_to_first_response": _first_response_sql,
    "top_clinics": _top_clinics_sql,
}


def build_sql(name: str, f: DashboardFilter, source: Source, prefix: str) -> str:
    """The SQL text of query ``name`` with ``:name`` parameters and the table prefix applied."""
    return format_sql(_SQL[name](f, source), prefix)


def to_duckdb(sql: str) -> str:
    """Rewrite ``:name`` parameters to DuckDB's ``$name``."""
    return re.sub(r"(?<![:\w]):([a-z_][a-z0-9_]*)", r"$\1", sql)


def _shape(name: str, rows: Sequence[Sequence[Any]]) -> list[Any]:
    if name == "response_rate_by_clinic_month":
        return [RateRow((str(c), str(m)), int(n), int(r), int(x)) for c, m, n, r, x in rows]
    if name == "remission_session_and_3_months":
        return [RemissionRow(str(p), *(int(v or 0) for v in vals)) for p, *vals in rows]
    if name == "mean_trajectory":
        return [
            trajectory_point_from_sums(int(k), int(n), float(s), float(q)) for k, n, s, q in rows
        ]
    if name == "median_change_by_cohort":
        return _median_rows(rows)
    if name == "time_to_first_response":
        counts = [(int(k), int(e), int(c)) for k, e, c in rows]
        return kaplan_meier_from_counts(counts, total=sum(e + c for _, e, c in counts))
    return [ClinicRank(int(c), int(n), int(o), float(e), float(a)) for c, n, o, e, a in rows]


def run_query(
    execute: Executor, name: str, f: DashboardFilter, *, source: Source, prefix: str
) -> tuple[list[Any], int]:
    """Run dashboard query ``name``; returns the domain rows and the raw SQL row count."""
    rows = execute(build_sql(name, f, source, prefix), f.params())
    return _shape(name, rows), len(rows)
