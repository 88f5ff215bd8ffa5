"""Consent signatures and withdrawals, scoped by clinic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select

from ketaclinic.adapters.db.consent.tables import consent_signatures, consent_withdrawals
from ketaclinic.domain.consent.signatures import Signature, SignerRole, Withdrawal
from ketaclinic.domain.evaluation.records import (
    StoredSignature,
    StoredWithdrawal,
)
from ketaclinic.domain.patients.treatment import Course


def _signature(m: Any) -> StoredSignature:
    signature = Signature(
        document_id=m["document_id"],
        document_version=m["document_version"],
        document_hash=m["document_hash"],
        signer=SignerRole(m["signer_role"]),
        signer_name=m["signer_name"],
        signed_at=m["signed_at"],
        agrees=m["agrees"],
        legal_authority=m["legal_authority"],
        witness_name=m["witness_name"],
        explained_by=m["explained_by"],
        witness_staff_id=m["witness_staff_id"],
        witness_role=m["witness_role"],
    )
    return StoredSignature(
        m["id"],
        m["clinic_id"],
        m["course_id"],
        m["patient_id"],
        signature,
        m["related_person_id"],
        m["image_png"],
        m["collected_by"],
    )


def _withdrawal(m: Any) -> StoredWithdrawal:
    withdrawal = Withdrawal(SignerRole(m["by_role"]), m["at"], m["reason"], m["document_id"])
    return StoredWithdrawal(
        m["id"], m["clinic_id"], m["course_id"], m["patient_id"], withdrawal, m["recorded_by"]
    )


class SqlConsentRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_signature(
        self,
        course: Course,
        signature: Signature,
        *,
        related_person_id: int | None,
        image_png: str,
        by: int,
    ) -> StoredSignature:
        s = signature
        new_id = self._conn.execute(
            insert(consent_signatures)
            .values(clinic_id=course.clinic_id, course_id=course.id, patient_id=course.patient_id)
            .values(document_id=s.document_id, document_version=s.document_version)
            .values(document_hash=s.document_hash, signer_role=s.signer.value)
            .values(signer_name=s.signer_name, related_person_id=related_person_id)
            .values(legal_authority=s.legal_authority, agrees=s.agrees)
            .values(witness_name=s.witness_name, explained_by=s.explained_by)
            .values(witness_staff_id=s.witness_staff_id, witness_role=s.witness_role)
            .values(image_png=image_png, signed_at=s.signed_at, collected_by=by)
            .returning(consent_signatures.c.id)
        ).scalar_one()
        found = self.get(course.clinic_id, new_id)
        assert found is not None
        return found

    def get(self, clinic_id: int, signature_id: int) -> StoredSignature | None:
        stmt = select(consent_signatures).where(
            consent_signatures.c.clinic_id == clinic_id, consent_signatures.c.id == signature_id
        )
        row = self._conn.execute(stmt).first()
        return _signature(row._mapping) if row else None

    def signatures(self, clinic_id: int, course_id: int) -> Sequence[StoredSignature]:
        stmt = select(consent_signatures).where(
            consent_signatures.c.clinic_id == clinic_id,
            consent_signatures.c.course_id == course_id,
        )
        rows = self._conn.execute(stmt.order_by(consent_signatures.c.id))
        return [_signature(r._mapping) for r in rows]

    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[StoredSignature]:
        stmt = select(consent_signatures).where(
            consent_signatures.c.clinic_id == clinic_id,
            consent_signatures.c.patient_id == patient_id,
        )
        rows = self._conn.execute(stmt.order_by(consent_signatures.c.id))
        return [_signature(r._mapping) for r in rows]

    def add_withdrawal(
        self, course: Course, withdrawal: Withdrawal, *, by: int
    ) -> StoredWithdrawal:
        w = withdrawal
        new_id = self._conn.execute(
            insert(consent_withdrawals)
            .values(clinic_id=course.clinic_id, course_id=course.id, patient_id=course.patient_id)
            .values(by_role=w.by.value, document_id=w.document_id, reason=w.reason, at=w.at)
            .values(recorded_by=by)
            .returning(consent_withdrawals.c.id)
        ).scalar_one()
        row = self._conn.execute(
            select(consent_withdrawals).where(consent_withdrawals.c.id == new_id)
        ).one()
        return _withdrawal(row._mapping)

    def withdrawals(self, clinic_id: int, course_id: int) -> Sequence[StoredWithdrawal]:
        stmt = select(consent_withdrawals).where(
            consent_withdrawals.c.clinic_id == clinic_id,
            consent_withdrawals.c.course_id == course_id,
        )
        rows = self._conn.execute(stmt.order_by(consent_withdrawals.c.id))
        return [_withdrawal(r._mapping) for r in rows]
