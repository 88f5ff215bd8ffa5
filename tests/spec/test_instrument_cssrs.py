"""C-SSRS Screener skip logic and risk levels (clinical.md §5.2, Columbia triage guidance).

Each row: the answers (1 = yes, 0 = no; absent = not asked), the expected risk band, whether the
response is complete, the expected safety urgency (None = no safety task) and the source.
"""

from __future__ import annotations

import pytest

from ketaclinic.domain.assessments.instruments import score
from ketaclinic.domain.errors import ValidationFailed

SRC = "§5.2 Columbia triage / SPIER IG"

RISK_ROWS = [
    ("nothing endorsed", {"1": 0, "2": 0, "6": 0}, "none", True, None),
    ("wish to be dead only", {"1": 1, "2": 0, "6": 0}, "low", True, None),
    (
        "nonspecific thoughts, no method",
        {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0},
        "low",
        True,
        None,
    ),
    (
        "ideation with method",
        {"1": 1, "2": 1, "3": 1, "4": 0, "5": 0, "6": 0},
        "moderate",
        True,
        "same_day",
    ),
    (
        "past behaviour, not in 3 months",
        {"1": 0, "2": 0, "6": 1, "6_recent": 0},
        "moderate",
        True,
        "same_day",
    ),
    (
        "intent without plan",
        {"1": 1, "2": 1, "3": 1, "4": 1, "5": 0, "6": 0},
        "high",
        True,
        "urgent",
    ),
    ("plan and intent", {"1": 1, "2": 1, "3": 1, "4": 0, "5": 1, "6": 0}, "high", True, "urgent"),
    ("behaviour within 3 months", {"1": 0, "2": 0, "6": 1, "6_recent": 1}, "high", True, "urgent"),
    (
        "behaviour, recency unanswered: treated as recent",
        {"1": 0, "2": 0, "6": 1},
        "high",
        False,
        "urgent",
    ),
    ("item 2 yes but 3-5 unanswered", {"1": 1, "2": 1, "6": 0}, None, False, None),
    ("item 6 unanswered", {"1": 1, "2": 0}, None, False, None),
]

SLC_ROWS = [
    ("since last contact: behaviour counts as recent", {"1": 0, "2": 0, "6": 1}, "high", "urgent"),
    (
        "since last contact: ideation with method",
        {"1": 1, "2": 1, "3": 1, "4": 0, "5": 0, "6": 0},
        "moderate",
        "same_day",
    ),
    ("since last contact: nothing", {"1": 0, "2": 0, "6": 0}, "none", None),
]


@pytest.mark.parametrize(
    ("case", "answers", "band", "complete", "urgency"), RISK_ROWS, ids=[r[0] for r in RISK_ROWS]
)
def test_cssrs_risk_level(
    case: str, answers: dict[str, int], band: str | None, complete: bool, urgency: str | None
) -> None:
    result = score("cssrs-screen", answers)
    assert (result.band, result.complete) == (band, complete), SRC
    assert (result.max_urgency.value if result.max_urgency else None) == urgency, SRC
    assert result.total is None


@pytest.mark.parametrize(
    ("case", "answers", "band", "urgency"), SLC_ROWS, ids=[r[0] for r in SLC_ROWS]
)
def test_cssrs_since_last_contact(
    case: str, answers: dict[str, int], band: str, urgency: str | None
) -> None:
    result = score("cssrs-screen-slc", answers)
    assert result.band == band, SRC
    assert (result.max_urgency.value if result.max_urgency else None) == urgency, SRC


SKIP_ROWS = [
    ("item 3 asked although item 2 is no", {"1": 1, "2": 0, "3": 1, "6": 0}, "answers.3"),
    ("item 5 asked although item 2 is no", {"1": 0, "2": 0, "5": 0, "6": 0}, "answers.5"),
    (
        "recency asked although no behaviour",
        {"1": 0, "2": 0, "6": 0, "6_recent": 1},
        "answers.6_recent",
    ),
    ("yes/no answer of 2", {"1": 2, "2": 0, "6": 0}, "answers.1"),
]


@pytest.mark.parametrize(("case", "answers", "field"), SKIP_ROWS, ids=[r[0] for r in SKIP_ROWS])
def test_cssrs_skip_logic_violations_are_refused(
    case: str, answers: dict[str, int], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        score("cssrs-screen", answers)
    assert caught.value.field == field, SRC
