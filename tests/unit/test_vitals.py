"""Vital readings: MDC/UCUM unit normalisation, MDC parameter mapping and plausibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.vitals import (
    Parameter,
    ReadingSource,
    ReadingStatus,
    VitalReading,
    check_blood_pressure_pair,
    check_plausible,
    normalise_unit,
    parameter_for_mdc,
)

AT = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "ucum"),
    [
        ("266016", "mm[Hg]"),
        ("MDC_DIM_MMHG", "mm[Hg]"),
        ("mm[Hg]", "mm[Hg]"),
        ("264864", "/min"),
        ("MDC_DIM_BEAT_PER_MIN", "/min"),
        ("/min", "/min"),
        ("262688", "%"),
        ("MDC_DIM_PERCENT", "%"),
        (" 268192 ", "Cel"),
        ("furlongs", None),
        ("Unit", None),
    ],
)
def test_normalise_unit(raw: str, ucum: str | None) -> None:
    assert normalise_unit(raw) == ucum


@pytest.mark.parametrize(
    ("code", "parameter"),
    [
        ("150021", Parameter.SBP),
        ("150022", Parameter.DBP),
        ("150023", Parameter.MAP),
        ("150033", Parameter.SBP),
        ("147842", Parameter.HR),
        ("149530", Parameter.PR),
        ("150456", Parameter.SPO2),
        ("151562", Parameter.RR),
        ("150020", None),  # NIBP compound grouping carries no value
        ("150045", None),  # pulmonary artery systolic is not charted
        ("1500212", None),  # non-standard 7-digit variant in the IPF fixture
    ],
)
def test_parameter_for_mdc(code: str, parameter: Parameter | None) -> None:
    assert parameter_for_mdc(code) == parameter


def make(parameter: Parameter, value: str, unit: str, at: datetime = AT) -> VitalReading:
    return VitalReading(parameter, Decimal(value), unit, at, ReadingSource.STAFF)


def test_plausible_reading_has_no_reasons() -> None:
    verdict = check_plausible(make(Parameter.SBP, "120", "mm[Hg]"), at=AT)
    assert verdict.plausible
    assert verdict.reasons == ()


@pytest.mark.parametrize(
    ("reading", "reason"),
    [
        (make(Parameter.SBP, "12", "mm[Hg]"), "sbp: 12 mm[Hg] outside plausible range 40-300"),
        (make(Parameter.SPO2, "101", "%"), "spo2: 101 % outside plausible range 40-100"),
        (make(Parameter.HR, "80", "mm[Hg]"), "hr: unit 'mm[Hg]' is not '/min'"),
        (
            make(Parameter.RR, "12", "/min", AT + timedelta(minutes=10)),
            f"rr: reading time {(AT + timedelta(minutes=10)).isoformat()} is in the future",
        ),
        (
            make(Parameter.SBP, "120", "mm[Hg]", datetime(2009, 8, 13, 4, 57, tzinfo=UTC)),
            "sbp: reading time 2009-08-13T04:57:00+00:00 is older than 1 day, 0:00:00",
        ),
    ],
    ids=["sbp-too-low", "spo2-over-100", "wrong-unit", "future-time", "device-clock-2009"],
)
def test_implausible_reading_names_reason(reading: VitalReading, reason: str) -> None:
    verdict = check_plausible(reading, at=AT)
    assert not verdict.plausible
    assert verdict.reasons == (reason,)


def test_small_clock_skew_is_tolerated() -> None:
    reading = make(Parameter.RR, "12", "/min", AT + timedelta(seconds=90))
    assert check_plausible(reading, at=AT).plausible


def test_bp_pair_with_diastolic_above_systolic_is_flagged() -> None:
    assert check_blood_pressure_pair(
        make(Parameter.SBP, "80", "mm[Hg]"), make(Parameter.DBP, "90", "mm[Hg]")
    ) == ("bp: diastolic 90 is not below systolic 80",)
    assert (
        check_blood_pressure_pair(
            make(Parameter.SBP, "120", "mm[Hg]"), make(Parameter.DBP, "80", "mm[Hg]")
        )
        == ()
    )


@pytest.mark.parametrize(
    ("status", "usable"),
    [("F", True), ("R", True), ("C", True), ("P", True), ("D", False), ("W", False), ("X", False)],
)
def test_usable_statuses(status: str, usable: bool) -> None:
    reading = VitalReading(
        Parameter.SBP, Decimal(120), "mm[Hg]", AT, ReadingSource.MONITOR, ReadingStatus(status)
    )
    assert reading.usable is usable
