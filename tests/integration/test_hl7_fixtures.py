"""Every HL7 v2 fixture in tests/fixtures/hl7v2 parses to the readings its README lists."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ketaclinic.adapters.hl7.ack import build_ack
from ketaclinic.adapters.hl7.message import Header
from ketaclinic.adapters.hl7.parse import ParsedMessage, parse_oru
from ketaclinic.adapters.hl7.readings import map_readings
from ketaclinic.domain.infusion.vitals import Parameter

# The clinic's configured zone for monitors that send naive timestamps (request2 does).
CLINIC_TZ = ZoneInfo("America/New_York")

# (obr, code, sub-id, value type, value or None, unit code, OBX-11 status or None)
Row = tuple[int, str, str, str, str | None, str, str | None]

EXPECTED: dict[str, list[Row]] = {
    "valid-pcd01-request.hl7v2": [
        (1, "528391", "1", "", None, "", "R"),
        (1, "150020", "1.0.1", "", None, "", "R"),
        (1, "150021", "1.0.1.1", "NM", "120", "266016", "R"),
        (1, "150022", "1.0.1.2", "NM", "80", "266016", "R"),
        (1, "150023", "1.0.1.3", "NM", "100", "266016", "R"),
    ],
    "valid-pcd01-request2.hl7v2": [
        (1, "147842", "1.6.1.1", "NM", "60", "/min", "R"),
        (1, "148065", "1.6.1.2", "NM", "0", "/min", "R"),
        (1, "150035", "1.3.1.1", "NM", "92", "mm[Hg]", "R"),
        (1, "150033", "1.3.1.2", "NM", "120", "mm[Hg]", "R"),
        (1, "150034", "1.3.1.3", "NM", "80", "mm[Hg]", "R"),
        (1, "149522", "1.2.1.1", "NM", "60", "/min", "R"),
        (1, "150047", "1.4.2.1", "NM", "14", "mm[Hg]", "R"),
        (1, "150045", "1.4.2.2", "NM", "25", "mm[Hg]", "R"),
        (1, "150046", "1.4.2.3", "NM", "10", "mm[Hg]", "R"),
    ],
    "valid-pcd01-MaximumRequest2.hl7": [
        (1, "528391", "1", "NM", "80", "mmHg", "R"),
        (1, "150020", "1.0.1", "", None, "", "R"),
        (1, "150021", "1.0.1.1", "NM", "140", "266016", "C"),
        (1, "150022", "1.0.1.2", "NM", "70", "266016", "D"),
        (1, "150023", "1.0.1.3", "NM", "100", "266016", "F"),
        (2, "5283912", "1", "", None, "", "P"),
        (2, "1500202", "1.0.1", "", None, "", "R"),
        (2, "1500212", "1.0.1.1", "NM", "120", "266016", "S"),
        (2, "1500212", "1.0.1.2", "NM", "80", "266016", "U"),
        (2, "1500232", "1.0.1.3", "NM", "100", "266016", "X"),
    ],
    "valid-bp-continua-wan.hl7v2": [
        # The time-sync row reads "532224^MDC_TIME_SYNC_NONE^MDC|||||R": the R sits in OBX-10
        # and OBX-11 is empty.
        (1, "68220", "0.0.0.1", "CWE", None, "", None),
        (1, "528391", "1", "", None, "", "X"),
        (1, "150020", "1.0.1", "", None, "", "X"),
        (1, "150021", "1.0.1.1", "NM", "120", "266016", "R"),
        (1, "150022", "1.0.1.2", "NM", "80", "266016", "R"),
        (1, "150023", "1.0.1.3", "NM", "100", "266016", "R"),
        (1, "67975", "1.0.0.1", "DTM", None, "", "R"),
    ],
}

HEADERS = {
    "valid-pcd01-request.hl7v2": ("MSGID1234", "789567", "0123456789ABCDEF", None),
    "valid-pcd01-request2.hl7v2": (
        "12d15a9:11df9e61347:-7fee:30456965",
        "AB60001",
        None,
        "3 WEST ICU^3001^1",
    ),
    "valid-pcd01-MaximumRequest2.hl7": ("MSGID1234", "111222333444", "0123456789ABCDEF", "B1"),
    "valid-bp-continua-wan.hl7v2": ("MSGID1234", "789567", "0123456789ABCDEF", None),
}


def load(public_fixtures: Path, name: str) -> ParsedMessage:
    return parse_oru((public_fixtures / "hl7v2" / name).read_bytes(), naive_tz=CLINIC_TZ)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_observations(public_fixtures: Path, name: str) -> None:
    message = load(public_fixtures, name)
    rows = [
        (
            o.obr_index,
            o.code,
            o.sub_id,
            o.value_type,
            None if o.value is None else str(o.value),
            o.unit_code,
            None if o.status is None else o.status.value,
        )
        for o in message.observations
    ]
    assert rows == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_fixture_header_patient_device(public_fixtures: Path, name: str) -> None:
    message = load(public_fixtures, name)
    control_id, patient_id, device_id, location = HEADERS[name]
    assert message.control_id == control_id
    assert message.message_type == "ORU^R01"
    assert message.version == "2.6"
    assert message.patient_id == patient_id
    assert message.device_id == device_id
    assert message.location == location


def test_time_from_grouping_obx_with_offset(public_fixtures: Path) -> None:
    """OBX 3-5 inherit OBX-14 of grouping 1.0.1 (20090813095715+0500 = 04:57:15 UTC)."""
    message = load(public_fixtures, "valid-pcd01-request.hl7v2")
    assert {o.observed_at for o in message.observations} == {
        datetime(2009, 8, 13, 4, 57, 15, tzinfo=UTC)
    }


def test_naive_timestamp_read_in_clinic_zone(public_fixtures: Path) -> None:
    """OBR-7 20081211144500 has no zone: 14:45 in New York (EST) is 19:45 UTC."""
    message = load(public_fixtures, "valid-pcd01-request2.hl7v2")
    assert message.observations[0].observed_at == datetime(2008, 12, 11, 19, 45, tzinfo=UTC)


def test_own_obx14_wins_over_grouping(public_fixtures: Path) -> None:
    message = load(public_fixtures, "valid-pcd01-MaximumRequest2.hl7")
    sys_obx = message.observations[2]
    assert sys_obx.observed_at == datetime(2009, 8, 13, 4, 57, 25, tzinfo=UTC)


def test_continua_device_time_row_keeps_own_obx14(public_fixtures: Path) -> None:
    message = load(public_fixtures, "valid-bp-continua-wan.hl7v2")
    assert message.observations[-1].value_raw == "20091028123702"
    assert message.observations[-1].observed_at == datetime(2009, 10, 28, 17, 37, 2, tzinfo=UTC)


def test_mdc_units_map_to_vital_readings(public_fixtures: Path) -> None:
    mapped = map_readings(load(public_fixtures, "valid-pcd01-request.hl7v2"))
    assert [(r.parameter, r.value, r.unit, r.device_id, r.mdc_code) for r in mapped.readings] == [
        (Parameter.SBP, Decimal(120), "mm[Hg]", "0123456789ABCDEF", "150021"),
        (Parameter.DBP, Decimal(80), "mm[Hg]", "0123456789ABCDEF", "150022"),
        (Parameter.MAP, Decimal(100), "mm[Hg]", "0123456789ABCDEF", "150023"),
    ]
    assert mapped.unmapped == ()


def test_ucum_units_map_and_uncharted_codes_are_kept_with_reason(public_fixtures: Path) -> None:
    mapped = map_readings(load(public_fixtures, "valid-pcd01-request2.hl7v2"))
    assert [(r.parameter, r.value, r.unit) for r in mapped.readings] == [
        (Parameter.HR, Decimal(60), "/min"),
        (Parameter.MAP, Decimal(92), "mm[Hg]"),
        (Parameter.SBP, Decimal(120), "mm[Hg]"),
        (Parameter.DBP, Decimal(80), "mm[Hg]"),
        (Parameter.HR, Decimal(60), "/min"),
    ]
    assert [u.observation.code for u in mapped.unmapped] == ["148065", "150047", "150045", "150046"]
    assert "not a charted vital sign" in mapped.unmapped[0].reason


def test_non_standard_codes_and_units_are_unmapped_not_dropped(public_fixtures: Path) -> None:
    mapped = map_readings(load(public_fixtures, "valid-pcd01-MaximumRequest2.hl7"))
    assert [(r.parameter, r.status.value) for r in mapped.readings] == [
        (Parameter.SBP, "C"),
        (Parameter.DBP, "D"),
        (Parameter.MAP, "F"),
    ]
    assert [u.observation.code for u in mapped.unmapped] == [
        "528391",
        "1500212",
        "1500212",
        "1500232",
    ]
    assert not mapped.readings[1].usable  # OBX-11 D (deleted) never feeds an alarm


def segments(raw: bytes) -> list[list[str]]:
    text = raw.decode("ascii").replace("\r\n", "\r")
    return [s.split("|") for s in text.split("\r") if s]


def test_ack_matches_the_pcd01_response_structure(public_fixtures: Path) -> None:
    expected = segments((public_fixtures / "hl7v2" / "valid-pcd01-response.hl7v2").read_bytes())
    message = load(public_fixtures, "valid-pcd01-request.hl7v2")
    header = Header(message.control_id, "ORU^R01", "2.6", message.sending_application, "")
    ack = segments(build_ack(header, "AA", at=datetime(2030, 1, 7, 9, tzinfo=UTC)))
    assert [s[0] for s in ack] == [s[0] for s in expected] == ["MSH", "MSA"]
    assert len(ack[0]) == len(expected[0])
    for index in (1, 8, 10, 11, 14, 15):  # encoding, type, processing id, version, NE, AL
        assert ack[0][index] == expected[0][index]
    assert ack[0][9] == expected[0][9] == "AMSGID1234"
    assert ack[0][4] == "AcmeInc^ACDE48234567ABCD^EUI-64"  # receiver is the original sender
    assert ack[1] == expected[1] == ["MSA", "AA", "MSGID1234", ""]
