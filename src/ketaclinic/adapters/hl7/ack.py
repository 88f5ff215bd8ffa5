"""Build HL7 v2 acknowledgements (ACK^R01) for PCD-01 messages: AA, AE or AR.

The layout follows the IHE PCD-01 response example (``valid-pcd01-response.hl7v2``): an MSH that
swaps sender and receiver, ``ACK^R01^ACK``, processing id P, version 2.6, NE/AL and the PCD-01
profile in MSH-21, then ``MSA|<code>|<original MSH-10>|<text>``. AE and AR add an ERR segment with
the HL7 table 0357 error code, severity E and the reason in ERR-8. Header text taken from a
hostile message is reduced to printable ASCII and bounded in length.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ketaclinic.adapters.hl7.message import Header, MessageRejected, escape

PCD01_PROFILE = "IHE PCD ORU-R01 2006^HL7^1.3.6.1.4.1.19376.1.6.1.1.1^ISO"
ERROR_NAMES = {
    "0": "Message accepted",
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "200": "Unsupported message type",
    "203": "Unsupported version id",
    "207": "Application internal error",
}


def build_ack(
    original: Header | None,
    code: str,
    *,
    at: datetime,
    reason: str = "",
    error_code: str = "207",
    ack_control_id: str | None = None,
    application: str = "KETACLINIC",
    facility: str = "",
) -> bytes:
    """Return the CR-separated ACK for ``original`` (None when MSH was unreadable).

    ``code`` is AA, AE or AR. ``ack_control_id`` defaults to ``"A"`` + the original MSH-10, as in
    the PCD-01 example. ``at`` is the acknowledgement time (aware datetime; written in UTC).
    """
    if code not in {"AA", "AE", "AR"}:
        raise ValueError(f"ACK code must be AA, AE or AR, not {code!r}")
    control = _clean(original.control_id, 199) if original else ""
    stamp = at.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")
    msh = [
        "MSH",
        "^~\\&",
        escape(application),
        escape(facility),
        _clean(original.sending_application, 227) if original else "",
        _clean(original.sending_facility, 227) if original else "",
        stamp,
        "",
        "ACK^R01^ACK",
        escape(ack_control_id or f"A{control}"[:199]),
        "P",
        "2.6",
        "",
        "",
        "NE",
        "AL",
        "",
        "",
        "",
        "",
        PCD01_PROFILE,
    ]
    segments = ["MSH|" + "|".join(msh[1:])]
    segments.append(f"MSA|{code}|{escape(control)}|{escape(reason[:80]) if code != 'AA' else ''}")
    if code != "AA":
        name = ERROR_NAMES.get(error_code, "Application internal error")
        segments.append(f"ERR|||{error_code}^{name}^HL70357|E||||{escape(reason[:500])}")
    return ("\r".join(segments) + "\r").encode("ascii")


def _clean(value: str, limit: int) -> str:
    """Printable ASCII only, delimiters kept (the field is echoed as received), bounded."""
    return "".join(ch for ch in value if " " <= ch <= "~" and ch != "|")[:limit]


def build_rejection_ack(
    rejected: MessageRejected, *, at: datetime, application: str = "KETACLINIC"
) -> bytes:
    """The negative ACK (AE or AR with ERR) for a message :func:`parse_or_reject` refused."""
    return build_ack(
        rejected.header,
        rejected.ack_code,
        at=at,
        reason=rejected.reason,
        error_code=rejected.error_code,
        application=application,
    )
