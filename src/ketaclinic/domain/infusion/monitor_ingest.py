"""Rules for accepting a monitor message: who may send, which HL7 versions, which times.

A clinic lists its HL7 gateways (source address or network plus the MSH-3 sending application
and MSH-4 sending facility they write). A message is admitted only when an active gateway matches
all three; anything else is refused before a reading is stored. PCD-01 (IHE PCD TF-2) is built on
HL7 v2.6 and gateways in the field send 2.5 or 2.5.1 as well; older versions are refused.
Observation times far in the past or in the future are refused too (a wrong clock on a monitor
would otherwise chart readings into another day or hold an alarm open). Pure: the caller passes
"now".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ketaclinic.domain.errors import ValidationFailed

SUPPORTED_VERSIONS = frozenset({"2.5", "2.5.1", "2.6"})
DEFAULT_MAX_AGE = timedelta(hours=24)
DEFAULT_MAX_AHEAD = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Gateway:
    """One registered sender of monitor messages (removed ones are kept, with ``removed_at``)."""

    id: int
    clinic_id: int
    name: str
    source: str
    sending_application: str
    sending_facility: str
    added_at: datetime
    removed_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.removed_at is None


@dataclass(frozen=True, slots=True)
class NewGateway:
    name: str
    source: str
    sending_application: str
    sending_facility: str = ""


def namespace_id(hd: str) -> str:
    """The first component of an HD field (``KETASIM^0011...^EUI-64`` -> ``KETASIM``)."""
    return hd.split("^", 1)[0].strip()


def check_gateway(new: NewGateway) -> NewGateway:
    """Validate and normalise a gateway entry; errors name the field."""
    errors: dict[str, str] = {}
    name = new.name.strip()
    if not name or len(name) > 100:
        errors["name"] = "a name of 1 to 100 characters is required"
    source = new.source.strip()
    try:
        network = ipaddress.ip_network(source, strict=False)
    except ValueError:
        errors["source"] = "an IP address or network such as 10.20.0.0/24 is required"
    else:
        if network.prefixlen == 0:
            errors["source"] = "a network that covers every address is not an allow-list"
        source = str(network)
    application = namespace_id(new.sending_application)
    if not application or len(application) > 227 or "|" in application:
        errors["sending_application"] = "the MSH-3 sending application (namespace id) is required"
    facility = namespace_id(new.sending_facility)
    if len(facility) > 227 or "|" in facility:
        errors["sending_facility"] = "the MSH-4 sending facility is at most 227 characters"
    if errors:
        raise ValidationFailed(errors)
    return NewGateway(name, source, application, facility)


def admitting_gateway(
    gateways: Iterable[Gateway], source_address: str, msh3: str, msh4: str
) -> Gateway | None:
    """The active gateway whose network holds ``source_address`` and whose MSH-3/MSH-4 match."""
    try:
        address = ipaddress.ip_address(source_address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    application, facility = namespace_id(msh3), namespace_id(msh4)
    for gateway in gateways:
        if not gateway.active:
            continue
        if gateway.sending_application != application or gateway.sending_facility != facility:
            continue
        if address in ipaddress.ip_network(gateway.source, strict=False):
            return gateway
    return None


def version_problem(version: str) -> str | None:
    """Why MSH-12 is refused, or None for a PCD-01 version."""
    if version in SUPPORTED_VERSIONS:
        return None
    supported = ", ".join(sorted(SUPPORTED_VERSIONS))
    return f"MSH-12 version {version[:10]!r} is not supported (PCD-01 uses {supported})"


def time_problem(
    observed: Iterable[datetime],
    *,
    now: datetime,
    max_age: timedelta = DEFAULT_MAX_AGE,
    max_ahead: timedelta = DEFAULT_MAX_AHEAD,
) -> str | None:
    """Why the observation times are implausible relative to ``now``, or None."""
    for at in observed:
        if at < now - max_age:
            hours = max_age.total_seconds() / 3600
            return f"observation time {at:%Y-%m-%d %H:%M}Z is more than {hours:g} h old"
        if at > now + max_ahead:
            minutes = max_ahead.total_seconds() / 60
            return f"observation time {at:%Y-%m-%d %H:%M}Z is more than {minutes:g} min ahead"
    return None
