"""The dashboard's charts: rates with 95 % Wilson intervals, a Kaplan-Meier step curve and
drop-out bars, all drawn by the one chart renderer with axes, units and a text alternative."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ketaclinic.adapters.charts import render_svg
from ketaclinic.adapters.dashboard_charts import (
    dropout_chart,
    month_label,
    rates_by_month_chart,
    rates_by_protocol_chart,
    time_to_response_chart,
)
from ketaclinic.domain.outcomes.analytics import RateRow, SessionRetentionRow
from ketaclinic.domain.outcomes.proportions import wilson
from ketaclinic.domain.outcomes.time_to_response import KaplanMeierRow

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_the_wilson_interval_matches_the_published_values_and_stays_within_0_and_1() -> None:
    seven_of_nine = wilson(7, 9)
    assert seven_of_nine is not None
    assert seven_of_nine.share == pytest.approx(0.7778, abs=1e-4)
    assert (seven_of_nine.low, seven_of_nine.high) == pytest.approx((0.4526, 0.9368), abs=1e-3)
    all_five = wilson(5, 5)
    assert all_five is not None and all_five.high == 1.0 and all_five.low < 0.6
    none_of_three = wilson(0, 3)
    assert none_of_three is not None and none_of_three.low == 0.0 and none_of_three.high > 0.5
    assert wilson(0, 0) is None and wilson(4, 3) is None


def test_rates_by_month_draw_response_and_remission_with_their_intervals() -> None:
    rows = (RateRow(("2026-04",), 4, 3, 1), RateRow(("2026-03",), 5, 5, 2))
    end = "at the end of the series (session 6)"
    chart = rates_by_month_chart("Adult IV induction", rows, instrument="PHQ-9", measured_at=end)
    assert chart is not None
    assert chart.title == "Adult IV induction: response and remission by start month (PHQ-9)"
    assert "in remission at the end of the series (session 6), each" in chart.description
    svg = render_svg(chart)
    root = ET.fromstring(svg)
    assert len(root.findall(f"{SVG}circle[@class='point']")) == 4  # two months, two rates
    assert len(root.findall(f"{SVG}line[@class='ci']")) == 4
    assert {"Mar 2026", "Apr", "Courses (%), 95 % CI", "Month the course started"} <= set(
        texts(svg)
    )
    assert {"Response", "Remission"} <= set(texts(svg))  # the legend
    assert "Mar 2026: response 5 of 5 (100 %, 95 % CI 57 % to 100 %)" in chart.description
    assert month_label("2027-01", with_year=False) == "Jan"


def test_no_chart_without_a_denominator() -> None:
    empty = (RateRow(("2026-03",), 0, 0, 0),)
    assert rates_by_month_chart("p", empty, instrument="q", measured_at="at x") is None
    assert rates_by_protocol_chart(()) is None
    assert time_to_response_chart("p", (), instrument="q") is None
    assert dropout_chart("p", (SessionRetentionRow(1, 0, 0),)) is None


def test_rates_by_protocol_name_each_protocol_on_the_axis() -> None:
    iv_end, kat_end = (
        "at the end of the series (session 6)",
        "at the end of the KAT series (session 3)",
    )
    chart = rates_by_protocol_chart(
        (
            ("adult-iv-induction", iv_end, RateRow(("7",), 9, 7, 2)),
            ("kat", kat_end, RateRow(("7",), 2, 1, 0)),
        )
    )
    assert chart is not None
    assert {"adult-iv-induction", "kat", "Protocol"} <= set(texts(render_svg(chart)))
    # each protocol's rates are said to be measured at the end of its own series
    assert "kat, at the end of the KAT series (session 3): response 1 of 2" in chart.description
    assert "adult-iv-induction, at the end of the series (session 6): response 7 of 9" in (
        chart.description
    )


def test_time_to_first_response_is_a_step_function_from_zero() -> None:
    rows = (KaplanMeierRow(1, 10, 2, 0, 0.2), KaplanMeierRow(2, 8, 4, 1, 0.6))
    chart = time_to_response_chart("Adult IV induction", rows, instrument="PHQ-9")
    assert chart is not None and chart.step
    assert chart.title == "Adult IV induction: time to first response (PHQ-9)"
    root = ET.fromstring(render_svg(chart))
    line = root.find(f"{SVG}polyline[@class='series']")
    assert line is not None
    coords = [tuple(map(float, c.split(","))) for c in (line.get("points") or "").split()]
    assert len(coords) == 5  # start, then across and up at each session
    assert coords[1][1] == coords[0][1] and coords[1][0] == coords[2][0]  # across, then up
    assert coords[2][1] < coords[1][1]
    assert "Courses with a first response (%)" in texts(render_svg(chart))
    assert "session 2: 60 % (8 at risk)" in chart.description


def test_dropout_is_drawn_as_one_bar_per_session() -> None:
    rows = (
        SessionRetentionRow(1, 10, 1),
        SessionRetentionRow(2, 9, 0),
        SessionRetentionRow(3, 9, 3),
        SessionRetentionRow(4, 6, 1, 2),
    )
    chart = dropout_chart("Adult IV induction", rows)
    assert chart is not None
    assert chart.title == "Adult IV induction: drop-out after each session"
    root = ET.fromstring(render_svg(chart))
    bars = root.findall(f"{SVG}rect[@class='bar']")
    assert len(bars) == 4
    heights = [float(b.get("height") or "0") for b in bars]
    assert heights[1] == 0 and heights[2] > heights[3] > heights[0] > 0
    assert "session 3: 3 of 9 ended after it (33 %)" in chart.description
    # two courses still in treatment after session 4 are neither drop-outs nor in the rate
    assert "session 4: 1 of 4 ended after it (25 %), 2 still in treatment" in chart.description
    assert "Courses that stopped (%)" in texts(render_svg(chart))
