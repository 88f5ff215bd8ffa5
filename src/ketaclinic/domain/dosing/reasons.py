"""The reason a dosing rule gives for its result: rule id, message and clinical source.

Every dosing decision (a refusal, a ceiling that clipped a dose, a titration step) carries one of
these so that the order screen, the audit trail and the CLI can show *why*, and so that a value
taken from an UNCONFIRMED protocol default is visibly flagged for physician sign-off.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.domain.protocols.sections import SourceRef

KETALAR_PI = "Ketalar PI"
CLINICAL_2_3 = "clinical.md §2.3"
CLINICAL_2_4 = "clinical.md §2.4"


@dataclass(frozen=True, slots=True)
class DosingReason:
    """One reason. ``rule_id`` is stable (used in tests, audit events and UI anchors)."""

    rule_id: str
    message: str
    source: str
    needs_signoff: bool = False


def cite(sources: dict[str, SourceRef], field_name: str, fallback: str) -> tuple[str, bool]:
    """The source key and sign-off flag a protocol recorded for ``field_name``.

    Falls back to ``fallback`` (and no sign-off flag) when the pack did not record a source.
    """
    ref = sources.get(field_name)
    if ref is None:
        return fallback, False
    return ref.key, ref.needs_signoff


def protocol_reason(
    rule_id: str, message: str, sources: dict[str, SourceRef], field_name: str, fallback: str
) -> DosingReason:
    """A reason whose source is the protocol's recorded source for ``field_name``."""
    key, signoff = cite(sources, field_name, fallback)
    return DosingReason(rule_id, message, key, signoff)
