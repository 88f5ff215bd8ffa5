"""Session record entries, alarm counts, routes and Aldrete options in words: labels and units a
clinician reads, people by name and role, and never an internal record, order or staff number,
a stored code or a rule id in the main text (those sit behind "Why")."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ketaclinic.domain.dosing.orders import ObservedAdministration, OrderToVerify, verify_order
from ketaclinic.domain.infusion.records import StoredAlarm
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.entrypoints.web.alarm_words import alarm_count, alarm_message
from ketaclinic.entrypoints.web.aldrete_words import ALDRETE_CRITERIA, aldrete_option
from ketaclinic.entrypoints.web.plain import field_label, route_name, state_words
from ketaclinic.entrypoints.web.record_words import RecordWords, record_words

NOT_DOSED = {
    "predose_record_id": 500,
    "decision": "do_not_dose",
    "reason": "BP still high on recheck",
    "decided_by_id": 1,
    "decided_by_name": "Dr Fake Physician",
    "decided_by_role": "physician",
    "prescriber_id": 1,
    "prescriber_name": "Dr Fake Physician",
    "prescriber_role": "physician",
}

PRE_DOSE = {
    "sbp_mmhg": "184",
    "dbp_mmhg": "96",
    "hr_per_min": "72",
    "spo2_pct": "98",
    "symptom_check": "none",
    "order_id": 61,
    "recheck_sbp_mmhg": "180",
    "recheck_dbp_mmhg": "96",
    "prescriber_bp_decision": "",
    "bp_hold": ["systolic 180 mmHg is at or above the hold of 160 mmHg"],
    "bp_hold_source": "clinical.md §4.3",
    "vitals_hold": ["predose-spo2-low: SpO2 below 92% (source clinical.md §4.3)"],
    "vitals_hold_rules": ["predose-spo2-low"],
}


def _text(words: RecordWords) -> str:
    return "; ".join(f"{label}: {value}" for label, value in words.lines)


def test_a_decision_not_to_dose_reads_as_the_decision_and_who_made_it() -> None:
    words = record_words("predose_decision", NOT_DOSED, [], lambda _: "")
    text = _text(words)
    assert words.title == "Not dosed today"
    assert "Decision: do not dose today" in text
    assert "Reason: BP still high on recheck" in text
    assert text.count("Dr Fake Physician") == 1  # one person, named once
    assert "Decided by: Dr Fake Physician (physician)" in text
    for raw in ("do_not_dose", "500", "number", "_id", "predose record"):
        assert raw not in text, raw


def test_the_pre_dose_checklist_has_units_and_keeps_rule_ids_behind_why() -> None:
    words = record_words("pre_dose", PRE_DOSE, [], lambda _: "")
    text = _text(words)
    assert words.title == "Pre-dose checklist"
    assert "Systolic BP: 184 mmHg" in text and "Recheck diastolic BP: 96 mmHg" in text
    assert "Heart rate: 72/min" in text and "SpO2: 98%" in text
    assert "Order: the signed dose order of the course" in text
    assert "Vital signs hold: SpO2 below 92%" in text
    assert "(mmhg)" not in text.lower() and "61" not in text and "number" not in text
    assert "predose-spo2-low" not in text and "clinical.md" not in text
    why = "; ".join(f"{label}: {value}" for label, value in words.why)
    assert "predose-spo2-low" in why and "clinical.md §4.3" in why


def test_the_aldrete_record_says_what_each_score_means() -> None:
    payload = {"activity": 2, "respiration": 1, "circulation": 2, "consciousness": 2, "spo2": 2}
    words = record_words("aldrete", {**payload, "total": 9}, [], lambda _: "")
    text = _text(words)
    assert "Activity: 2 — moves all 4 limbs voluntarily or on command" in text
    assert "Respiration: 1 — dyspnoea or limited breathing" in text
    assert "O2 saturation: 2 — above 92% on room air" in text
    assert "Total: 9 of 10" in text
    assert set(ALDRETE_CRITERIA) == set(payload)
    assert aldrete_option("consciousness", 0) == "0 — not responding"


def test_a_premedication_names_the_route_in_full_and_the_giver_by_name() -> None:
    payload = {
        "drug": "ondansetron",
        "dose_mg": "4",
        "route": "iv",
        "lot": "LOT-FAKE-1",
        "purpose": "premedication",
        "given_by": "Fake Nurse",
        "given_by_id": 7,
    }
    text = _text(record_words("administration", payload, [], lambda _: ""))
    assert "Dose: 4 mg" in text and "Route: Intravenous (IV)" in text
    assert "Given by: Fake Nurse" in text and "7" not in text


def test_routes_states_and_field_labels_are_words() -> None:
    assert [route_name(r) for r in (Route.IV, Route.IM, Route.IN, Route.SL)] == [
        "Intravenous (IV)",
        "Intramuscular (IM)",
        "Intranasal (IN)",
        "Sublingual (SL)",
    ]
    assert state_words("infusing") == "Dosing" and state_words("recovery") == "In recovery"
    assert field_label("order_id") == "Order"
    assert "number" not in field_label("predose_record_id")


def test_a_verification_mismatch_names_the_field_and_its_units() -> None:
    ordered = OrderToVerify(
        order_id="o1",
        patient_id="p-fake-1",
        drug="ketamine",
        route=Route.IV,
        concentration_mg_per_ml=Decimal("0.35"),
        dose_mg=Decimal(35),
        rate_ml_per_h=Decimal(250),
    )
    observed = ObservedAdministration(
        patient_id="p-fake-2",
        drug="ketamine",
        route=Route.IM,
        concentration_mg_per_ml=Decimal(50),
        dose_mg=Decimal(35),
        rate_ml_per_h=Decimal(250),
    )
    messages = [m.reason.message for m in verify_order(ordered, observed).mismatches]
    assert "Concentration: ordered 0.35 mg/mL, found 50 mg/mL" in messages
    assert "Route: ordered IV, found IM" in messages
    assert "Patient: the order is for another patient than the one at the bedside" in messages
    assert not any("mg per ml" in m or "p-fake" in m or "patient id" in m for m in messages)


def _alarm(repeats: int) -> StoredAlarm:
    raised = datetime(2026, 12, 7, 10, 42, tzinfo=UTC)
    return StoredAlarm(
        id=3,
        clinic_id=1,
        session_id=2,
        patient_id=4,
        rule_id="bp-systolic-severe",
        dedup_key="k",
        parameter="sbp",
        severity="high",
        action="pause",
        message="Systolic BP 200 mmHg or above: 1 reading (latest 212)",
        source="clinical.md §4.3",
        needs_signoff=False,
        triggering=(),
        raised_at=raised,
        repeat_count=repeats,
        last_raised_at=raised.replace(hour=11, minute=2) if repeats > 1 else None,
    )


def test_an_alarm_has_one_count_in_words() -> None:
    once, again = _alarm(1), _alarm(15)
    assert alarm_count(once) == "Out of range once, at 10:42"
    assert alarm_message(once) == once.message
    assert alarm_count(again) == "Out of range 15 times since 10:42, latest 11:02"
    assert alarm_message(again) == "Systolic BP 200 mmHg or above (latest 212)"
    assert "1 reading" not in alarm_message(again)
