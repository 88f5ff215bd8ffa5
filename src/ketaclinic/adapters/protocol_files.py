"""Protocol packs as YAML files: parse, load from disk, and the packs shipped with ketaclinic.

YAML is parsed with ``yaml.safe_load`` into plain data, then read, checked and hashed by the pure
domain (:func:`ketaclinic.domain.protocols.pack.build_protocol`). Every error names the file, the
field path, the value and what was expected.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from ketaclinic.domain.errors import NotFound
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.pack import build_protocol
from ketaclinic.domain.protocols.problems import ProtocolInvalid, ProtocolProblem
from ketaclinic.services.protocols.rules import ensure_runnable_rules

__all__ = [
    "ProtocolInvalid",
    "load_pack",
    "parse_pack",
    "shipped_protocol",
    "shipped_protocol_ids",
    "shipped_protocols",
]

_PACKAGE = "ketaclinic.protocols"


def parse_pack(text: str, *, source_name: str) -> Protocol:
    """Parse YAML text of one pack into a validated, hashed :class:`Protocol`.

    Raises :class:`ProtocolInvalid` (a ``ValidationFailed``) carrying every problem; a pack whose
    contraindication rules name a condition the eligibility engine does not know is refused too.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = ProtocolProblem("", where, f"well-formed YAML ({getattr(exc, 'problem', exc)})")
        raise ProtocolInvalid(source_name, [problem]) from exc
    protocol = build_protocol(data, source_name=source_name)
    return ensure_runnable_rules(protocol, source_name=source_name)


def load_pack(path: Path) -> Protocol:
    """Load and validate the pack file at ``path`` (errors name the file by its name)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NotFound(f"protocol file not found: {path}", field="path") from exc
    return parse_pack(text, source_name=path.name)


def shipped_protocol_ids() -> list[str]:
    """Sorted ids of the packs shipped in ``ketaclinic/protocols/`` (one ``<id>.yaml`` each)."""
    folder = resources.files(_PACKAGE)
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


def shipped_protocol(protocol_id: str) -> Protocol:
    """The shipped pack ``protocol_id`` (e.g. ``"adult-iv-induction"``); NotFound if unknown."""
    if protocol_id not in shipped_protocol_ids():
        raise NotFound(f"no shipped protocol {protocol_id!r}", field="protocol_id")
    entry = resources.files(_PACKAGE).joinpath(f"{protocol_id}.yaml")
    protocol = parse_pack(entry.read_text(encoding="utf-8"), source_name=f"{protocol_id}.yaml")
    if protocol.id != protocol_id:
        problem = ProtocolProblem("id", protocol.id, f"{protocol_id!r} (the file name)")
        raise ProtocolInvalid(f"{protocol_id}.yaml", [problem])
    return protocol


def shipped_protocols() -> list[Protocol]:
    """Every shipped pack, sorted by id."""
    return [shipped_protocol(protocol_id) for protocol_id in shipped_protocol_ids()]
