"""The spec tables themselves are complete: every band boundary of every instrument has a row.

Guards the acceptance point "spec tables cover every severity band boundary of every instrument"
against a band added to a definition without a matching clinical row.
"""

from __future__ import annotations

import pytest

from ketaclinic.domain.assessments.instruments import INSTRUMENTS
from ketaclinic.domain.assessments.instruments.model import ScoringMethod
from tests.spec.test_instrument_bands import BAND_ROWS, UNBANDED_ROWS


@pytest.mark.parametrize("instrument_id", sorted(i.id for i in INSTRUMENTS.values() if i.bands))
def test_every_band_boundary_has_a_row(instrument_id: str) -> None:
    rows = {(total, band) for iid, total, band, _source in BAND_ROWS if iid == instrument_id}
    bands = INSTRUMENTS[instrument_id].bands
    needed = {(b.min_score, b.id) for b in bands} | {(b.max_score, b.id) for b in bands}
    assert needed - rows == set()


def test_every_instrument_is_in_a_spec_table() -> None:
    banded = {row[0] for row in BAND_ROWS}
    unbanded = {row[0] for row in UNBANDED_ROWS}
    risk_level = {i.id for i in INSTRUMENTS.values() if i.scoring is ScoringMethod.RISK_LEVEL}
    assert set(INSTRUMENTS) - banded - unbanded - risk_level == set()
