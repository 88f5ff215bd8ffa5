"""QIDS-SR16: 16 items mapped to 9 DSM domains; the total is the sum of domain maxima.

Source: clinical.md §5.1 [P: Rush 2003 Biol Psychiatry 54:573; ids-qids.org]. Never sum all 16
items (clinical.md §5.1 "a frequent bug"). As on the published form, the respondent answers
item 6 (decreased appetite) or item 7 (increased appetite), and item 8 (decreased weight) or
item 9 (increased weight), not necessarily both: each pair needs one answer, and the appetite /
weight domain is the highest answered of items 6-9. Sleep items 1-4 and psychomotor items 15-16
are all asked.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ketaclinic.domain.assessments.instruments.model import (
    Aggregate,
    Band,
    Instrument,
    Item,
    OutcomeDefaults,
    Rater,
    SafetyRule,
    ScoringMethod,
    Subscale,
    Urgency,
    numbered_items,
    options_from_labels,
)

RUSH = "clinical.md §5.1 [P: Rush 2003 Biol Psychiatry 54:573; ids-qids.org]"

_LABELS = (
    "Falling asleep",
    "Sleep during the night",
    "Waking up too early",
    "Sleeping too much",
    "Feeling sad",
    "Decreased appetite",
    "Increased appetite",
    "Decreased weight",
    "Increased weight",
    "Concentration / decision making",
    "View of myself",
    "Thoughts of death or suicide",
    "General interest",
    "Energy level",
    "Feeling slowed down",
    "Feeling restless",
)


def _domain(domain_id: str, title: str, *items: int) -> Subscale:
    return Subscale(domain_id, title, tuple(str(n) for n in items), Aggregate.MAX)


_EITHER_OR = frozenset({"6", "7", "8", "9"})


def _items() -> tuple[Item, ...]:
    items = numbered_items(16, options_from_labels("0", "1", "2", "3"), _LABELS)
    return tuple(replace(i, required=False) if i.id in _EITHER_OR else i for i in items)


QIDS_SR16 = Instrument(
    id="qids-sr16",
    version="1",
    title="Quick Inventory of Depressive Symptomatology, Self-Report (QIDS-SR16)",
    short_name="QIDS-SR16",
    rater=Rater.SELF,
    items=_items(),
    answer_one_of=(("6", "7"), ("8", "9")),
    scoring=ScoringMethod.DOMAIN_MAX,
    score_min=0,
    score_max=27,
    source=RUSH,
    subscales=(
        _domain("sleep", "Sleep disturbance", 1, 2, 3, 4),
        _domain("sad_mood", "Sad mood", 5),
        _domain("appetite_weight", "Appetite / weight", 6, 7, 8, 9),
        _domain("concentration", "Concentration", 10),
        _domain("self_view", "Self-criticism", 11),
        _domain("suicidal_ideation", "Suicidal ideation", 12),
        _domain("interest", "Interest", 13),
        _domain("energy", "Energy / fatigue", 14),
        _domain("psychomotor", "Psychomotor slowing / agitation", 15, 16),
    ),
    bands=(
        Band("none", "None", 0, 5),
        Band("mild", "Mild", 6, 10),
        Band("moderate", "Moderate", 11, 15),
        Band("severe", "Severe", 16, 20),
        Band("very_severe", "Very severe", 21, 27),
    ),
    safety_rules=(
        SafetyRule(
            id="qids-sr16.item12_positive",
            item_ids=("12",),
            min_value=1,
            urgency=Urgency.SAME_DAY,
            message="Item 12 (thoughts of death or suicide) answered 1 or more: "
            "clinician suicide-risk assessment required",
            source=RUSH + "; gating threshold is a clinic default",
            needs_signoff=True,
        ),
    ),
    outcome=OutcomeDefaults(
        Decimal(50), 5, "clinical.md §9.1 [P: Trivedi 2006 AJP 163:28; ELEKT-D] (remission <= 5)"
    ),
    notes=("QIDS-SR16 LOINC codes UNCONFIRMED (clinical.md §5.3): none recorded.",),
)
