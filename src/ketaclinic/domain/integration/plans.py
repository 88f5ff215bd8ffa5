"""Integration and ketamine-assisted therapy (KAT): plans, goals, coaching notes, journeys, guards.

Ketamine is not used in isolation (seed 000 step 6, the ROOT programme: Regulate the nervous
system, Overcome inflammation and physiologic barriers, Open neuroplastic pathways, Transform
patterns that no longer serve). KAT (seed 004): preparatory coaching before the first journey,
experiential sessions given SL/IN/IM and attended by a physician or coach, integration coaching
between sessions. Adolescents (seed 002): family involvement. The protocol's ``integration``
section (``domain.protocols.sections.Integration``) is the data every rule here reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.domain.protocols.sections import Integration, Route


class GoalStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    ACHIEVED = "achieved"
    PAUSED = "paused"
    DROPPED = "dropped"


class NoteKind(StrEnum):
    PREPARATORY = "preparatory"
    INTEGRATION = "integration"
    FAMILY = "family"


class RiskLevel(StrEnum):
    """The coach's risk screen at the session; anything but ``none`` is escalated to a clinician."""

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


RATING_MIN, RATING_MAX = 0, 10
"""Patient's own goal rating: 0 (not at all) .. 10 (fully), an ordinal self-report scale."""

SETTING_ITEMS: tuple[str, ...] = ("quiet_room", "eye_mask", "music", "blanket", "support_person")
"""Set-and-setting checklist of an experiential session (seed 004; kat-holistic pack domain
``experiential-session``)."""

EXPERIENTIAL_ROUTES = frozenset({Route.SL, Route.IN, Route.IM})

DEFAULT_PRACTICES: tuple[tuple[str, str], ...] = (
    ("regulation", "Paced breathing, 6 breaths a minute, 5 minutes twice a day"),
    ("regulation", "Orienting and grounding exercise (Somatic Experiencing)"),
    ("sleep", "Sleep plan: fixed wake time, screens off an hour before bed"),
    ("nutrition", "Nutrition support: regular meals, referral to a dietitian if needed"),
    ("therapy", "Therapy referral: continue or start psychotherapy"),
    ("journaling", "Journaling prompt: what did I notice in my body today?"),
    ("journaling", "Journaling prompt: which part of me needs attention (IFS)?"),
    ("movement", "Daily walk outdoors, 20 minutes"),
)
"""The practice library a clinic starts with (seed 000 step 6 ROOT tools); clinics edit it."""


@dataclass(frozen=True, slots=True)
class Practice:
    id: int
    clinic_id: int
    category: str
    name: str
    active: bool


@dataclass(frozen=True, slots=True)
class GoalRating:
    id: int
    goal_id: int
    rating: int  # 0..10, the patient's own rating
    at: datetime
    comment: str


@dataclass(frozen=True, slots=True)
class Goal:
    id: int
    clinic_id: int
    course_id: int
    patient_id: int
    domain_id: str
    text: str
    practices: tuple[str, ...]
    measure: str
    status: GoalStatus
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PlanDomain:
    """One domain of the plan (a ROOT domain, a KAT phase or a family focus) and its goals."""

    id: str
    title: str
    protocol_practices: tuple[str, ...]
    goals: tuple[Goal, ...]


@dataclass(frozen=True, slots=True)
class PlanSessions:
    """The session plan the protocol asks for (KAT and adolescent packs)."""

    preparatory_min: int
    integration_after_each: bool
    family_sessions: bool
    attendant_roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IntegrationPlan:
    course_id: int
    framework: str
    domains: tuple[PlanDomain, ...]
    sessions: PlanSessions


def build_plan(course_id: int, section: Integration, goals: tuple[Goal, ...]) -> IntegrationPlan:
    """Every domain of the pinned protocol's integration section, with the goals stored for it.

    Goals of a domain the protocol no longer names are kept under their own id so nothing is lost.
    """
    known = {d.id for d in section.domains}
    domains = [
        PlanDomain(d.id, d.title, d.practices, tuple(g for g in goals if g.domain_id == d.id))
        for d in section.domains
    ]
    orphans = sorted({g.domain_id for g in goals} - known)
    domains += [PlanDomain(o, o, (), tuple(g for g in goals if g.domain_id == o)) for o in orphans]
    sessions = PlanSessions(
        section.preparatory_sessions_min,
        section.integration_after_each_session,
        section.family_sessions,
        section.attendant_roles,
    )
    return IntegrationPlan(course_id, section.framework, tuple(domains), sessions)


@dataclass(frozen=True, slots=True)
class GoalInput:
    domain_id: str
    text: str
    practices: tuple[str, ...] = ()
    measure: str = ""
    status: GoalStatus = GoalStatus.PROPOSED


def validate_goal(goal: GoalInput, section: Integration) -> GoalInput:
    """A goal names a domain of the protocol's integration section and says what it is."""
    errors: dict[str, str] = {}
    if goal.domain_id not in {d.id for d in section.domains}:
        errors["domain_id"] = "not a domain of this course's integration plan"
    if not goal.text.strip():
        errors["text"] = "write the goal"
    elif len(goal.text) > 500:
        errors["text"] = "at most 500 characters"
    if len(goal.measure) > 200:
        errors["measure"] = "at most 200 characters"
    if errors:
        raise ValidationFailed(errors)
    practices = tuple(p.strip() for p in goal.practices if p.strip())
    return GoalInput(
        goal.domain_id, goal.text.strip(), practices, goal.measure.strip(), goal.status
    )


def validate_rating(rating: int) -> int:
    if not RATING_MIN <= rating <= RATING_MAX:
        raise ValidationFailed({"rating": f"a whole number from {RATING_MIN} to {RATING_MAX}"})
    return rating


