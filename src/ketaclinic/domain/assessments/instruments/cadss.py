"""CADSS (23-item ketamine-literature version) and CADSS-6 (IV ketamine short form).

Source: clinical.md §4.5 [P: Bremner 1998; NCT04226963; Rodrigues 2021 J Affect Disord 282:160].
Item wording is not reproduced; the subjective/observer split of the 23 items is UNCONFIRMED, so
no subscales are defined. CADSS-6 keeps the item ids of the 23-item version (1, 2, 6, 7, 15, 22),
so a CADSS-6 score can be taken from a full CADSS response.
"""

from __future__ import annotations

from ketaclinic.domain.assessments.instruments.model import (
    Cutoff,
    Instrument,
    Item,
    Rater,
    ScoringMethod,
    numbered_items,
    options_from_labels,
)

CADSS_SOURCE = "clinical.md §4.5 [P: Bremner 1998 J Trauma Stress 11:125; NCT04226963]"
CADSS6_SOURCE = "clinical.md §4.5 [P: Rodrigues 2021 J Affect Disord 282:160]"
MARKED_SOURCE = "clinical.md §4.5 [S: Physician's Weekly summary of TRANSFORM-2/SUSTAIN-1]"

_OPTIONS = options_from_labels("Not at all", "Slightly", "Moderately", "Considerably", "Extremely")
CADSS6_ITEM_IDS = ("1", "2", "6", "7", "15", "22")
CADSS_ITEMS = 23
ITEM_MAX = len(_OPTIONS) - 1  # each item 0 (not at all) to 4 (extremely)

#: Inclusive total-score bounds of the dissociation scales, the one place every check reads:
#: CADSS 23 items x 0-4 = 0-92; CADSS-6 6 items x 0-4 = 0-24 (clinical.md §4.5).
DISSOCIATION_TOTAL_RANGES: dict[str, tuple[int, int]] = {
    "cadss6": (0, len(CADSS6_ITEM_IDS) * ITEM_MAX),
    "cadss": (0, CADSS_ITEMS * ITEM_MAX),
}

_ITEMS = numbered_items(CADSS_ITEMS, _OPTIONS)

CADSS = Instrument(
    id="cadss",
    version="1",
    title="Clinician-Administered Dissociative States Scale (CADSS, 23 items)",
    short_name="CADSS",
    rater=Rater.CLINICIAN,
    items=_ITEMS,
    scoring=ScoringMethod.SUM,
    score_min=DISSOCIATION_TOTAL_RANGES["cadss"][0],
    score_max=DISSOCIATION_TOTAL_RANGES["cadss"][1],
    source=CADSS_SOURCE,
    cutoffs=(
        Cutoff(
            "cadss.marked_dissociation",
            5,
            "Marked dissociation (peak CADSS > 4)",
            MARKED_SOURCE,
            needs_signoff=True,
        ),
    ),
    notes=("No CADSS cut-off discriminated well (Int J Neuropsychopharmacol 2023).",),
)

CADSS6 = Instrument(
    id="cadss6",
    version="1",
    title="CADSS-6 (items 1, 2, 6, 7, 15 and 22 of the CADSS)",
    short_name="CADSS-6",
    rater=Rater.CLINICIAN,
    items=tuple(
        Item(item.id, item.label, item.options) for item in _ITEMS if item.id in CADSS6_ITEM_IDS
    ),
    scoring=ScoringMethod.SUM,
    score_min=DISSOCIATION_TOTAL_RANGES["cadss6"][0],
    score_max=DISSOCIATION_TOTAL_RANGES["cadss6"][1],
    source=CADSS6_SOURCE,
    notes=("Short form not yet validated prospectively (Rodrigues 2021).",),
)
