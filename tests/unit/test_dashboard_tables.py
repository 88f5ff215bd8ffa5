"""Dashboard presentation: every figure table carries its denominator, the CSV export is the
same rows, and the trajectory chart has labelled axes with units and 95 % CI bars."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from decimal import Decimal

from ketaclinic.domain.outcomes.analytics import (
    RateRow,
    RemissionRow,
    SafetyRateRow,
    SessionRetentionRow,
)
from ketaclinic.domain.outcomes.cohort_trajectory import TrajectoryPoint
from ketaclinic.domain.outcomes.time_to_response import KaplanMeierRow
from ketaclinic.domain.protocols.sections import OutcomeDefinition
from ketaclinic.entrypoints.web.outcomes.charts import mean_trajectory_svg
from ketaclinic.entrypoints.web.outcomes.tables import figure_tables
from ketaclinic.services.outcomes.dashboard import Dashboard, ProtocolFigures

PHQ9 = OutcomeDefinition("phq9", Decimal(50), Decimal(25), 4, "SUSTAIN-3")
POINTS = (
    TrajectoryPoint(0, 4, 18.0, 2.0, 14.8, 21.2),
    TrajectoryPoint(6, 3, 9.0, 3.0, 1.5, 16.5),
)


def dashboard() -> Dashboard:
    figures = ProtocolFigures(
        protocol_id="adult-iv-induction",
        protocol_name="Adult IV induction",
        definition=PHQ9,
        courses=4,
        rates_by_month=(RateRow(("2026-03",), 3, 2, 1),),
        rate_overall=(RateRow(("7",), 3, 2, 1),),
        remission=(RemissionRow("adult-iv-induction", 3, 1, 0, 0),),
        trajectory=POINTS,
        time_to_response=(KaplanMeierRow(1, 3, 1, 0, 1 / 3),),
        retention=(SessionRetentionRow(1, 4, 1), SessionRetentionRow(2, 3, 0, 1)),
    )
    return Dashboard(
        clinic_id=7,
        from_month="2026-03",
        to_month="2026-03",
        protocols=(figures,),
        safety=(SafetyRateRow(("adult-iv-induction",), 20, 1, 3),),
        sessions_source="administrations",
    )


def test_every_figure_has_a_denominator_and_csv_matches_the_table() -> None:
    tables = {t.id: t for t in figure_tables(dashboard())}
    assert set(tables) == {
        "rates",
        "remission",
        "trajectory",
        "time_to_response",
        "retention",
        "safety",
    }
    rates = tables["rates"]
    assert "courses_with_end_of_series_score" in rates.header
    assert rates.rows[1] == ("adult-iv-induction", "2026-03", "7", 6, 3, 2, "66.7", 1, "33.3")
    parsed = list(csv.reader(io.StringIO(rates.csv())))
    assert tuple(parsed[0]) == rates.header and len(parsed) == len(rates.rows) + 1
    assert tables["safety"].rows[0] == ("adult-iv-induction", 20, 1, 5.0, 3, 15.0)
    assert tables["retention"].rows[0] == ("adult-iv-induction", 1, 4, 1, 0, "25.0")
    # one course still in treatment after session 2: not a drop-out, not in that rate
    assert tables["retention"].rows[1] == ("adult-iv-induction", 2, 3, 0, 1, "0.0")
    # every table says what its figures are out of, and the retention one why it has more
    assert all(t.denominator for t in tables.values())
    assert "more than the response tables" in tables["retention"].denominator
    assert tables["remission"].rows[0] == ("adult-iv-induction", 6, 3, 1, "33.3", 0, 0, "")
    assert tables["trajectory"].rows[0][3] == 4  # n behind the mean


def test_trajectory_chart_has_axes_units_and_confidence_bars() -> None:
    svg = str(mean_trajectory_svg(POINTS, "phq9", protocol="Adult IV induction"))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "Session number (0 = baseline)" in svg
    assert "Mean PHQ-9 total (points), 95 % CI" in svg
    assert svg.count("<circle") == 2 and "n=4" in svg
    assert svg.count("<line") >= 2 + 2  # two axes and one CI bar per point
    assert mean_trajectory_svg((), "phq9", protocol="Adult IV induction") is None


def test_the_page_names_each_protocol_and_keeps_its_id_as_the_title() -> None:
    tables = {t.id: t for t in figure_tables(dashboard())}
    for table_id in ("rates", "remission", "trajectory", "time_to_response", "retention", "safety"):
        first = tables[table_id].shown_rows[0][0]
        assert first == ("Adult IV induction", "adult-iv-induction"), table_id
        assert tables[table_id].rows[0][0] == "adult-iv-induction"  # the CSV keeps the id
    rates = tables["rates"].shown_rows
    assert (rates[0][1], rates[1][1]) == (("All months", ""), ("March 2026", ""))
    assert tables["rates"].rows[1][1] == "2026-03"


def test_the_page_names_the_questionnaire_and_the_clinic_and_the_csv_keeps_the_codes() -> None:
    tables = {t.id: t for t in figure_tables(dashboard(), "Fictional Test Clinic")}
    trajectory = tables["trajectory"]
    assert trajectory.shown_rows[0][1] == ("PHQ-9", "")
    assert trajectory.rows[0][1] == "phq9"
    rates = tables["rates"]
    clinic = rates.header.index("clinic")
    assert {row[clinic] for row in rates.shown_rows} == {("Fictional Test Clinic", "")}
    assert {row[clinic] for row in rates.rows} == {"7"}


def test_a_figure_out_of_no_course_shows_a_dash_not_zero_percent() -> None:
    d = dashboard()
    empty = replace(
        d.protocols[0],
        time_to_response=(KaplanMeierRow(1, 3, 1, 0, 1 / 3), KaplanMeierRow(2, 0, 0, 0, 1 / 3)),
    )
    tables = {t.id: t for t in figure_tables(replace(d, protocols=(empty,)))}
    km = tables["time_to_response"]
    pct = km.header.index("cumulative_response_pct")
    assert km.shown_rows[0][pct] == (33.33, "")
    assert km.shown_rows[1][pct] == ("\u2014", "")
    assert km.rows[1][pct] == ""  # the CSV leaves the cell empty
    zero = replace(
        d, protocols=(replace(d.protocols[0], retention=(SessionRetentionRow(1, 0, 0),)),)
    )
    retention = {t.id: t for t in figure_tables(zero)}["retention"]
    assert retention.shown_rows[0][-1] == ("\u2014", "")


def test_a_rate_per_100_sessions_out_of_no_session_is_a_dash_and_says_why() -> None:
    none_given = replace(dashboard(), safety=(SafetyRateRow(("adult-iv-induction",), 0, 0, 0),))
    safety = {t.id: t for t in figure_tables(none_given)}["safety"]
    assert safety.rows[0] == ("adult-iv-induction", 0, 0, "", 0, "")  # CSV: empty, not 0.0
    shown = [text for text, _ in safety.shown_rows[0]]
    assert shown[1:] == [0, 0, "\u2014", 0, "\u2014"]
    assert safety.has_dash and "with no session there is no rate" in safety.no_figure_why
    given = {t.id: t for t in figure_tables(dashboard())}["safety"]
    assert not given.has_dash and given.rows[0][3] == 5.0


def test_each_protocol_says_its_rates_are_at_the_end_of_its_own_series() -> None:
    iv = dashboard().protocols[0]
    kat = replace(
        iv,
        protocol_id="kat-holistic",
        protocol_name="KAT Holistic",
        series_sessions=3,
        kat=True,
        rates_by_month=(),
        rate_overall=(RateRow(("7",), 1, 1, 0),),
        remission=(RemissionRow("kat-holistic", 1, 0, 0, 0),),
    )
    tables = {t.id: t for t in figure_tables(replace(dashboard(), protocols=(iv, kat)))}
    for table_id in ("rates", "remission"):
        table = tables[table_id]
        at = table.header.index("series_sessions")
        assert table.labels[at] == "Measured at"
        by_protocol = {row[0]: row[at] for row in table.rows}
        assert by_protocol == {"adult-iv-induction": 6, "kat-holistic": 3}  # the CSV: a number
        shown = {row[0][1]: row[at][0] for row in table.shown_rows}
        assert shown == {
            "adult-iv-induction": "At the end of the series (session 6)",
            "kat-holistic": "At the end of the KAT series (session 3)",
        }
        assert "KAT Holistic at the end of the KAT series (session 3)" in table.denominator
        assert "session 6" not in table.title
