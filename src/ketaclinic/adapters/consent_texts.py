"""The shipped consent document texts, one per ``(document id, version)`` the packs reference.

Sources: clinical.md §1.4 (consent documenting off-label status), §4.4 (adverse effects and their
frequencies), §4.2 and §4.6 (no driving until the next day; a responsible adult escort home),
§6.3 (guardian permission and the adolescent's own assent); seed 000 "What this protocol is not".
A clinic that changes a text publishes a new version; signatures stay bound to the text they saw.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketaclinic.domain.consent.documents import ConsentSection, ConsentTemplate

_S = ConsentSection

_IS_NOT = _S(
    "programme_is_not",
    "What this programme is, and is not",
    "{programme} is medical treatment delivered by a supervised clinical team at {clinic_name}, "
    "with a treatment plan, monitoring during every session and follow-up between sessions. "
    "It is not at-home ketamine. It is not self-directed dosing. It is not a one-time "
    "psychedelic experience. It is not a replacement for comprehensive mental health care: "
    "the current therapist, psychiatrist and primary care stay part of the plan.",
)
_OFF_LABEL = _S(
    "off_label",
    "Off-label use",
    "Racemic ketamine (Ketalar) is approved as an anaesthetic. Its use for depression, anxiety or "
    "trauma-related symptoms is off-label: it is not approved by the FDA for these conditions. "
    "Esketamine (Spravato) is a different, approved nasal product and is not what is offered here.",
)
_DRIVING = _S(
    "driving",
    "No driving until the next day",
    "After each session {patient_name} must not drive, cycle, operate machinery or make important "
    "legal or financial decisions until the next day, after a restful night's sleep.",
)
_ESCORT = _S(
    "escort",
    "Escort rule",
    "A responsible adult must take {patient_name} home after each session. Without an escort "
    "present at discharge the session cannot go ahead or discharge is delayed.",
)
_ALTERNATIVES = _S(
    "alternatives",
    "Alternatives",
    "Other options include antidepressant and other medications, psychotherapy, transcranial "
    "magnetic stimulation (TMS), electroconvulsive therapy (ECT), esketamine nasal spray, or no "
    "new treatment. Declining ketamine does not change access to any other care at {clinic_name}.",
)
_RISKS = _S(
    "risks",
    "Risks and side effects",
    "Common during or soon after a session: feeling detached or dream-like (dissociation), "
    "drowsiness, dizziness, nausea or vomiting, headache, anxiety, blurred vision and a temporary "
    "rise in blood pressure and heart rate. These usually settle within one to two hours. Less "
    "common: distressing perceptions or emergence reactions, breathing problems needing support, "
    "and bladder pain with repeated use. Ketamine can be misused; doses are given only in the "
    "clinic. Effects on a pregnancy are not known. Vital signs are monitored throughout and the "
    "team may slow, pause or stop a session for safety.",
)
_BENEFITS = _S(
    "benefits",
    "Possible benefits",
    "Some people feel a rapid reduction in depressive symptoms and suicidal thoughts within hours "
    "to days, often after a series of sessions. Benefit is not guaranteed, may be partial and may "
    "fade; progress is measured with questionnaires before and during the series.",
)
_WITHDRAW = _S(
    "withdrawal",
    "Changing your mind",
    "Consent can be withdrawn at any time, before or during the series, by telling any member of "
    "the team. No further sessions are given once consent is withdrawn.",
)


def _adult(document_id: str, title: str) -> ConsentTemplate:
    purpose = _S(
        "purpose",
        "What is proposed",
        "{patient_name} is offered {programme}: an evaluation, a series of supervised ketamine "
        "sessions with monitoring and recovery, integration support and reassessment.",
    )
    sections = (
        purpose,
        _IS_NOT,
        _OFF_LABEL,
        _RISKS,
        _BENEFITS,
        _ALTERNATIVES,
        _DRIVING,
        _ESCORT,
        _WITHDRAW,
    )
    return ConsentTemplate(document_id, "1", title, sections)


def _guardian() -> ConsentTemplate:
    purpose = _S(
        "purpose",
        "What is proposed",
        "As parent or legal guardian with authority to decide for {patient_name}, you are asked "
        "to give permission for {programme}. {patient_name} will also be asked for their own "
        "assent; treatment does not go ahead if they refuse.",
    )
    sections = (purpose, _IS_NOT, _OFF_LABEL, _RISKS, _BENEFITS, _ALTERNATIVES, _DRIVING, _ESCORT)
    return ConsentTemplate(
        "guardian-permission-iv-ketamine",
        "1",
        "Parent or legal guardian permission for off-label IV ketamine",
        (*sections, _WITHDRAW),
    )


def _assent() -> ConsentTemplate:
    sections = (
        _S(
            "purpose",
            "What we are asking",
            "{patient_name}, your care team and your parent or guardian think ketamine "
            "treatment might help you. We want to know whether you agree. You can say no, and "
            "you can change your mind later.",
        ),
        _S(
            "programme_is_not",
            "What this is, and is not",
            "The medicine is given only here in the clinic, through a small tube in your arm, "
            "with a nurse and doctor watching you the whole time. It is not something you take "
            "at home or by yourself, it is not a one-time trip, and it does not replace your "
            "therapy or your other care.",
        ),
        _S(
            "off_label",
            "A medicine used in a new way",
            "Ketamine is approved for anaesthesia. Using it for depression in teenagers is "
            "off-label, which means it is not approved for this and is still being studied.",
        ),
        _S(
            "risks",
            "How it may feel",
            "You may feel floaty, dizzy, sleepy, sick to your stomach or strange for a while. "
            "Your blood pressure may go up for a short time. These feelings usually go away "
            "within one to two hours. Tell us any time you feel bad and we can slow down or stop.",
        ),
        _S(
            "benefits",
            "How it may help",
            "Some young people feel less sad or have fewer thoughts of hurting themselves after "
            "a few sessions. It does not work for everyone.",
        ),
        _S(
            "alternatives",
            "Other choices",
            "Other medicines, talking therapy and other treatments are still available if you "
            "say no.",
        ),
        _S(
            "driving",
            "After each visit",
            "You must not drive, ride a bike or do anything risky until the next day.",
        ),
        _S(
            "escort",
            "Going home",
            "A parent, guardian or other trusted adult must take you home after every session.",
        ),
    )
    return ConsentTemplate(
        "adolescent-assent-iv-ketamine", "1", "Adolescent assent to IV ketamine", sections
    )


def _family_plan() -> ConsentTemplate:
    base = _adult("family-involvement-plan", "Family involvement and follow-up plan")
    plan = _S(
        "family",
        "Family involvement",
        "The family agrees to take part in planning, to be present for discharge after each "
        "session, to attend follow-up visits for {patient_name} and to contact the clinic at "
        "once about any thoughts of self-harm, unusual behaviour or possible misuse.",
    )
    return ConsentTemplate(base.document_id, "1", base.title, (plan, *base.sections[1:]))


def _adult_reconsent() -> ConsentTemplate:
    base = _adult("adult-consent-iv-ketamine", "Own consent on reaching adulthood (same course)")
    adulthood = _S(
        "adulthood",
        "Deciding for yourself",
        "{patient_name} started {programme} as a minor, with a parent's or guardian's permission "
        "and their own assent. Now an adult, {patient_name} decides alone whether the same "
        "course goes on: the earlier permission and assent no longer stand in for this consent, "
        "and no further session is given until it is signed.",
    )
    return ConsentTemplate(base.document_id, "1", base.title, (adulthood, *base.sections))


SHIPPED: Mapping[tuple[str, str], ConsentTemplate] = {
    (t.document_id, t.version): t
    for t in (
        _adult("iv-ketamine-informed-consent", "Informed consent to off-label IV ketamine"),
        _adult("kat-informed-consent", "Informed consent to ketamine-assisted therapy"),
        _guardian(),
        _assent(),
        _family_plan(),
        _adult_reconsent(),
    )
}


class ShippedConsentLibrary:
    """The :class:`ConsentLibrary` port over the shipped texts."""

    def __init__(self, templates: Mapping[tuple[str, str], ConsentTemplate] = SHIPPED) -> None:
        self._templates = dict(templates)

    def get(self, document_id: str, version: str) -> ConsentTemplate | None:
        return self._templates.get((document_id, version))