@dataclass(frozen=True, slots=True)
class NoteContent:
    """The structured part of a coaching note (shared with the care team)."""

    themes: str
    practices_assigned: tuple[str, ...]
    homework: str
    risk: RiskLevel
    risk_notes: str


def validate_note(content: NoteContent) -> NoteContent:
    errors: dict[str, str] = {}
    if not content.themes.strip():
        errors["themes"] = "record the themes of the session"
    if content.risk is not RiskLevel.NONE and not content.risk_notes.strip():
        errors["risk_notes"] = "describe the risk and who was told"
    if errors:
        raise ValidationFailed(errors)
    return content


@dataclass(frozen=True, slots=True)
class CoachingNote:
    """A coaching session and its note. ``has_private`` says a private part exists; its text is
    never on this object (it is read through the audited private-note use case only)."""

    id: int
    clinic_id: int
    course_id: int
    patient_id: int
    kind: NoteKind
    session_at: datetime
    author_id: int
    content: NoteContent
    has_private: bool
    signed_at: datetime | None
    created_at: datetime

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


@dataclass(frozen=True, slots=True)
class JourneyInput:
    """What the attendant records about an experiential session. Never a dose: the route, dose
    and time come from the session's ketamine administration (its verified order)."""

    session_id: int
    attendant_id: int
    attendant_role: str  # filled from the attendant's membership by the service
    setting: tuple[str, ...]  # the SETTING_ITEMS in place
    observations: str = ""


@dataclass(frozen=True, slots=True)
class GivenDose:
    """The ketamine dose given in the session through the dose gate, as the session recorded it."""

    route: Route
    dose_mg: Decimal
    given_at: datetime


@dataclass(frozen=True, slots=True)
class JourneyRecord:
    id: int
    clinic_id: int
    course_id: int
    patient_id: int
    session_id: int
    route: Route
    dose_mg: Decimal
    given_at: datetime
    attendant_id: int
    setting: tuple[str, ...]
    observations: str
    reflection: str  # written with the patient in the next integration session
    recorded_at: datetime


def validate_journey(
    j: JourneyInput, given: GivenDose, section: Integration, ceiling_mg: Decimal | None
) -> None:
    """The session's dose was given SL/IN/IM, positive and within the route's ceiling (a second
    look at what the order already enforced); an attendant of a role the protocol names
    (kat-holistic: physician or coach; seed 004); checklist items known."""
    errors: dict[str, str] = {}
    if given.route not in EXPERIENTIAL_ROUTES:
        errors["session_id"] = (
            f"the session's dose was given {given.route.value.upper()}; an experiential session "
            "is given SL, IN or IM (rule kat.experiential_route)"
        )
    elif given.dose_mg <= 0 or (ceiling_mg is not None and given.dose_mg > ceiling_mg):
        errors["session_id"] = (
            f"the session's dose of {decimal_text(given.dose_mg)} mg is outside the protocol's "
            f"ceiling of {decimal_text(ceiling_mg or Decimal(0))} mg (rule dosing.ceiling)"
        )
    if j.attendant_role not in section.attendant_roles:
        errors["attendant_id"] = "attendant must be one of: " + ", ".join(section.attendant_roles)
    unknown = [s for s in j.setting if s not in SETTING_ITEMS]
    if unknown:
        errors["setting"] = "unknown checklist item: " + ", ".join(unknown)
    if errors:
        raise ValidationFailed(errors)


@dataclass(frozen=True, slots=True)
class KatDecision:
    """Whether an experiential session may start: ``blocks`` refuse it, ``flags`` warn."""

    blocks: tuple[str, ...]
    flags: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.blocks


def experiential_decision(
    section: Integration,
    *,
    signed_preparatory: int,
    last_experiential_at: datetime | None,
    signed_integration_since_last: int,
) -> KatDecision:
    """Rule ``kat.preparation``: the first experiential session needs at least the protocol's
    ``preparatory_sessions_min`` signed preparatory sessions (seed 004; kat-holistic: 1).
    Rule ``kat.integration``: when the protocol asks for integration after each session, a missing
    signed integration session since the previous journey is flagged before the next one."""
    blocks: list[str] = []
    flags: list[str] = []
    if signed_preparatory < section.preparatory_sessions_min:
        needed = section.preparatory_sessions_min
        blocks.append(
            f"kat.preparation: {signed_preparatory} of {needed} preparatory coaching "
            f"{'session' if needed == 1 else 'sessions'} signed before the first experiential "
            "session"
        )
    if (
        section.integration_after_each_session
        and last_experiential_at is not None
        and signed_integration_since_last == 0
    ):
        flags.append(
            "kat.integration: no signed integration session since the previous experiential session"
        )
    return KatDecision(tuple(blocks), tuple(flags))


@dataclass(frozen=True, slots=True)
class PortalLink:
    """A patient's expiring, reusable link to their integration pages (token stored hashed)."""

    id: int
    clinic_id: int
    patient_id: int
    course_id: int
    form_token: str
    created_at: datetime
    expires_at: datetime

    def usable(self, now: datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True, slots=True)
class PracticeLog:
    """The patient's own log of a practice: done or not, and how it felt (free text)."""

    id: int
    course_id: int
    practice: str
    done: bool
    feeling: str
    at: datetime


def validate_practice_log(practice: str, known: tuple[str, ...], feeling: str) -> None:
    errors: dict[str, str] = {}
    if practice not in known:
        errors["practice"] = "choose one of your practices"
    if len(feeling) > 1000:
        errors["feeling"] = "at most 1000 characters"
    if errors:
        raise ValidationFailed(errors)
