"""Semantic checks of reassessment, maintenance and integration sections."""

from __future__ import annotations

from decimal import Decimal

from ketaclinic.domain.protocols.catalog import (
    INSTRUMENT_SCORE_RANGES,
    KNOWN_FRAMEWORKS,
    KNOWN_INSTRUMENTS,
    KNOWN_RELAPSE_BASES,
    KNOWN_ROLES,
)
from ketaclinic.domain.protocols.checks import check_source_key, check_sources, in_range, known
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.problems import ProblemLog
from ketaclinic.domain.protocols.sections import OutcomeDefinition

_HUNDRED = Decimal(100)


def _score_range(instrument: str) -> tuple[int, int]:
    return INSTRUMENT_SCORE_RANGES.get(instrument, (0, 0))


def check_outcome(
    log: ProblemLog, outcome: OutcomeDefinition, instruments: tuple[str, ...]
) -> None:
    """Response above partial response (both 0-100 %), remission score inside the scale."""
    path = f"reassessment.outcomes[{outcome.instrument}]"
    if outcome.instrument not in instruments:
        log.add(
            f"{path}.instrument",
            outcome.instrument,
            f"one of reassessment.instruments {list(instruments)}",
        )
    in_range(log, f"{path}.response_pct_drop", outcome.response_pct_drop, Decimal(1), _HUNDRED)
    in_range(
        log,
        f"{path}.partial_response_pct_drop",
        outcome.partial_response_pct_drop,
        Decimal(0),
        _HUNDRED,
    )
    if outcome.partial_response_pct_drop >= outcome.response_pct_drop:
        log.add(
            f"{path}.partial_response_pct_drop",
            outcome.partial_response_pct_drop,
            f"< response_pct_drop ({outcome.response_pct_drop})",
        )
    if outcome.instrument in INSTRUMENT_SCORE_RANGES:
        low, high = _score_range(outcome.instrument)
        in_range(log, f"{path}.remission_max_score", outcome.remission_max_score, low, high)
    check_source_key(log, f"{path}.source", outcome.source)


def check_reassessment(p: Protocol, log: ProblemLog) -> None:
    """Timepoints inside the series, known instruments, an outcome for the primary instrument."""
    r = p.reassessment
    for index, session in enumerate(r.after_sessions):
        in_range(log, f"reassessment.after_sessions[{index}]", session, 1, p.series.sessions)
    in_range(log, "reassessment.followup_days", r.followup_days, 1, 90)
    for index, instrument in enumerate(r.instruments):
        known(
            log, f"reassessment.instruments[{index}]", instrument, KNOWN_INSTRUMENTS, "instrument"
        )
    if r.primary_instrument not in r.instruments:
        log.add(
            "reassessment.primary_instrument",
            r.primary_instrument,
            f"one of reassessment.instruments {list(r.instruments)}",
        )
    for outcome in r.outcomes:
        check_outcome(log, outcome, r.instruments)
    if r.primary_instrument not in {o.instrument for o in r.outcomes}:
        log.add(
            "reassessment.outcomes",
            [o.instrument for o in r.outcomes],
            f"an outcome definition for {r.primary_instrument}",
        )
    in_range(
        log,
        "reassessment.futility_review_after_session",
        r.futility_review_after_session,
        1,
        p.series.sessions,
    )
    in_range(
        log, "reassessment.futility_pct_drop_below", r.futility_pct_drop_below, Decimal(0), _HUNDRED
    )
    check_sources(log, "reassessment", r)


def check_maintenance(p: Protocol, log: ProblemLog) -> None:
    """Booster intervals in days, a known relapse-watch instrument, relapse thresholds on scale."""
    m = p.maintenance
    for index, days in enumerate(m.booster_intervals_days):
        in_range(log, f"maintenance.booster_intervals_days[{index}]", days, 1, 365)
    known(
        log,
        "maintenance.relapse_watch_instrument",
        m.relapse_watch_instrument,
        KNOWN_INSTRUMENTS,
        "instrument",
    )
    in_range(log, "maintenance.relapse_watch_every_days", m.relapse_watch_every_days, 1, 90)
    for index, rule in enumerate(m.relapse_rules):
        path = f"maintenance.relapse_rules[{index}]"
        known(log, f"{path}.instrument", rule.instrument, KNOWN_INSTRUMENTS, "instrument")
        if rule.instrument in INSTRUMENT_SCORE_RANGES:
            low, high = _score_range(rule.instrument)
            in_range(log, f"{path}.threshold", rule.threshold, low + 1, high)
        in_range(log, f"{path}.consecutive", rule.consecutive, 1, 10)
        in_range(log, f"{path}.min_gap_days", rule.min_gap_days, 0, 90)
        known(log, f"{path}.after", rule.after, KNOWN_RELAPSE_BASES, "relapse basis")
        check_source_key(log, f"{path}.source", rule.source)
    check_sources(log, "maintenance", m)


def check_integration(p: Protocol, log: ProblemLog) -> None:
    """Known framework and attendant roles; preparatory session count 0-20."""
    i = p.integration
    known(log, "integration.framework", i.framework, KNOWN_FRAMEWORKS, "integration framework")
    in_range(log, "integration.preparatory_sessions_min", i.preparatory_sessions_min, 0, 20)
    if not i.attendant_roles:
        log.add("integration.attendant_roles", [], "at least one attendant role")
    for index, role in enumerate(i.attendant_roles):
        known(log, f"integration.attendant_roles[{index}]", role, KNOWN_ROLES, "role")
