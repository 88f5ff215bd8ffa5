"""HL7 v2 message plumbing shared by the parser and the ACK builder.

Decoding (MSH-18 character set), segment splitting with CR, CRLF or LF endings, structural checks
(MSH first, ``|`` and ``^~\\&`` as PCD-01 requires, bounded segment length), field access with HL7
escape sequences decoded, and :class:`MessageRejected`, the one error bad input may raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ketaclinic.domain.errors import ClinicError

ENCODING_CHARACTERS = "^~\\&"
_CHARSETS = {"": "ascii", "ASCII": "ascii", "8859/1": "latin-1", "UNICODE UTF-8": "utf-8"}
_SEGMENT_NAME = re.compile(r"^[A-Z][A-Z0-9]{2}$")
_ESCAPES = {"F": "|", "S": "^", "T": "&", "R": "~", "E": "\\"}
_ESCAPE = re.compile(r"\\([FSTRE])\\")
MAX_HEADER_BYTES = 4096
_PAD = ("", "", "", "", "")


@dataclass(frozen=True, slots=True)
class Header:
    """The MSH fields an ACK and a dead-letter entry need."""

    control_id: str
    message_type: str
    version: str
    sending_application: str
    sending_facility: str
    receiving_application: str = ""
    receiving_facility: str = ""


class MessageRejected(ClinicError):
    """A message the listener must answer with a negative ACK.

    ``ack_code`` is AR (structure, type, version, encoding: do not resend unchanged) or AE (content
    error); ``error_code`` is from HL7 table 0357; ``header`` is what could be read of MSH.
    """

    def __init__(
        self, ack_code: str, error_code: str, reason: str, *, header: Header | None = None
    ) -> None:
        super().__init__(reason, field="hl7")
        self.ack_code = ack_code
        self.error_code = error_code
        self.reason = reason
        self.header = header


def msh_fields(first_line: str) -> list[str]:
    """MSH split so that index ``n`` is field MSH-n (MSH-1 is the field separator itself)."""
    parts = first_line.split("|")
    return [parts[0], "|", *parts[1:]]


def _first_line(raw: bytes) -> bytes:
    return raw.lstrip(b"\r\n").split(b"\r", 1)[0].split(b"\n", 1)[0][:MAX_HEADER_BYTES]


def header_of(fields: list[str]) -> Header:
    """The MSH fields an ACK, a dead letter and the sender check need (1-based via
    :func:`msh_fields`); nothing is validated here."""

    def get(n: int) -> str:
        return fields[n] if n < len(fields) else ""

    message_type = "^".join(get(9).split("~")[0].split("^")[:2])
    return Header(
        control_id=unescape(get(10).split("~")[0].split("^")[0]).strip(),
        message_type=message_type,
        version=get(12).split("~")[0].split("^")[0],
        sending_application=get(3),
        sending_facility=get(4),
        receiving_application=get(5),
        receiving_facility=get(6),
    )


def decode(raw: bytes) -> str:
    """Decode message bytes with the character set MSH-18 declares (ASCII when empty)."""
    fields = msh_fields(_first_line(raw).decode("ascii", "replace"))
    declared = fields[18].strip() if len(fields) > 18 else ""
    charset = _CHARSETS.get(declared.split("^")[0])
    if charset is None:
        raise MessageRejected("AR", "102", f"MSH-18 character set {declared[:20]!r} not supported")
    try:
        return raw.decode(charset)
    except UnicodeDecodeError as exc:
        raise MessageRejected(
            "AR", "102", f"byte 0x{raw[exc.start]:02X} at offset {exc.start} is not {charset}"
        ) from None


def split_segments(text: str, *, max_segment_chars: int) -> list[str]:
    """Split on CR, CRLF or LF; check MSH first, delimiters, segment names and lengths."""
    segments = [s for s in text.replace("\r\n", "\r").replace("\n", "\r").split("\r") if s]
    if not segments or not segments[0].startswith("MSH"):
        raise MessageRejected("AR", "100", "message does not start with an MSH segment")
    if segments[0][3:4] != "|" or segments[0][4:8] != ENCODING_CHARACTERS:
        raise MessageRejected(
            "AR", "102", f"MSH-1/MSH-2 must be '|' and {ENCODING_CHARACTERS!r} (IHE PCD-01)"
        )
    for number, segment in enumerate(segments, start=1):
        if len(segment) > max_segment_chars:
            raise MessageRejected(
                "AR",
                "100",
                f"segment {number} is {len(segment)} characters (max {max_segment_chars})",
            )
        if not _SEGMENT_NAME.match(segment[:3]) or segment[3:4] not in {"|", ""}:
            raise MessageRejected("AR", "100", f"segment {number} has no valid segment name")
    return segments


def peek_header(raw: bytes) -> Header | None:
    """Best-effort MSH fields of a message that could not be parsed (for the negative ACK)."""
    text = _first_line(raw).decode("ascii", "replace")
    if not text.startswith("MSH|"):
        return None
    return header_of(msh_fields(text))


def unescape(value: str) -> str:
    """Decode the HL7 delimiter escape sequences (``\\F\\ \\S\\ \\T\\ \\R\\ \\E\\``)."""
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], value) if "\\" in value else value


def escape(value: str) -> str:
    """Encode text for an HL7 field (the inverse of :func:`unescape`); drops control characters."""
    value = "".join(ch for ch in value if ch >= " ")
    value = value.replace("\\", "\\E\\")
    for char, code in (("|", "F"), ("^", "S"), ("&", "T"), ("~", "R")):
        value = value.replace(char, f"\\{code}\\")
    return value


class Segments:
    """The one HL7 tokeniser: segments split on ``|`` once, read as plain strings by 1-based
    HL7 field number (MSH-n is ``MSH`` field n, MSH-1 being ``|``). :attr:`header` is MSH, read
    once; every other reader of the header (decode, dead letters, ACKs) uses :func:`header_of`.
    """

    def __init__(self, segments: list[str]) -> None:
        self.segments: list[list[str]] = [
            msh_fields(s) if i == 0 else s.split("|") for i, s in enumerate(segments)
        ]
        self._header: Header | None = None

    @staticmethod
    def name(segment: list[str]) -> str:
        return segment[0]

    @staticmethod
    def raw(segment: list[str], number: int) -> str:
        """The field's text with its separators, escapes not decoded; "" when absent."""
        return segment[number] if number < len(segment) else ""

    def value(self, segment: list[str], number: int) -> str:
        """The first component of the first repetition, unescaped."""
        return self.components(segment, number)[0]

    def components(self, segment: list[str], number: int) -> list[str]:
        """Components of the first repetition, unescaped, padded to at least five."""
        text = segment[number] if number < len(segment) else ""
        if not text:
            return ["", "", "", "", ""]
        components = text.split("~", 1)[0].split("^")
        if "\\" in text:
            components = [unescape(c) for c in components]
        if len(components) < 5:
            components += _PAD[len(components) :]
        return components

    def repetitions(self, segment: list[str], number: int) -> list[list[str]]:
        text = self.raw(segment, number)
        return [[unescape(c) for c in rep.split("^")] for rep in text.split("~")] if text else []

    def first(self, name: str) -> list[str] | None:
        return next((s for s in self.segments if s[0] == name), None)

    def field(self, name: str, number: int) -> str:
        segment = self.first(name)
        return "" if segment is None else unescape(self.raw(segment, number))

    def header(self) -> Header:
        """MSH fields; MSH-10 (control id) is required."""
        if self._header is None:
            header = header_of(self.segments[0])
            if not header.control_id:
                raise MessageRejected(
                    "AR", "101", "MSH-10 message control id is empty", header=header
                )
            if not header.version.startswith("2."):
                reason = f"MSH-12 version {header.version[:10]!r} not supported"
                raise MessageRejected("AR", "203", reason, header=header)
            self._header = header
        return self._header

    def patient_id(self) -> tuple[str | None, str | None]:
        """PID-3 first identifier and its assigning authority (first sub-component)."""
        pid = self.first("PID")
        if pid is None:
            return None, None
        components = self.components(pid, 3)
        identifier = components[0].strip() or None
        authority = components[3].split("&")[0].strip() or None
        return identifier, authority
