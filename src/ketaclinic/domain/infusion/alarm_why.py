"""Why an alarm was raised, for its "Why" disclosure (pure).

:func:`explain_alarms` joins each stored alarm to the alert rule of the protocol version its
session runs on and to that version's sign-off: the rule in words (generated from the rule's own
value and operator, ``alert_words``, the same words as the alarm's reason), its source, whether
the threshold was a protocol default needing sign-off, and who signed the version off and when.
A version not signed off says so; it never reads "needs sign-off" once a physician has signed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.infusion.records import StoredAlarm
from ketaclinic.domain.patients.treatment import PublishedProtocol
from ketaclinic.domain.protocols.alert_words import rule_words
from ketaclinic.domain.protocols.sections import AlertRule


@dataclass(frozen=True, slots=True)
class AlarmWhy:
    """What the "Why" of one alarm shows; ``rule`` is empty when the version no longer has the
    rule (the alarm's stored source still says where it came from)."""

    rule_id: str
    rule: str
    source: str
    default_needs_signoff: bool  # the threshold was a protocol default flagged for sign-off
    protocol_title: str
    protocol_version: str
    signed_off_by: int | None
    signed_off_at: datetime | None

    @property
    def signed_off(self) -> bool:
        return self.signed_off_at is not None


def explain_alarm(
    alarm: StoredAlarm, rules: Mapping[str, AlertRule], published: PublishedProtocol
) -> AlarmWhy:
    """One alarm's explanation against the rules and sign-off of ``published``."""
    rule = rules.get(alarm.rule_id)
    return AlarmWhy(
        rule_id=alarm.rule_id,
        rule=rule_words(rule) if rule is not None else "",
        source=alarm.source,
        default_needs_signoff=rule.needs_signoff if rule is not None else alarm.needs_signoff,
        protocol_title=published.title,
        protocol_version=published.version,
        signed_off_by=published.signed_off_by,
        signed_off_at=published.signed_off_at,
    )


def explain_alarms(
    alarms: Iterable[StoredAlarm], rules: Iterable[AlertRule], published: PublishedProtocol
) -> dict[int, AlarmWhy]:
    """Each alarm's explanation by alarm id (see :func:`explain_alarm`)."""
    by_id = {r.id: r for r in rules}
    return {a.id: explain_alarm(a, by_id, published) for a in alarms}
