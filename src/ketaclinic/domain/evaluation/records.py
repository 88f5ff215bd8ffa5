"""What the evaluation, eligibility and consent areas store: versioned records around the rules.

The rules themselves live in ``domain.evaluation.intake``, ``domain.evaluation.eligibility`` and
``domain.consent.signatures``; these dataclasses add identity, authorship and time so that every
version and every signature can be shown, exported and audited (architecture.md principle 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.consent.signatures import Signature, SignerRole, Withdrawal
from ketaclinic.domain.evaluation.eligibility.signoff import SignedDecision
from ketaclinic.domain.evaluation.intake import Evaluation


@dataclass(frozen=True, slots=True)
class StoredEvaluation:
    """One version of a course's evaluation; a new version is stored on every edit."""

    id: int
    clinic_id: int
    course_id: int
    patient_id: int
    version: int
    evaluation: Evaluation
    recorded_at: datetime
    recorded_by: int


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """A signed eligibility decision and the evaluation version it was made on."""

    id: int
    clinic_id: int
    course_id: int
    patient_id: int
    evaluation_version: int
    decision: SignedDecision
    signed_by_staff: int


@dataclass(frozen=True, slots=True)
class StoredSignature:
    """A consent signature as captured, with the drawn image and who collected it.

    ``related_person_id`` names the chart's guardian for a guardian's permission.
    ``image_png`` is the drawn signature as a ``data:image/png;base64,`` URL (empty for a dissent
    recorded without a drawing).
    """

    id: int
    clinic_id: int
    course_id: int
    patient_id: int
    signature: Signature
    related_person_id: int | None
    image_png: str
    collected_by: int

    @property
    def signer(self) -> SignerRole:
        return self.signature.signer


@dataclass(frozen=True, slots=True)
class StoredWithdrawal:
    id: int
    clinic_id: int
    course_id: int
    patient_id: int
    withdrawal: Withdrawal
    recorded_by: int
