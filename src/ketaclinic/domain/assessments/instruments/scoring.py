"""Scoring a response against its instrument definition.

Contract (clinical.md §5.1 "Scoring rules to encode"):

- Every answer must be an allowed ordinal value of a known item; anything else raises
  :class:`ValidationFailed` naming the item (``answers.<item id>``). An impossible value is never
  turned into zero.
- A response missing a required item gets no total and no band (``complete=False``) unless the
  instrument defines a :class:`MissingItemRule`; none of the shipped instruments does.
- Safety flags are evaluated on whatever was answered, complete or not.
- QIDS-SR16 sums domain maxima, never the 16 items.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from ketaclinic.domain.assessments.instruments.model import (
    Aggregate,
    Band,
    Finding,
    Instrument,
    Item,
    ScoreResult,
    ScoringMethod,
    Subscale,
)
from ketaclinic.domain.assessments.instruments.registry import get_instrument
from ketaclinic.domain.assessments.instruments.safety import classify_risk, evaluate_safety
from ketaclinic.domain.errors import ValidationFailed


def score(instrument_id: str, answers: Mapping[str, int]) -> ScoreResult:
    """Score ``answers`` (item id -> ordinal value) on the instrument ``instrument_id``.

    Raises :class:`NotFound` for an unknown instrument and :class:`ValidationFailed` for an
    unknown item, an impossible value or an answer that skip logic says was never asked.
    """
    return score_instrument(get_instrument(instrument_id), answers)


def score_instrument(instrument: Instrument, answers: Mapping[str, int]) -> ScoreResult:
    """Score ``answers`` on an explicit instrument definition (see :func:`score`)."""
    clean = validate_answers(instrument, answers)
    missing = find_missing(instrument, clean)
    subscales = _subscales(instrument, clean, missing)
    total, prorated = _total(instrument, clean, subscales, missing)
    band_id, band_label = _band(instrument, clean, total, complete=not missing)
    return ScoreResult(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        total=total,
        band=band_id,
        band_label=band_label,
        subscales=subscales,
        safety_flags=evaluate_safety(instrument, clean),
        complete=not missing,
        missing_items=missing,
        findings=_findings(instrument, clean, total, subscales),
        prorated=prorated,
        answers=clean,
    )


def validate_answers(instrument: Instrument, answers: Mapping[str, int]) -> dict[str, int]:
    """Check every answer; returns a plain copy or raises :class:`ValidationFailed` naming items."""
    errors: dict[str, str] = {}
    for item_id, value in answers.items():
        item = instrument.item(item_id)
        message = _answer_error(instrument, item, value, answers)
        if message:
            errors[f"answers.{item_id}"] = message
    if errors:
        raise ValidationFailed(errors)
    return dict(answers)


def _answer_error(
    instrument: Instrument, item: Item | None, value: object, answers: Mapping[str, int]
) -> str | None:
    if item is None:
        return f"not an item of {instrument.id}"
    if isinstance(value, bool) or not isinstance(value, int):
        return f"answer must be an integer ordinal, got {value!r}"
    if value not in item.allowed_values():
        allowed = ", ".join(str(v) for v in sorted(item.allowed_values()))
        return f"impossible value {value} (allowed: {allowed})"
    condition = item.asked_when
    skipped = (
        condition is not None
        and condition.item_id in answers
        and answers[condition.item_id] != condition.value
    )
    if skipped and condition is not None:
        return (
            f"this question is asked only when item {condition.item_id} is "
            f"“{_option_label(instrument, condition.item_id, condition.value)}”: "
            "clear this answer"
        )
    return None


def _option_label(instrument: Instrument, item_id: str, value: int) -> str:
    """The words of answer ``value`` of item ``item_id`` (the number when it has none)."""
    item = instrument.item(item_id)
    options = item.options if item is not None else ()
    return next((o.label for o in options if o.value == value), str(value))


def find_missing(instrument: Instrument, answers: Mapping[str, int]) -> tuple[str, ...]:
    """Ids of required items that should have been asked (per skip logic) but are unanswered,
    and the first item of each ``answer_one_of`` group with no item answered."""
    required = tuple(
        item.id
        for item in instrument.items
        if item.required and item.id not in answers and _is_asked(item, answers)
    )
    groups = tuple(
        group[0] for group in instrument.answer_one_of if not any(i in answers for i in group)
    )
    return required + groups


def _is_asked(item: Item, answers: Mapping[str, int]) -> bool:
    condition = item.asked_when
    if condition is None:
        return True
    parent = answers.get(condition.item_id)
    return parent is None or parent == condition.value


def _subscales(
    instrument: Instrument, answers: Mapping[str, int], missing: tuple[str, ...]
) -> dict[str, int]:
    """Complete subscales only: no item of it missing and at least one answered.

    A subscale over optional items (QIDS-SR16 appetite/weight: 6 or 7, 8 or 9) aggregates the
    items that were answered.
    """
    return {
        subscale.id: _aggregate(subscale, answers)
        for subscale in instrument.subscales
        if not set(subscale.item_ids) & set(missing)
        and any(item_id in answers for item_id in subscale.item_ids)
    }


def _aggregate(subscale: Subscale, answers: Mapping[str, int]) -> int:
    values = [answers[item_id] for item_id in subscale.item_ids if item_id in answers]
    return max(values) if subscale.aggregate is Aggregate.MAX else sum(values)


def _total(
    instrument: Instrument,
    answers: Mapping[str, int],
    subscales: Mapping[str, int],
    missing: tuple[str, ...],
) -> tuple[int | None, bool]:
    if instrument.scoring is ScoringMethod.RISK_LEVEL:
        return None, False
    scored_missing = [i for i in missing if (item := instrument.item(i)) and item.scored]
    if not missing:
        if instrument.scoring is ScoringMethod.DOMAIN_MAX:
            return sum(subscales.values()), False
        return sum(answers[item.id] for item in instrument.scored_items), False
    rule = instrument.missing_rule
    if rule is None or instrument.scoring is not ScoringMethod.SUM:
        return None, False
    if len(scored_missing) != len(missing) or len(missing) > rule.max_missing:
        return None, False
    return _prorate(instrument, answers), True


def _prorate(instrument: Instrument, answers: Mapping[str, int]) -> int:
    answered = [answers[item.id] for item in instrument.scored_items if item.id in answers]
    if not answered:
        return 0
    mean = Decimal(sum(answered)) / Decimal(len(answered))
    value = mean * Decimal(len(instrument.scored_items))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _band(
    instrument: Instrument, answers: Mapping[str, int], total: int | None, *, complete: bool
) -> tuple[str | None, str | None]:
    if instrument.scoring is ScoringMethod.RISK_LEVEL:
        return _risk_band(instrument, answers, complete=complete)
    if total is None:
        return None, None
    band = band_for(instrument.bands, total)
    return (band.id, band.label) if band else (None, None)


def _risk_band(
    instrument: Instrument, answers: Mapping[str, int], *, complete: bool
) -> tuple[str | None, str | None]:
    level = classify_risk(instrument, answers)
    most_severe = instrument.risk_levels[0].id if instrument.risk_levels else None
    if level is not None and (complete or level.id == most_severe):
        return level.id, level.label
    return ("none", "No risk identified") if complete else (None, None)


def band_for(bands: tuple[Band, ...], total: int) -> Band | None:
    """The band containing ``total``, or None when the instrument has no band for it."""
    return next((band for band in bands if band.contains(total)), None)


def _findings(
    instrument: Instrument,
    answers: Mapping[str, int],
    total: int | None,
    subscales: Mapping[str, int],
) -> tuple[Finding, ...]:
    findings = [
        Finding(
            cutoff.id,
            total >= cutoff.min_score,
            f"{cutoff.label}: total {total} {'>=' if total >= cutoff.min_score else '<'} "
            f"{cutoff.min_score}",
            cutoff.source,
            cutoff.needs_signoff,
        )
        for cutoff in instrument.cutoffs
        if total is not None
    ]
    diagnosis = _diagnosis(instrument, answers, subscales)
    return (*findings, diagnosis) if diagnosis else tuple(findings)


def _diagnosis(
    instrument: Instrument, answers: Mapping[str, int], subscales: Mapping[str, int]
) -> Finding | None:
    rule = instrument.diagnostic_rule
    if rule is None or any(c.subscale_id not in subscales for c in rule.criteria):
        return None
    parts: list[str] = []
    met = True
    for criterion in rule.criteria:
        subscale = next(s for s in instrument.subscales if s.id == criterion.subscale_id)
        endorsed = sum(1 for i in subscale.item_ids if answers[i] >= rule.endorsed_min_value)
        met = met and endorsed >= criterion.min_endorsed
        parts.append(f"{criterion.subscale_id} {endorsed}/{criterion.min_endorsed}")
    reason = f"{rule.label}: items >= {rule.endorsed_min_value} per cluster " + ", ".join(parts)
    return Finding(rule.id, met, reason, rule.source)
