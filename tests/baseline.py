"""Synthetic item-level baseline questionnaires for evaluations in tests.

Eligibility reads baseline instruments item by item (PHQ-9 item 9, C-SSRS items), so a test
evaluation records answers, not typed totals. ``calm_answers`` answers every item that is asked
with the lowest option: a complete response with nothing to flag.
"""

from __future__ import annotations

from typing import Any

from ketaclinic.domain.assessments.instruments.registry import get_instrument


def calm_answers(instrument_id: str, **changes: int) -> dict[str, int]:
    """Every asked item of ``instrument_id`` at its lowest value, then ``changes``."""
    instrument = get_instrument(instrument_id)
    answers: dict[str, int] = {}
    overrides = {key.removeprefix("item_"): value for key, value in changes.items()}
    for item in instrument.items:
        asked = item.asked_when is None or (
            {**answers, **overrides}.get(item.asked_when.item_id) == item.asked_when.value
        )
        if asked and item.required:
            answers[item.id] = min(item.allowed_values())
    answers.update(overrides)
    return answers


def baseline_entry(instrument_id: str, at: str, **changes: int) -> dict[str, Any]:
    """One ``baseline_instruments`` entry of the evaluation JSON, recorded item by item."""
    return {
        "instrument": instrument_id,
        "at": at,
        "answers": calm_answers(instrument_id, **changes),
    }
