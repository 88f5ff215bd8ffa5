"""What a physician must confirm before a protocol version may be used for a patient.

Every default flagged ``needs_signoff`` (the pack's sources marked UNCONFIRMED in clinical.md, and
rules flagged as a whole) becomes a :class:`SignoffItem`. At sign-off each item must be confirmed or
changed (a change makes a new version through :func:`changes.adopt`, which is signed off itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ketaclinic.domain.protocols.canonical import to_plain
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.paths import item_segment, value_at


@dataclass(frozen=True, slots=True)
class SignoffItem:
    """One default a physician must confirm: its field path, its value (plain form), its source."""

    path: str
    value: Any
    source: str


@dataclass(frozen=True, slots=True)
class SignoffCheck:
    """Result of :func:`check_signoff_complete`; ``complete`` only when nothing is missing."""

    protocol_ref: str
    protocol_hash: str
    missing: tuple[SignoffItem, ...]
    unknown_paths: tuple[str, ...]  # confirmed paths that are not sign-off items of this version

    @property
    def complete(self) -> bool:
        return not self.missing


def _join(parent: str, segment: str) -> str:
    if not parent or segment.startswith("["):
        return parent + segment
    return f"{parent}.{segment}"


def _walk(plain: Any, path: str, name: str, root: Any) -> Iterator[SignoffItem]:
    if isinstance(plain, Mapping):
        if plain.get("needs_signoff") is True and path.endswith("]"):
            yield SignoffItem(path, plain, str(plain.get("source", "")))
        for key, value in plain.items():
            if key == "sources" and isinstance(value, Mapping):
                yield from _sourced(value, path, root)
            else:
                yield from _walk(value, _join(path, str(key)), str(key), root)
    elif isinstance(plain, list):
        for index, item in enumerate(plain):
            yield from _walk(item, _join(path, item_segment(name, item, index)), name, root)


def _sourced(sources: Mapping[str, Any], parent: str, root: Any) -> Iterator[SignoffItem]:
    for field_name, ref in sources.items():
        if isinstance(ref, Mapping) and ref.get("needs_signoff") is True:
            field_path = _join(parent, field_name)
            yield SignoffItem(field_path, value_at(root, field_path), str(ref.get("key", "")))


def signoff_items(p: Protocol) -> list[SignoffItem]:
    """Every ``needs_signoff`` default of ``p`` with its path, current value and source key."""
    plain = to_plain(p)
    return list(_walk(plain, "", "", plain))


def check_signoff_complete(p: Protocol, confirmed_paths: Iterable[str]) -> SignoffCheck:
    """Which sign-off items of ``p`` are not among ``confirmed_paths`` (complete when none).

    The sign-off record must pin ``p.hash``: confirmations given for another version do not carry
    over, because the same path can hold a different value there.
    """
    confirmed = set(confirmed_paths)
    items = signoff_items(p)
    missing = tuple(item for item in items if item.path not in confirmed)
    known_paths = {item.path for item in items}
    unknown = tuple(sorted(confirmed - known_paths))
    return SignoffCheck(p.ref, p.hash, missing, unknown)
