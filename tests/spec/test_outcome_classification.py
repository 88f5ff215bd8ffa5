"""Outcome classification at each boundary, one row per clinical case (clinical.md §9.1, §3.2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.outcomes.response import (
    FutilityStatus,
    InstrumentScore,
    OutcomeClass,
    ScoreKind,
    classify_outcome,
    review_futility,
)
from ketaclinic.domain.protocols.sections import OutcomeDefinition, Reassessment, SourceRef

PHQ9 = OutcomeDefinition("phq9", Decimal(50), Decimal(25), 4, "SUSTAIN-3")
MADRS10 = OutcomeDefinition("madrs", Decimal(50), Decimal(25), 10, "Salloum 2020")
MADRS12 = OutcomeDefinition("madrs", Decimal(50), Decimal(25), 12, "SUSTAIN-3")
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def protocol(definition: OutcomeDefinition, futility_pct: str = "25") -> Reassessment:
    return Reassessment(
        after_sessions=(6,),
        followup_days=10,
        instruments=(definition.instrument, "wsas"),
        primary_instrument=definition.instrument,
        outcomes=(definition,),
        futility_review_after_session=3,
        futility_pct_drop_below=Decimal(futility_pct),
        sources={"futility_pct_drop_below": SourceRef("Sanacora 2017", needs_signoff=True)},
    )


def scores(instrument: str, baseline: int | None, *later: int) -> list[InstrumentScore]:
    out = []
    if baseline is not None:
        out.append(InstrumentScore(instrument, baseline, T0, ScoreKind.BASELINE))
    for i, total in enumerate(later, start=1):
        at = T0 + timedelta(days=3 * i)
        out.append(InstrumentScore(instrument, total, at, ScoreKind.REASSESSMENT, None))
    return out


CASES = [
    # (id, definition, baseline, latest, expected, percent_drop, source)
    (
        "exactly-50pct-drop-is-response",
        PHQ9,
        20,
        10,
        OutcomeClass.RESPONSE,
        "50.0",
        "§9.1 Murrough 2013b",
    ),
    ("48.6pct-drop-is-partial", MADRS10, 35, 18, OutcomeClass.PARTIAL_RESPONSE, "48.6", "§9.1"),
    ("just-above-50pct", PHQ9, 21, 10, OutcomeClass.RESPONSE, "52.4", "§9.1 Murrough 2013b"),
    ("phq9-4-is-remission", PHQ9, 12, 4, OutcomeClass.REMISSION, "66.7", "§9.1 SUSTAIN-3 PHQ-9 <5"),
    (
        "phq9-5-is-not-remission",
        PHQ9,
        12,
        5,
        OutcomeClass.RESPONSE,
        "58.3",
        "§9.1 SUSTAIN-3 PHQ-9 <5",
    ),
    (
        "phq9-5-small-drop-not-remission",
        PHQ9,
        8,
        5,
        OutcomeClass.PARTIAL_RESPONSE,
        "37.5",
        "§9.1 SUSTAIN-3",
    ),
    (
        "exactly-25pct-is-partial",
        PHQ9,
        16,
        12,
        OutcomeClass.PARTIAL_RESPONSE,
        "25.0",
        "§9.1 (25 % UNCONFIRMED)",
    ),
    ("under-25pct-is-no-response", PHQ9, 16, 13, OutcomeClass.NO_RESPONSE, "18.8", "§9.1"),
    ("worse-is-no-response", PHQ9, 16, 19, OutcomeClass.NO_RESPONSE, "-18.8", "§9.1"),
    (
        "madrs-10-remission-salloum",
        MADRS10,
        30,
        10,
        OutcomeClass.REMISSION,
        "66.7",
        "§9.1 Salloum 2020 ≤10",
    ),
    (
        "madrs-11-not-remission-salloum",
        MADRS10,
        30,
        11,
        OutcomeClass.RESPONSE,
        "63.3",
        "§9.1 Salloum 2020",
    ),
    (
        "madrs-12-remission-sustain3",
        MADRS12,
        30,
        12,
        OutcomeClass.REMISSION,
        "60.0",
        "§9.1 SUSTAIN-3 ≤12",
    ),
]


@pytest.mark.parametrize(
    ("definition", "baseline", "latest", "expected", "drop", "source"),
    [pytest.param(*row[1:], id=row[0]) for row in CASES],
)
def test_classification_boundary(
    definition: OutcomeDefinition,
    baseline: int,
    latest: int,
    expected: OutcomeClass,
    drop: str,
    source: str,
) -> None:
    result = classify_outcome(
        protocol(definition),
        scores(definition.instrument, baseline, latest),
        at=T0 + timedelta(days=30),
    )
    assert result.outcome is expected, source
    assert result.change is not None
    assert result.change.baseline == baseline and result.change.latest == latest
    assert result.change.change_points == latest - baseline
    assert result.change.percent_drop == Decimal(drop)
    assert result.reasons[0].rule_id == f"outcome.{expected.value}"
    assert result.reasons[0].source == definition.source


CANNOT = [
    # (id, baseline, later scores, expected rule id, source)
    ("missing-baseline", None, (6,), "outcome.missing_baseline", "§9.1: change needs a baseline"),
    ("baseline-of-zero", 0, (0,), "outcome.zero_baseline", "§9.1: percent of 0 is undefined"),
    ("no-score-after-baseline", 14, (), "outcome.missing_latest", "§9.2 reassessment required"),
]


@pytest.mark.parametrize(
    ("baseline", "later", "rule_id", "source"), [pytest.param(*r[1:], id=r[0]) for r in CANNOT]
)
def test_cannot_classify(
    baseline: int | None, later: tuple[int, ...], rule_id: str, source: str
) -> None:
    result = classify_outcome(
        protocol(PHQ9), scores("phq9", baseline, *later), at=T0 + timedelta(days=30)
    )
    assert result.outcome is OutcomeClass.CANNOT_CLASSIFY, source
    assert result.change is None
    assert rule_id in {r.rule_id for r in result.reasons}


FUTILITY = [
    # (id, completed sessions, baseline, latest, expected status, source)
    ("before-session-3-not-due", 2, 20, 20, FutilityStatus.NOT_DUE, "§3.2 review after infusion 3"),
    (
        "session-3-under-25pct-prompts",
        3,
        20,
        16,
        FutilityStatus.REVIEW_PROMPTED,
        "§3.2 Sanacora 2017",
    ),
    ("session-3-exactly-25pct-on-track", 3, 20, 15, FutilityStatus.ON_TRACK, "§3.2 <25 % prompts"),
    ("session-4-worse-prompts", 4, 20, 22, FutilityStatus.REVIEW_PROMPTED, "§3.2 Phillips 2019"),
    ("session-4-no-baseline", 4, None, 12, FutilityStatus.CANNOT_ASSESS, "§3.2 needs baseline"),
]


@pytest.mark.parametrize(
    ("completed", "baseline", "latest", "expected", "source"),
    [pytest.param(*r[1:], id=r[0]) for r in FUTILITY],
)
def test_futility_review(
    completed: int, baseline: int | None, latest: int, expected: FutilityStatus, source: str
) -> None:
    review = review_futility(
        protocol(PHQ9),
        scores("phq9", baseline, latest),
        completed_sessions=completed,
        at=T0 + timedelta(days=30),
    )
    assert review.status is expected, source
    assert review.prompt_review is (expected is FutilityStatus.REVIEW_PROMPTED)
    if expected is not FutilityStatus.CANNOT_ASSESS:
        assert all(r.needs_signoff for r in review.reasons)  # threshold is UNCONFIRMED
