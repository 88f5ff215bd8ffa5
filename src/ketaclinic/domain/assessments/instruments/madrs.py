"""MADRS (clinician-rated). Source: clinical.md §5.1 (Montgomery & Åsberg 1979; Snaith 1986)."""

from __future__ import annotations

from decimal import Decimal

from ketaclinic.domain.assessments.instruments.model import (
    Band,
    Instrument,
    OutcomeDefaults,
    Rater,
    SafetyRule,
    ScoringMethod,
    Urgency,
    numbered_items,
    options_from_labels,
)

SNAITH = "clinical.md §5.1 [P: Montgomery & Åsberg 1979; S: Snaith 1986 bands]"

_LABELS = (
    "Apparent sadness",
    "Reported sadness",
    "Inner tension",
    "Reduced sleep",
    "Reduced appetite",
    "Concentration difficulties",
    "Lassitude",
    "Inability to feel",
    "Pessimistic thoughts",
    "Suicidal thoughts",
)
# Anchors are defined at 0, 2, 4 and 6; the odd steps between them are allowed ratings.
_OPTIONS = options_from_labels("0", "1", "2", "3", "4", "5", "6")

MADRS = Instrument(
    id="madrs",
    version="1",
    title="Montgomery-Åsberg Depression Rating Scale (MADRS)",
    short_name="MADRS",
    rater=Rater.CLINICIAN,
    items=numbered_items(10, _OPTIONS, _LABELS),
    scoring=ScoringMethod.SUM,
    score_min=0,
    score_max=60,
    source=SNAITH,
    bands=(
        Band("normal", "Normal", 0, 6),
        Band("mild", "Mild", 7, 19),
        Band("moderate", "Moderate", 20, 34),
        Band("severe", "Severe", 35, 60),
    ),
    safety_rules=(
        SafetyRule(
            id="madrs.item10_positive",
            item_ids=("10",),
            min_value=2,
            urgency=Urgency.SAME_DAY,
            message="Item 10 (suicidal thoughts) rated 2 or more: suicide-risk assessment required",
            source=SNAITH + "; gating threshold is a clinic default",
            needs_signoff=True,
        ),
    ),
    outcome=OutcomeDefaults(
        Decimal(50),
        10,
        "clinical.md §9.1 [P: Salloum 2020] (DISAGREEMENT: <= 10 vs <= 12 SUSTAIN-3)",
        needs_signoff=True,
    ),
    notes=(
        "Alternate band cuts 12/24/35 and a moderate-severe split at 31 exist (Müller 2003).",
        "MADRS LOINC codes UNCONFIRMED (clinical.md §5.3): none recorded.",
    ),
)
