"""Contraindication predicates: one per condition id a protocol pack may name.

A predicate reads an :class:`~ketaclinic.domain.evaluation.intake.Evaluation` and the rule's numeric
params and answers with an :class:`~ketaclinic.domain.evaluation.eligibility.evidence.Outcome`:
``HIT`` (the condition is present, with the evidence), ``CLEAR`` (the clinician recorded it absent)
or ``MISSING`` (the evidence the rule needs was not recorded). ``MISSING`` is never a pass: the
engine turns it into a finding.

The clinical facts behind each predicate are in the clinical reference §1.2, §1.3 and
§1.5; the numbers (blood pressure cut-offs, look-back windows, diazepam-equivalent threshold) are
rule params owned by the protocol pack, never constants here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from ketaclinic.domain.evaluation.eligibility.evidence import (
    Check,
    Context,
    Outcome,
    Predicate,
    clear,
    day_text,
    hit,
    missing,
)
from ketaclinic.domain.evaluation.intake import (
    BloodPressure,
    Evaluation,
    SexAtBirth,
    Status,
    SubstanceUse,
    TreatmentKind,
)
from ketaclinic.domain.evaluation.medications import DrugClass


def _status_check(path: str, label: str, fires_on: frozenset[Status]) -> Check:
    """A check over one history item at dotted ``path`` (``medical.aneurysm``)."""
    section, name = path.split(".")

    def check(evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context) -> Outcome:
        value = getattr(getattr(evaluation, section), name)
        if value is None:
            return missing(f"{label} not recorded ({path})")
        status = Status(value)
        outcome = hit if status in fires_on else clear
        return outcome(f"{label}: {status.value} ({path})")

    return check


_ANY_HISTORY = frozenset({Status.PAST, Status.CURRENT})
_CURRENT = frozenset({Status.CURRENT})


def _bp_above_limit(evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context) -> Outcome:
    """Any BP reading in the window above ``sbp_mmhg`` or ``dbp_mmhg`` (strictly greater, mmHg).

    Every reading counts, not only the latest: a high reading followed by a normal one is still
    named, so the signer weighs it (a later normal reading does not erase it). Source: clinical.md
    §1.3 (Swiss label >180/100; VA trials SBP >170 or DBP >100). Readings after ``at`` are
    ignored; with ``reading_max_age_days`` set, older readings do not count either.
    """
    readings = [r for r in evaluation.blood_pressure_readings() if r.at <= ctx.at]
    max_age = params.get("reading_max_age_days")
    if max_age is not None:
        oldest = ctx.at - timedelta(days=float(max_age))
        readings = [r for r in readings if r.at >= oldest]
    if not readings:
        window = f" in the last {max_age} days" if max_age is not None else ""
        return missing(f"blood pressure not recorded{window}")
    limit = f"limit {params['sbp_mmhg']}/{params['dbp_mmhg']}"
    above = [
        r for r in readings if r.sbp_mmhg > params["sbp_mmhg"] or r.dbp_mmhg > params["dbp_mmhg"]
    ]
    latest = readings[-1]
    latest_text = f"latest BP {_bp(latest)} on {day_text(latest.at, ctx.zone)}"
    if not above:
        return clear(f"{_readings(len(readings))}, none above {limit}; {latest_text}")
    named = "; ".join(f"{_bp(r)} on {day_text(r.at, ctx.zone)}" for r in above)
    return hit(f"{len(above)} of {_readings(len(readings))} above {limit}: {named}; {latest_text}")


def _readings(count: int) -> str:
    return f"{count} reading" if count == 1 else f"{count} readings"


def _bp(reading: BloodPressure) -> str:
    return f"{reading.sbp_mmhg}/{reading.dbp_mmhg} mmHg"


def _pregnancy(evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context) -> Outcome:
    """Pregnancy recorded or a positive pregnancy test (clinical.md §1.3, SPRAVATO PI §8.1)."""
    repro = evaluation.reproductive
    positive = [
        t for t in evaluation.tests if "pregnancy" in t.test and t.result.lower() == "positive"
    ]
    if repro.pregnant or positive:
        source = "pregnancy recorded" if repro.pregnant else f"positive {positive[0].test}"
        return hit(source)
    if repro.can_become_pregnant is None:
        return missing("whether the patient can become pregnant is not recorded")
    if repro.can_become_pregnant and repro.pregnant is None:
        return missing("pregnancy status not recorded")
    return clear("not pregnant" if repro.can_become_pregnant else "cannot become pregnant")


def _breastfeeding(evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context) -> Outcome:
    """Breastfeeding recorded (clinical.md §1.3, SPRAVATO PI §8.2)."""
    value = evaluation.reproductive.breastfeeding
    if value is None:
        if evaluation.sex_at_birth is SexAtBirth.MALE:
            return clear("not applicable (sex at birth male)")
        return missing("breastfeeding not recorded")
    return hit("breastfeeding") if value else clear("not breastfeeding")


def _recent_substance_use(
    evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context
) -> Outcome:
    """A substance use disorder current, or in remission for less than ``within_days`` days.

    Use without a use disorder (a glass of wine three days ago) is not this condition: it is
    recorded and shown, never a finding. Source: clinical.md §1.3 (SPRAVATO PI §5.3; trials
    exclude a substance use disorder in the past 3 months, NCT02461927).
    """
    uses = evaluation.psychiatric.substance_use
    if uses is None:
        return missing("substance use history not recorded (psychiatric.substance_use)")
    window = int(params["within_days"])
    cutoff = ctx.at.date() - timedelta(days=window)
    current = [
        f"{u.substance}: current use disorder" for u in uses if u.use_disorder is Status.CURRENT
    ]
    past = [u for u in uses if u.use_disorder is Status.PAST]
    recent = [
        f"{u.substance}: use disorder, last use {u.last_use_on:%-d %b %Y}"
        for u in past
        if u.last_use_on is not None and u.last_use_on >= cutoff
    ]
    if current or recent:
        return hit("; ".join(current + recent) + f" (within {window} days)")
    undated = [u.substance for u in past if u.last_use_on is None]
    if undated:
        return missing("use disorder without a date of last use: " + ", ".join(undated))
    return clear(f"no substance use disorder within {window} days ({_uses_text(uses)})")


def _uses_text(uses: tuple[SubstanceUse, ...]) -> str:
    if not uses:
        return "no substance use recorded"
    return "; ".join(
        f"{u.substance} use disorder {u.use_disorder.value}"
        + (f", last use {u.last_use_on:%-d %b %Y}" if u.last_use_on else "")
        for u in uses
    )


KETAMINE_SUBSTANCES = ("ketamine", "esketamine", "special k", "phencyclidine", "pcp")
"""Names of non-medical ketamine (or congener PCP) use in the history (clinical.md §1.3)."""


def _ketamine_misuse(
    evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context
) -> Outcome:
    """Any non-medical ketamine or PCP use recorded, however long ago, with or without a disorder.

    Source: clinical.md §1.3 (SPRAVATO PI §5.3: assess abuse risk before prescribing; trials
    exclude more than rare recreational ketamine/PCP use, NCT02461927; PMC10812090).
    """
    uses = evaluation.psychiatric.substance_use
    if uses is None:
        return missing("substance use history not recorded (psychiatric.substance_use)")
    found = [u for u in uses if _is_ketamine(u.substance)]
    if not found:
        return clear("no recreational ketamine or PCP use recorded")
    return hit("; ".join(f"{u.substance}: {_use_text(u)}" for u in found))


def _is_ketamine(substance: str) -> bool:
    name = substance.casefold()
    return any(word in name for word in KETAMINE_SUBSTANCES)


def _use_text(use: SubstanceUse) -> str:
    last = f"last use {use.last_use_on:%-d %b %Y}" if use.last_use_on else "last use not dated"
    return f"non-medical use, {last}, use disorder {use.use_disorder.value}"


def _recent_suicide_attempt(
    evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context
) -> Outcome:
    """A suicide attempt within ``within_days`` days (clinical.md §1.3, imminent suicide risk)."""
    attempts = evaluation.psychiatric.suicide_attempt_dates
    if attempts is None:
        return missing("suicide attempt history not recorded")
    cutoff = ctx.at.date() - timedelta(days=int(params["within_days"]))
    recent = [f"{d:%-d %b %Y}" for d in sorted(attempts) if d >= cutoff]
    if recent:
        return hit(f"suicide attempt on {', '.join(recent)} (within {params['within_days']} days)")
    return clear(f"{len(attempts)} attempt(s), none within {params['within_days']} days")


def _benzodiazepine_load(
    evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context
) -> Outcome:
    """Daily benzodiazepine load above ``diazepam_eq_mg_per_day`` (mg diazepam-equivalent).

    Source: clinical.md §1.5 (Andrashko 2020: >8 mg/day separated non-responders).
    """
    review = ctx.review(evaluation)
    if review is None:
        return missing("medication list not recorded")
    limit = params["diazepam_eq_mg_per_day"]
    total = review.diazepam_eq_mg_per_day
    text = f"benzodiazepines {total} mg/day diazepam-equivalent (limit {limit})"
    if total > limit:
        return hit(text)
    if review.missing_doses:
        return missing("daily dose not recorded: " + ", ".join(review.missing_doses))
    return clear(text)


def _hypersensitivity_ketamine(
    evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context
) -> Outcome:
    """Allergy to ketamine or esketamine (clinical.md §1.2: label contraindication)."""
    if evaluation.allergies is None:
        return missing("allergies not recorded")
    names = ("ketamine", "ketalar", "spravato")
    found = [a for a in evaluation.allergies if any(n in a.substance.lower() for n in names)]
    if found:
        return hit("; ".join(f"allergy: {a.substance} {a.reaction}".strip() for a in found))
    return clear(f"{len(evaluation.allergies)} allergies recorded, none to ketamine")


def _prior_adverse_reaction(
    evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context
) -> Outcome:
    """Prior adverse reaction to ketamine or esketamine (clinical.md §1.3, Miller's)."""
    kinds = (TreatmentKind.KETAMINE, TreatmentKind.ESKETAMINE)
    prior = [t for t in evaluation.prior_treatments if t.kind in kinds]
    bad = [t for t in prior if t.adverse_reaction or t.response.value == "not_tolerated"]
    if bad:
        return hit("; ".join(f"{t.name}: {t.adverse_reaction or 'not tolerated'}" for t in bad))
    return clear(f"{len(prior)} prior ketamine/esketamine treatment(s) without adverse reaction")


def _flag_check(path: str, label: str) -> Check:
    """A check over one yes/no item at dotted ``path``; ``None`` is missing evidence."""
    section, name = path.split(".")

    def check(evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context) -> Outcome:
        value = getattr(getattr(evaluation, section), name)
        if value is None:
            return missing(f"{label} not recorded ({path})")
        return hit(f"{label}: yes ({path})") if value else clear(f"{label}: no ({path})")

    return check


def _severe_hepatic_impairment(
    evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context
) -> Outcome:
    """Current hepatic impairment of Child-Pugh class C (clinical.md §1.3, SPRAVATO PI)."""
    medical = evaluation.medical
    if medical.hepatic is None:
        return missing("hepatic history not recorded (medical.hepatic)")
    if medical.hepatic is not Status.CURRENT:
        return clear(f"hepatic impairment: {medical.hepatic.value}")
    grade = (medical.hepatic_child_pugh or "").upper()
    if grade not in ("A", "B", "C"):
        return missing("Child-Pugh class not recorded for current hepatic impairment")
    text = f"hepatic impairment Child-Pugh {grade}"
    return hit(text) if grade == "C" else clear(text)


def _age_outside_population(
    evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context
) -> Outcome:
    """Age outside the protocol population (clinical.md §6.1: adolescent vs adult protocols)."""
    age = ctx.population.age
    text = f"age {evaluation.age_years} years; protocol population {age.min_years}-{age.max_years}"
    return clear(text) if age.contains(evaluation.age_years) else hit(text)


def _drug_class_check(drug_class: DrugClass) -> Check:
    """A check that fires when any current medication is of ``drug_class`` (clinical.md §1.5)."""

    def check(evaluation: Evaluation, params: Mapping[str, Decimal], ctx: Context) -> Outcome:
        review = ctx.review(evaluation)
        if review is None:
            return missing("medication list not recorded")
        names = [m.medication.name for m in review.of_class(drug_class)]
        if names:
            return hit(f"{drug_class.value}: {', '.join(names)}")
        return clear(f"no {drug_class.value} among {len(review.medications)} medication(s)")

    return check


_STATUS_PREDICATES: tuple[tuple[str, str, str, frozenset[Status]], ...] = (
    ("active_psychosis", "psychiatric.psychosis", "psychosis", _CURRENT),
    ("psychosis_history", "psychiatric.psychosis", "psychosis", _ANY_HISTORY),
    ("current_mania", "psychiatric.mania", "mania", _CURRENT),
    ("mania_history", "psychiatric.mania", "mania", _ANY_HISTORY),
    ("aneurysm", "medical.aneurysm", "aneurysmal vascular disease or AVM", _ANY_HISTORY),
    ("intracerebral_hemorrhage", "medical.intracerebral_hemorrhage", "ICH", _ANY_HISTORY),
    ("cardiovascular_disease", "medical.cardiovascular", "cardiovascular disease", _ANY_HISTORY),
    ("cerebrovascular_disease", "medical.cerebrovascular", "cerebrovascular disease", _ANY_HISTORY),
    ("unstable_cardiovascular_disease", "medical.cardiovascular", "unstable CVD", _CURRENT),
    ("hepatic_impairment", "medical.hepatic", "hepatic impairment", _CURRENT),
    ("urinary_symptoms", "medical.urinary", "cystitis or bladder symptoms", _CURRENT),
    ("bladder_symptoms", "medical.urinary", "cystitis or bladder symptoms", _CURRENT),
    ("seizure_disorder", "medical.seizures", "seizures/epilepsy", _CURRENT),
    ("recent_epilepsy", "medical.seizures", "seizures/epilepsy", _CURRENT),
    ("sleep_apnea", "medical.sleep_apnea", "obstructive sleep apnea", _CURRENT),
    ("severe_sleep_apnea", "medical.sleep_apnea", "obstructive sleep apnea", _CURRENT),
    (
        "raised_intracranial_pressure",
        "medical.raised_intracranial_pressure",
        "raised ICP",
        _CURRENT,
    ),
    ("raised_intraocular_pressure", "medical.raised_intraocular_pressure", "raised IOP", _CURRENT),
    ("hyperthyroidism", "medical.hyperthyroidism", "hyperthyroidism", _CURRENT),
    ("untreated_hyperthyroidism", "medical.hyperthyroidism", "hyperthyroidism", _CURRENT),
    ("cognitive_impairment", "medical.cognitive_impairment", "cognitive impairment", _CURRENT),
)

_DRUG_PREDICATES: tuple[tuple[str, DrugClass], ...] = (
    ("opioid_use", DrugClass.OPIOID),
    ("stimulant_use", DrugClass.STIMULANT),
    ("psychostimulant_use", DrugClass.STIMULANT),
    ("maoi_use", DrugClass.MAOI),
    ("lamotrigine_use", DrugClass.LAMOTRIGINE),
    ("naltrexone_use", DrugClass.NALTREXONE),
    ("theophylline_use", DrugClass.THEOPHYLLINE),
    ("z_drug_use", DrugClass.Z_DRUG),
    ("unclassified_medication", DrugClass.UNCLASSIFIED),
)


def _build_registry() -> dict[str, Predicate]:
    special = (
        Predicate(
            "uncontrolled_hypertension",
            _bp_above_limit,
            params=("sbp_mmhg", "dbp_mmhg"),
            optional_params=("reading_max_age_days",),
        ),
        Predicate(
            "elevated_blood_pressure",
            _bp_above_limit,
            params=("sbp_mmhg", "dbp_mmhg"),
            optional_params=("reading_max_age_days",),
        ),
        Predicate("pregnancy", _pregnancy),
        Predicate("severe_hepatic_impairment", _severe_hepatic_impairment),
        Predicate(
            "family_history_psychosis",
            _flag_check("psychiatric.family_history_psychosis", "first-degree family psychosis"),
        ),
        Predicate(
            "imminent_suicide_risk",
            _flag_check("psychiatric.imminent_suicide_risk", "imminent suicide risk"),
        ),
        Predicate("breastfeeding", _breastfeeding),
        Predicate("recent_substance_use", _recent_substance_use, params=("within_days",)),
        Predicate("recent_suicide_attempt", _recent_suicide_attempt, params=("within_days",)),
        Predicate("ketamine_misuse_history", _ketamine_misuse),
        Predicate("benzodiazepine_load", _benzodiazepine_load, params=("diazepam_eq_mg_per_day",)),
        Predicate("hypersensitivity_ketamine", _hypersensitivity_ketamine),
        Predicate("prior_adverse_reaction_ketamine", _prior_adverse_reaction),
        Predicate("age_outside_population", _age_outside_population),
    )
    status = (
        Predicate(cid, _status_check(path, label, fires))
        for cid, path, label, fires in _STATUS_PREDICATES
    )
    drugs = (Predicate(cid, _drug_class_check(cls)) for cid, cls in _DRUG_PREDICATES)
    return {p.condition: p for p in (*special, *status, *drugs)}


PREDICATES: Mapping[str, Predicate] = _build_registry()
"""Every condition id a protocol rule may name, mapped to its predicate."""

KNOWN_CONDITIONS: frozenset[str] = frozenset(PREDICATES)
