"""Pre-dose blood pressure on infusion day, one row per case: the hold (a recheck, then a signed-in
prescriber decides) and the hard stop (no start, by anyone), read from the shipped adult pack.

The hard stop is the pack's eligibility rule ``uncontrolled_hypertension`` (severity hard_stop;
clinical.md §1.2, Swiss label: resting BP above 180/100 contraindicated); the hold is
``monitoring.predose_hold_*`` (clinical.md §4.3 suggested default, needs sign-off).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.infusion.session import predose_bp_hard_stop, predose_bp_hold

ADULT = shipped_protocol("adult-iv-induction")

#: (sbp, dbp, held, hard stop, source)
CASES = [
    (128, 82, False, False, "§4.3 below every threshold"),
    (170, 100, False, False, "§1.2 limit is strictly above 180/100"),
    (180, 96, True, False, "§4.3 SBP >= 180 holds; §1.2 180 is not above 180"),
    (176, 104, False, True, "§1.2 DBP above 100 is a hard stop below the hold"),
    (186, 96, True, True, "§1.2 SBP above 180"),
    (230, 132, True, True, "§1.2 the reported 230/132: hard stop, no decision can pass it"),
]


@pytest.mark.parametrize(("sbp", "dbp", "held", "stop", "source"), CASES, ids=[c[4] for c in CASES])
def test_predose_bp_case(sbp: int, dbp: int, held: bool, stop: bool, source: str) -> None:
    hold = predose_bp_hold(Decimal(sbp), Decimal(dbp), ADULT.monitoring)
    hard = predose_bp_hard_stop(Decimal(sbp), Decimal(dbp), ADULT.contraindications)
    assert hold.held is held, source
    assert hard.held is stop, source
    if stop:  # the rule id sits with the source (one click away), not in the words
        assert "uncontrolled_hypertension" in hard.source
        assert all("uncontrolled_hypertension" not in r for r in hard.reasons)


def test_the_words_say_which_value_is_over_which_limit() -> None:
    hard = predose_bp_hard_stop(Decimal(172), Decimal(104), ADULT.contraindications)
    assert hard.reasons == ("diastolic 104 mmHg is above the hard-stop limit of 100 mmHg",)
    both = predose_bp_hard_stop(Decimal(230), Decimal(132), ADULT.contraindications)
    assert both.reasons == (
        "systolic 230 mmHg is above the hard-stop limit of 180 mmHg",
        "diastolic 132 mmHg is above the hard-stop limit of 100 mmHg",
    )
    hold = predose_bp_hold(Decimal(180), Decimal(96), ADULT.monitoring)
    assert hold.reasons == ("systolic 180 mmHg is at or above the hold of 180 mmHg",)
