"""Every dashboard figure as a table (header + rows) with its denominator: shown as HTML tables
beside the charts and exported as CSV from the same rows, so the two can never disagree."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from ketaclinic.domain.assessments.instruments.registry import instrument_name
from ketaclinic.entrypoints.web.plain import month_words
from ketaclinic.services.outcomes.dashboard import Dashboard

Cell = str | int | float

NO_FIGURE = "\u2014"  # shown for a figure out of nothing (its denominator is 0)
NO_FIGURE_WHY = (
    "A dash (\u2014) stands for a figure out of nothing: its count is 0, so there is no share "
    "to show (it is not 0)."
)

# The page's column headings in plain words; the CSV keeps the machine-readable names.
LABELS = {
    "protocol": "Protocol",
    "start_month": "Month started",
    "clinic": "Clinic",
    "series_sessions": "Measured at",
    "courses_with_end_of_series_score": "Courses with a score at the end of the series",
    "responders": "Responded",
    "response_pct": "Response (%)",
    "remitters": "In remission",
    "remission_pct": "Remission (%)",
    "at_end_of_series_n": "Courses with a score at the end of the series",
    "at_end_of_series_remitted": "In remission at the end of the series",
    "at_end_of_series_pct": "Remission at the end of the series (%)",
    "three_month_n": "Courses with a 3-month score",
    "three_month_remitted": "In remission at 3 months",
    "three_month_pct": "Remission at 3 months (%)",
    "instrument": "Questionnaire",
    "session_number": "Session",
    "n": "Courses scored",
    "mean_points": "Mean score (points)",
    "sd_points": "Standard deviation (points)",
    "ci95_low": "95 % confidence interval, lower (points)",
    "ci95_high": "95 % confidence interval, upper (points)",
    "at_risk": "Courses still without a response",
    "first_responses": "First responses",
    "censored": "Stopped or ended without a response",
    "cumulative_response_pct": "Responded by this session (%)",
    "courses_reaching": "Courses reaching this session",
    "stopped_after": "Ended after it (drop-outs)",
    "still_in_treatment": "Still in treatment after it",
    "dropout_pct": "Drop-out (%)",
    "sessions": "Sessions",
    "adverse_events": "Adverse events",
    "adverse_events_per_100_sessions": "Adverse events per 100 sessions",
    "alarms": "Alarms",
    "alarms_per_100_sessions": "Alarms per 100 sessions",
}


@dataclass(frozen=True, slots=True)
class FigureTable:
    id: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    denominator: str = ""  # one plain sentence: what the figures are out of, and why
    names: Mapping[str, str] = field(default_factory=dict)  # protocol id -> what staff call it
    # protocol id -> when its rates are measured, in words ("at the end of the KAT series
    # (session 3)"); the CSV keeps the session number (``series_sessions``)
    measured_at: Mapping[str, str] = field(default_factory=dict)
    clinic_name: str = ""  # what staff call the clinic the figures are of
    no_figure_why: str = NO_FIGURE_WHY  # why a cell shows a dash instead of a number

    @property
    def has_dash(self) -> bool:
        """Some figure has no denominator and shows as a dash (the page says why under it)."""
        return any(cell == "" for row in self.rows for cell in row)

    @property
    def labels(self) -> tuple[str, ...]:
        """The column headings in plain words."""
        return tuple(LABELS.get(h, h.replace("_", " ")) for h in self.header)

    @property
    def shown_rows(self) -> tuple[tuple[tuple[Cell, str], ...], ...]:
        """The rows as the page shows them: each cell as (text, title), a protocol by its name
        with its id as the title, a month in words, a questionnaire and the clinic by their
        names, and a figure without a denominator as a dash; the CSV keeps the ids and codes."""
        return tuple(
            tuple(_shown(h, c, self, row) for h, c in zip(self.header, row, strict=True))
            for row in self.rows
        )

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return out.getvalue()


def _shown(heading: str, cell: Cell, table: FigureTable, row: tuple[Cell, ...]) -> tuple[Cell, str]:
    if heading == "series_sessions":  # the row's protocol is its first cell
        words = table.measured_at.get(str(row[0]))
        return (words[0].upper() + words[1:] if words else f"Session {cell}"), ""
    if heading == "protocol":
        return table.names.get(str(cell), cell), str(cell)
    if heading == "start_month":
        return ("All months" if cell == "all" else month_words(cell)), ""
    if heading == "clinic":
        return table.clinic_name or cell, ""
    if heading == "instrument":
        return instrument_name(str(cell)), ""
    if cell == "":
        return NO_FIGURE, ""
    return cell, ""


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}" if whole else ""


def _ends(d: Dashboard) -> str:
    """Each protocol's end of series in words: "KAT Holistic at the end of the KAT series
    (session 3); Adult IV at the end of the series (session 6)"."""
    return "; ".join(f"{p.name} {p.measured_at}" for p in d.protocols) or "none in this range"


def _rates(d: Dashboard) -> FigureTable:
    rows = [
        (
            p.protocol_id,
            "all",
            r.group[0],
            p.series_sessions,
            r.denominator,
            r.responders,
            _pct(r.responders, r.denominator),
            r.remitters,
            _pct(r.remitters, r.denominator),
        )
        for p in d.protocols
        for r in p.rate_overall
    ] + [
        (
            p.protocol_id,
            r.group[0],
            str(d.clinic_id),
            p.series_sessions,
            r.denominator,
            r.responders,
            _pct(r.responders, r.denominator),
            r.remitters,
            _pct(r.remitters, r.denominator),
        )
        for p in d.protocols
        for r in p.rates_by_month
    ]
    header = (
        "protocol",
        "start_month",
        "clinic",
        "series_sessions",
        "courses_with_end_of_series_score",
        "responders",
        "response_pct",
        "remitters",
        "remission_pct",
    )
    return FigureTable(
        "rates",
        "Response and remission at the end of each protocol's series",
        header,
        tuple(rows),
        "Out of the courses with a usable baseline and a score at the last session of their "
        f"protocol's series ({_ends(d)}): courses still before it, without a baseline, or "
        "starting at or below the remission cut are left out.",
    )


