"""The advice a refused move or drop of an open visit's appointment gives, by the visit state."""

from __future__ import annotations

import pytest

from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.scheduling.dropping import open_visit_advice, open_visit_words

CLOSE_WITHOUT_DOSE = '("Close the visit without a dose")'


@pytest.mark.parametrize(
    "state", [SessionState.SCHEDULED, SessionState.CHECKED_IN, SessionState.READY]
)
def test_before_dosing_the_nurse_may_close_the_visit_without_a_dose(state: SessionState) -> None:
    advice = open_visit_advice(state)
    assert CLOSE_WITHOUT_DOSE in advice and "gives the appointment back" in advice
    assert "under way or given" not in advice


@pytest.mark.parametrize(
    ("state", "where"),
    [
        (SessionState.INFUSING, "dosing"),
        (SessionState.PAUSED, "dosing, paused"),
        (SessionState.STOPPED, "dosing stopped early"),
        (SessionState.RECOVERY, "in recovery"),
    ],
)
def test_once_dosing_started_the_visit_closes_at_discharge(state: SessionState, where: str) -> None:
    advice = open_visit_advice(state)
    assert advice.startswith(f"the patient is here, {where};")
    assert "the dose is under way or given" in advice and "discharges the patient" in advice
    assert "Close the visit without a dose" not in advice
    assert open_visit_words(state) == where
