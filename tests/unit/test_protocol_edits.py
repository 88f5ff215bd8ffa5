"""Typed edits of protocol values: which fields a clinician edits, parsing, unaddressed items."""

from __future__ import annotations

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.protocols.changes import adopt
from ketaclinic.domain.protocols.edits import (
    EditableField,
    collect_changes,
    editable_fields,
    next_version,
    parse_changes,
    parse_value,
    signoff_entries,
    unaddressed,
)
from ketaclinic.domain.protocols.signoff import signoff_items

SBP_PAUSE = "monitoring.alert_rules[bp-systolic-pause]"


def test_a_whole_rule_item_is_edited_through_its_numeric_fields() -> None:
    entries = {
        e.item.path: e
        for e in signoff_entries(signoff_items(shipped_protocol("adult-iv-induction")))
    }
    sbp = entries[SBP_PAUSE]
    assert [(f.path, f.text) for f in sbp.fields] == [
        (f"{SBP_PAUSE}.threshold", "180"),
        (f"{SBP_PAUSE}.consecutive", "2"),
        (f"{SBP_PAUSE}.span_min", "5"),
    ]
    assert ("parameter", "sbp") in sbp.details and ("action", "pause") in sbp.details
    single = entries["series.min_hours_between"]
    assert [(f.path, f.text) for f in single.fields] == [("series.min_hours_between", "48")]


@pytest.mark.parametrize(
    ("current", "text", "expected"),
    [
        (48, " 72 ", 72),
        ("180", "170", "170"),
        ("0.5", "0.75", "0.75"),
        ([7, 14, 28], "7, 21", [7, 21]),
        (["100"], "50,100", ["50", "100"]),
    ],
)
def test_typed_text_takes_the_kind_of_the_current_value(
    current: object, text: str, expected: object
) -> None:
    assert parse_value(current, text) == expected


@pytest.mark.parametrize(
    ("current", "text", "message"),
    [
        (48, "4.5", "a whole number"),
        ("180", "high", "a number"),
        ([7], " , ", "one or more"),
        ("1", "NaN", "a number"),
    ],
)
def test_text_of_the_wrong_kind_says_what_was_expected(
    current: object, text: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_value(current, text)


def test_only_real_changes_are_collected_and_errors_name_the_path() -> None:
    fields = [
        EditableField("a.threshold", "180", "180"),
        EditableField("a.span_min", 5, "5"),
        EditableField("b.max_mg_per_kg", "1.5", "1.5"),
        EditableField("c.sessions", 6, "6"),
    ]
    submitted = {
        "a.threshold": "170",
        "a.span_min": "5",
        "b.max_mg_per_kg": "1.50",
        "c.sessions": "six",
    }
    changes, errors = collect_changes(fields, submitted)
    assert changes == {"a.threshold": "170"}
    assert errors == {"c.sessions": "c.sessions: expected a whole number"}


def test_an_item_is_addressed_by_confirming_it_or_changing_one_of_its_fields() -> None:
    items = signoff_items(shipped_protocol("adult-iv-induction"))
    everything_but_two = {i.path for i in items} - {SBP_PAUSE, "series.min_hours_between"}
    left = unaddressed(items, everything_but_two, [f"{SBP_PAUSE}.threshold"])
    assert [i.path for i in left] == ["series.min_hours_between"]
    assert (
        unaddressed(
            items, everything_but_two, [f"{SBP_PAUSE}.threshold", "series.min_hours_between"]
        )
        == []
    )
    # a change to a similarly named rule does not address this one
    assert SBP_PAUSE in [i.path for i in unaddressed(items, set(), [f"{SBP_PAUSE}x.threshold"])]


def test_next_version_skips_versions_already_taken() -> None:
    assert next_version("1.0.0", []) == "1.0.1"
    assert next_version("1.0.0", ["1.0.0", "1.0.1", "1.0.2"]) == "1.0.3"
    assert next_version("2.3.4-site", ["2.3.5"]) == "2.3.6"


def test_adopt_page_fields_exclude_identity_and_sources() -> None:
    paths = [f.path for f in editable_fields(shipped_protocol("adult-iv-induction"))]
    assert f"{SBP_PAUSE}.threshold" in paths and "dosing.iv.start_mg_per_kg" in paths
    assert not [p for p in paths if ".sources." in p or p in {"version", "id", "hash"}]


def test_typed_rows_become_changes_that_adopt_accepts() -> None:
    protocol = shipped_protocol("adult-iv-induction")
    changes, errors = parse_changes(
        protocol, [(f"{SBP_PAUSE}.threshold", "170"), ("", ""), ("dosing.iv.no_such", "1")]
    )
    assert changes == {f"{SBP_PAUSE}.threshold": "170"}
    assert list(errors) == ["dosing.iv.no_such"] and "no such field" in errors["dosing.iv.no_such"]
    adopted = adopt(protocol, changes, new_version="1.0.1")
    assert [c.path for c in adopted.changes if c.path not in {"version", "base"}] == [
        f"{SBP_PAUSE}.threshold"
    ]
