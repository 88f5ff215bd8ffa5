"""Every public PCD-01 fixture ingested end to end through the listener's handler: the README's
readings are stored against the running session; without one the message is kept and ACKed per
setting; corrupt and hostile inputs get a negative ACK and a dead-letter entry."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ketaclinic.adapters.db.infusion.tables import hl7_dead_letters
from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.adapters.hl7.mllp import FrameError
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.services.infusion.monitor_messages import IngestLimits
from ketaclinic.services.infusion.monitoring import MonitoringService
from ketaclinic.services.infusion.ports import NoLiveEvents
from tests.conftest import World
from tests.infusion_world import (
    device_readings,
    prepare_clinic,
    register_gateway,
    running_sessions,
    walked_session,
)

FIXTURE_DEVICE = "0123456789ABCDEF"
BY_DEVICE = {  # README "HL7 v2 contents": (parameter, value, OBX-11) of each charted numeric OBX
    "valid-pcd01-request.hl7v2": [("sbp", "120", "R"), ("dbp", "80", "R"), ("map", "100", "R")],
    "valid-bp-continua-wan.hl7v2": [("sbp", "120", "R"), ("dbp", "80", "R"), ("map", "100", "R")],
    "valid-pcd01-MaximumRequest2.hl7": [
        ("sbp", "140", "C"),
        ("dbp", "70", "D"),
        ("map", "100", "F"),
    ],
}
BY_MRN = [("hr", "60"), ("hr", "60"), ("map", "92"), ("sbp", "120"), ("dbp", "80")]


# The fixtures were recorded in 2008/2009; replaying them as an archive needs a window that old
# (the listener's default refuses readings more than a day old: see the last test).
ARCHIVE = IngestLimits(max_age=timedelta(days=365 * 30))
FIXTURE_SENDERS = [("AcmeInc", ""), ("AcmeInc", "SendFac"), ("HL7", "MMS")]


def archive_monitoring(world: World, unknown_session_ack: str = "AA") -> MonitoringService:
    for application, facility in FIXTURE_SENDERS:
        register_gateway(world, application, facility)
    return MonitoringService(
        world.services.uow,
        world.clock,
        NoLiveEvents(),
        unknown_session_ack=unknown_session_ack,
        limits=ARCHIVE,
    )


def handler(world: World, monitoring: MonitoringService | None = None) -> MonitorMessageHandler:
    return MonitorMessageHandler(
        monitoring or archive_monitoring(world),
        world.clinic.id,
        naive_tz=ZoneInfo("America/Chicago"),
        clock=world.clock.now,
    )


def msa(ack: bytes) -> list[str]:
    return next(s for s in ack.decode().split("\r") if s.startswith("MSA")).split("|")


def letters(world: World) -> list[tuple[str, str, str]]:
    with world.services.engine.connect() as conn:
        rows = conn.execute(select(hl7_dead_letters).order_by(hl7_dead_letters.c.id)).all()
    return [(r.kind, r.ack_code, r.reason) for r in rows]


@pytest.mark.parametrize("name", sorted(BY_DEVICE))
def test_fixture_readings_are_stored_against_the_session_of_their_monitor(
    world: World, public_fixtures: Path, name: str
) -> None:
    [monitor] = running_sessions(world)
    nurse = world.actor(Role.NURSE)
    world.services.sessions.assign(
        nurse, monitor.session.id, attendant_id=nurse.staff_id, device_id=FIXTURE_DEVICE
    )
    ack = handler(world).handle((public_fixtures / "hl7v2" / name).read_bytes())
    assert msa(ack)[1:3] == ["AA", "MSGID1234"]
    stored = device_readings(world, nurse, monitor.session.id)
    got = [
        (r.reading.parameter.value, str(r.reading.value), r.reading.status.value) for r in stored
    ]
    assert sorted(got) == sorted(BY_DEVICE[name])
    assert all(not r.plausible and "older than" in (r.rejected_reason or "") for r in stored)
    unmapped = [x for x in letters(world) if x[0] == "unmapped"]
    assert bool(unmapped) == (name == "valid-pcd01-MaximumRequest2.hl7")


def test_a_fixture_without_a_device_is_matched_by_its_patient_id(
    world: World, public_fixtures: Path
) -> None:
    prepare_clinic(world)
    s, nurse = world.services, world.actor(Role.NURSE)
    details = PatientDetails("Albert", "Demo-Brooks", date(1960, 1, 1), SexAtBirth.MALE)
    with s.uow() as uow:
        patient = uow.patients.add(world.clinic.id, "AB60001", details, at=world.clock.now())
        uow.commit()
    session = walked_session(world, prepared=True, patient=patient).session
    raw = (public_fixtures / "hl7v2" / "valid-pcd01-request2.hl7v2").read_bytes()
    assert msa(handler(world).handle(raw))[1] == "AA"
    stored = device_readings(world, nurse, session.id)
    assert sorted((r.reading.parameter.value, str(r.reading.value)) for r in stored) == sorted(
        BY_MRN
    )
    assert [k for k, _a, _r in letters(world)] == ["unmapped"]  # the 4 uncharted rows, kept


@pytest.mark.parametrize("setting", ["AA", "AE"])
def test_without_a_running_session_the_message_is_kept_and_acked_per_setting(
    world: World, public_fixtures: Path, setting: str
) -> None:
    prepare_clinic(world)
    monitoring = archive_monitoring(world, setting)
    raw = (public_fixtures / "hl7v2" / "valid-pcd01-request.hl7v2").read_bytes()
    ack = handler(world, monitoring).handle(raw)
    assert msa(ack)[1] == setting
    assert [(k, a) for k, a, _r in letters(world)] == [("unmatched", setting)]
    assert "no running session for 0123456789ABCDEF" in letters(world)[0][2]


VALID = (
    b"MSH|^~\\&|KETASIM^00000000000000AA^EUI-64||||20300107090000+0000||ORU^R01^ORU_R01|CTL1|P|2.6\r"
    b"PID|||ZZ-0001^^^TEST^PI\r"
    b"OBR|1|||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|||20300107090000+0000\r"
    b"OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.1|120|266016^MDC_DIM_MMHG^MDC|||||R\r"
)
HOSTILE = [
    ("ack instead of oru", "response", "AR", "unsupported message type"),
    ("wrong encoding characters", VALID.replace(b"^~\\&", b"#$%*", 1), "AR", "MSH-1/MSH-2"),
    ("1 MB segment", VALID + b"NTE|1||" + b"A" * 1_048_000 + b"\r", "AR", "segment"),
    ("unknown result status", VALID.replace(b"|||||R\r", b"|||||Q\r"), "AE", "table 0085"),
    ("binary garbage", bytes(range(256)), "AR", "not ascii"),
]


@pytest.mark.parametrize(("label", "raw", "code", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_corrupt_and_hostile_input_gets_a_negative_ack_and_a_dead_letter(
    world: World, public_fixtures: Path, label: str, raw: bytes | str, code: str, reason: str
) -> None:
    if raw == "response":
        raw = (public_fixtures / "hl7v2" / "valid-pcd01-response.hl7v2").read_bytes()
    assert isinstance(raw, bytes)
    ack = handler(world).handle(raw)
    assert msa(ack)[1] == code
    [(kind, ack_code, why)] = letters(world)
    assert (kind, ack_code) == ("rejected", code) and reason in why


def test_truncated_and_oversized_frames_are_kept_as_framing_dead_letters(world: World) -> None:
    h = handler(world)
    asyncio.run(h.frame_error(FrameError("truncated", "a new frame began before the end marker")))
    asyncio.run(h.frame_error(FrameError("oversized", "frame over 1048576 bytes")))
    assert [(k, a) for k, a, _r in letters(world)] == [("framing", "AR"), ("framing", "AR")]


def test_with_the_default_window_a_fixture_dated_2009_is_refused_with_its_reason(
    world: World, public_fixtures: Path
) -> None:
    [monitor] = running_sessions(world)
    nurse = world.actor(Role.NURSE)
    world.services.sessions.assign(
        nurse, monitor.session.id, attendant_id=nurse.staff_id, device_id=FIXTURE_DEVICE
    )
    register_gateway(world, "AcmeInc", "")
    raw = (public_fixtures / "hl7v2" / "valid-pcd01-request.hl7v2").read_bytes()
    ack = handler(world, world.services.monitoring).handle(raw)
    assert msa(ack)[1] == "AE"
    assert "more than 24 h old" in ack.decode()
    assert device_readings(world, nurse, monitor.session.id) == []
    assert [(k, a) for k, a, _r in letters(world)] == [("rejected", "AE")]
