"""Diff, adoption with local changes, immutability of published versions, sign-off items."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from ketaclinic.adapters.protocol_files import ProtocolInvalid, shipped_protocol
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.protocols.canonical import hash_matches
from ketaclinic.domain.protocols.changes import FieldChange, adopt, diff, ensure_publishable
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.signoff import check_signoff_complete, signoff_items

SBP_THRESHOLD = "monitoring.alert_rules[bp-systolic-pause].threshold"


@pytest.fixture
def adult() -> Protocol:
    return shipped_protocol("adult-iv-induction")


def test_diff_of_a_pack_with_itself_is_empty(adult: Protocol) -> None:
    assert diff(adult, adult) == []


def test_adopting_a_threshold_changes_hash_and_diff_names_exactly_that_field(
    adult: Protocol,
) -> None:
    adopted = adopt(adult, {SBP_THRESHOLD: 170}, new_version="1.2.0")
    new = adopted.protocol
    assert new.hash != adult.hash
    assert hash_matches(new)
    assert new.base == "adult-iv-induction@1.1.0"
    assert (adopted.base_ref, adopted.base_hash) == (adult.ref, adult.hash)
    content_changes = [c for c in adopted.changes if c.path not in {"version", "base"}]
    assert content_changes == [FieldChange(SBP_THRESHOLD, "180", "170")]
    assert [c.path for c in diff(adult, new) if c.path not in {"version", "base"}] == [
        SBP_THRESHOLD
    ]


def test_course_pinned_to_the_old_version_still_reports_the_old_threshold(adult: Protocol) -> None:
    pinned = adult
    adopt(adult, {SBP_THRESHOLD: 170}, new_version="1.2.0")
    rule = next(r for r in pinned.monitoring.alert_rules if r.id == "bp-systolic-pause")
    assert rule.threshold == Decimal(180)
    assert shipped_protocol("adult-iv-induction").hash == pinned.hash


def test_adoption_is_validated_like_a_file(adult: Protocol) -> None:
    with pytest.raises(ProtocolInvalid) as caught:
        adopt(adult, {SBP_THRESHOLD: 1800, "dosing.iv.max_mg_per_kg": 9}, new_version="1.2.0")
    paths = {p.path for p in caught.value.problems}
    assert {SBP_THRESHOLD, "dosing.iv.max_mg_per_kg"} <= paths


@pytest.mark.parametrize(
    ("changes", "version", "path"),
    [
        pytest.param(
            {"monitoring.alert_rules[nope].threshold": 170},
            "1.2.0",
            "monitoring.alert_rules[nope].threshold",
            id="unknown-rule",
        ),
        pytest.param(
            {"dosing.iv.no_such_field": 1}, "1.2.0", "dosing.iv.no_such_field", id="unknown-field"
        ),
        pytest.param({"hash": "0" * 64}, "1.2.0", "hash", id="hash-is-computed"),
        pytest.param({SBP_THRESHOLD: 170}, "1.1.0", "version", id="same-version-rewritten"),
    ],
)
def test_adoption_refuses_bad_changes(
    adult: Protocol, changes: dict[str, object], version: str, path: str
) -> None:
    with pytest.raises(ProtocolInvalid) as caught:
        adopt(adult, changes, new_version=version)
    assert path in {p.path for p in caught.value.problems}


def test_adoption_can_change_a_source_entry(adult: Protocol) -> None:
    new_source = {"key": "§4.3 Swiss label, clinic decision", "needs_signoff": False}
    adopted = adopt(
        adult, {"monitoring.sources.predose_hold_sbp_mmhg": new_source}, new_version="1.2.0"
    )
    assert "monitoring.sources.predose_hold_sbp_mmhg" in {c.path for c in adopted.changes}
    assert "monitoring.predose_hold_sbp_mmhg" not in {
        i.path for i in signoff_items(adopted.protocol)
    }


def test_published_version_is_immutable(adult: Protocol) -> None:
    adopted = adopt(adult, {SBP_THRESHOLD: 170}, new_version="1.2.0").protocol
    published = {adult.ref: adult.hash}
    ensure_publishable(published, adult)  # same content again: allowed
    ensure_publishable(published, adopted)  # a new version: allowed
    rewritten = replace(adopted, version=adult.version)
    with pytest.raises(Conflict) as caught:
        ensure_publishable(published, rewritten)
    assert caught.value.field == "version"


def test_signoff_items_list_every_unconfirmed_default_with_value_and_source(
    adult: Protocol,
) -> None:
    items = {item.path: item for item in signoff_items(adult)}
    assert items["dosing.iv.max_mg_per_kg"].value == "1"
    assert items["dosing.iv.max_mg_per_kg"].source.startswith("§2.2")
    assert items["discharge.min_observation_min"].value == 30
    assert items["monitoring.alert_rules[spo2-low-stop]"].value["threshold"] == "92"
    assert "dosing.iv.start_mg_per_kg" not in items  # sourced [P], not UNCONFIRMED
    assert "discharge.aldrete_min_score" not in items


def test_signoff_is_complete_only_when_every_item_is_confirmed(adult: Protocol) -> None:
    paths = [item.path for item in signoff_items(adult)]
    partial = check_signoff_complete(adult, paths[:-1])
    assert not partial.complete
    assert [m.path for m in partial.missing] == [paths[-1]]
    full = check_signoff_complete(adult, [*paths, "not.an.item"])
    assert full.complete
    assert full.unknown_paths == ("not.an.item",)
    assert (full.protocol_ref, full.protocol_hash) == (adult.ref, adult.hash)


@pytest.mark.parametrize("pack_id", ["adolescent-iv", "adult-iv-induction", "kat-holistic"])
def test_every_pack_needs_a_signoff_of_its_bp_alarm(pack_id: str) -> None:
    paths = {item.path for item in signoff_items(shipped_protocol(pack_id))}
    assert "monitoring.alert_rules[bp-systolic-pause]" in paths
    assert check_signoff_complete(shipped_protocol(pack_id), []).complete is False
