"""An incomplete response keeps its safety answer, one row per case (clinical.md §5.1, §5.2).

"Incomplete -> no total" (clinical.md §5.1, prorating UNCONFIRMED) still holds; but a positive
PHQ-9 / PHQ-A item 9 or C-SSRS item in an incomplete response is kept, item by item, so its
safety task opens. An incomplete response without a safety answer is refused whole.
"""

from __future__ import annotations

import pytest

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.services.assessments.responses import score_answers
from tests.baseline import calm_answers


def without(instrument: str, missing: str, **changes: int) -> dict[str, int]:
    answers = calm_answers(instrument, **changes)
    del answers[missing]
    return answers


KEPT = (
    (
        "PHQ-9 item 3 blank, item 9 = 3",
        "phq9",
        without("phq9", "3", item_9=3),
        "phq9.item9_positive",
        "§5.1 GLAD-PC: any item 9 >= 1",
    ),
    (
        "PHQ-9 item 1 blank, item 9 = 1",
        "phq9",
        without("phq9", "1", item_9=1),
        "phq9.item9_positive",
        "§5.1 GLAD-PC: any item 9 >= 1",
    ),
    (
        "PHQ-A item 2 blank, item 9 = 2",
        "phq-a",
        without("phq-a", "2", item_9=2),
        None,
        "§5.1 PHQ-A positive on item 9 >= 1",
    ),
    (
        "C-SSRS item 1 blank, item 2 and 4 yes",
        "cssrs-screen",
        without("cssrs-screen", "1", item_2=1, item_4=1),
        None,
        "§5.2 C-SSRS item 4 = high risk",
    ),
)


@pytest.mark.parametrize(
    ("instrument", "answers", "rule", "source"), [pytest.param(*k[1:], id=k[0]) for k in KEPT]
)
def test_an_incomplete_response_with_a_safety_answer_is_kept(
    instrument: str, answers: dict[str, int], rule: str | None, source: str
) -> None:
    result = score_answers(instrument, answers)
    assert not result.complete and result.total is None, source
    assert result.safety_flags, source
    if rule is not None:
        assert rule in {f.rule_id for f in result.safety_flags}, source
    assert result.answers == answers, source


REFUSED = (
    ("PHQ-9 item 3 blank, item 9 = 0", "phq9", without("phq9", "3"), "answers.3"),
    ("GAD-7 item 7 blank", "gad7", without("gad7", "7"), "answers.7"),
)


@pytest.mark.parametrize(
    ("instrument", "answers", "field"), [pytest.param(*r[1:], id=r[0]) for r in REFUSED]
)
def test_an_incomplete_response_without_a_safety_answer_is_refused(
    instrument: str, answers: dict[str, int], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        score_answers(instrument, answers)
    assert list(caught.value.errors) == [field]
