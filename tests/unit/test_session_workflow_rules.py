"""Infusion-day checklist rules without storage: every field error at once and named, the
pre-dose BP hold needs a recheck (clinical.md §4.3), the protocol's pregnancy test applies to
people who can become pregnant, and guard facts fail closed when nothing is documented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.errors import SafetyBlock, ValidationFailed
from ketaclinic.domain.infusion.session import SessionFacts
from ketaclinic.services.infusion import checklists as forms
from ketaclinic.services.infusion.facts import bp_hold, derive_facts, pregnancy_test_required
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
ADULT_IV = shipped_protocol("adult-iv-induction")


def _record(kind: RecordKind, payload: dict[str, Any]) -> SessionRecord:
    return SessionRecord(1, 1, 1, 1, kind, payload, NOW, 1)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"sbp_mmhg": "abc"}, "sbp_mmhg"),
        ({"sbp_mmhg": "400"}, "sbp_mmhg"),
        ({"spo2_pct": "NaN"}, "spo2_pct"),
        ({"order_id": "1.5"}, "order_id"),
        ({"symptom_check": ""}, "symptom_check"),
    ],
)
def test_pre_dose_names_the_bad_field(raw: dict[str, str], field: str) -> None:
    good = {
        "sbp_mmhg": "120",
        "dbp_mmhg": "80",
        "hr_per_min": "70",
        "spo2_pct": "98",
        "symptom_check": "well",
        "order_id": "3",
    }
    with pytest.raises(ValidationFailed) as bad:
        forms.pre_dose({**good, **raw})
    assert field in bad.value.errors


def test_every_field_error_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as bad:
        forms.adverse_event({"severity": "catastrophic"}, NOW)
    assert set(bad.value.errors) == {"kind", "severity", "intervention", "outcome"}


def test_times_must_be_aware_and_not_in_the_future() -> None:
    base = {"drug": "ondansetron", "dose_mg": "4", "route": "iv", "lot": "L1"}
    with pytest.raises(ValidationFailed) as naive:
        forms.administration({**base, "given_at": "2026-11-23T14:00:00"}, NOW)
    assert "given_at" in naive.value.errors
    future = (NOW + timedelta(minutes=5)).isoformat()
    with pytest.raises(ValidationFailed) as ahead:
        forms.administration({**base, "given_at": future}, NOW)
    assert "given_at" in ahead.value.errors
    assert forms.administration(base, NOW).payload["given_at"] == NOW.isoformat()
    with pytest.raises(ValidationFailed) as ketamine:
        forms.administration({**base, "drug": "Ketamine"}, NOW)
    assert "verified order" in ketamine.value.errors["drug"]


def test_scale_totals_are_bounded_by_the_instrument() -> None:
    with pytest.raises(ValidationFailed) as bad:
        forms.scale({"instrument": "cadss6", "total": "25"}, NOW)
    assert "total" in bad.value.errors
    assert forms.scale({"instrument": "cadss", "total": "25"}, NOW).payload["total"] == 25


def test_aldrete_items_are_0_1_or_2() -> None:
    with pytest.raises(ValidationFailed) as bad:
        forms.aldrete(
            {"activity": "3", "respiration": "2", "circulation": "2", "consciousness": "2"}
        )
    assert set(bad.value.errors) == {"activity", "spo2"}
    score = forms.aldrete(dict.fromkeys(forms.ALDRETE_ITEMS, "2"))
    assert score.total == 10


def test_bp_above_the_hold_needs_a_recheck_and_keeps_the_recheck_reasons() -> None:
    first = {"sbp_mmhg": "186", "dbp_mmhg": "90", "recheck_sbp_mmhg": "", "recheck_dbp_mmhg": ""}
    with pytest.raises(SafetyBlock) as held:
        bp_hold(first, ADULT_IV)
    assert held.value.field == "recheck_sbp_mmhg"
    still = bp_hold({**first, "recheck_sbp_mmhg": "182", "recheck_dbp_mmhg": "88"}, ADULT_IV)
    assert still["bp_hold"] and "systolic 182 mmHg" in still["bp_hold"][0]
    settled = bp_hold({**first, "recheck_sbp_mmhg": "150", "recheck_dbp_mmhg": "88"}, ADULT_IV)
    assert settled["bp_hold"] == []


def test_pregnancy_test_applies_to_people_who_can_become_pregnant() -> None:
    assert pregnancy_test_required(ADULT_IV, can_be_pregnant=True)
    assert not pregnancy_test_required(ADULT_IV, can_be_pregnant=False)


def test_facts_fail_closed_without_records_and_need_a_reachable_named_escort() -> None:
    empty = derive_facts([], None, ADULT_IV, can_be_pregnant=True)
    closed = SessionFacts()
    assert (empty.identity_confirmed, empty.escort_named, empty.verified_order) == (
        closed.identity_confirmed,
        closed.escort_named,
        closed.verified_order,
    )
    assert empty.pregnancy_test_required and not empty.pregnancy_test_negative
    payload = {
        "identity_confirmed": True,
        "escort_name": "Sam",
        "escort_phone": "",
        "escort_reachable": True,
        "pregnancy_test": "negative",
    }
    facts = derive_facts(
        [_record(RecordKind.CHECK_IN, payload)], None, ADULT_IV, can_be_pregnant=True
    )
    assert facts.identity_confirmed and not facts.escort_named and facts.pregnancy_test_negative
