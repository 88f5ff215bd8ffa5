"""The typed definition of a standardized instrument, and the result of scoring one response.

An :class:`Instrument` is data: its items and answer options (with ordinal values and, where
the clinical reference §5.3 confirms them, LOINC codes), how the items combine into a
total, its score range, severity bands, subscales, cut-offs, safety rules and source. Scoring code
(:mod:`ketaclinic.domain.assessments.instruments.scoring`) reads these definitions; it holds no
per-instrument numbers of its own.

Item ids are short and stable (``"1"`` … ``"9"`` for numbered items, words for named items such
as the modified Aldrete's ``"activity"``). A response is a mapping from item id to the ordinal value
of the chosen answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Rater(StrEnum):
    """Who answers the instrument."""

    SELF = "self"  # the patient (or a guardian for some paediatric forms)
    CLINICIAN = "clinician"


class ScoringMethod(StrEnum):
    """How item answers combine into the total."""

    SUM = "sum"  # total = sum of the scored items
    DOMAIN_MAX = "domain_max"  # total = sum of subscales, each the highest item of its domain
    RISK_LEVEL = "risk_level"  # no total; the band is a risk level derived from the answers


class Aggregate(StrEnum):
    """How the items of a subscale combine."""

    SUM = "sum"
    MAX = "max"


class Urgency(StrEnum):
    """How fast a safety flag must be acted on. Ordered from least to most urgent."""

    SAME_DAY = "same_day"  # clinician safety assessment before the patient leaves / the same day
    URGENT = "urgent"  # immediate: mental-health referral and safety precautions now

    @property
    def rank(self) -> int:
        return _URGENCY_RANK[self]


_URGENCY_RANK = {Urgency.SAME_DAY: 1, Urgency.URGENT: 2}


@dataclass(frozen=True, slots=True)
class AnswerOption:
    """One allowed answer: ordinal ``value``, short ``label`` and confirmed LOINC answer code."""

    value: int
    label: str
    loinc: str | None = None


@dataclass(frozen=True, slots=True)
class AskedWhen:
    """Skip logic: the item is asked only when item ``item_id`` was answered with ``value``."""

    item_id: str
    value: int


@dataclass(frozen=True, slots=True)
class Item:
    """One question.

    ``scored`` items count toward the total; unscored items (e.g. the PHQ-9 difficulty item) are
    stored with the response but never summed. ``required`` items must be answered for the
    response to be complete (when ``asked_when`` holds). ``loinc_confirmed`` is False when the code
    is only seen in public artifacts (clinical.md marks it UNCONFIRMED). ``patient_text`` is the
    question as the self-report form puts it to the patient (the label stays the clinician's).
    """

    id: str
    label: str
    options: tuple[AnswerOption, ...]
    loinc: str | None = None
    loinc_confirmed: bool = True
    scored: bool = True
    required: bool = True
    asked_when: AskedWhen | None = None
    patient_text: str | None = None

    def allowed_values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)


@dataclass(frozen=True, slots=True)
class Band:
    """A severity band: inclusive score range ``[min_score, max_score]``."""

    id: str
    label: str
    min_score: int
    max_score: int

    def contains(self, score: int) -> bool:
        return self.min_score <= score <= self.max_score


@dataclass(frozen=True, slots=True)
class Subscale:
    """A named group of items (PCL-5 cluster, QIDS-SR16 domain) and how they combine."""

    id: str
    title: str
    item_ids: tuple[str, ...]
    aggregate: Aggregate = Aggregate.SUM


@dataclass(frozen=True, slots=True)
class Cutoff:
    """A total-score threshold with a clinical meaning (e.g. PCL-5 provisional PTSD ``>= 33``)."""

    id: str
    min_score: int
    label: str
    source: str
    needs_signoff: bool = False


@dataclass(frozen=True, slots=True)
class ClusterCriterion:
    """At least ``min_endorsed`` items of subscale ``subscale_id`` endorsed (see DiagnosticRule)."""

    subscale_id: str
    min_endorsed: int


@dataclass(frozen=True, slots=True)
class DiagnosticRule:
    """A symptom-count rule such as the DSM-5 PCL-5 provisional diagnosis.

    An item is *endorsed* when its value is ``>= endorsed_min_value``; the rule is met when every
    criterion is met.
    """

    id: str
    label: str
    endorsed_min_value: int
    criteria: tuple[ClusterCriterion, ...]
    source: str


@dataclass(frozen=True, slots=True)
class SafetyRule:
    """Raises a safety flag when any of ``item_ids`` is answered ``>= min_value``.

    With ``requires_missing`` set, the rule fires only while that item is unanswered (used to treat
    unknown recency of C-SSRS suicidal behaviour as recent).
    """

    id: str
    item_ids: tuple[str, ...]
    min_value: int
    urgency: Urgency
    message: str
    source: str
    requires_missing: str | None = None
    needs_signoff: bool = False


@dataclass(frozen=True, slots=True)
class RiskLevel:
    """A risk level reached when any of ``item_ids`` is answered ``>= min_value``.

    Levels are listed most severe first; the first that matches is the response's band. With
    ``requires_missing`` set, the level matches only while that item is unanswered.
    """

    id: str
    label: str
    item_ids: tuple[str, ...]
    source: str
    min_value: int = 1
    requires_missing: str | None = None


@dataclass(frozen=True, slots=True)
class MissingItemRule:
    """What the instrument allows when items are unanswered.

    ``max_missing`` scored items may be missing; the total is prorated (mean of answered items
    times the number of scored items, rounded half up). None of the shipped instruments defines
    one: clinical.md §5.1 found no sourced prorating rule, so incomplete means no total.
    """

    max_missing: int
    source: str
    needs_signoff: bool = True


@dataclass(frozen=True, slots=True)
class OutcomeDefaults:
    """Response and remission defaults for an instrument; a protocol may override them."""

    response_pct_drop: Decimal
    remission_max_score: int | None
    source: str
    needs_signoff: bool = False


@dataclass(frozen=True, slots=True)
class Instrument:
    """A versioned instrument definition (see module docstring)."""

    id: str
    version: str
    title: str
    rater: Rater
    items: tuple[Item, ...]
    scoring: ScoringMethod
    score_min: int | None
    score_max: int | None
    source: str
    bands: tuple[Band, ...] = ()
    subscales: tuple[Subscale, ...] = ()
    cutoffs: tuple[Cutoff, ...] = ()
    diagnostic_rule: DiagnosticRule | None = None
    safety_rules: tuple[SafetyRule, ...] = ()
    risk_levels: tuple[RiskLevel, ...] = ()
    missing_rule: MissingItemRule | None = None
    outcome: OutcomeDefaults | None = None
    loinc_panel: str | None = None
    loinc_total: str | None = None
    notes: tuple[str, ...] = ()
    answer_one_of: tuple[tuple[str, ...], ...] = ()
    """Groups of optional items of which at least one must be answered (the QIDS-SR16 form asks
    for item 6 or 7, and item 8 or 9); an unanswered group is reported by its first item id."""
    self_report_form: bool = False
    """A clinician-rated instrument that also has a self-report form (the C-SSRS Screener): the
    patient may answer it on a link, each item in its ``patient_text``."""
    short_name: str = ""
    """What staff call it ("PHQ-9", "C-SSRS"); pages show :attr:`name`, never the ``id``."""

    @property
    def name(self) -> str:
        """The short name staff read, or the title when it has none."""
        return self.short_name or self.title

    @property
    def self_report(self) -> bool:
        """The patient may answer it on a self-report link."""
        return self.rater is Rater.SELF or self.self_report_form

    def item(self, item_id: str) -> Item | None:
        """The item with this id, or None."""
        return next((item for item in self.items if item.id == item_id), None)

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)


@dataclass(frozen=True, slots=True)
class SafetyFlag:
    """A safety rule that fired for one response; the service opens a safety task from it."""

    rule_id: str
    item_ids: tuple[str, ...]
    urgency: Urgency
    message: str
    source: str
    needs_signoff: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    """An interpretation of the response (a cut-off or diagnostic rule), met or not, with reason."""

    id: str
    met: bool
    reason: str
    source: str
    needs_signoff: bool = False


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The scored response.

    ``total`` and ``band`` are None when the response is incomplete and the instrument has no
    missing-item rule (the response is refused for scoring), and for instruments without a total
    (C-SSRS: its band is the risk level). Safety flags are always evaluated, complete or not.
    """

    instrument_id: str
    instrument_version: str
    total: int | None
    band: str | None
    band_label: str | None
    subscales: dict[str, int]
    safety_flags: tuple[SafetyFlag, ...]
    complete: bool
    missing_items: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    prorated: bool = False
    answers: dict[str, int] = field(default_factory=dict)

    @property
    def max_urgency(self) -> Urgency | None:
        """The most urgent safety flag's urgency, or None when no flag fired."""
        if not self.safety_flags:
            return None
        return max((flag.urgency for flag in self.safety_flags), key=lambda u: u.rank)

    @property
    def scorable(self) -> bool:
        """True when a total (or, for risk-level instruments, a band) was produced."""
        return self.total is not None or (self.band is not None and self.complete)


def options_from_labels(*labels: str) -> tuple[AnswerOption, ...]:
    """Answer options valued 0, 1, 2 … in the order of ``labels`` (no LOINC answer codes)."""
    return tuple(AnswerOption(value, label) for value, label in enumerate(labels))


def numbered_items(
    count: int, options: tuple[AnswerOption, ...], labels: tuple[str, ...] = ()
) -> tuple[Item, ...]:
    """Items ``"1"`` … ``str(count)`` sharing one answer list; labels default to ``"Item N"``."""
    names = labels or tuple(f"Item {n}" for n in range(1, count + 1))
    if len(names) != count:
        raise ValueError(f"{count} items but {len(names)} labels")
    return tuple(Item(str(n), names[n - 1], options) for n in range(1, count + 1))
