"""The session's readings table as a nurse reads it: a monitor's values at a readable interval,
with every hand entry, every pre-dose checklist and every value past one of the protocol's alert
thresholds always listed, and the whole record one link away.

A bedside monitor sends the record a set of values every minute or so; three hours of those are
far too many rows to read at the bedside. The summary keeps the first monitor row of each
:data:`SUMMARY_EVERY_MIN`-minute stretch and the latest one; nothing stored is dropped (the full
table lists every row, and the chart plots every reading). Clinical.md §4.1 (vitals every
10-15 min, continuous SpO2 and heart rate), §4.3 (alert thresholds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from ketaclinic.domain.infusion.alarm_conditions import compare
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource
from ketaclinic.domain.protocols.sections import AlertKind, AlertRule
from ketaclinic.services.infusion.bedside_vitals import FlowsheetRow

#: The summary's interval: one monitor row per five minutes (the adult pack's BP every 10 min
#: and the KAT pack's every 15 min each fall on a shown row).
SUMMARY_EVERY_MIN = 5
_DEVICES = frozenset({ReadingSource.MONITOR, ReadingSource.GATEWAY})


@dataclass(frozen=True, slots=True)
class ReadingsTable:
    """The rows shown (newest first), how many the session has, and the interval the monitor
    rows were thinned to (None: every row is shown)."""

    rows: Sequence[FlowsheetRow]
    total: int
    every_min: int | None

    @property
    def hidden(self) -> int:
        return self.total - len(self.rows)


def outside(row: FlowsheetRow, rules: Sequence[AlertRule]) -> tuple[Parameter, ...]:
    """The row's values past a threshold of one of the protocol's alert rules (any phase, on a
    single reading: a value worth a look whether or not it raised an alarm)."""
    found = [
        parameter
        for parameter, value in row.values.items()
        if any(_breaches(rule, parameter, value) for rule in rules)
    ]
    return tuple(found)


def _breaches(rule: AlertRule, parameter: Parameter, value: Decimal) -> bool:
    return (
        rule.kind is AlertKind.THRESHOLD
        and rule.parameter == parameter.value
        and compare(value, rule.comparison, rule.threshold)
    )


def readings_table(
    rows: Sequence[FlowsheetRow], rules: Sequence[AlertRule], *, show_all: bool = False
) -> ReadingsTable:
    """``rows`` (newest first, :func:`bedside_vitals.flowsheet`) marked with their values out
    of range, thinned to the summary unless ``show_all``."""
    marked = [replace(row, outside=outside(row, rules)) for row in rows]
    if show_all:
        return ReadingsTable(marked, len(marked), None)
    return ReadingsTable(_summary(marked), len(marked), SUMMARY_EVERY_MIN)


def _summary(rows: Sequence[FlowsheetRow]) -> list[FlowsheetRow]:
    """Every row by hand or from a checklist, every row with a value out of range, the latest
    monitor row, and the first monitor row of each stretch of :data:`SUMMARY_EVERY_MIN`
    minutes (per source)."""
    first_of: dict[tuple[ReadingSource, int], FlowsheetRow] = {}
    for row in rows:  # newest first: the last one seen in a stretch is its first
        if row.source in _DEVICES:
            stretch = int(row.at.timestamp() // (SUMMARY_EVERY_MIN * 60))
            first_of[(row.source, stretch)] = row
    kept = {id(row) for row in first_of.values()}
    latest = next((row for row in rows if row.source in _DEVICES), None)
    return [
        row
        for row in rows
        if row.source not in _DEVICES or row.outside or id(row) in kept or row is latest
    ]
