"""The trajectory SVG is well-formed, accessible and draws bands, thresholds and infusion marks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from ketaclinic.adapters.charts import Mark, Threshold
from ketaclinic.adapters.trajectory_charts import render_trajectory_svg
from ketaclinic.domain.assessments.instruments import ScorePoint, get_instrument

NS = {"svg": "http://www.w3.org/2000/svg"}


TZ = "America/Chicago"


def day(n: int) -> datetime:
    """03:00 UTC: the evening before on the clinic's calendar (Chicago)."""
    return datetime(2030, 3, n, 3, tzinfo=UTC)


def render() -> ET.Element:
    phq9 = get_instrument("phq9")
    svg = render_trajectory_svg(
        [ScorePoint(day(1), 20), ScorePoint(day(8), 12), ScorePoint(day(15), 4)],
        phq9.bands,
        [Threshold("Response (50% of baseline)", 10), Threshold("Remission <5 & more", 4.5)],
        [Mark("Infusion 1", day(2)), Mark("Infusion 2", day(4))],
        title="PHQ-9 over time",
        score_max=27,
        tz=TZ,
    )
    return ET.fromstring(svg)


def test_accessible_title_and_description() -> None:
    root = render()
    assert root.get("role") == "img"
    assert root.findtext("svg:title", namespaces=NS) == "PHQ-9 over time"
    desc = root.findtext("svg:desc", namespaces=NS) or ""
    assert "3 scores from 28 Feb 2030 (20 points) to 14 Mar 2030 (4 points)" in desc


def test_bands_thresholds_marks_and_points_are_drawn() -> None:
    root = render()
    assert len(root.findall("svg:rect[@class='band']", NS)) == 5
    thresholds = root.findall("svg:g[@class='threshold']", NS)
    assert [t.findtext("svg:text", namespaces=NS) for t in thresholds] == [
        "Response (50% of baseline) (10)",
        "Remission <5 & more (4.5)",  # escaped in the markup, intact once parsed
    ]
    assert len(root.findall("svg:line[@class='mark']", NS)) == 2
    assert len(root.findall("svg:circle[@class='point']", NS)) == 3


def test_axes_carry_units() -> None:
    texts = [t.text for t in render().findall("svg:text", NS)]
    assert "Score (points)" in texts and "Date (clinic time, America/Chicago)" in texts
    assert "UTC" not in " ".join(t or "" for t in texts)


def test_dates_are_the_clinics_not_utcs() -> None:
    texts = [t.text for t in render().findall("svg:text", NS)]
    assert "28 Feb 2030" in texts and "14 Mar 2030" in texts  # the axis ends
    assert "1 Mar 2030" not in texts and "2030-03-01" not in texts
    tips = [t.text or "" for t in render().iter(f"{{{NS['svg']}}}title")]
    assert any(tip.startswith("28 Feb 2030: 20 points") for tip in tips)


def test_higher_scores_are_drawn_higher() -> None:
    circles = render().findall("svg:circle", NS)
    ys = [float(c.get("cy", "0")) for c in circles]
    assert ys[0] < ys[1] < ys[2]  # 20 above 12 above 4 (SVG y grows downward)


def test_no_points_renders_an_explicit_message() -> None:
    root = ET.fromstring(render_trajectory_svg([], (), (), (), title="GAD-7", score_max=21, tz=TZ))
    assert root.findtext("svg:desc", namespaces=NS) == "No scores recorded yet."
