"""CADSS and CADSS-6 total bounds live in one place (``domain.assessments.instruments.cadss``);
every check of a dissociation total reads them. clinical.md §4.5: CADSS 23 items, CADSS-6 6 items,
each 0-4."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ketaclinic.domain.assessments.instruments import get_instrument
from ketaclinic.domain.assessments.instruments.cadss import DISSOCIATION_TOTAL_RANGES
from ketaclinic.domain.dosing.records import SessionResponse
from ketaclinic.domain.dosing.sessions import DissociationInstrument
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.catalog import INSTRUMENT_SCORE_RANGES
from ketaclinic.services.infusion.checklists import SCALES, scale

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_the_bounds_are_the_item_counts_times_the_item_maximum() -> None:
    assert DISSOCIATION_TOTAL_RANGES == {"cadss6": (0, 24), "cadss": (0, 92)}


@pytest.mark.parametrize("instrument", ["cadss", "cadss6"])
def test_every_consumer_reads_the_same_bounds(instrument: str) -> None:
    bounds = DISSOCIATION_TOTAL_RANGES[instrument]
    found = get_instrument(instrument)
    assert (found.score_min, found.score_max) == bounds
    assert INSTRUMENT_SCORE_RANGES[instrument] == bounds
    assert SCALES[instrument] == bounds
    assert DissociationInstrument(instrument).total_range == bounds


@pytest.mark.parametrize("instrument", list(DissociationInstrument))
def test_a_session_response_accepts_the_bounds_and_refuses_one_past(
    instrument: DissociationInstrument,
) -> None:
    low, high = DISSOCIATION_TOTAL_RANGES[instrument.value]
    for total in (low, high):
        SessionResponse(dissociation_instrument=instrument, dissociation_peak_total=total)
    for total in (low - 1, high + 1):
        with pytest.raises(ValidationFailed) as err:
            SessionResponse(dissociation_instrument=instrument, dissociation_peak_total=total)
        assert err.value.field == "dissociation_peak_total"
        assert f"between {low} and {high}" in err.value.detail


@pytest.mark.parametrize("instrument", ["cadss", "cadss6"])
def test_the_documented_scale_refuses_a_total_past_the_bound(instrument: str) -> None:
    high = DISSOCIATION_TOTAL_RANGES[instrument][1]
    assert scale({"instrument": instrument, "total": str(high)}, NOW).payload["total"] == high
    with pytest.raises(ValidationFailed) as err:
        scale({"instrument": instrument, "total": str(high + 1)}, NOW)
    assert "total" in err.value.errors