def _remission(d: Dashboard) -> FigureTable:
    rows = [
        (
            r.protocol_id,
            p.series_sessions,
            r.end_of_series_n,
            r.end_of_series_remitted,
            _pct(r.end_of_series_remitted, r.end_of_series_n),
            r.three_month_n,
            r.three_month_remitted,
            _pct(r.three_month_remitted, r.three_month_n),
        )
        for p in d.protocols
        for r in p.remission
    ]
    header = (
        "protocol",
        "series_sessions",
        "at_end_of_series_n",
        "at_end_of_series_remitted",
        "at_end_of_series_pct",
        "three_month_n",
        "three_month_remitted",
        "three_month_pct",
    )
    return FigureTable(
        "remission",
        "Remission at the end of the series and at 3 months",
        header,
        tuple(rows),
        "Out of the courses with a usable baseline and a score at that time point (the last "
        f"session of their protocol's series, {_ends(d)}; or 76 to 104 days after the start for "
        "3 months), so each column has its own count.",
    )


def _f(value: float | None) -> Cell:
    return "" if value is None else round(value, 2)


def _trajectory(d: Dashboard) -> FigureTable:
    rows = [
        (
            p.protocol_id,
            p.definition.instrument,
            t.session_number,
            t.n,
            _f(t.mean),
            _f(t.sd),
            _f(t.ci_low),
            _f(t.ci_high),
        )
        for p in d.protocols
        for t in p.trajectory
    ]
    header = (
        "protocol",
        "instrument",
        "session_number",
        "n",
        "mean_points",
        "sd_points",
        "ci95_low",
        "ci95_high",
    )
    return FigureTable(
        "trajectory",
        "Mean score by session (95 % CI)",
        header,
        tuple(rows),
        "Each session's mean is out of the courses scored at that session (Courses scored), so "
        "the count differs by session: courses still before it or stopped before it have no score.",
    )


def _time_to_response(d: Dashboard) -> FigureTable:
    rows = [
        (
            p.protocol_id,
            k.session_number,
            k.at_risk,
            k.events,
            k.censored,
            _f(100 * k.cumulative_response) if k.at_risk else "",
        )
        for p in d.protocols
        for k in p.time_to_response
    ]
    header = (
        "protocol",
        "session_number",
        "at_risk",
        "first_responses",
        "censored",
        "cumulative_response_pct",
    )
    return FigureTable(
        "time_to_response",
        "Time to first response (Kaplan-Meier)",
        header,
        tuple(rows),
        "Out of the courses with a usable baseline and at least one session score: fewer than the "
        "drop-out table, which counts every course with a recorded score, classifiable or not.",
    )


def _retention(d: Dashboard) -> FigureTable:
    rows = [
        (
            p.protocol_id,
            r.session_number,
            r.reached,
            r.dropped_after,
            r.in_treatment,
            _pct(r.dropped_after, r.decided),
        )
        for p in d.protocols
        for r in p.retention
    ]
    header = (
        "protocol",
        "session_number",
        "courses_reaching",
        "stopped_after",
        "still_in_treatment",
        "dropout_pct",
    )
    return FigureTable(
        "retention",
        "Sessions completed and drop-out after each session",
        header,
        tuple(rows),
        "Out of every course with a recorded score, classifiable or not (so more than the "
        "response tables); a drop-out is a course that ended short of its protocol's series "
        "(6 sessions for an IV induction of 6, 3 for a KAT series of 3), and a course still in "
        "treatment is not one and is left out of that session's drop-out percentage.",
    )


def _safety(d: Dashboard) -> FigureTable:
    rows = [
        (
            s.group[0],
            s.sessions,
            s.adverse_events,
            _f(s.adverse_events_per_100) if s.sessions else "",
            s.alarms,
            _f(s.alarms_per_100) if s.sessions else "",
        )
        for s in d.safety
    ]
    header = (
        "protocol",
        "sessions",
        "adverse_events",
        "adverse_events_per_100_sessions",
        "alarms",
        "alarms_per_100_sessions",
    )
    return FigureTable(
        "safety",
        "Adverse events and alarms per 100 sessions",
        header,
        tuple(rows),
        "Out of every session given to the courses in range, whatever their scores.",
        no_figure_why="A dash (\u2014) means no session is recorded for those courses yet: "
        "with no session there is no rate per 100 sessions (it is not 0).",
    )


BUILDERS: dict[str, Callable[[Dashboard], FigureTable]] = {
    "rates": _rates,
    "remission": _remission,
    "trajectory": _trajectory,
    "time_to_response": _time_to_response,
    "retention": _retention,
    "safety": _safety,
}


def figure_tables(d: Dashboard, clinic_name: str = "") -> list[FigureTable]:
    names = {p.protocol_id: p.name for p in d.protocols}
    ends = {p.protocol_id: p.measured_at for p in d.protocols}
    return [
        replace(build(d), names=names, measured_at=ends, clinic_name=clinic_name)
        for build in BUILDERS.values()
    ]
