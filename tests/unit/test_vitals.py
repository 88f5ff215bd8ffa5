"""Vital readings: MDC/UCUM unit normalisation, MDC parameter mapping and plausibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.infusion.vitals import (
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
        (make(Parameter.SBP, "400", "mm[Hg]"), "sbp: 400 mm[Hg] outside plausible range 1-300"),
        (make(Parameter.HR, "350", "/min"), "hr: 350 /min outside plausible range 1-300"),
        (make(Parameter.HR, "80", "mm[Hg]"), "hr: unit 'mm[Hg]' is not '/min'"),
        (
            make(Parameter.RR, "12", "/min", AT + timedelta(minutes=10)),
            "rr: reading time is 10 min in the future (more than 2 min ahead of the clinic clock)",
        ),
        (
            make(Parameter.SBP, "120", "mm[Hg]", datetime(2009, 8, 13, 4, 57, tzinfo=UTC)),
            "sbp: reading is 7452 days old, older than 24 h",
        ),
    ],
    ids=["sbp-too-high", "hr-too-high", "wrong-unit", "future-time", "device-clock-2009"],
)
def test_implausible_reading_names_reason(reading: VitalReading, reason: str) -> None:
    verdict = check_plausible(reading, at=AT)
    assert not verdict.plausible
    assert verdict.reasons == (reason,)


@pytest.mark.parametrize(
    ("parameter", "value", "unit"),
    [
        (Parameter.SPO2, "35", "%"),
        (Parameter.SPO2, "1", "%"),
        (Parameter.SBP, "12", "mm[Hg]"),
        (Parameter.HR, "15", "/min"),
        (Parameter.RR, "0", "/min"),
    ],
    ids=["spo2-35", "spo2-1", "sbp-12", "hr-15", "rr-0-apnoea"],
)
def test_low_values_are_believed(parameter: Parameter, value: str, unit: str) -> None:
    verdict = check_plausible(make(parameter, value, unit), at=AT)
    assert verdict.plausible and not verdict.technical


@pytest.mark.parametrize(
    ("parameter", "value", "unit", "check"),
    [
        (Parameter.SPO2, "0", "%", "oximeter probe"),
        (Parameter.SPO2, "101", "%", "oximeter probe"),
        (Parameter.SPO2, "127.5", "%", "oximeter probe"),
        (Parameter.PR, "0", "/min", "oximeter probe"),
        (Parameter.HR, "-1", "/min", "ECG leads"),
        (Parameter.SBP, "65535", "mm[Hg]", "blood pressure cuff"),
        (Parameter.RR, "1023", "/min", "respiration sensor"),
    ],
    ids=["spo2-0", "spo2-101", "spo2-127.5", "pr-0", "hr-negative", "sbp-ffff", "rr-1023"],
)
def test_lost_signal_is_technical_and_names_what_to_check(
    parameter: Parameter, value: str, unit: str, check: str
) -> None:
    verdict = check_plausible(make(parameter, value, unit), at=AT)
    assert verdict.technical and not verdict.plausible
    assert verdict.reasons[0].startswith("technical:")
    assert f"check the {check}" in verdict.reasons[0]


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
