"""Corrupt and hostile HL7 input gets a negative ACK with a reason, never an escaping exception."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketaclinic.adapters.hl7.ack import build_rejection_ack
from ketaclinic.adapters.hl7.builder import MonitorSnapshot, build_pcd01
from ketaclinic.adapters.hl7.message import MessageRejected
from ketaclinic.adapters.hl7.parse import ParsedMessage, parse_or_reject
from ketaclinic.adapters.hl7.readings import map_readings
from ketaclinic.domain.infusion.vitals import Parameter

TZ = ZoneInfo("UTC")
AT = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
VALID = (
    b"MSH|^~\\&|KETASIM^00000000000000AA^EUI-64||||20300107090000+0000||ORU^R01^ORU_R01|CTL1|P|2.6\r"
    b"PID|||ZZ-0001^^^TEST^PI\r"
    b"OBR|1|||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|||20300107090000+0000\r"
    b"OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.1|120|266016^MDC_DIM_MMHG^MDC|||||R\r"
)


def rejected(raw: bytes) -> MessageRejected:
    result = parse_or_reject(raw, naive_tz=TZ)
    assert isinstance(result, MessageRejected), result
    return result


def test_valid_baseline_parses() -> None:
    assert isinstance(parse_or_reject(VALID, naive_tz=TZ), ParsedMessage)


HOSTILE = [
    ("empty", b"", "AR", "does not start with an MSH"),
    ("not hl7", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "AR", "does not start with an MSH"),
    ("truncated msh", b"MSH|^~", "AR", "MSH-1/MSH-2"),
    ("wrong encoding characters", VALID.replace(b"^~\\&", b"#$%*", 1), "AR", "MSH-1/MSH-2"),
    ("wrong field separator", VALID.replace(b"MSH|", b"MSH#", 1), "AR", "MSH-1/MSH-2"),
    (
        "adt instead of oru",
        VALID.replace(b"ORU^R01^ORU_R01", b"ADT^A01^ADT_A01"),
        "AR",
        "unsupported message type",
    ),
    (
        "pcd-04 alarm message",
        VALID.replace(b"ORU^R01^ORU_R01", b"ORU^R40^ORU_R40"),
        "AR",
        "unsupported message type",
    ),
    ("missing control id", VALID.replace(b"|CTL1|", b"||"), "AR", "MSH-10"),
    ("version 3", VALID.replace(b"|P|2.6", b"|P|3.0"), "AR", "version"),
    ("no obx", VALID.split(b"OBX")[0], "AE", "no OBX"),
    ("value not a number", VALID.replace(b"|120|", b"|12O|"), "AE", "is not a number"),
    ("value infinity", VALID.replace(b"|120|", b"|Infinity|"), "AE", "is not a number"),
    ("unknown result status", VALID.replace(b"|||||R\r", b"|||||Q\r"), "AE", "table 0085"),
    ("missing status on a value", VALID.replace(b"|||||R\r", b"|||||\r"), "AE", "table 0085"),
    (
        "bad timestamp",
        VALID.replace(b"|||20300107090000+0000\r", b"|||2030-01-07\r"),
        "AE",
        "not an HL7 timestamp",
    ),
    (
        "impossible date",
        VALID.replace(b"|||20300107090000+0000\r", b"|||20301307090000\r"),
        "AE",
        "not an HL7 timestamp",
    ),
    (
        "non-ascii with ascii charset",
        VALID.replace(b"ZZ-0001", "ZZ-\u00e9".encode()),
        "AR",
        "is not ascii",
    ),
    ("unsupported charset", VALID.replace(b"|P|2.6", b"|P|2.6||||||EBCDIC"), "AR", "character set"),
    ("1 MB segment", VALID + b"NTE|1||" + b"A" * 1_048_576 + b"\r", "AR", "characters (max"),
    ("binary segment name", VALID + b"\x00\x01\x02|x\r", "AR", "no valid segment name"),
]


@pytest.mark.parametrize(
    ("raw", "code", "reason"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_hostile_input_gets_negative_ack_with_reason(raw: bytes, code: str, reason: str) -> None:
    result = rejected(raw)
    assert result.ack_code == code
    assert reason in result.reason
    ack = build_rejection_ack(result, at=AT).decode("ascii").split("\r")
    assert ack[1].startswith(f"MSA|{code}|")
    assert ack[2].startswith(f"ERR|||{result.error_code}^")


def test_negative_ack_echoes_the_control_id_when_readable() -> None:
    ack = build_rejection_ack(rejected(VALID.replace(b"|120|", b"|x|")), at=AT)
    assert ack.split(b"\r")[1] == b"MSA|AE|CTL1|segment 4 OBX-5: 'x' is not a number"


def test_latin1_declared_in_msh18_is_accepted() -> None:
    raw = VALID.replace(b"|P|2.6", b"|P|2.6||||||8859/1").replace(b"ZZ-0001", b"ZZ-\xe90001")
    result = parse_or_reject(raw, naive_tz=TZ)
    assert isinstance(result, ParsedMessage)
    assert result.patient_id == "ZZ-\u00e90001"


def test_lf_only_line_endings_are_accepted() -> None:
    result = parse_or_reject(VALID.replace(b"\r", b"\n"), naive_tz=TZ)
    assert isinstance(result, ParsedMessage)
    assert result.observations[0].value == Decimal(120)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    result = parse_or_reject(data, naive_tz=TZ)
    assert isinstance(result, ParsedMessage | MessageRejected)
    if isinstance(result, MessageRejected):
        build_rejection_ack(result, at=AT).decode("ascii")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.integers(min_value=0, max_value=len(VALID)))
def test_corrupted_valid_message_never_raises(junk: bytes, position: int) -> None:
    raw = VALID[:position] + junk + VALID[position:]
    result = parse_or_reject(raw, naive_tz=TZ)
    assert isinstance(result, ParsedMessage | MessageRejected)


def test_builder_message_round_trips_with_twelve_obx() -> None:
    snapshot = MonitorSnapshot(
        at=AT,
        sbp_mmhg=Decimal(182),
        dbp_mmhg=Decimal(96),
        map_mmhg=Decimal(125),
        hr_per_min=Decimal(88),
        spo2_pct=Decimal(97),
        rr_per_min=Decimal(14),
    )
    raw = build_pcd01(
        snapshot,
        control_id="SIM-1",
        patient_id="ZZ-0001",
        device_eui64="00000000000000AA",
        location="CHAIR-1",
        full=True,
    )
    message = parse_or_reject(raw, naive_tz=TZ)
    assert isinstance(message, ParsedMessage)
    assert len(message.observations) == 12
    assert message.control_id == "SIM-1"
    assert message.location == "CHAIR-1"
    mapped = map_readings(message)
    assert {r.parameter: r.value for r in mapped.readings} == {
        Parameter.SBP: Decimal(182),
        Parameter.DBP: Decimal(96),
        Parameter.MAP: Decimal(125),
        Parameter.HR: Decimal(88),
        Parameter.SPO2: Decimal(97),
        Parameter.RR: Decimal(14),
        Parameter.PR: Decimal(88),
        Parameter.TEMP: Decimal("36.8"),
    }
    assert mapped.unmapped == ()
    assert {r.device_id for r in mapped.readings} == {"00000000000000AA"}
    assert {r.at for r in mapped.readings} == {AT}


def test_fixture_with_crlf_and_without_final_terminator(public_fixtures: Path) -> None:
    raw = (public_fixtures / "hl7v2" / "valid-pcd01-MaximumRequest2.hl7").read_bytes()
    assert not raw.endswith(b"\n")
    assert isinstance(parse_or_reject(raw, naive_tz=TZ), ParsedMessage)
