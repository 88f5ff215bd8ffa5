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
from dataclasses import dataclass
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
_STATUSES = {s.value: s for s in ReadingStatus}
_NO_FIELDS = [""] * 19  # OBX-1..OBX-18 read by number; a short segment is padded to them
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
    found = _Inherited(naive_tz, header)
    for index, segment in enumerate(view.segments):
        name = segment[0]
        if name == "OBR":
            found.obr_index += 1
            found.obr_time = _time(_first(_at(segment, 7)), naive_tz, index, "OBR-7", header)
        elif name == "OBX":
            result.append(_observation(segment, index, found))
    if not result:
        raise MessageRejected("AE", "101", "ORU^R01 carries no OBX segment", header=header)
    return tuple(result)


class _Inherited:
    """What later OBX rows inherit: times and devices by (OBR, containment sub-id), OBR-7."""

    __slots__ = ("devices", "header", "naive_tz", "obr_index", "obr_time", "times")

    def __init__(self, naive_tz: tzinfo, header: Header | None) -> None:
        self.naive_tz, self.header = naive_tz, header
        self.times: dict[tuple[int, str], datetime] = {}
        self.devices: dict[tuple[int, str], str] = {}
        self.obr_time: datetime | None = None
        self.obr_index = 0


def _observation(segment: list[str], index: int, found: _Inherited) -> ParsedObservation:
    """One OBX: each field split only as far as it is read; the time and device inherited from
    the nearest containment ancestor (else OBR-7) when the row has none of its own."""
    header, obr = found.header, found.obr_index
    f = segment if len(segment) > 18 else segment + _NO_FIELDS[len(segment) :]
    value_type = _first(f[2])
    sub_id = _first(f[4])
    raw_value = f[5]
    value = _numeric(raw_value, value_type, index, header)
    status = _status(_first(f[11]), value, index, header)
    observed_at = _time(_first(f[14]), found.naive_tz, index, "OBX-14", header)
    device_field = f[18]
    device_id = _eui64(_repetitions(device_field)) if device_field else None
    if observed_at is not None:
        found.times[(obr, sub_id)] = observed_at
    else:
        observed_at = _ancestor(found.times, obr, sub_id) or found.obr_time
    if device_id is not None:
        found.devices[(obr, sub_id)] = device_id
    else:
        device_id = _ancestor(found.devices, obr, sub_id)
    code = _components(f[3])
    unit = _components(f[6])
    return ParsedObservation(
        set_id=_first(f[1]),
        obr_index=obr,
        value_type=value_type,
        code=code[0],
        code_name=code[1],
        code_system=code[2],
        sub_id=sub_id,
        value_raw=unescape(raw_value),
        value=value,
        unit_code=unit[0],
        unit_name=unit[1],
        unit_system=unit[2],
        status=status,
        observed_at=observed_at,
        device_id=device_id,
    )


def _at(segment: list[str], number: int) -> str:
    return segment[number] if number < len(segment) else ""


def _first(text: str) -> str:
    """The first component of the first repetition, unescaped (``Segments.value``)."""
    if "~" in text:
        text = text.split("~", 1)[0]
    if "^" in text:
        text = text.split("^", 1)[0]
    return unescape(text) if "\\" in text else text


def _components(text: str) -> list[str]:
    """Components of the first repetition, unescaped, padded to at least three."""
    if not text:
        return ["", "", ""]
    components = text.split("~", 1)[0].split("^")
    if "\\" in text:
        components = [unescape(c) for c in components]
    if len(components) < 3:
        components += ["", ""][: 3 - len(components)]
    return components


def _repetitions(text: str) -> list[list[str]]:
    return [[unescape(c) for c in rep.split("^")] for rep in text.split("~")]


def _numeric(raw: str, value_type: str, index: int, header: Header | None) -> Decimal | None:
    if value_type != "NM" or raw == "":
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        where = f"segment {index + 1} OBX-5"
        raise MessageRejected("AE", "102", f"{where}: {raw[:40]!r} is not a number", header=header)
    return value


def _status(
    raw: str, value: Decimal | None, index: int, header: Header | None
) -> ReadingStatus | None:
    status = _STATUSES.get(raw) or _STATUSES.get(raw.strip())
    if status is not None:
        return status
    if not raw.strip() and value is None:
        return None  # OBX-11 is required, but a missing one only matters for a numeric value
    where = f"segment {index + 1} OBX-11"
    raise MessageRejected(
        "AE", "103", f"{where}: result status {raw[:10]!r} not in HL7 table 0085", header=header
    )


def _time(
    raw: str, naive_tz: tzinfo, index: int, field: str, header: Header | None
) -> datetime | None:
    """``raw`` is the field's first component (already unescaped)."""
    if not raw or not raw.strip():
        return None
    try:
        return _parse_timestamp(raw.strip(), naive_tz)
    except ValueError:
        where = f"segment {index + 1} {field}"
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
    prefix, dot, _ = sub_id.rpartition(".")
    while dot:
        candidate = found.get((obr, prefix))
        if candidate is not None:
            return candidate
        prefix, dot, _ = prefix.rpartition(".")
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
