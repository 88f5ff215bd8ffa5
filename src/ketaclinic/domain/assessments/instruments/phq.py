"""PHQ-9 and PHQ-A (PHQ-9 modified for teens). Source: clinical.md §5.1 and §5.3."""

from __future__ import annotations

from decimal import Decimal

from ketaclinic.domain.assessments.instruments.model import (
    AnswerOption,
    Band,
    Cutoff,
    Instrument,
    Item,
    OutcomeDefaults,
    Rater,
    SafetyRule,
    ScoringMethod,
    Urgency,
    options_from_labels,
)

KROENKE = "clinical.md §5.1 [P: Kroenke 2001 J Gen Intern Med 16:606]"
GLAD_PC = "clinical.md §5.1 [P: GLAD-PC PHQ-9 modified for teens scoring guide v2 2010]"
PHQA_SOURCE = "clinical.md §5.1 [P: Johnson 2002 J Adolesc Health 30:196; NIMH ASQ PHQ-A page]"
RICHARDSON = "clinical.md §5.1 [P: Richardson 2010 Pediatrics 126:1117]"
LOINC_SOURCE = "clinical.md §5.3 [P: US Core PHQ-9 example; MII PRO IG]"

# LOINC answer list LL358-3, confirmed in clinical.md §5.3.
FREQUENCY = (
    AnswerOption(0, "Not at all", "LA6568-5"),
    AnswerOption(1, "Several days", "LA6569-3"),
    AnswerOption(2, "More than half the days", "LA6570-1"),
    AnswerOption(3, "Nearly every day", "LA6571-9"),
)
# Difficulty answers: no LOINC answer codes are confirmed in clinical.md, so none are recorded.
DIFFICULTY = options_from_labels(
    "Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult"
)
YES_NO = options_from_labels("No", "Yes")
# The LL358-3 codes are confirmed for the PHQ-9 only; the PHQ-A keeps the wording without codes.
FREQUENCY_UNCODED = options_from_labels(*(option.label for option in FREQUENCY))

_PHQ9_ITEMS = (
    ("1", "Little interest or pleasure in doing things", "44250-9"),
    ("2", "Feeling down, depressed, or hopeless", "44255-8"),
    ("3", "Trouble falling or staying asleep, or sleeping too much", "44259-0"),
    ("4", "Feeling tired or having little energy", "44254-1"),
    ("5", "Poor appetite or overeating", "44251-7"),
    ("6", "Feeling bad about yourself", "44258-2"),
    ("7", "Trouble concentrating on things", "44252-5"),
    ("8", "Moving or speaking slowly, or being fidgety or restless", "44253-3"),
    ("9", "Thoughts that you would be better off dead or of hurting yourself", "44260-8"),
)
_PHQA_LABELS = (
    "Feeling down, depressed, irritable, or hopeless",
    "Little interest or pleasure in doing things",
    "Trouble falling or staying asleep, or sleeping too much",
    "Poor appetite, weight loss, or overeating",
    "Feeling tired, or having little energy",
    "Feeling bad about yourself",
    "Trouble concentrating on things like school work, reading, or watching TV",
    "Moving or speaking slowly, or being fidgety or restless",
    "Thoughts that you would be better off dead, or of hurting yourself",
)

PHQ_BANDS = (
    Band("minimal", "None / minimal", 0, 4),
    Band("mild", "Mild", 5, 9),
    Band("moderate", "Moderate", 10, 14),
    Band("moderately_severe", "Moderately severe", 15, 19),
    Band("severe", "Severe", 20, 27),
)


def _item9_rule(instrument_id: str) -> SafetyRule:
    return SafetyRule(
        id=f"{instrument_id}.item9_positive",
        item_ids=("9",),
        min_value=1,
        urgency=Urgency.SAME_DAY,
        message="Item 9 (thoughts of death or self-harm) answered 1 or more: "
        "same-day clinician suicide-risk assessment required",
        source=GLAD_PC,
    )


PHQ9 = Instrument(
    id="phq9",
    version="1",
    title="Patient Health Questionnaire-9 (PHQ-9)",
    short_name="PHQ-9",
    rater=Rater.SELF,
    items=(
        *(Item(item_id, label, FREQUENCY, loinc=code) for item_id, label, code in _PHQ9_ITEMS),
        Item(
            "difficulty",
            "How difficult have these problems made it to work, at home, or with other people",
            DIFFICULTY,
            loinc="69722-7",
            loinc_confirmed=False,
            scored=False,
            required=False,
        ),
    ),
    scoring=ScoringMethod.SUM,
    score_min=0,
    score_max=27,
    source=KROENKE,
    bands=PHQ_BANDS,
    cutoffs=(Cutoff("phq9.major_depression_screen", 10, "Screen positive for MDD", KROENKE),),
    safety_rules=(_item9_rule("phq9"),),
    outcome=OutcomeDefaults(
        Decimal(50), 4, "clinical.md §9.1 [P: SUSTAIN-3 Table 3, PMC10439056] (remission < 5)"
    ),
    loinc_panel="44249-1",
    loinc_total="44261-6",
    notes=("Difficulty item LOINC 69722-7 is UNCONFIRMED (clinical.md §10 item 11).",),
)

PHQA = Instrument(
    id="phq-a",
    version="1",
    title="PHQ-9 modified for adolescents (PHQ-A)",
    short_name="PHQ-A",
    rater=Rater.SELF,
    items=(
        *(Item(str(n), label, FREQUENCY_UNCODED) for n, label in enumerate(_PHQA_LABELS, start=1)),
        Item(
            "difficulty",
            "How difficult have these problems made things",
            DIFFICULTY,
            scored=False,
            required=False,
        ),
        Item(
            "past_year",
            "Felt depressed or sad most days in the past year",
            YES_NO,
            scored=False,
            required=False,
        ),
        Item(
            "serious_thoughts",
            "Serious thoughts of ending your life in the past month",
            YES_NO,
            scored=False,
            required=False,
        ),
        Item(
            "attempt",
            "Ever tried to kill yourself or made a suicide attempt",
            YES_NO,
            scored=False,
            required=False,
        ),
    ),
    scoring=ScoringMethod.SUM,
    score_min=0,
    score_max=27,
    source=PHQA_SOURCE,
    bands=PHQ_BANDS,
    cutoffs=(Cutoff("phq-a.adolescent_screen", 11, "Adolescent screen positive", RICHARDSON),),
    safety_rules=(
        _item9_rule("phq-a"),
        SafetyRule(
            id="phq-a.suicide_items_positive",
            item_ids=("serious_thoughts", "attempt"),
            min_value=1,
            urgency=Urgency.SAME_DAY,
            message="Serious thoughts of ending life in the past month, or a suicide attempt "
            "ever: clinician suicide-risk assessment required",
            source=PHQA_SOURCE,
            needs_signoff=True,
        ),
    ),
    outcome=OutcomeDefaults(
        Decimal(50), 4, "clinical.md §9.1 (PHQ-9 definitions applied to PHQ-A)", needs_signoff=True
    ),
    notes=(
        "PHQ-A LOINC codes 89204-2 / 89206-7 are not confirmed (clinical.md §5.3): none recorded.",
        "Exact PHQ-A lower age bound UNCONFIRMED (clinical.md §6.2).",
    ),
)
