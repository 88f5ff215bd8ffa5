"""An alarm's count in words, the same on the board and in the session's alarm history: how
often its condition was out of range since it was first raised, and its message without a
second, different count beside it."""

from __future__ import annotations

import re

from ketaclinic.domain.infusion.records import StoredAlarm
from ketaclinic.entrypoints.web.plain import local_time

#: The run count the rule's message carries for its latest episode (``: 1 reading (latest``).
_RUN = re.compile(r": (?:1 reading|\d+ consecutive readings(?: over \d+ min)?) \(latest ")


def alarm_count(a: StoredAlarm, tz: str = "UTC") -> str:
    """``Out of range once, at 10:42`` or ``Out of range 4 times since 10:42, latest 11:02``."""
    first = local_time(a.raised_at, tz, "%H:%M")
    if a.repeat_count <= 1:
        return f"Out of range once, at {first}"
    latest = local_time(a.last_raised_at, tz, "%H:%M") if a.last_raised_at else ""
    tail = f", latest {latest}" if latest else ""
    return f"Out of range {a.repeat_count} times since {first}{tail}"


def alarm_message(a: StoredAlarm) -> str:
    """The alarm's message; once it has come back, without the latest episode's own reading
    count (the count shown is :func:`alarm_count`'s)."""
    if a.repeat_count <= 1:
        return a.message
    return _RUN.sub(" (latest ", a.message, count=1)
