"""The rows behind the in-memory repositories, and the snapshot a unit of work works on.

Every area keeps its rows in a :class:`Tables` dataclass of flat containers (dicts and lists of
frozen records or tuples). ``copy`` clones each container, never the rows: rows are immutable, so
a clone taken when a unit of work begins is a true snapshot, and writes to it stay invisible to
everyone else until the unit of work commits it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Self


@dataclass
class Tables:
    """Base of one area's rows. ``ids`` holds the last id handed out per table."""

    ids: dict[str, int] = field(default_factory=dict)

    def copy(self) -> Self:
        clone = copy.copy(self)
        for f in fields(self):
            setattr(clone, f.name, copy.copy(getattr(self, f.name)))
        return clone

    def next_id(self, table: str) -> int:
        """Ids count up per table, like a database sequence."""
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]
