"""Severity band boundaries of every instrument, one row per boundary score.

Each row: instrument, total score, expected band id, source key in the clinical reference.
Answers are built to reach exactly the total; the scorer must put it in the named band.
"""

from __future__ import annotations

import pytest

from ketaclinic.domain.assessments.instruments import get_instrument, score
from ketaclinic.domain.assessments.instruments.model import Instrument, ScoringMethod

KROENKE = "§5.1 Kroenke 2001"
JOHNSON = "§5.1 Johnson 2002 (PHQ-A, PHQ-9 bands)"
SPITZER = "§5.1 Spitzer 2006"
SNAITH = "§5.1 Snaith 1986"
RUSH = "§5.1 Rush 2003"
MUNDT = "§5.1 Mundt 2002"

BAND_ROWS = [
    ("phq9", 0, "minimal", KROENKE),
    ("phq9", 4, "minimal", KROENKE),
    ("phq9", 5, "mild", KROENKE),
    ("phq9", 9, "mild", KROENKE),
    ("phq9", 10, "moderate", KROENKE),
    ("phq9", 14, "moderate", KROENKE),
    ("phq9", 15, "moderately_severe", KROENKE),
    ("phq9", 19, "moderately_severe", KROENKE),
    ("phq9", 20, "severe", KROENKE),
    ("phq9", 27, "severe", KROENKE),
    ("phq-a", 0, "minimal", JOHNSON),
    ("phq-a", 4, "minimal", JOHNSON),
    ("phq-a", 5, "mild", JOHNSON),
    ("phq-a", 9, "mild", JOHNSON),
    ("phq-a", 10, "moderate", JOHNSON),
    ("phq-a", 14, "moderate", JOHNSON),
    ("phq-a", 15, "moderately_severe", JOHNSON),
    ("phq-a", 19, "moderately_severe", JOHNSON),
    ("phq-a", 20, "severe", JOHNSON),
    ("phq-a", 27, "severe", JOHNSON),
    ("gad7", 0, "minimal", SPITZER),
    ("gad7", 4, "minimal", SPITZER),
    ("gad7", 5, "mild", SPITZER),
    ("gad7", 9, "mild", SPITZER),
    ("gad7", 10, "moderate", SPITZER),
    ("gad7", 14, "moderate", SPITZER),
    ("gad7", 15, "severe", SPITZER),
    ("gad7", 21, "severe", SPITZER),
    ("madrs", 0, "normal", SNAITH),
    ("madrs", 6, "normal", SNAITH),
    ("madrs", 7, "mild", SNAITH),
    ("madrs", 19, "mild", SNAITH),
    ("madrs", 20, "moderate", SNAITH),
    ("madrs", 34, "moderate", SNAITH),
    ("madrs", 35, "severe", SNAITH),
    ("madrs", 60, "severe", SNAITH),
    ("qids-sr16", 0, "none", RUSH),
    ("qids-sr16", 5, "none", RUSH),
    ("qids-sr16", 6, "mild", RUSH),
    ("qids-sr16", 10, "mild", RUSH),
    ("qids-sr16", 11, "moderate", RUSH),
    ("qids-sr16", 15, "moderate", RUSH),
    ("qids-sr16", 16, "severe", RUSH),
    ("qids-sr16", 20, "severe", RUSH),
    ("qids-sr16", 21, "very_severe", RUSH),
    ("qids-sr16", 27, "very_severe", RUSH),
    ("wsas", 0, "subclinical", MUNDT),
    ("wsas", 9, "subclinical", MUNDT),
    ("wsas", 10, "significant", MUNDT),
    ("wsas", 20, "significant", MUNDT),
    ("wsas", 21, "moderately_severe", MUNDT),
    ("wsas", 40, "moderately_severe", MUNDT),
]

# Instruments with no severity bands in clinical.md: every total gets band None.
UNBANDED_ROWS = [
    ("pcl5", 0, "§5.1 no empirically derived bands"),
    ("pcl5", 80, "§5.1 no empirically derived bands"),
    ("cadss", 0, "§4.5 no bands"),
    ("cadss", 92, "§4.5 no bands"),
    ("cadss6", 0, "§4.5 no bands"),
    ("cadss6", 24, "§4.5 no bands"),
    ("aldrete", 0, "§4.6 discharge threshold lives in the protocol"),
    ("aldrete", 10, "§4.6 discharge threshold lives in the protocol"),
]


def answers_for_total(instrument: Instrument, total: int) -> dict[str, int]:
    """Answers reaching ``total``: scored items filled in order, each up to its maximum."""
    answers: dict[str, int] = {}
    remaining = total
    units = _scoring_units(instrument)
    for item_ids, maximum in units:
        value = min(maximum, remaining)
        for item_id in item_ids:
            answers[item_id] = value if item_id == item_ids[0] else 0
        remaining -= value
    assert remaining == 0, f"{instrument.id} cannot reach {total}"
    return answers


def _scoring_units(instrument: Instrument) -> list[tuple[tuple[str, ...], int]]:
    if instrument.scoring is ScoringMethod.DOMAIN_MAX:
        return [(s.item_ids, 3) for s in instrument.subscales]
    return [((i.id,), max(i.allowed_values())) for i in instrument.scored_items]


@pytest.mark.parametrize(
    ("instrument_id", "total", "band", "source"),
    BAND_ROWS,
    ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in BAND_ROWS],
)
def test_band_boundary(instrument_id: str, total: int, band: str, source: str) -> None:
    result = score(instrument_id, answers_for_total(get_instrument(instrument_id), total))
    assert (result.total, result.band, result.complete) == (total, band, True), source


@pytest.mark.parametrize(
    ("instrument_id", "total", "source"),
    UNBANDED_ROWS,
    ids=[f"{r[0]}-{r[1]}" for r in UNBANDED_ROWS],
)
def test_instrument_without_bands(instrument_id: str, total: int, source: str) -> None:
    result = score(instrument_id, answers_for_total(get_instrument(instrument_id), total))
    assert (result.total, result.band) == (total, None), source


@pytest.mark.parametrize("instrument_id", sorted({r[0] for r in BAND_ROWS}))
def test_bands_cover_the_whole_range_without_gaps(instrument_id: str) -> None:
    instrument = get_instrument(instrument_id)
    assert instrument.score_min is not None and instrument.score_max is not None
    for total in range(instrument.score_min, instrument.score_max + 1):
        assert sum(band.contains(total) for band in instrument.bands) == 1, total
