"""Validation problems of a protocol pack and the error that carries all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ketaclinic.domain.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class ProtocolProblem:
    """One thing wrong with a pack: where (dotted field path), what was found, what was expected."""

    path: str
    value: object
    expected: str

    def describe(self, source_name: str) -> str:
        """One line naming the file, the field path, the value found and what was expected."""
        shown = str(self.value) if isinstance(self.value, Decimal) else repr(self.value)
        return f"{source_name}: {self.path or '<root>'}: got {shown}; expected {self.expected}"


class ProtocolInvalid(ValidationFailed):
    """A protocol pack failed validation. ``problems`` lists every error, in file order.

    ``errors`` (from :class:`ValidationFailed`) maps each field path to its first message so that
    the edges can point at fields; ``str()`` lists every problem, one per line.
    """

    def __init__(self, source_name: str, problems: Iterable[ProtocolProblem]) -> None:
        self.source_name = source_name
        self.problems = tuple(problems)
        errors: dict[str, str] = {}
        for problem in self.problems:
            errors.setdefault(problem.path or "<root>", problem.describe(source_name))
        super().__init__(errors or {"<root>": f"{source_name}: invalid protocol"})

    def lines(self) -> list[str]:
        """Every problem as one human-readable line."""
        return [problem.describe(self.source_name) for problem in self.problems]

    def __str__(self) -> str:
        return "\n".join(self.lines())


class ProblemLog:
    """Collects problems while a pack is read and checked."""

    def __init__(self) -> None:
        self.problems: list[ProtocolProblem] = []

    def add(self, path: str, value: object, expected: str) -> None:
        """Record that ``value`` at ``path`` is not ``expected``."""
        self.problems.append(ProtocolProblem(path, value, expected))

    def __bool__(self) -> bool:
        return bool(self.problems)


def join_path(parent: str, name: str) -> str:
    """``dosing`` + ``iv`` -> ``dosing.iv``; item keys in brackets stay attached (``rules[x]``)."""
    if not parent:
        return name
    if name.startswith("["):
        return parent + name
    return f"{parent}.{name}"
