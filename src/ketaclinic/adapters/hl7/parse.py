"""Parse HL7 v2 ORU^R01 (IHE PCD-01) from patient monitors into a :class:`ParsedMessage`.

Contract: :func:`parse_oru` takes the de-framed bytes of one message and returns every OBX as a
:class:`ParsedObservation` (code, containment sub-id, value, unit, OBX-11 status, time, device) or
raises :class:`MessageRejected` carrying the ACK code (AR for structure, type, version or encoding;
AE for content), an HL7 table 0357 error code and a reason. It never raises anything else on bad
input. CRLF and LF segment endings are accepted as well as HL7's lone CR. Observation times come
from OBX-14, else the nearest ancestor OBX-14 in the containment tree (sub-id prefix), else OBR-7;
naive timestamps are read in the configured zone; all results are UTC. OBX codes this clinic does
not chart are kept (the mapping to vitals lives in :mod:`ketaclinic.adapters.hl7.readings`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TypeVar

from ketaclinic.adapters.hl7.message import (
    Header,
    MessageRejected,
    Segments,
    decode,
    peek_header,
    split_segments,
    unescape,
)
from ketaclinic.domain.infusion.vitals import ReadingStatus

MAX_SEGMENT_CHARS = 65_536
_T = TypeVar("_T")
_DTM = re.compile(
    r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?(?:([+-])(\d{2})(\d{2}))?$"
)


@dataclass(frozen=True, slots=True)
class ParsedObservation:
    """One OBX segment. ``value`` is set for NM values only; ``value_raw`` always holds OBX-5."""

    set_id: str
    obr_index: int
    value_type: str
    code: str
    code_name: str
    code_system: str
    sub_id: str
    value_raw: str
    value: Decimal | None
    unit_code: str
    unit_name: str
    unit_system: str
    status: ReadingStatus | None  # None only for a non-numeric OBX without OBX-11
    observed_at: datetime | None
    device_id: str | None


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """The header (MSH, read once), patient, location, device and observations of one ORU^R01."""

    header: Header
    patient_id: str | None
    patient_id_authority: str | None
    location: str | None
    device_id: str | None
    observations: tuple[ParsedObservation, ...]

    @property
    def control_id(self) -> str:
        return self.header.control_id

    @property
    def message_type(self) -> str:
        return self.header.message_type

    @property
    def version(self) -> str:
        return self.header.version

    @property
    def sending_application(self) -> str:
        return self.header.sending_application

    @property
    def sending_facility(self) -> str:
        return self.header.sending_facility


def parse_oru(raw: bytes, *, naive_tz: tzinfo) -> ParsedMessage:
    """Parse one PCD-01 ORU^R01; raise :class:`MessageRejected` with a reason on bad input."""
    text = decode(raw)
    segments = split_segments(text, max_segment_chars=MAX_SEGMENT_CHARS)
    view = Segments(segments)
    header = view.header()
    if header.message_type != "ORU^R01":
        raise MessageRejected(
            "AR", "200", f"unsupported message type {header.message_type!r}", header=header
        )
    observations = _observations(view, naive_tz=naive_tz, header=header)
    pid, authority = view.patient_id()
    return ParsedMessage(
        header=header,
        patient_id=pid,
        patient_id_authority=authority,
        location=view.field("PV1", 3) or None,
        device_id=next((o.device_id for o in observations if o.device_id), None),
        observations=observations,
    )


def parse_timestamp(value: str, *, naive_tz: tzinfo) -> datetime:
    """Parse an HL7 DTM (``YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]``) to an aware UTC datetime."""
    return _parse_timestamp(value.strip(), naive_tz)


@lru_cache(maxsize=4096)  # a message repeats its times across OBX rows; monitors repeat them
def _parse_timestamp(value: str, naive_tz: tzinfo) -> datetime:
    match = _DTM.match(value)
    if match is None:
        raise ValueError(f"not an HL7 timestamp: {value!r}")
    y, mo, d, h, mi, s, frac, sign, tzh, tzm = match.groups()
    micro = int((frac or "0").ljust(6, "0"))
    zone: tzinfo = naive_tz
    if sign:
        offset = timedelta(hours=int(tzh), minutes=int(tzm))
        zone = timezone(offset if sign == "+" else -offset)
    local = datetime(
        int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0), micro, zone
    )
    return local.astimezone(UTC)


def _observations(
    view: Segments, *, naive_tz: tzinfo, header: Header | None
) -> tuple[ParsedObservation, ...]:
    result: list[ParsedObservation] = []
    times: dict[tuple[int, str], datetime] = {}
    devices: dict[tuple[int, str], str] = {}
    obr_time: datetime | None = None
    obr_index = 0
    for index, segment in enumerate(view.segments):
        name = view.name(segment)
        if name == "OBR":
            obr_index += 1
            obr_time = _time(view.value(segment, 7), naive_tz, f"segment {index + 1} OBR-7", header)
        elif name == "OBX":
            where = f"segment {index + 1} OBX"
            obx = _observation(view, segment, obr_index, naive_tz, where, header)
            sub_id = obx.sub_id
            own_time, own_device = obx.observed_at, obx.device_id
            if own_time is not None:
                times[(obr_index, sub_id)] = own_time
            if own_device is not None:
                devices[(obr_index, sub_id)] = own_device
            inherited_time = own_time or _ancestor(times, obr_index, sub_id) or obr_time
            inherited_device = own_device or _ancestor(devices, obr_index, sub_id)
            if inherited_time is not own_time or inherited_device is not own_device:
                obx = replace(obx, observed_at=inherited_time, device_id=inherited_device)
            result.append(obx)
    if not result:
        raise MessageRejected("AE", "101", "ORU^R01 carries no OBX segment", header=header)
    return tuple(result)


def _observation(
    view: Segments,
    segment: list[str],
    obr_index: int,
    naive_tz: tzinfo,
    where: str,
    header: Header | None,
) -> ParsedObservation:
    value_type = view.value(segment, 2)
    code = view.components(segment, 3)
    unit = view.components(segment, 6)
    raw_value = view.raw(segment, 5)
    value = _numeric(raw_value, value_type, f"{where}-5", header)
    return ParsedObservation(
        set_id=view.value(segment, 1),
        obr_index=obr_index,
        value_type=value_type,
        code=code[0],
        code_name=code[1],
        code_system=code[2],
        sub_id=view.value(segment, 4),
        value_raw=unescape(raw_value),
        value=value,
        unit_code=unit[0],
        unit_name=unit[1],
        unit_system=unit[2],
        status=_status(view.value(segment, 11), value, f"{where}-11", header),
        observed_at=_time(view.value(segment, 14), naive_tz, f"{where}-14", header),
        device_id=_eui64(view.repetitions(segment, 18)),
    )


def _numeric(raw: str, value_type: str, where: str, header: Header | None) -> Decimal | None:
    if value_type != "NM" or raw == "":
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise MessageRejected("AE", "102", f"{where}: {raw[:40]!r} is not a number", header=header)
    return value


def _status(
    raw: str, value: Decimal | None, where: str, header: Header | None
) -> ReadingStatus | None:
    if not raw.strip() and value is None:
        return None  # OBX-11 is required, but a missing one only matters for a numeric value
    try:
        return ReadingStatus(raw.strip())
    except ValueError:
        raise MessageRejected(
            "AE", "103", f"{where}: result status {raw[:10]!r} not in HL7 table 0085", header=header
        ) from None


def _time(raw: str, naive_tz: tzinfo, where: str, header: Header | None) -> datetime | None:
    if not raw.strip():
        return None
    try:
        return parse_timestamp(raw.split("^")[0], naive_tz=naive_tz)
    except ValueError:
        raise MessageRejected(
            "AE", "102", f"{where}: {raw[:40]!r} is not an HL7 timestamp", header=header
        ) from None


def _eui64(repetitions: list[list[str]]) -> str | None:
    """The EUI-64 from an EI field: ``id^EUI-64`` or ``id^ns^universal id^EUI-64``."""
    for components in repetitions:
        padded = [*components, "", "", "", ""]
        if padded[3].upper() in {"EUI-64", "EUI64"} and padded[2]:
            return padded[2]
        if padded[1].upper() in {"EUI-64", "EUI64"} and padded[0]:
            return padded[0]
    return None


def _ancestor(found: dict[tuple[int, str], _T], obr: int, sub_id: str) -> _T | None:
    """The value recorded for the nearest containment ancestor (``1.0.1`` for ``1.0.1.2``)."""
    parts = sub_id.split(".")
    for length in range(len(parts) - 1, 0, -1):
        candidate = found.get((obr, ".".join(parts[:length])))
        if candidate is not None:
            return candidate
    return None


def parse_or_reject(raw: bytes, *, naive_tz: tzinfo) -> ParsedMessage | MessageRejected:
    """Like :func:`parse_oru` but returns the rejection; no exception escapes for any input."""
    try:
        return parse_oru(raw, naive_tz=naive_tz)
    except MessageRejected as rejected:
        if rejected.header is None:
            rejected.header = peek_header(raw)
        return rejected
    except Exception as exc:  # defensive: a parser bug must still produce a negative ACK
        return MessageRejected(
            "AR",
            "207",
            f"message could not be processed ({type(exc).__name__})",
            header=peek_header(raw),
        )
