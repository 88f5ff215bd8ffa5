"""The readings table's summary and the demo monitor's sending rate.

The summary keeps the first monitor row of each five-minute stretch and the latest, every row by
hand or from a checklist, and every row with a value past one of the protocol's alert thresholds;
the full table keeps every row. The demo monitors send two messages a minute per chair: a
realistic record rate that still stays inside every shipped pack's allowed gap for continuous
SpO2 and heart rate, so the demo raises no false data-missing alarm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ketaclinic.adapters.hl7 import simulator
from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource
from ketaclinic.domain.protocols.sections import AlertKind
from ketaclinic.services.infusion.bedside_vitals import FlowsheetRow
from ketaclinic.services.infusion.readings_table import SUMMARY_EVERY_MIN, readings_table

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # on a five-minute mark
RULES = shipped_protocol("adult-iv-induction").monitoring.alert_rules


def _monitor(seconds: int, sbp: int = 124) -> FlowsheetRow:
    at = START + timedelta(seconds=seconds)
    values = {Parameter.SBP: Decimal(sbp), Parameter.SPO2: Decimal(98)}
    return FlowsheetRow(at, ReadingSource.MONITOR, values, "dosing")


def _newest_first(rows: list[FlowsheetRow]) -> list[FlowsheetRow]:
    return sorted(rows, key=lambda r: r.at, reverse=True)


def test_the_summary_keeps_one_monitor_row_per_stretch_the_latest_and_every_outlier() -> None:
    monitor = [_monitor(s) for s in range(0, 20 * 60, 30)]  # 20 min, twice a minute
    monitor[25] = _monitor(25 * 30, sbp=212)  # 12:30 in: past the severe BP threshold
    hand = FlowsheetRow(
        START + timedelta(minutes=7), ReadingSource.STAFF, {Parameter.SBP: Decimal(130)}
    )
    rows = _newest_first([*monitor, hand])
    table = readings_table(rows, RULES)
    assert table.every_min == SUMMARY_EVERY_MIN and table.total == 41
    shown = [(r.source, int((r.at - START).total_seconds())) for r in table.rows]
    assert shown == [
        (ReadingSource.MONITOR, 1170),  # the latest
        (ReadingSource.MONITOR, 900),
        (ReadingSource.MONITOR, 750),  # the surge
        (ReadingSource.MONITOR, 600),
        (ReadingSource.STAFF, 420),  # by hand: always
        (ReadingSource.MONITOR, 300),
        (ReadingSource.MONITOR, 0),
    ]
    assert table.hidden == 41 - 7
    [surge] = [r for r in table.rows if r.outside]
    assert surge.outside == (Parameter.SBP,)


def test_the_full_table_lists_every_row_marked() -> None:
    rows = _newest_first([_monitor(s, sbp=212 if s == 60 else 124) for s in range(0, 600, 30)])
    table = readings_table(rows, RULES, show_all=True)
    assert table.every_min is None and table.hidden == 0
    assert [r.at for r in table.rows] == [r.at for r in rows]
    assert [r.outside for r in table.rows if r.outside] == [(Parameter.SBP,)]


@pytest.mark.parametrize("pack", ["adult-iv-induction", "adolescent-iv", "kat-holistic"])
def test_the_demo_monitor_sends_at_a_record_rate_inside_the_allowed_gap(pack: str) -> None:
    assert 60 / simulator.SEND_EVERY_S <= 2  # not a row every few seconds
    gaps = [
        r.threshold
        for r in shipped_protocol(pack).monitoring.alert_rules
        if r.kind is AlertKind.DATA_MISSING
    ]
    assert gaps and all(Decimal(str(simulator.SEND_EVERY_S)) * 2 <= gap for gap in gaps)


def test_the_demo_surge_lasts_two_messages_and_comes_in_the_first_minute() -> None:
    every = simulator.SEND_EVERY_S
    sends = [n * every for n in range(int(simulator.SURGE_EVERY_S * 2 // every))]
    surging = [
        t for t in sends if simulator._surging(t, 3, every, simulator.SURGE_EVERY_S, 15) >= 0
    ]
    assert surging[:2] == [30.0, 60.0] and len(surging) == 4
