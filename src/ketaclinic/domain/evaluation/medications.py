"""Medication review before ketamine: class each drug and flag interactions (clinical.md §1.5).

The drug table maps generic and common brand names to a class, and for benzodiazepines and
Z-drugs to a diazepam-equivalent factor (mg diazepam per mg of the drug). clinical.md gives the
8 mg/day diazepam-equivalent threshold (Andrashko 2020) but no conversion table; the factors below
follow the Ashton equivalence table, which is outside the source key, so every factor is marked
``needs_signoff`` and must be confirmed by the clinic's pharmacist or physician.

Unknown drugs are never silently ignored: they produce an ``unclassified`` finding for review.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ketaclinic.domain.evaluation.intake import Medication

EQUIVALENCE_SOURCE = "Ashton 2002 benzodiazepine equivalence (UNCONFIRMED: not in clinical.md)"


class DrugClass(StrEnum):
    BENZODIAZEPINE = "benzodiazepine"
    Z_DRUG = "z_drug"
    OPIOID = "opioid"
    STIMULANT = "stimulant"
    MAOI = "maoi"
    LAMOTRIGINE = "lamotrigine"
    NALTREXONE = "naltrexone"
    THEOPHYLLINE = "theophylline"
    CYP_MODIFIER = "cyp_modifier"
    ANTIDEPRESSANT = "antidepressant"
    UNCLASSIFIED = "unclassified"


@dataclass(frozen=True, slots=True)
class DrugEntry:
    """One row of the drug table; ``diazepam_eq_per_mg`` only for benzodiazepines."""

    generic: str
    drug_class: DrugClass
    diazepam_eq_per_mg: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ClassEffect:
    """What a drug class does with ketamine and what the software should do (clinical.md §1.5)."""

    effect: str
    action: str
    source: str
    needs_signoff: bool = False


def _benzo(generic: str, diazepam_mg_per_mg: str) -> DrugEntry:
    return DrugEntry(generic, DrugClass.BENZODIAZEPINE, Decimal(diazepam_mg_per_mg))


# Factors: 10 mg diazepam = lorazepam 1, alprazolam 0.5, clonazepam 0.5, chlordiazepoxide 25,
# oxazepam 20, temazepam 20, clobazam 20, triazolam 0.5. Z-drugs are flagged, not converted.
_ENTRIES: tuple[tuple[tuple[str, ...], DrugEntry], ...] = (
    (("diazepam", "valium"), _benzo("diazepam", "1")),
    (("lorazepam", "ativan"), _benzo("lorazepam", "10")),
    (("alprazolam", "xanax"), _benzo("alprazolam", "20")),
    (("clonazepam", "klonopin", "rivotril"), _benzo("clonazepam", "20")),
    (("chlordiazepoxide", "librium"), _benzo("chlordiazepoxide", "0.4")),
    (("oxazepam", "serax"), _benzo("oxazepam", "0.5")),
    (("temazepam", "restoril"), _benzo("temazepam", "0.5")),
    (("clobazam", "onfi"), _benzo("clobazam", "0.5")),
    (("triazolam", "halcion"), _benzo("triazolam", "20")),
    (("zolpidem", "ambien"), DrugEntry("zolpidem", DrugClass.Z_DRUG)),
    (("zopiclone", "imovane"), DrugEntry("zopiclone", DrugClass.Z_DRUG)),
    (("eszopiclone", "lunesta"), DrugEntry("eszopiclone", DrugClass.Z_DRUG)),
    *(
        ((name,), DrugEntry(name, DrugClass.OPIOID))
        for name in (
            "oxycodone",
            "hydrocodone",
            "morphine",
            "codeine",
            "tramadol",
            "tapentadol",
            "fentanyl",
            "hydromorphone",
            "methadone",
            "buprenorphine",
        )
    ),
    (
        ("amphetamine", "adderall", "dextroamphetamine"),
        DrugEntry("amphetamine", DrugClass.STIMULANT),
    ),
    (("lisdexamfetamine", "vyvanse"), DrugEntry("lisdexamfetamine", DrugClass.STIMULANT)),
    (("methylphenidate", "ritalin", "concerta"), DrugEntry("methylphenidate", DrugClass.STIMULANT)),
    (("modafinil", "provigil"), DrugEntry("modafinil", DrugClass.STIMULANT)),
    (("armodafinil", "nuvigil"), DrugEntry("armodafinil", DrugClass.STIMULANT)),
    (("phenelzine", "nardil"), DrugEntry("phenelzine", DrugClass.MAOI)),
    (("tranylcypromine", "parnate"), DrugEntry("tranylcypromine", DrugClass.MAOI)),
    (("isocarboxazid", "marplan"), DrugEntry("isocarboxazid", DrugClass.MAOI)),
    (("selegiline", "emsam"), DrugEntry("selegiline", DrugClass.MAOI)),
    (("lamotrigine", "lamictal"), DrugEntry("lamotrigine", DrugClass.LAMOTRIGINE)),
    (("naltrexone", "revia", "vivitrol"), DrugEntry("naltrexone", DrugClass.NALTREXONE)),
    (("theophylline",), DrugEntry("theophylline", DrugClass.THEOPHYLLINE)),
    (("aminophylline",), DrugEntry("aminophylline", DrugClass.THEOPHYLLINE)),
    (("rifampin", "rifampicin"), DrugEntry("rifampin", DrugClass.CYP_MODIFIER)),
    (("carbamazepine", "tegretol"), DrugEntry("carbamazepine", DrugClass.CYP_MODIFIER)),
    (("clarithromycin",), DrugEntry("clarithromycin", DrugClass.CYP_MODIFIER)),
    (("ketoconazole",), DrugEntry("ketoconazole", DrugClass.CYP_MODIFIER)),
    *(
        ((name,), DrugEntry(name, DrugClass.ANTIDEPRESSANT))
        for name in (
            "sertraline",
            "fluoxetine",
            "escitalopram",
            "citalopram",
            "paroxetine",
            "venlafaxine",
            "desvenlafaxine",
            "duloxetine",
            "bupropion",
            "mirtazapine",
        )
    ),
)

DRUG_TABLE: dict[str, DrugEntry] = {name: entry for names, entry in _ENTRIES for name in names}

CLASS_EFFECTS: dict[DrugClass, ClassEffect] = {
    DrugClass.BENZODIAZEPINE: ClassEffect(
        "additive sedation; above 8 mg/day diazepam-equivalent may blunt antidepressant response",
        "capture daily diazepam-equivalent; flag >8 mg; record hold-before-session instruction",
        "clinical.md §1.5 [Andrashko 2020; SPRAVATO PI §7]",
    ),
    DrugClass.Z_DRUG: ClassEffect(
        "additive sedation", "flag", "clinical.md §1.5 [SPRAVATO REMS PMF]"
    ),
    DrugClass.OPIOID: ClassEffect(
        "additive sedation and respiratory depression",
        "warn; ask time of last dose",
        "clinical.md §1.5 [SPRAVATO PI §7.1]",
    ),
    DrugClass.STIMULANT: ClassEffect(
        "may raise blood pressure", "flag BP risk", "clinical.md §1.5 [SPRAVATO PI §7; REMS PMF]"
    ),
    DrugClass.MAOI: ClassEffect(
        "may raise blood pressure", "flag; clinician review", "clinical.md §1.5 [SPRAVATO PI §7]"
    ),
    DrugClass.LAMOTRIGINE: ClassEffect(
        "may reduce ketamine adverse effects; effect on antidepressant response unknown",
        "informational",
        "clinical.md §1.5 [Andrade 2017]",
    ),
    DrugClass.NALTREXONE: ClassEffect(
        "may reduce antidepressant benefit (DISAGREEMENT)",
        "flag; record timing relative to infusion",
        "clinical.md §1.5 [Williams 2018 AJP]",
    ),
    DrugClass.THEOPHYLLINE: ClassEffect(
        "may lower seizure threshold", "warn", "clinical.md §1.5 [Ketalar PI]"
    ),
    DrugClass.CYP_MODIFIER: ClassEffect(
        "CYP3A4/CYP2B6 inducers lower and inhibitors raise ketamine exposure",
        "informational",
        "clinical.md §1.5 [Andrade 2017]",
    ),
    DrugClass.ANTIDEPRESSANT: ClassEffect(
        "usually continued; higher BP peaks reported with concomitant SSRIs",
        "informational",
        "clinical.md §1.5 [Andrade 2017; Szarmach 2020]",
    ),
    DrugClass.UNCLASSIFIED: ClassEffect(
        "not in the drug table: interaction unknown",
        "clinician or pharmacist review",
        "clinical.md §1.5",
    ),
}


@dataclass(frozen=True, slots=True)
class ClassifiedMedication:
    """A medication with its class and, where it applies, its daily diazepam-equivalent in mg."""

    medication: Medication
    drug_class: DrugClass
    generic: str | None
    diazepam_eq_mg_per_day: Decimal | None


@dataclass(frozen=True, slots=True)
class Interaction:
    """One interaction finding: which medication, its class, the effect, the action and source."""

    medication: str
    drug_class: DrugClass
    effect: str
    action: str
    source: str
    needs_signoff: bool


@dataclass(frozen=True, slots=True)
class MedicationReview:
    """The classified list, interactions, and the benzodiazepine diazepam-equivalent total.

    ``diazepam_eq_mg_per_day`` sums benzodiazepines only (the Andrashko 2020 measure).
    ``missing_doses`` names benzodiazepines whose daily dose is not recorded: their contribution
    is unknown, so the total is then only a lower bound.
    """

    medications: tuple[ClassifiedMedication, ...]
    interactions: tuple[Interaction, ...]
    diazepam_eq_mg_per_day: Decimal
    missing_doses: tuple[str, ...]

    def of_class(self, drug_class: DrugClass) -> tuple[ClassifiedMedication, ...]:
        """The medications of one class."""
        return tuple(m for m in self.medications if m.drug_class is drug_class)


def lookup_drug(name: str) -> DrugEntry | None:
    """Find a drug by generic or brand name, case-insensitive; the first word is tried too."""
    key = " ".join(name.lower().split())
    if key in DRUG_TABLE:
        return DRUG_TABLE[key]
    first = key.split(" ", 1)[0] if key else ""
    return DRUG_TABLE.get(first)


def classify_medication(medication: Medication) -> ClassifiedMedication:
    """Class one medication and compute its diazepam-equivalent mg/day where it applies.

    Source: clinical.md §1.5; equivalence factors per :data:`EQUIVALENCE_SOURCE` (needs sign-off).
    """
    entry = lookup_drug(medication.name)
    if entry is None:
        return ClassifiedMedication(medication, DrugClass.UNCLASSIFIED, None, None)
    equivalent = None
    if entry.diazepam_eq_per_mg is not None and medication.daily_dose_mg is not None:
        equivalent = medication.daily_dose_mg * entry.diazepam_eq_per_mg
    return ClassifiedMedication(medication, entry.drug_class, entry.generic, equivalent)


def review_medications(medications: Iterable[Medication]) -> MedicationReview:
    """Class every medication and list every interaction with its effect and source.

    Source: clinical.md §1.5. Every medication yields one interaction row (informational classes
    included) so that the review screen shows the whole list with reasons.
    """
    classified = tuple(classify_medication(m) for m in medications)
    interactions = tuple(_interaction(c) for c in classified)
    benzos = [c for c in classified if c.drug_class is DrugClass.BENZODIAZEPINE]
    total = sum((c.diazepam_eq_mg_per_day or Decimal(0) for c in benzos), Decimal(0))
    missing = tuple(c.medication.name for c in benzos if c.diazepam_eq_mg_per_day is None)
    return MedicationReview(classified, interactions, total, missing)


def _interaction(classified: ClassifiedMedication) -> Interaction:
    effect = CLASS_EFFECTS[classified.drug_class]
    needs_signoff = effect.needs_signoff or classified.diazepam_eq_mg_per_day is not None
    return Interaction(
        medication=classified.medication.name,
        drug_class=classified.drug_class,
        effect=effect.effect,
        action=effect.action,
        source=effect.source,
        needs_signoff=needs_signoff,
    )
