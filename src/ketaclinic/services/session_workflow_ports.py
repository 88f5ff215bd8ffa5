"""Ports of the session workflow: the append-only clinical record of one infusion session.

Every step a nurse or prescriber documents on infusion day (check-in, pre-dose checklist,
premedication and ketamine administrations, IV placement, scales, adverse events, observations,
Aldrete scores, the discharge note) is one :class:`SessionRecord` of a :class:`RecordKind`. Rows are
never updated: a correction is a new record, and the latest of a kind wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class RecordKind(StrEnum):
    CHECK_IN = "check_in"
    PRE_DOSE = "pre_dose"
    PREDOSE_DECISION = "predose_decision"  # the signed-in prescriber's decision on a BP hold
    IV_PLACEMENT = "iv_placement"
    ADMINISTRATION = "administration"  # ketamine or any other drug, with lot and who gave it
    SCALE = "scale"  # CADSS-6 / CADSS dissociation, sedation
    ADVERSE_EVENT = "adverse_event"
    OBSERVATION = "observation"
    ALDRETE = "aldrete"
    DISCHARGE = "discharge"


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One documented step. ``payload`` holds the step's fields (JSON-compatible values)."""

    id: int
    clinic_id: int
    session_id: int
    patient_id: int
    kind: RecordKind
    payload: Mapping[str, Any]
    recorded_at: datetime
    recorded_by: int


class SessionRecordRepository(Protocol):
    def add(
        self,
        clinic_id: int,
        session_id: int,
        patient_id: int,
        kind: RecordKind,
        payload: Mapping[str, Any],
        *,
        by: int,
        at: datetime,
    ) -> SessionRecord: ...
    def for_session(self, clinic_id: int, session_id: int) -> Sequence[SessionRecord]: ...
