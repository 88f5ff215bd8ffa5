"""C-SSRS Screener (screen version with triage points), lifetime/recent and since-last-contact.

Source: clinical.md §5.2 [P: Columbia triage guidance; SPIER FHIR IG]. Items are yes (1) / no (0).
Skip logic: items 1, 2 and 6 are always asked; 3, 4 and 5 only when item 2 is yes; the recency
follow-up ``6_recent`` ("within the past 3 months?") only when item 6 is yes.

Clinician-rated, with a self-report form: the screener's questions are put to the patient as
written, so a clinic may send it on a self-report link (the patient reads each item's
``patient_text``). A positive answer given on a link opens the same safety tasks as one recorded
on the chart (``services.assessments.responses.store_response``).
"""

from __future__ import annotations

from ketaclinic.domain.assessments.instruments.model import (
    AskedWhen,
    Instrument,
    Item,
    Rater,
    RiskLevel,
    SafetyRule,
    ScoringMethod,
    Urgency,
    options_from_labels,
)

COLUMBIA = "clinical.md §5.2 [P: Columbia triage guidance; SPIER FHIR IG]"

_YES_NO = options_from_labels("No", "Yes")
_IF_IDEATION = AskedWhen("2", 1)


# The screener's questions as the self-report form puts them to the patient (Columbia's Screen
# Version wording in the second person); the lifetime/recent form asks about the past month, the
# since-last-contact form about the time since the last visit.
_ASKED = (
    "have you wished you were dead or wished you could go to sleep and not wake up?",
    "have you actually had any thoughts about killing yourself?",
    "have you been thinking about how you might do this?",
    "have you had these thoughts and had some intention of acting on them?",
    "have you started to work out or worked out the details of how to kill yourself, "
    "and do you intend to carry out this plan?",
)
_BEHAVIOUR = "done anything, started to do anything, or prepared to do anything to end your life?"


def _items(with_recency: bool) -> tuple[Item, ...]:
    when = "In the past month, " if with_recency else "Since your last visit, "
    labels = (
        ("1", "Wish to be dead (past month)", None),
        ("2", "Non-specific active suicidal thoughts (past month)", None),
        ("3", "Active ideation with any method, without intent", _IF_IDEATION),
        ("4", "Active ideation with some intent to act, without specific plan", _IF_IDEATION),
        ("5", "Active ideation with specific plan and intent", _IF_IDEATION),
    )
    base = tuple(
        Item(item_id, label, _YES_NO, asked_when=gate, patient_text=when + asked)
        for (item_id, label, gate), asked in zip(labels, _ASKED, strict=True)
    )
    if not with_recency:
        since = Item(
            "6",
            "Suicidal behavior since last contact",
            _YES_NO,
            patient_text=f"Since your last visit, have you {_BEHAVIOUR}",
        )
        return (*base, since)
    return (
        *base,
        Item(
            "6", "Suicidal behavior (lifetime)", _YES_NO, patient_text=f"Have you ever {_BEHAVIOUR}"
        ),
        Item(
            "6_recent",
            "Suicidal behavior within the past 3 months",
            _YES_NO,
            asked_when=AskedWhen("6", 1),
            patient_text="If yes: was this within the past 3 months?",
        ),
    )


def _high_items(with_recency: bool) -> tuple[str, ...]:
    return ("4", "5", "6_recent") if with_recency else ("4", "5", "6")


def _risk_levels(with_recency: bool) -> tuple[RiskLevel, ...]:
    high: tuple[RiskLevel, ...] = (
        RiskLevel("high", "High risk", _high_items(with_recency), COLUMBIA),
    )
    if with_recency:
        # Behaviour endorsed but recency unanswered: treated as recent until answered.
        high += (RiskLevel("high", "High risk", ("6",), COLUMBIA, requires_missing="6_recent"),)
    moderate_items = ("3", "6") if with_recency else ("3",)
    return (
        *high,
        RiskLevel("moderate", "Moderate risk", moderate_items, COLUMBIA),
        RiskLevel("low", "Low risk", ("1", "2"), COLUMBIA),
    )


def _safety_rules(instrument_id: str, with_recency: bool) -> tuple[SafetyRule, ...]:
    rules = [
        SafetyRule(
            id=f"{instrument_id}.high_risk",
            item_ids=_high_items(with_recency),
            min_value=1,
            urgency=Urgency.URGENT,
            message="High risk: ideation with intent or plan in the past month, or recent "
            "suicidal behavior — immediate mental-health referral and safety precautions",
            source=COLUMBIA,
        ),
        SafetyRule(
            id=f"{instrument_id}.moderate_risk",
            item_ids=("3", "6") if with_recency else ("3",),
            min_value=1,
            urgency=Urgency.SAME_DAY,
            message="Active ideation with method, or past suicidal behavior: "
            "clinician suicide-risk assessment required",
            source=COLUMBIA,
        ),
    ]
    if with_recency:
        rules.append(
            SafetyRule(
                id=f"{instrument_id}.behavior_recency_unknown",
                item_ids=("6",),
                min_value=1,
                urgency=Urgency.URGENT,
                message="Suicidal behavior endorsed and its recency not answered: "
                "treated as within the past 3 months",
                source=COLUMBIA,
                requires_missing="6_recent",
            )
        )
    return tuple(rules)


def _cssrs(instrument_id: str, title: str, short_name: str, with_recency: bool) -> Instrument:
    return Instrument(
        id=instrument_id,
        version="1",
        title=title,
        short_name=short_name,
        rater=Rater.CLINICIAN,
        items=_items(with_recency),
        scoring=ScoringMethod.RISK_LEVEL,
        score_min=None,
        score_max=None,
        source=COLUMBIA,
        risk_levels=_risk_levels(with_recency),
        safety_rules=_safety_rules(instrument_id, with_recency),
        self_report_form=True,
        notes=("C-SSRS LOINC codes (93374-7 …) are 'verify' in clinical.md §5.3: none recorded.",),
    )


CSSRS_SCREEN = _cssrs(
    "cssrs-screen", "C-SSRS Screener (lifetime / recent)", "C-SSRS", with_recency=True
)
CSSRS_SCREEN_SLC = _cssrs(
    "cssrs-screen-slc",
    "C-SSRS Screener (since last contact)",
    "C-SSRS (since last contact)",
    with_recency=False,
)
