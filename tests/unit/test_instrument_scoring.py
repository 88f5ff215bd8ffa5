"""Scoring contract: validation, completeness, missing-item rules and the library's codes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ketaclinic.domain.assessments.instruments import (
    INSTRUMENTS,
    get_instrument,
    score,
    score_instrument,
)
from ketaclinic.domain.assessments.instruments.model import MissingItemRule
from ketaclinic.domain.errors import NotFound, ValidationFailed

PHQ9_ANSWERS = {"1": 0, "2": 0, "3": 0, "4": 1, "5": 2, "6": 1, "7": 3, "8": 2, "9": 1}


def test_phq9_total_band_and_flag() -> None:
    result = score("phq9", PHQ9_ANSWERS)
    assert (result.total, result.band, result.complete) == (10, "moderate", True)
    assert [flag.item_ids for flag in result.safety_flags] == [("9",)]


def test_difficulty_item_is_stored_but_never_scored() -> None:
    result = score("phq9", {**PHQ9_ANSWERS, "difficulty": 3})
    assert result.total == 10
    assert result.answers["difficulty"] == 3


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({**PHQ9_ANSWERS, "9": 4}, "answers.9"),
        ({**PHQ9_ANSWERS, "3": -1}, "answers.3"),
        ({**PHQ9_ANSWERS, "10": 0}, "answers.10"),
        ({**PHQ9_ANSWERS, "2": True}, "answers.2"),
        ({**PHQ9_ANSWERS, "2": "2"}, "answers.2"),
        ({**PHQ9_ANSWERS, "2": 1.0}, "answers.2"),
    ],
    ids=["above-range", "negative", "unknown-item", "bool", "string", "float"],
)
def test_impossible_answers_raise_naming_the_item(answers: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        score("phq9", answers)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert field in caught.value.errors


def test_madrs_odd_ratings_between_anchors_are_allowed_but_7_is_not() -> None:
    answers = {str(n): 5 for n in range(1, 11)}
    assert score("madrs", answers).total == 50
    with pytest.raises(ValidationFailed, match=r"answers\.4"):
        score("madrs", {**answers, "4": 7})


def test_incomplete_response_is_refused_a_total_but_keeps_its_flags() -> None:
    answers = {key: value for key, value in PHQ9_ANSWERS.items() if key != "3"}
    result = score("phq9", answers)
    assert (result.total, result.band, result.complete) == (None, None, False)
    assert result.missing_items == ("3",)
    assert result.safety_flags and result.safety_flags[0].rule_id == "phq9.item9_positive"


def test_incomplete_qids_has_no_total_even_though_domains_could_be_guessed() -> None:
    answers = {str(n): 1 for n in range(1, 17) if n != 2}
    result = score("qids-sr16", answers)
    assert (result.total, result.complete, result.missing_items) == (None, False, ("2",))
    assert "sleep" not in result.subscales


def test_missing_item_rule_prorates_when_an_instrument_defines_one() -> None:
    gad7 = replace(get_instrument("gad7"), missing_rule=MissingItemRule(1, "test rule"))
    result = score_instrument(gad7, {"1": 3, "2": 3, "3": 2, "4": 2, "5": 2, "6": 2})
    # mean 14/6 = 2.333 x 7 items = 16.33 -> 16
    assert (result.total, result.prorated, result.complete, result.band) == (
        16,
        True,
        False,
        "severe",
    )


def test_missing_item_rule_limit_is_enforced() -> None:
    gad7 = replace(get_instrument("gad7"), missing_rule=MissingItemRule(1, "test rule"))
    result = score_instrument(gad7, {"1": 3, "2": 3, "3": 2, "4": 2, "5": 2})
    assert (result.total, result.prorated) == (None, False)


def test_no_shipped_instrument_prorates() -> None:
    assert all(instrument.missing_rule is None for instrument in INSTRUMENTS.values())


def test_unknown_instrument_is_not_found() -> None:
    with pytest.raises(NotFound) as caught:
        score("phq-10", {})
    assert caught.value.field == "instrument_id"


def test_cadss6_scores_from_a_full_cadss_response_item_ids() -> None:
    cadss6 = get_instrument("cadss6")
    assert [item.id for item in cadss6.items] == ["1", "2", "6", "7", "15", "22"]
    full = {str(n): 4 for n in range(1, 24)}
    short = {key: value for key, value in full.items() if cadss6.item(key)}
    assert (score("cadss", full).total, score("cadss6", short).total) == (92, 24)


def test_aldrete_total() -> None:
    answers = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 1, "spo2": 2}
    assert score("aldrete", answers).total == 9


# LOINC codes only where clinical.md §5.3 confirms them (never invented).
CONFIRMED_PANELS = {"phq9": ("44249-1", "44261-6"), "gad7": ("69737-5", "70274-6")}


@pytest.mark.parametrize("instrument_id", sorted(INSTRUMENTS))
def test_loinc_codes_only_where_confirmed(instrument_id: str) -> None:
    instrument = get_instrument(instrument_id)
    codes = (instrument.loinc_panel, instrument.loinc_total)
    assert codes == CONFIRMED_PANELS.get(instrument_id, (None, None))
    answer_codes = {o.loinc for item in instrument.items for o in item.options if o.loinc}
    if instrument_id == "phq9":
        assert answer_codes == {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"}
    else:
        assert answer_codes == set()


def test_phq9_item_codes_and_item9() -> None:
    phq9 = get_instrument("phq9")
    assert phq9.item("9") is not None and phq9.item("9").loinc == "44260-8"  # type: ignore[union-attr]
    difficulty = phq9.item("difficulty")
    assert difficulty is not None
    assert (difficulty.loinc, difficulty.loinc_confirmed, difficulty.scored) == (
        "69722-7",
        False,
        False,
    )


@pytest.mark.parametrize("instrument_id", sorted(INSTRUMENTS))
def test_every_definition_is_consistent(instrument_id: str) -> None:
    instrument = get_instrument(instrument_id)
    ids = [item.id for item in instrument.items]
    assert len(ids) == len(set(ids))
    assert instrument.source.startswith("clinical.md")
    for subscale in instrument.subscales:
        assert all(instrument.item(i) for i in subscale.item_ids)
    for rule in instrument.safety_rules:
        assert all(instrument.item(i) for i in rule.item_ids)
    if instrument.score_max is not None:
        assert instrument.score_max == _max_total(instrument_id)


def _max_total(instrument_id: str) -> int:
    instrument = get_instrument(instrument_id)
    answers = {
        item.id: max(item.allowed_values()) for item in instrument.items if item.asked_when is None
    }
    total = score(instrument_id, answers).total
    assert total is not None
    return total
