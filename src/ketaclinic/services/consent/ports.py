"""What the services need from the outside world, as Protocols.

Adapters implement these (``ketaclinic.adapters``); tests use in-memory fakes. A service opens one
unit of work per use case and commits once; the audit event is written in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ketaclinic.domain.consent.documents import ConsentTemplate
from ketaclinic.domain.consent.signatures import Signature, Withdrawal
from ketaclinic.domain.evaluation.records import (
    StoredSignature,
    StoredWithdrawal,
)
from ketaclinic.domain.patients.treatment import Course


class ConsentRepository(Protocol):
    def add_signature(
        self,
        course: Course,
        signature: Signature,
        *,
        related_person_id: int | None,
        image_png: str,
        by: int,
    ) -> StoredSignature: ...
    def get(self, clinic_id: int, signature_id: int) -> StoredSignature | None: ...
    def signatures(self, clinic_id: int, course_id: int) -> Sequence[StoredSignature]: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[StoredSignature]: ...
    def add_withdrawal(
        self, course: Course, withdrawal: Withdrawal, *, by: int
    ) -> StoredWithdrawal: ...
    def withdrawals(self, clinic_id: int, course_id: int) -> Sequence[StoredWithdrawal]: ...


class ConsentLibrary(Protocol):
    """The texts of consent documents by ``(document id, version)``."""

    def get(self, document_id: str, version: str) -> ConsentTemplate | None: ...
