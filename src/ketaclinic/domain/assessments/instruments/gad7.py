"""GAD-7. Source: clinical.md §5.1 (Spitzer 2006) and §5.3 (LOINC panel and total)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ketaclinic.domain.assessments.instruments.model import (
    Band,
    Cutoff,
    Instrument,
    OutcomeDefaults,
    Rater,
    ScoringMethod,
    numbered_items,
    options_from_labels,
)

SPITZER = "clinical.md §5.1 [P: Spitzer 2006 Arch Intern Med 166:1092]"

# GAD-7 answer LOINC codes are not confirmed in clinical.md §5.3: none recorded.
ITEM_LOINC = ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7")
"""GAD-7 item codes 1-7 (landscape.md §FHIR: HL7 Personal Health Record IG examples; clinical.md
§5.3 confirms 69725-0 as item 1)."""
_FREQUENCY = options_from_labels(
    "Not at all", "Several days", "More than half the days", "Nearly every day"
)
_LABELS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
)

GAD7 = Instrument(
    id="gad7",
    version="1",
    title="Generalized Anxiety Disorder-7 (GAD-7)",
    short_name="GAD-7",
    rater=Rater.SELF,
    items=tuple(
        replace(item, loinc=code)
        for item, code in zip(numbered_items(7, _FREQUENCY, _LABELS), ITEM_LOINC, strict=True)
    ),
    scoring=ScoringMethod.SUM,
    score_min=0,
    score_max=21,
    source=SPITZER,
    bands=(
        Band("minimal", "Minimal", 0, 4),
        Band("mild", "Mild", 5, 9),
        Band("moderate", "Moderate", 10, 14),
        Band("severe", "Severe", 15, 21),
    ),
    cutoffs=(Cutoff("gad7.gad_screen", 10, "Screen positive for GAD", SPITZER),),
    outcome=OutcomeDefaults(
        Decimal(50), 4, "clinical.md §9.1 (GAD-7 < 5 by convention, UNCONFIRMED)", True
    ),
    loinc_panel="69737-5",
    loinc_total="70274-6",
)
