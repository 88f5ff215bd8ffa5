"""The one chart module: a chart model drawn by one SVG renderer for the pages and the PDF."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ketaclinic.adapters.charts import Axis, Chart, Point, Shade, Threshold, render_svg
from ketaclinic.adapters.trajectory_charts import mean_trajectory_chart
from ketaclinic.domain.outcomes.cohort_trajectory import TrajectoryPoint

NS = {"svg": "http://www.w3.org/2000/svg"}
CHART = Chart(
    title="PHQ-9 <by> day",
    description="3 totals from 20 to 4 points.",
    x=Axis("Days since baseline", "days", 0, 14, ((0, "0"), (7, "7"), (14, "14"))),
    y=Axis("PHQ-9 total", "points", 0, 27, ((0, "0"), (27, "27"))),
    points=(Point(0, 20, "baseline: 20"), Point(7, 12, "session: 12", 10, 14), Point(14, 4, "4")),
    shades=(Shade(0, 5, "Minimal (0-4)"),),
    thresholds=(Threshold("Remission", 4.5),),
)


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_the_page_chart_has_a_title_a_text_alternative_and_axes_with_units() -> None:
    root = ET.fromstring(render_svg(CHART))
    assert root.get("role") == "img"
    assert root.findtext("svg:title", namespaces=NS) == "PHQ-9 <by> day"
    assert root.findtext("svg:desc", namespaces=NS) == "3 totals from 20 to 4 points."
    labelled = (root.get("aria-labelledby") or "").split()
    assert [root.find(f"svg:*[@id='{i}']", NS) is not None for i in labelled] == [True, True]
    assert "Days since baseline (days)" in texts(root) and "PHQ-9 total (points)" in texts(root)
    assert {"0", "7", "14", "27", "Remission (4.5)"} <= set(texts(root))


def test_points_bars_bands_and_lines_are_drawn_where_the_values_are() -> None:
    root = ET.fromstring(render_svg(CHART))
    ys = [float(c.get("cy", "0")) for c in root.iter("{http://www.w3.org/2000/svg}circle")]
    assert ys[0] < ys[1] < ys[2]  # 20 above 12 above 4
    assert len(root.findall("svg:line[@class='ci']", NS)) == 1
    assert len(root.findall("svg:rect[@class='band']", NS)) == 1
    assert root.find("svg:polyline[@class='series']", NS) is not None


def test_the_printed_chart_keeps_axes_and_units_without_hover_only_text() -> None:
    root = ET.fromstring(render_svg(CHART, for_print=True))
    assert root.find("svg:title", NS) is None and root.find("svg:desc", NS) is None
    assert not list(root.iter("{http://www.w3.org/2000/svg}title"))
    assert "Days since baseline (days)" in texts(root) and "PHQ-9 total (points)" in texts(root)
    assert root.get("width") and root.get("height")  # sized for embedding


def test_the_mean_chart_describes_every_point_in_its_text_alternative() -> None:
    chart = mean_trajectory_chart(
        (TrajectoryPoint(0, 4, 18.0, 2.0, 14.8, 21.2), TrajectoryPoint(6, 3, 9.0, 3.0, 1.5, 16.5)),
        "phq9",
        protocol="Adult IV induction",
    )
    assert chart is not None and not chart.connected
    assert chart.y.title == "Mean PHQ-9 total (points), 95 % CI"
    assert "session 0: mean 18.0 (n=4)" in chart.description
    assert "session 6: mean 9.0 (n=3)" in chart.description
    assert mean_trajectory_chart((), "phq9", protocol="Adult IV induction") is None
