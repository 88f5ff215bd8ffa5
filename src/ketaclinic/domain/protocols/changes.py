"""Compare protocol versions, adopt a pack with local changes, keep published versions immutable.

A clinic adopts a pack by listing field changes (``{"monitoring.alert_rules[bp-systolic-pause]
.threshold": 170}``); the result is a new version, validated like any pack, with its own hash,
its base recorded as ``id@version`` and the exact differences from the base listed. The base is
never modified: a course pinned to it keeps reporting the base's values.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.protocols.canonical import to_plain
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.pack import build_protocol
from ketaclinic.domain.protocols.paths import PathError, flatten, replace_at
from ketaclinic.domain.protocols.problems import ProtocolInvalid, ProtocolProblem

# fields an adoption may not set through ``changes`` (given by the call or computed)
_RESERVED = frozenset({"version", "base", "hash"})
_MISSING = "<absent>"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field that differs between two versions, values in plain form (Decimals as text)."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class AdoptedProtocol:
    """A clinic's version of a pack: the new protocol, its base and what differs from the base."""

    protocol: Protocol
    base_ref: str
    base_hash: str
    changes: tuple[FieldChange, ...]


def diff(a: Protocol, b: Protocol) -> list[FieldChange]:
    """Every field path whose value differs from ``a`` to ``b`` (``hash`` excluded), in file order.

    A field present on one side only appears with ``"<absent>"`` on the other.
    """
    before = flatten(_content(a))
    after = flatten(_content(b))
    paths = list(before) + [path for path in after if path not in before]
    return [
        FieldChange(path, before.get(path, _MISSING), after.get(path, _MISSING))
        for path in paths
        if before.get(path, _MISSING) != after.get(path, _MISSING)
    ]


def _content(protocol: Protocol) -> dict[str, Any]:
    plain: dict[str, Any] = to_plain(protocol)
    plain.pop("hash", None)
    return plain


def adopt(base: Protocol, changes: Mapping[str, object], *, new_version: str) -> AdoptedProtocol:
    """Apply ``changes`` (field path -> new value) to ``base`` as version ``new_version``.

    The result is validated like a pack file (ProtocolInvalid lists every problem, naming paths),
    records ``base.ref`` as its base and carries a new hash. ``new_version`` must differ from the
    base's version when the id is unchanged: a published version is never rewritten.
    """
    plain = _content(base)
    problems = [
        ProtocolProblem(path, value, "a field other than version, base or hash")
        for path, value in changes.items()
        if path in _RESERVED
    ]
    for path, value in changes.items():
        if path not in _RESERVED:
            problems.extend(_apply(plain, path, value))
    plain["version"] = new_version
    plain["base"] = base.ref
    if plain.get("id") == base.id and new_version == base.version:
        problems.append(
            ProtocolProblem("version", new_version, f"a version other than {base.version}")
        )
    source_name = f"{base.id}@{new_version} (adopted from {base.ref})"
    try:
        adopted = build_protocol(plain, source_name=source_name)
    except ProtocolInvalid as invalid:
        raise ProtocolInvalid(source_name, [*problems, *invalid.problems]) from None
    if problems:
        raise ProtocolInvalid(source_name, problems)
    return AdoptedProtocol(adopted, base.ref, base.hash, tuple(diff(base, adopted)))


def _apply(plain: dict[str, Any], path: str, value: object) -> list[ProtocolProblem]:
    try:
        replace_at(plain, path, copy.deepcopy(to_plain(value)))
    except PathError as exc:
        return [ProtocolProblem(path, value, exc.expected)]
    return []


def ensure_publishable(published: Mapping[str, str], candidate: Protocol) -> None:
    """Refuse to publish ``candidate`` if its ``id@version`` is already published with another hash.

    ``published`` maps ``id@version`` to the content hash recorded when it was published.
    Re-publishing identical content is allowed (idempotent). Raises :class:`Conflict`.
    """
    recorded = published.get(candidate.ref)
    if recorded is not None and recorded != candidate.hash:
        raise Conflict(
            f"{candidate.ref} is already published with hash {recorded[:12]}; "
            "publish changed content under a new version",
            field="version",
        )
