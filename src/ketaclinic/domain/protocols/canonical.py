"""The canonical form of a protocol and its content hash.

The plain form is the pack file's own shape (``dosing.iv`` etc.) with Decimals written as
normalised text (``"0.5"``, never ``0.50`` or a float), enums as their values and every source in
its long form. The canonical JSON is that plain form, without ``hash``, with sorted keys and no
insignificant whitespace; the hash is its SHA-256. Two packs that mean the same thing therefore have
the same hash whatever their YAML formatting, and any change of meaning changes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from decimal import Decimal
from enum import Enum
from typing import Any

from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Dosing, RouteDosing, ScaleSchedule, SourceRef

#: Scale schedule fields written only when set: versions published before a schedule could name
#: its routes, source and sign-off keep their hash
_SCALE_EXTRAS = ("routes", "source", "needs_signoff")


def decimal_text(value: Decimal) -> str:
    """Normalised text of a Decimal: ``0.50`` -> ``"0.5"``, ``1E+2`` -> ``"100"``."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def to_plain(value: Any) -> Any:
    """The plain (JSON-ready) form of a protocol or any of its parts, in the pack file's shape."""
    if isinstance(value, Dosing):
        plain = {route.value: to_plain(rd) for route, rd in value.routes.items()}
        plain["premedications"] = to_plain(value.premedications)
        plain["titration"] = to_plain(value.titration)
        if value.rescue:  # absent from versions published before rescue lists: same hash
            plain["rescue"] = to_plain(value.rescue)
        return plain
    if isinstance(value, SourceRef):
        return {"key": value.key, "needs_signoff": value.needs_signoff}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        skip = {"route"} if isinstance(value, RouteDosing) else set()
        if isinstance(value, ScaleSchedule):
            skip = {f for f in _SCALE_EXTRAS if not getattr(value, f)}
        return {
            f.name: to_plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in skip
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, tuple | list):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(to_plain(k)): to_plain(v) for k, v in value.items()}
    return value


def canonical_json(protocol: Protocol) -> str:
    """The canonical JSON text of a protocol's content (everything except its own ``hash``)."""
    plain = to_plain(protocol)
    plain.pop("hash", None)
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(protocol: Protocol) -> str:
    """SHA-256 (hex) of :func:`canonical_json`; ignores any ``hash`` already on ``protocol``."""
    return hashlib.sha256(canonical_json(protocol).encode("utf-8")).hexdigest()


def with_hash(protocol: Protocol) -> Protocol:
    """The same protocol carrying its computed content hash."""
    return dataclasses.replace(protocol, hash=content_hash(protocol))


def hash_matches(protocol: Protocol) -> bool:
    """Whether ``protocol.hash`` is the hash of its content (detects a tampered or stale record)."""
    return protocol.hash == content_hash(protocol)
