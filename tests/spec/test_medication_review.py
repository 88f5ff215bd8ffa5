"""Medication review spec table (clinical.md §1.5): one row per drug, its class and flag.

Diazepam equivalents follow the Ashton table, which is outside the clinical.md source key, so
every converted dose is flagged ``needs_signoff``; the 8 mg/day threshold is Andrashko 2020.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from ketaclinic.domain.evaluation.intake import Medication
from ketaclinic.domain.evaluation.medications import DrugClass, review_medications


@dataclass(frozen=True)
class MedCase:
    id: str
    medications: tuple[Medication, ...]
    classes: tuple[DrugClass, ...]
    diazepam_eq_mg_per_day: str
    effect_contains: str
    source: str
    missing_doses: tuple[str, ...] = ()


def _m(name: str, dose: str | None = None) -> Medication:
    return Medication(name, Decimal(dose) if dose is not None else None)


B = DrugClass.BENZODIAZEPINE
CASES = (
    MedCase(
        "lorazepam 2 mg/day = 20 mg DZE, above 8",
        (_m("lorazepam", "2"),),
        (B,),
        "20",
        "above 8 mg/day",
        "§1.5 Andrashko 2020",
    ),
    MedCase(
        "alprazolam 0.25 mg/day = 5 mg DZE",
        (_m("alprazolam", "0.25"),),
        (B,),
        "5.00",
        "additive sedation",
        "§1.5 Andrashko 2020",
    ),
    MedCase(
        "clonazepam 0.5 + diazepam 2 sum to 12 mg DZE",
        (_m("clonazepam", "0.5"), _m("diazepam", "2")),
        (B, B),
        "12.0",
        "blunt antidepressant response",
        "§1.5 Andrashko 2020",
    ),
    MedCase(
        "benzodiazepine with unknown dose is listed as missing",
        (_m("temazepam"),),
        (B,),
        "0",
        "additive sedation",
        "§1.5 capture daily diazepam-equivalent",
        ("temazepam",),
    ),
    MedCase(
        "zolpidem is a Z-drug, not counted in the DZE total",
        (_m("zolpidem", "10"),),
        (DrugClass.Z_DRUG,),
        "0",
        "additive sedation",
        "§1.5 SPRAVATO REMS PMF",
    ),
    MedCase(
        "tramadol: additive respiratory depression",
        (_m("tramadol", "100"),),
        (DrugClass.OPIOID,),
        "0",
        "respiratory depression",
        "§1.5 SPRAVATO PI §7.1",
    ),
    MedCase(
        "methylphenidate raises BP",
        (_m("Ritalin", "20"),),
        (DrugClass.STIMULANT,),
        "0",
        "blood pressure",
        "§1.5 SPRAVATO PI §7",
    ),
    MedCase(
        "phenelzine raises BP",
        (_m("phenelzine", "45"),),
        (DrugClass.MAOI,),
        "0",
        "blood pressure",
        "§1.5 SPRAVATO PI §7",
    ),
    MedCase(
        "lamotrigine informational",
        (_m("lamotrigine", "200"),),
        (DrugClass.LAMOTRIGINE,),
        "0",
        "adverse effects",
        "§1.5 Andrade 2017",
    ),
    MedCase(
        "naltrexone may reduce benefit",
        (_m("naltrexone", "50"),),
        (DrugClass.NALTREXONE,),
        "0",
        "reduce antidepressant benefit",
        "§1.5 Williams 2018",
    ),
    MedCase(
        "theophylline lowers seizure threshold",
        (_m("theophylline", "300"),),
        (DrugClass.THEOPHYLLINE,),
        "0",
        "seizure threshold",
        "§1.5 Ketalar PI",
    ),
    MedCase(
        "carbamazepine induces CYP3A4",
        (_m("carbamazepine", "400"),),
        (DrugClass.CYP_MODIFIER,),
        "0",
        "CYP3A4",
        "§1.5 Andrade 2017",
    ),
    MedCase(
        "sertraline usually continued",
        (_m("sertraline", "100"),),
        (DrugClass.ANTIDEPRESSANT,),
        "0",
        "usually continued",
        "§1.5 Andrade 2017",
    ),
    MedCase(
        "unknown drug goes to manual review",
        (_m("examplamab", "5"),),
        (DrugClass.UNCLASSIFIED,),
        "0",
        "interaction unknown",
        "§1.5",
    ),
)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_medication_review_case(case: MedCase) -> None:
    review = review_medications(case.medications)
    assert tuple(m.drug_class for m in review.medications) == case.classes, case.source
    assert review.diazepam_eq_mg_per_day == Decimal(case.diazepam_eq_mg_per_day), case.source
    assert review.missing_doses == case.missing_doses, case.source
    assert all(case.effect_contains in i.effect for i in review.interactions), case.source
    assert all(i.source.startswith("clinical.md §1.5") for i in review.interactions)
