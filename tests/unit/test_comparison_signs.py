"""Comparisons read as signs ("≥", "≤") wherever the outcomes pages and the printed report show
a rule or the source it cites, and the printed typeface draws both signs."""

from __future__ import annotations

from datetime import timedelta

from ketaclinic.adapters.pdf.typeface import printable
from ketaclinic.domain.outcomes.response import ScoreKind, classify_outcome
from ketaclinic.domain.protocols.signs import comparison_signs
from tests.unit.test_outcomes import REASSESS, T0, score


def test_typed_comparisons_read_as_signs_and_nothing_else_changes() -> None:
    typed = "§3.4 PHQ-9 return to >= 10; remission <= 4 (< 5), drop > 50 % => review"
    assert comparison_signs(typed) == (
        "§3.4 PHQ-9 return to \u2265 10; remission \u2264 4 (< 5), drop > 50 % => review"
    )
    assert comparison_signs("no comparison") == "no comparison"


def test_the_printed_report_s_typeface_draws_both_signs() -> None:
    assert printable("\u2265 10, \u2264 4") == "\u2265 10, \u2264 4"  # never "[U+2265]"


def test_the_printed_report_s_typeface_draws_the_arrow_of_a_change() -> None:
    assert (
        printable("Baseline 20 \u2192 latest 8") == "Baseline 20 \u2192 latest 8"
    )  # never "[U+2192]"


def test_outcome_reasons_say_at_least_and_at_most_as_signs() -> None:
    def reasons(latest: int) -> list[str]:
        scores = [score(20, -1, ScoreKind.BASELINE), score(latest, 20, ScoreKind.REASSESSMENT)]
        found = classify_outcome(REASSESS, scores, at=T0 + timedelta(days=30))
        return [r.message for r in found.reasons]

    assert "drop \u2265 50 % from baseline" in reasons(9)
    assert "latest score \u2264 4 (remission cut)" in reasons(3)
    assert "drop \u2265 25 % and < 50 % from baseline" in reasons(14)
    shown = " ".join(reasons(9) + reasons(3) + reasons(14))
    assert ">=" not in shown and "<=" not in shown
