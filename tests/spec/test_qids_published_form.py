"""QIDS-SR16 as published: item 6 or 7, and item 8 or 9, not both; one row per case.

Source: clinical.md §5.1 [P: Rush 2003 Biol Psychiatry 54:573; ids-qids.org]: sleep = highest
of items 1-4, appetite/weight = highest of items 6-9, psychomotor = highest of items 15-16;
the form asks the respondent to complete either 6 or 7 and either 8 or 9.
"""

from __future__ import annotations

import pytest

from ketaclinic.domain.assessments.instruments import score

RUSH = "clinical.md §5.1 Rush 2003; ids-qids.org (6 or 7, 8 or 9)"


def form(*skip: int, **values: int) -> dict[str, int]:
    answers = {str(n): 1 for n in range(1, 17) if n not in skip}
    answers.update({k.removeprefix("i"): v for k, v in values.items()})
    return answers


ROWS = (
    ("decreased appetite and decreased weight only", form(7, 9, i6=2, i8=3), 3, True, ()),
    ("increased appetite and increased weight only", form(6, 8, i7=2, i9=1), 2, True, ()),
    ("decreased appetite and increased weight", form(7, 8, i6=1, i9=3), 3, True, ()),
    ("all four answered: the highest counts once", form(i6=2, i7=1, i8=3, i9=0), 3, True, ()),
    ("neither appetite item: incomplete", form(6, 7), None, False, ("6",)),
    ("neither weight item: incomplete", form(8, 9), None, False, ("8",)),
    ("a sleep item is still required", form(3, 7, 9), 1, False, ("3",)),
    ("a psychomotor item is still required", form(16, 7, 9), 1, False, ("16",)),
)


@pytest.mark.parametrize(
    ("case", "answers", "domain", "complete", "missing"), ROWS, ids=[r[0] for r in ROWS]
)
def test_qids_as_published(
    case: str,
    answers: dict[str, int],
    domain: int | None,
    complete: bool,
    missing: tuple[str, ...],
) -> None:
    result = score("qids-sr16", answers)
    assert result.complete is complete, RUSH
    assert result.missing_items == missing, RUSH
    assert result.subscales.get("appetite_weight") == domain, RUSH
    if complete:
        assert result.total == sum(result.subscales.values()) and len(result.subscales) == 9
    else:
        assert result.total is None, RUSH


def test_a_form_with_one_of_each_pair_totals_as_published() -> None:
    # sleep max 2, sad 1, appetite/weight max(3, 0) = 3, six single domains of 1, psychomotor 2
    answers = form(7, 9, i1=2, i6=3, i8=0, i15=2)
    assert score("qids-sr16", answers).total == 2 + 1 + 3 + 1 + 1 + 1 + 1 + 1 + 2, RUSH
