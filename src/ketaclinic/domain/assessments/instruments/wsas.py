"""Work and Social Adjustment Scale. Source: clinical.md §5.1 [P: Mundt 2002 Br J Psychiatry]."""

from __future__ import annotations

from ketaclinic.domain.assessments.instruments.model import (
    Band,
    Instrument,
    Item,
    Rater,
    ScoringMethod,
    options_from_labels,
)

MUNDT = "clinical.md §5.1 [P: Mundt 2002 Br J Psychiatry 180:461]"

_OPTIONS = options_from_labels(
    "0 Not at all",
    "1",
    "2 Slightly",
    "3",
    "4 Definitely",
    "5",
    "6 Markedly",
    "7",
    "8 Very severely",
)

WSAS = Instrument(
    id="wsas",
    version="1",
    title="Work and Social Adjustment Scale (WSAS)",
    short_name="WSAS",
    rater=Rater.SELF,
    items=(
        Item("work", "Ability to work", _OPTIONS),
        Item("home", "Home management", _OPTIONS),
        Item("social_leisure", "Social leisure activities", _OPTIONS),
        Item("private_leisure", "Private leisure activities", _OPTIONS),
        Item("relationships", "Ability to form and maintain close relationships", _OPTIONS),
    ),
    scoring=ScoringMethod.SUM,
    score_min=0,
    score_max=40,
    source=MUNDT,
    bands=(
        Band("subclinical", "Subclinical", 0, 9),
        Band("significant", "Significant impairment, less severe symptoms", 10, 20),
        Band("moderately_severe", "Moderately severe or worse", 21, 40),
    ),
    notes=("WSAS LOINC codes UNCONFIRMED (clinical.md §5.3): none recorded.",),
)
