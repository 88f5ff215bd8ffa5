"""The modified Aldrete score (Aldrete 1995) as the recovery form and the session record word it:
each item's name and what each of its scores 0, 1 and 2 means (clinical.md §4.6)."""

from __future__ import annotations

#: Each item as a clinician names it.
ALDRETE_LABELS = {
    "activity": "Activity",
    "respiration": "Respiration",
    "circulation": "Circulation",
    "consciousness": "Consciousness",
    "spo2": "O2 saturation",
}

#: What each score means, per item: index 0, 1, 2 (clinical.md §4.6, Aldrete 1995).
ALDRETE_CRITERIA: dict[str, tuple[str, str, str]] = {
    "activity": (
        "unable to move any limb",
        "moves 2 limbs voluntarily or on command",
        "moves all 4 limbs voluntarily or on command",
    ),
    "respiration": (
        "apnoeic",
        "dyspnoea or limited breathing",
        "able to breathe deeply and cough freely",
    ),
    "circulation": (
        "BP more than 50 mmHg from the pre-dose level",
        "BP within 20-50 mmHg of the pre-dose level",
        "BP within 20 mmHg of the pre-dose level",
    ),
    "consciousness": ("not responding", "arousable on calling", "fully awake"),
    "spo2": (
        "below 90% even with oxygen",
        "needs oxygen to keep above 90%",
        "above 92% on room air",
    ),
}


def aldrete_option(item: str, score: int) -> str:
    """One item's score in words: ``2 — moves all 4 limbs voluntarily or on command``."""
    texts = ALDRETE_CRITERIA.get(item)
    if texts is None or score not in (0, 1, 2):
        return str(score)
    return f"{score} — {texts[score]}"
