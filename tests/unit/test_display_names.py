"""People read instruments and protocols by name: "PHQ-9", "C-SSRS", "Adult IV ketamine induction
1.1.0"; the codes (``phq9``, ``cssrs-screen``, ``adult-iv-induction@1.1.0``) stay in URLs, data
attributes and payloads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol, shipped_protocol_ids
from ketaclinic.adapters.trajectory_charts import mean_trajectory_chart
from ketaclinic.domain.assessments.instruments.registry import INSTRUMENTS, instrument_name
from ketaclinic.domain.outcomes.cohort_trajectory import TrajectoryPoint
from ketaclinic.domain.patients.treatment import PublishedProtocol


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("phq9", "PHQ-9"),
        ("phq-a", "PHQ-A"),
        ("gad7", "GAD-7"),
        ("pcl5", "PCL-5"),
        ("cssrs-screen", "C-SSRS"),
        ("madrs", "MADRS"),
        ("wsas", "WSAS"),
        ("cadss6", "CADSS-6"),
        ("qids-sr16", "QIDS-SR16"),
        ("sedation", "Sedation score"),
    ],
)
def test_an_instrument_code_reads_as_its_name(code: str, name: str) -> None:
    assert instrument_name(code) == name


def test_every_instrument_has_a_name_that_is_not_its_code() -> None:
    assert all(i.name and i.name != i.id for i in INSTRUMENTS.values())
    assert instrument_name("unknown-scale") == "unknown-scale"  # shown, never hidden


def test_a_protocol_reads_as_its_name_and_version() -> None:
    adult = shipped_protocol("adult-iv-induction")
    assert adult.name == "Adult IV ketamine induction"
    published = PublishedProtocol(
        1, 1, adult.id, "1.1.1", "h", adult.title, "adult-iv-induction@1.1.0", datetime.now(UTC)
    )
    assert published.label == "Adult IV ketamine induction 1.1.1"
    assert published.base_label == "Adult IV ketamine induction 1.1.0"
    for pack in shipped_protocol_ids():
        name = shipped_protocol(pack).name
        assert name and pack not in name and "(" not in name


def test_charts_name_the_instrument() -> None:
    point = TrajectoryPoint(0, 4, 18.0, 2.0, 14.8, 21.2)
    chart = mean_trajectory_chart((point,), "gad7", protocol="Adult IV induction")
    assert chart is not None
    assert chart.title == "Adult IV induction: mean GAD-7 by session with 95 % CI"
    assert "gad7" not in chart.description
