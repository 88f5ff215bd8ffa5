"""A coaching goal's ratings are drawn by the one chart module, like every other chart."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

from ketaclinic.adapters.trajectory_charts import goal_ratings_svg
from ketaclinic.domain.integration.plans import GoalRating

NS = {"svg": "http://www.w3.org/2000/svg"}


def test_goal_ratings_are_an_accessible_chart_on_the_0_to_10_scale() -> None:
    ratings = [
        GoalRating(1, 7, 2, datetime(2026, 3, 2, 15, tzinfo=UTC), "settling"),
        GoalRating(2, 7, 6, datetime(2026, 3, 9, 15, tzinfo=UTC), ""),
    ]
    svg = goal_ratings_svg(ratings, "the goal “Walk <daily>”", tz="Asia/Tokyo")
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img" and root.get("class") == "chart"
    assert "Walk <daily>" in (root.findtext("svg:title", namespaces=NS) or "")
    desc = root.findtext("svg:desc", namespaces=NS) or ""
    assert "2 scores from 3 Mar 2026" in desc  # 15:00 UTC is the next day in Tokyo
    assert root.find("svg:polyline[@class='series']", NS) is not None
    ys = [float(c.get("cy", "0")) for c in root.findall("svg:circle", NS)]
    assert len(ys) == 2 and ys[0] > ys[1]  # 6 is drawn higher than 2
