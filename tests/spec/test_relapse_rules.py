"""Relapse rules, one row per clinical case (clinical.md §3.4 and §9.2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketaclinic.domain.outcomes.maintenance import evaluate_relapse_rule
from ketaclinic.domain.outcomes.response import InstrumentScore, OutcomeClass, ScoreKind
from ketaclinic.domain.protocols.sections import RelapseRule

# Presets named in clinical.md §3.4.
SALLOUM_MADRS22 = RelapseRule("madrs", 22, 1, 0, "response", "Salloum 2020")
PHQ9_BACK_TO_10 = RelapseRule("phq9", 10, 1, 0, "remission", "clinic-derived", needs_signoff=True)
SUSTAIN1_LIKE = RelapseRule("madrs", 22, 2, 5, "response", "SUSTAIN-1", needs_signoff=True)

SINCE = datetime(2026, 2, 2, 9, tzinfo=UTC)


def series(instrument: str, *points: tuple[int, int]) -> list[InstrumentScore]:
    """``(day after SINCE, total)`` pairs as relapse-watch scores."""
    return [
        InstrumentScore(instrument, total, SINCE + timedelta(days=day), ScoreKind.RELAPSE_WATCH)
        for day, total in points
    ]


CASES = [
    # (id, rule, reached outcome, scores as (day, total), met?, totals that met it, source)
    (
        "phq9-9-after-remission-not-met",
        PHQ9_BACK_TO_10,
        OutcomeClass.REMISSION,
        series("phq9", (7, 6), (14, 9)),
        False,
        (),
        "§3.4 PHQ-9 >=10 (UNCONFIRMED)",
    ),
    (
        "phq9-10-after-remission-met",
        PHQ9_BACK_TO_10,
        OutcomeClass.REMISSION,
        series("phq9", (7, 6), (14, 10)),
        True,
        (10,),
        "§3.4 PHQ-9 >=10 (UNCONFIRMED)",
    ),
    (
        "phq9-rule-not-for-response-only",
        PHQ9_BACK_TO_10,
        OutcomeClass.RESPONSE,
        series("phq9", (7, 15)),
        False,
        (),
        "§3.4 rule applies after remission",
    ),
    (
        "madrs-21-not-met",
        SALLOUM_MADRS22,
        OutcomeClass.RESPONSE,
        series("madrs", (7, 21)),
        False,
        (),
        "§3.4 Salloum 2020 MADRS >=22",
    ),
    (
        "madrs-22-after-response-met",
        SALLOUM_MADRS22,
        OutcomeClass.RESPONSE,
        series("madrs", (7, 12), (14, 22)),
        True,
        (22,),
        "§3.4 Salloum 2020 MADRS >=22",
    ),
    (
        "madrs-22-after-remission-met",
        SALLOUM_MADRS22,
        OutcomeClass.REMISSION,
        series("madrs", (10, 30)),
        True,
        (30,),
        "§3.4 Salloum 2020 (remission or response)",
    ),
    (
        "madrs-rule-not-for-partial",
        SALLOUM_MADRS22,
        OutcomeClass.PARTIAL_RESPONSE,
        series("madrs", (7, 30)),
        False,
        (),
        "§3.4 after remission or response only",
    ),
    (
        "two-high-5-days-apart-met",
        SUSTAIN1_LIKE,
        OutcomeClass.RESPONSE,
        series("madrs", (3, 24), (8, 23)),
        True,
        (24, 23),
        "§3.4 SUSTAIN-1 (UNCONFIRMED)",
    ),
    (
        "two-high-4-days-apart-not-met",
        SUSTAIN1_LIKE,
        OutcomeClass.RESPONSE,
        series("madrs", (3, 24), (7, 23)),
        False,
        (),
        "§3.4 SUSTAIN-1 gap >=5 days",
    ),
    (
        "low-score-breaks-the-run",
        SUSTAIN1_LIKE,
        OutcomeClass.RESPONSE,
        series("madrs", (0, 24), (3, 15), (9, 23)),
        False,
        (),
        "§3.4 consecutive assessments",
    ),
    (
        "run-grows-until-gap-reached",
        SUSTAIN1_LIKE,
        OutcomeClass.RESPONSE,
        series("madrs", (1, 25), (3, 22), (7, 26)),
        True,
        (25, 22, 26),
        "§3.4 SUSTAIN-1 (UNCONFIRMED)",
    ),
    (
        "other-instrument-ignored",
        SALLOUM_MADRS22,
        OutcomeClass.RESPONSE,
        series("phq9", (7, 27)),
        False,
        (),
        "§3.4 rule names its instrument",
    ),
    (
        "score-before-since-ignored",
        PHQ9_BACK_TO_10,
        OutcomeClass.REMISSION,
        series("phq9", (-3, 18), (7, 4)),
        False,
        (),
        "§3.4 relapse is after remission",
    ),
]


@pytest.mark.parametrize(
    ("rule", "reached", "scores", "met", "totals", "source"),
    [pytest.param(*row[1:], id=row[0]) for row in CASES],
)
def test_relapse_rule(
    rule: RelapseRule,
    reached: OutcomeClass,
    scores: list[InstrumentScore],
    met: bool,
    totals: tuple[int, ...],
    source: str,
) -> None:
    result = evaluate_relapse_rule(
        rule, scores, reached=reached, since=SINCE, at=SINCE + timedelta(days=60)
    )
    assert result.met is met, source
    assert tuple(s.total for s in result.meeting_scores) == totals
    assert result.reasons and result.reasons[0].source == rule.source
    assert all(r.needs_signoff is rule.needs_signoff for r in result.reasons)


def test_scores_after_at_are_not_seen() -> None:
    """A score recorded after the evaluation time cannot meet the rule (no look-ahead)."""
    scores = series("phq9", (20, 14))
    result = evaluate_relapse_rule(
        PHQ9_BACK_TO_10,
        scores,
        reached=OutcomeClass.REMISSION,
        since=SINCE,
        at=SINCE + timedelta(days=10),
    )
    assert not result.met
