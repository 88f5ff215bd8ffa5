"""Modified Aldrete score for recovery. Source: clinical.md §4.6 [P: Aldrete 1995; WJG 2015].

Five items scored 0/1/2, total 0–10. The discharge threshold (>= 9 by default) is a protocol value
(``Protocol.discharge.aldrete_min_score``), not part of the instrument.
"""

from __future__ import annotations

from ketaclinic.domain.assessments.instruments.model import (
    AnswerOption,
    Instrument,
    Item,
    Rater,
    ScoringMethod,
)

ALDRETE_SOURCE = "clinical.md §4.6 [P: Aldrete 1995 J Clin Anesth; WJG 2015 Table 2]"


def _item(item_id: str, label: str, zero: str, one: str, two: str) -> Item:
    return Item(item_id, label, (AnswerOption(0, zero), AnswerOption(1, one), AnswerOption(2, two)))


ALDRETE = Instrument(
    id="aldrete",
    version="1",
    title="Modified Aldrete score",
    short_name="Modified Aldrete score",
    rater=Rater.CLINICIAN,
    items=(
        _item("activity", "Activity", "Moves 0 limbs", "Moves 2 limbs", "Moves 4 limbs"),
        _item(
            "respiration",
            "Respiration",
            "Apnea",
            "Dyspnea or limited breathing",
            "Breathes deeply and coughs freely",
        ),
        _item(
            "circulation",
            "Circulation (BP vs pre-procedure)",
            "Beyond ±50 mmHg",
            "Within ±20–50 mmHg",
            "Within ±20 mmHg",
        ),
        _item(
            "consciousness", "Consciousness", "Not responding", "Arousable to voice", "Fully awake"
        ),
        _item(
            "spo2",
            "Oxygen saturation",
            "< 90% despite O2",
            "Needs O2 to keep > 90%",
            "> 92% on room air",
        ),
    ),
    scoring=ScoringMethod.SUM,
    score_min=0,
    score_max=10,
    source=ALDRETE_SOURCE,
    notes=("DISAGREEMENT: circulation in mmHg vs % of baseline in different versions (§4.6).",),
)
