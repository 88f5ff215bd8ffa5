"""Synthetic D1 cohort, generated with numpy and written to CSV and Parquet through DuckDB.

Obviously fake: integer ids only, no names or dates of birth. One course per patient; PHQ-9,
GAD-7 and MADRS at baseline, before each induction session and every 21 days afterwards until
the end of the 3-year window (about 33 administrations per instrument on average).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

START = date(2023, 1, 1)
WINDOW_DAYS = 3 * 365
INSTRUMENTS = (("phq9", 27), ("gad7", 21), ("madrs", 60))
AGE_BANDS = np.array(["18-25", "26-45", "46-65", "66+"])
WATCH_EVERY_DAYS = 21
FIRST_WATCH_DAY = 35


@dataclass(frozen=True)
class CohortFiles:
    courses_csv: Path
    scores_csv: Path
    courses_parquet: Path
    scores_parquet: Path
    courses: int
    scores: int


def _courses(rng: np.random.Generator, n: int, clinics: int) -> pd.DataFrame:
    start_day = rng.integers(0, WINDOW_DAYS, n)
    started = pd.to_datetime(START) + pd.to_timedelta(start_day, unit="D")
    done = np.minimum(6, rng.geometric(0.08, n))  # ~8 % drop out after each session
    return pd.DataFrame(
        {
            "course_id": np.arange(1, n + 1, dtype=np.int64),
            "clinic_id": rng.integers(1, clinics + 1, n, dtype=np.int32),
            "protocol_id": np.where(rng.random(n) < 0.8, "adult-iv", "kat-sl"),
            "started_on": started.date,
            "start_month": started.strftime("%Y-%m"),
            "age_band": AGE_BANDS[rng.integers(0, len(AGE_BANDS), n)],
            "prior_treatments": rng.integers(0, 4, n, dtype=np.int32),
            "sessions_completed": done.astype(np.int32),
            "adverse_events": rng.poisson(0.3, n).astype(np.int32),
            "alarms": rng.poisson(0.8, n).astype(np.int32),
            "_start_day": start_day,
        }
    )


def _scores(rng: np.random.Generator, courses: pd.DataFrame, top: int, name: str) -> pd.DataFrame:
    done = courses["sessions_completed"].to_numpy()
    remaining = WINDOW_DAYS - courses["_start_day"].to_numpy() - FIRST_WATCH_DAY
    watch = np.where(remaining >= 0, remaining // WATCH_EVERY_DAYS + 1, 0)
    per_course = 1 + done + watch
    idx = np.repeat(np.arange(len(courses)), per_course)
    offsets = np.arange(len(idx)) - np.repeat(np.cumsum(per_course) - per_course, per_course)
    in_series = offsets <= done[idx]
    session = np.where(in_series, offsets, -1)
    day = np.where(
        in_series, offsets * 3, FIRST_WATCH_DAY + (offsets - done[idx] - 1) * WATCH_EVERY_DAYS
    )
    baseline = rng.integers(int(top * 0.4), top + 1, len(courses))
    gain = rng.beta(2.0, 2.0, len(courses))
    progress = np.where(in_series, np.minimum(1.0, offsets / 4), 1.0 - np.minimum(0.6, day / 900))
    value = baseline[idx] * (1 - gain[idx] * progress) + rng.normal(0, top / 15, len(idx))
    return pd.DataFrame(
        {
            "course_id": courses["course_id"].to_numpy()[idx],
            "instrument": name,
            "session_number": pd.arrays.IntegerArray(
                np.where(session >= 0, session, 0).astype(np.int32), session < 0
            ),
            "days_from_start": day.astype(np.int32),
            "total": np.clip(np.rint(value), 0, top).astype(np.int32),
        }
    )


def generate(folder: Path, *, patients: int, clinics: int, seed: int = 7) -> CohortFiles:
    """Write the cohort's courses and scores as CSV (for PostgreSQL COPY) and Parquet (DuckDB)."""
    rng = np.random.default_rng(seed)
    courses = _courses(rng, patients, clinics)
    frames = [_scores(rng, courses, top, name) for name, top in INSTRUMENTS]
    scores = pd.concat(frames, ignore_index=True)
    courses = courses.drop(columns="_start_day")
    files = CohortFiles(
        folder / "courses.csv",
        folder / "scores.csv",
        folder / "courses.parquet",
        folder / "scores.parquet",
        len(courses),
        len(scores),
    )
    con = duckdb.connect()
    for table, frame in (("courses", courses), ("scores", scores)):
        con.register(f"{table}_df", frame)
        con.execute(f"COPY (SELECT * FROM {table}_df) TO '{folder / table}.csv' (HEADER false)")
        con.execute(
            f"COPY (SELECT * FROM {table}_df) TO '{folder / table}.parquet' (FORMAT parquet)"
        )
    con.close()
    return files


def last_day() -> date:
    return START + timedelta(days=WINDOW_DAYS)
