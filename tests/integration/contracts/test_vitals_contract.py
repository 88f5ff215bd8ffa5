"""Readings, alarms and the HL7 inbox contracts: in-memory fakes, SQLite and PostgreSQL
behave the same."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.infusion.alarms import Alarm
from ketaclinic.domain.infusion.records import AckAction
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, ReadingStatus, VitalReading
from ketaclinic.domain.protocols.sections import AlertAction, AlertSeverity
from ketaclinic.services.ports import UnitOfWork
from tests.integration.contracts.conftest import AT, Backend, ClinicRows
from tests.integration.contracts.test_infusion_contract import checked_in

UNITS = {Parameter.SBP: "mm[Hg]", Parameter.HR: "/min"}


def reading(parameter: Parameter, value: str, minutes: float) -> VitalReading:
    return VitalReading(
        parameter,
        Decimal(value),
        UNITS[parameter],
        AT + timedelta(minutes=minutes),
        ReadingSource.MONITOR,
        ReadingStatus.RESULTS_ENTERED,
        "00AA",
        "150033",
    )


def alarm(key: str = "sbp_high", minutes: int = 0) -> Alarm:
    return Alarm(
        rule_id="alarm.sbp_high",
        dedup_key=key,
        parameter="sbp",
        severity=AlertSeverity.HIGH,
        action=AlertAction.PAUSE,
        triggering=(reading(Parameter.SBP, "182", minutes), reading(Parameter.SBP, "185.5", 1)),
        message="Systolic 185 mmHg",
        source="clinical.md §4.4",
        needs_signoff=True,
        raised_at=AT + timedelta(minutes=minutes),
    )


def session_id(uow: UnitOfWork, rows: ClinicRows) -> int:
    return checked_in(uow, rows).id


# -- readings ------------------------------------------------------------------------------
def test_readings_round_trip_with_plain_values_and_rejections(backend: Backend) -> None:
    h = backend.home
    rows = [
        (reading(Parameter.SBP, "120.000", 2), None),
        (reading(Parameter.HR, "72.50", 1), None),
        (reading(Parameter.SBP, "400", 3), "outside the plausible range"),
    ]
    with backend.uow() as uow:
        sid = session_id(uow, h)
        uow.readings.add_many(h.clinic_id, sid, h.patient_id, rows, received_at=AT)
        uow.commit()
    with backend.uow() as uow:
        stored = uow.readings.for_session(h.clinic_id, sid)
        assert uow.readings.for_session(backend.away.clinic_id, sid) == []
    assert [(s.reading.parameter, str(s.reading.value)) for s in stored] == [
        (Parameter.HR, "72.5"),
        (Parameter.SBP, "120"),
        (Parameter.SBP, "400"),
    ]
    assert [(s.plausible, s.rejected_reason) for s in stored] == [
        (True, None),
        (True, None),
        (False, "outside the plausible range"),
    ]
    assert stored[0].reading.at == AT + timedelta(minutes=1)
    assert (stored[0].received_at, stored[0].session_id, stored[0].reading.device_id) == (
        AT,
        sid,
        "00AA",
    )


def test_newest_keeps_plausible_readings_of_one_parameter_oldest_first(backend: Backend) -> None:
    h = backend.home
    rows = [(reading(Parameter.SBP, str(100 + n), n), None) for n in range(5)]
    rows.append((reading(Parameter.SBP, "400", 9), "implausible"))
    rows.append((reading(Parameter.HR, "70", 10), None))
    with backend.uow() as uow:
        sid = session_id(uow, h)
        uow.readings.add_many(h.clinic_id, sid, h.patient_id, rows, received_at=AT)
        newest = uow.readings.newest(h.clinic_id, sid, "sbp", limit=3)
        assert uow.readings.newest(backend.away.clinic_id, sid, "sbp", limit=3) == []
    assert [str(r.value) for r in newest] == ["102", "103", "104"]


def test_recent_and_latest_windows(backend: Backend) -> None:
    h = backend.home
    observed = [3, 1, 4, 2]  # stored in this order
    rows = [(reading(Parameter.HR, str(60 + m), m), None) for m in observed]
    with backend.uow() as uow:
        sid = session_id(uow, h)
        uow.readings.add_many(h.clinic_id, sid, h.patient_id, rows, received_at=AT)
        recent = uow.readings.recent(h.clinic_id, sid, since=AT + timedelta(minutes=2), limit=2)
        latest = uow.readings.latest(h.clinic_id, sid, limit=2)
    assert [str(r.reading.value) for r in recent] == ["63", "64"]
    assert [str(r.reading.value) for r in latest] == ["64", "62"]


# -- alarms --------------------------------------------------------------------------------
def test_an_alarm_round_trips_with_its_triggering_readings(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        sid = session_id(uow, h)
        raised = uow.alarms.add(h.clinic_id, sid, h.patient_id, alarm())
        uow.commit()
    with backend.uow() as uow:
        assert uow.alarms.get(h.clinic_id, raised.id) == raised
        assert uow.alarms.get(backend.away.clinic_id, raised.id) is None
        assert uow.alarms.for_session(backend.away.clinic_id, sid) == []
    assert (raised.severity, raised.action, raised.needs_signoff) == ("high", "pause", True)
    assert raised.triggering == (
        ("sbp", Decimal("182"), AT),
        ("sbp", Decimal("185.5"), AT + timedelta(minutes=1)),
    )
    assert raised.active and raised.needs_attention


def test_an_alarm_is_raised_once_while_its_condition_holds(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        sid = session_id(uow, h)
        first = uow.alarms.add(h.clinic_id, sid, h.patient_id, alarm())
        with pytest.raises(Conflict) as err:
            uow.alarms.add(h.clinic_id, sid, h.patient_id, alarm(minutes=5))
        cleared = uow.alarms.clear(h.clinic_id, sid, "sbp_high", at=AT, message="back to 140")
        again = uow.alarms.add(h.clinic_id, sid, h.patient_id, alarm(minutes=6))
        listed = uow.alarms.for_session(h.clinic_id, sid)
    assert err.value.field == "dedup_key"
    assert cleared is not None and cleared.id == first.id and not cleared.active
    assert cleared.cleared_message == "back to 140"
    assert [a.id for a in listed] == [first.id, again.id]


def test_clearing_without_an_active_alarm_returns_none(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        sid = session_id(uow, h)
        uow.alarms.add(h.clinic_id, sid, h.patient_id, alarm())
        assert uow.alarms.clear(h.clinic_id, sid, "hr_low", at=AT, message="") is None
        assert uow.alarms.clear(backend.away.clinic_id, sid, "sbp_high", at=AT, message="") is None
        assert uow.alarms.clear(h.clinic_id, sid, "sbp_high", at=AT, message="") is not None
        assert uow.alarms.clear(h.clinic_id, sid, "sbp_high", at=AT, message="") is None


def test_acknowledging_records_who_what_and_why(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        sid = session_id(uow, h)
        raised = uow.alarms.add(h.clinic_id, sid, h.patient_id, alarm())
        done = uow.alarms.acknowledge(
            raised,
            by=h.second_staff_id,
            at=AT,
            action=AckAction.PAUSE,
            note="paused",
            resolution="recheck in 5 min",
        )
        uow.commit()
    with backend.uow() as uow:
        assert uow.alarms.get(h.clinic_id, raised.id) == done
    assert (done.acknowledged_by, done.ack_action, done.ack_note, done.resolution) == (
        h.second_staff_id,
        AckAction.PAUSE,
        "paused",
        "recheck in 5 min",
    )
    assert done.active and not done.needs_attention


def record(uow: UnitOfWork, rows: ClinicRows) -> int:
    return uow.hl7_inbox.record(
        rows.clinic_id,
        sender="GW",
        control_id="C1",
        digest="d" * 64,
        at=AT,
        outcome="stored",
        ack_code="AA",
        session_id=None,
        readings=0,
    )


# -- HL7 inbox -----------------------------------------------------------------------------
def test_a_message_receipt_is_seen_again_only_in_its_clinic(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        sid = session_id(uow, h)
        uow.hl7_inbox.lock_session(h.clinic_id, sid)
        uow.hl7_inbox.record(
            h.clinic_id,
            sender="GW",
            control_id="C1",
            digest="d" * 64,
            at=AT,
            outcome="stored",
            ack_code="AA",
            session_id=sid,
            readings=3,
        )
        uow.commit()
    with backend.uow() as uow:
        assert uow.hl7_inbox.seen(h.clinic_id, "GW", "C1") == ("AA", "d" * 64)
        assert uow.hl7_inbox.seen(h.clinic_id, "GW", "C2") is None
        assert uow.hl7_inbox.seen(a.clinic_id, "GW", "C1") is None
        assert uow.hl7_inbox.seen_many(h.clinic_id, [("GW", "C1"), ("GW", "C2")]) == {
            ("GW", "C1"): ("AA", "d" * 64)
        }
        assert (
            uow.hl7_inbox.message_count(h.clinic_id),
            uow.hl7_inbox.message_count(a.clinic_id),
        ) == (1, 0)


def test_the_same_message_recorded_twice_is_a_conflict(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        record(uow, h)
        with pytest.raises(Conflict) as err:
            record(uow, h)
        assert uow.hl7_inbox.message_count(h.clinic_id) == 1
    assert err.value.field == "control_id"


def test_dead_letters_keep_size_not_payload_newest_first(backend: Backend) -> None:
    h, a = backend.home, backend.away
    with backend.uow() as uow:
        ids = [
            uow.hl7_inbox.dead_letter(
                h.clinic_id,
                kind="rejected",
                ack_code="AE",
                error_code="207",
                reason="r" * 3000 if n else "unreadable",
                control_id="X" * 300 if n else "",
                payload=b"MSH|" * (n + 1),
                at=AT + timedelta(minutes=n),
            )
            for n in range(2)
        ]
        uow.commit()
    with backend.uow() as uow:
        letters = uow.hl7_inbox.dead_letters(h.clinic_id)
        assert uow.hl7_inbox.dead_letters(a.clinic_id) == []
        assert [d.id for d in uow.hl7_inbox.dead_letters(h.clinic_id, limit=1)] == [ids[1]]
    assert [d.id for d in letters] == ids[::-1]
    assert (len(letters[0].reason), len(letters[0].control_id or ""), letters[0].payload_bytes) == (
        2000,
        200,
        8,
    )
    assert (letters[1].control_id, letters[1].received_at, letters[1].kind) == (
        None,
        AT,
        "rejected",
    )


def test_a_repeat_counts_on_the_same_alarm_and_makes_it_active_again(backend: Backend) -> None:
    h = backend.home
    with backend.uow() as uow:
        sid = session_id(uow, h)
        first = uow.alarms.add(h.clinic_id, sid, h.patient_id, alarm())
        uow.alarms.clear(h.clinic_id, sid, "sbp_high", at=AT, message="back to 140")
        repeated = uow.alarms.repeat(first, alarm(minutes=7))
        uow.commit()
    with backend.uow() as uow:
        listed = uow.alarms.for_session(h.clinic_id, sid)
        with pytest.raises(Conflict):  # active again: still one alarm per rule while it holds
            uow.alarms.add(h.clinic_id, sid, h.patient_id, alarm(minutes=8))
    assert [a.id for a in listed] == [first.id] and listed[0] == repeated
    assert (repeated.repeat_count, repeated.last_raised_at) == (2, AT + timedelta(minutes=7))
    assert repeated.active and repeated.cleared_message is None
    assert repeated.raised_at == first.raised_at and repeated.triggering[0][2] == AT + timedelta(
        minutes=7
    )
