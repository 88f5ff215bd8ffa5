"""PCL-5: total, the four DSM-5 symptom clusters and the provisional-diagnosis rules.

Source: clinical.md §5.1 (Blevins 2015; Bovin 2016; Australian comorbidity guideline scoring).
"""

from __future__ import annotations

from ketaclinic.domain.assessments.instruments.model import (
    ClusterCriterion,
    Cutoff,
    DiagnosticRule,
    Instrument,
    Rater,
    ScoringMethod,
    Subscale,
    numbered_items,
    options_from_labels,
)

PCL5_SOURCE = (
    "clinical.md §5.1 [P: Blevins 2015 J Trauma Stress 28:489; Bovin 2016 Psychol Assess "
    "28:1379; comorbidityguidelines.org.au PCL-5 scoring]"
)

_OPTIONS = options_from_labels(
    "Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely"
)

PCL5 = Instrument(
    id="pcl5",
    version="1",
    title="PTSD Checklist for DSM-5 (PCL-5)",
    short_name="PCL-5",
    rater=Rater.SELF,
    items=numbered_items(20, _OPTIONS),
    scoring=ScoringMethod.SUM,
    score_min=0,
    score_max=80,
    source=PCL5_SOURCE,
    subscales=(
        Subscale("B", "Intrusion (cluster B)", ("1", "2", "3", "4", "5")),
        Subscale("C", "Avoidance (cluster C)", ("6", "7")),
        Subscale(
            "D",
            "Negative alterations in cognition and mood (cluster D)",
            tuple(str(n) for n in range(8, 15)),
        ),
        Subscale(
            "E",
            "Alterations in arousal and reactivity (cluster E)",
            tuple(str(n) for n in range(15, 21)),
        ),
    ),
    cutoffs=(
        # DISAGREEMENT: 31-33 in the sources; 33 is the default a physician must confirm.
        Cutoff(
            "pcl5.provisional_ptsd_total",
            33,
            "Provisional PTSD (total score)",
            PCL5_SOURCE,
            needs_signoff=True,
        ),
    ),
    diagnostic_rule=DiagnosticRule(
        id="pcl5.dsm5_provisional",
        label="Provisional PTSD by DSM-5 symptom rule",
        endorsed_min_value=2,
        criteria=(
            ClusterCriterion("B", 1),
            ClusterCriterion("C", 1),
            ClusterCriterion("D", 2),
            ClusterCriterion("E", 2),
        ),
        source=PCL5_SOURCE,
    ),
    notes=(
        "No empirically derived severity bands (clinical.md §5.1).",
        "PCL-5 LOINC codes UNCONFIRMED (clinical.md §5.3): none recorded.",
    ),
)
