"""Field paths into the plain form of a protocol: flatten to leaves, read one, replace one.

A path names a field the way validation errors do: ``dosing.iv.start_mg_per_kg``,
``monitoring.alert_rules[bp-systolic-pause].threshold``, ``population.sources.age.min_years``.
List items are named by their id (or drug / instrument) in brackets, else by their index; the name
of a source entry may itself contain dots, so everything after ``sources.`` is one name. Lists of
plain values (``baseline_instruments``) and source entries are leaves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ketaclinic.domain.protocols.reader import item_key

_TOKEN = re.compile(r"\[([^\]]+)\]|([^.\[\]]+)")


class PathError(LookupError):
    """A path naming no field of the plain form; ``expected`` says what would be valid."""

    def __init__(self, path: str, expected: str) -> None:
        super().__init__(f"{path}: {expected}")
        self.path = path
        self.expected = expected


def item_segment(list_name: str, item: object, index: int) -> str:
    """The bracketed name of a list item: its key field's value if it has one, else its index."""
    key = item_key(list_name, item)
    return f"[{key}]" if key else f"[{index}]"


def _join(parent: str, segment: str) -> str:
    if not parent or segment.startswith("["):
        return parent + segment
    return f"{parent}.{segment}"


def iter_leaves(plain: Any, path: str = "", name: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) leaf of a plain form, in document order."""
    if isinstance(plain, Mapping) and name != "sources":
        for key, value in plain.items():
            yield from iter_leaves(value, _join(path, str(key)), str(key))
    elif isinstance(plain, Mapping):
        for key, value in plain.items():
            yield _join(path, str(key)), value
    elif isinstance(plain, list) and any(isinstance(item, Mapping) for item in plain):
        for index, item in enumerate(plain):
            yield from iter_leaves(item, _join(path, item_segment(name, item, index)), name)
    else:
        yield path, plain


def flatten(plain: Any) -> dict[str, Any]:
    """``{path: value}`` for every leaf of a plain form."""
    return dict(iter_leaves(plain))


def _tokens(path: str) -> list[str]:
    tokens: list[str] = []
    for match in _TOKEN.finditer(path):
        if tokens and tokens[-1] == "sources" and match.group(2):
            return [*tokens, path[match.start() :]]
        tokens.append(f"[{match.group(1)}]" if match.group(1) else match.group(2))
    if "".join(t if t.startswith("[") else "." + t for t in tokens).lstrip(".") != path:
        raise PathError(path, "a dotted field path such as dosing.iv.max_mg")
    return tokens


def _child(container: Any, token: str, list_name: str, path: str) -> tuple[Any, Any]:
    """(container, key) addressing ``token`` inside ``container``."""
    if isinstance(container, dict):
        return container, token
    if isinstance(container, list) and token.startswith("["):
        for index, item in enumerate(container):
            if item_segment(list_name, item, index) == token:
                return container, index
        raise PathError(path, f"an existing item of {list_name}")
    raise PathError(path, "a path through mappings and lists of the protocol")


def replace_at(plain: dict[str, Any], path: str, value: Any) -> None:
    """Set the field at ``path`` of ``plain`` (in place); the parent must exist."""
    tokens = _tokens(path)
    node: Any = plain
    name = ""
    for token in tokens[:-1]:
        container, key = _child(node, token, name, path)
        if isinstance(container, dict) and key not in container:
            raise PathError(path, f"an existing field ({key!r} is not one)")
        node = container[key]
        name = token if not token.startswith("[") else name
    container, key = _child(node, tokens[-1], name, path)
    container[key] = value


def value_at(plain: Any, path: str) -> Any:
    """The value at ``path`` of a plain form (PathError if there is none)."""
    leaves = flatten(plain)
    if path in leaves:
        return leaves[path]
    node: Any = plain
    name = ""
    for token in _tokens(path):
        container, key = _child(node, token, name, path)
        if isinstance(container, dict) and key not in container:
            raise PathError(path, "an existing field")
        node = container[key]
        name = token if not token.startswith("[") else name
    return node
