"""Recorded responses, self-report links and notices; every query is scoped by clinic."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ketaclinic.adapters.db.assessments.tables import (
    assessment_links,
    assessment_responses,
    notices,
)
from ketaclinic.domain.assessments.records import (
    AnsweredBy,
    AssessmentLink,
    AssessmentResponse,
    NewResponse,
    Notice,
    ResponseSource,
    ScoredResponse,
)
from ketaclinic.domain.errors import Conflict


def _response(m: Any) -> AssessmentResponse:
    return AssessmentResponse(
        id=m["id"],
        clinic_id=m["clinic_id"],
        patient_id=m["patient_id"],
        course_id=m["course_id"],
        instrument_id=m["instrument_id"],
        instrument_version=m["instrument_version"],
        answers={str(k): int(v) for k, v in json.loads(m["answers"]).items()},
        total=m["total"],
        band=m["band"],
        band_label=m["band_label"],
        subscales={str(k): int(v) for k, v in json.loads(m["subscales"]).items()},
        safety_flags=tuple(json.loads(m["safety_flags"])),
        complete=bool(m["complete"]),
        answered_by=AnsweredBy(m["answered_by"]),
        source=ResponseSource(m["source"]),
        answered_at=m["answered_at"],
        recorded_at=m["recorded_at"],
        recorded_by=m["recorded_by"],
        link_id=m["link_id"],
        note=m["note"],
    )


_ID_CHUNK = 500


def _link(m: Any) -> AssessmentLink:
    return AssessmentLink(
        id=m["id"],
        clinic_id=m["clinic_id"],
        patient_id=m["patient_id"],
        course_id=m["course_id"],
        instrument_id=m["instrument_id"],
        form_token=m["form_token"],
        created_by=m["created_by"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        used_at=m["used_at"],
        response_id=m["response_id"],
        guardian_informed=bool(m["guardian_informed"]),
    )


def _notice(m: Any) -> Notice:
    return Notice(
        id=m["id"],
        clinic_id=m["clinic_id"],
        patient_id=m["patient_id"],
        kind=m["kind"],
        audience=m["audience"],
        ref=m["ref"],
        message=m["message"],
        created_at=m["created_at"],
    )


class SqlAssessmentRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, clinic_id: int, r: NewResponse, *, at: datetime) -> AssessmentResponse:
        values = {
            "clinic_id": clinic_id,
            "patient_id": r.patient_id,
            "course_id": r.course_id,
            "instrument_id": r.instrument_id,
            "instrument_version": r.instrument_version,
            "answers": json.dumps(r.answers, sort_keys=True),
            "total": r.total,
            "band": r.band,
            "band_label": r.band_label,
            "subscales": json.dumps(r.subscales, sort_keys=True),
            "safety_flags": json.dumps(list(r.safety_flags)),
            "complete": r.complete,
            "answered_by": r.answered_by.value,
            "source": r.source.value,
            "answered_at": r.answered_at,
            "recorded_at": at,
            "recorded_by": r.recorded_by,
            "link_id": r.link_id,
            "note": r.note,
        }
        stmt = insert(assessment_responses).values(**values).returning(assessment_responses.c.id)
        found = self.get(clinic_id, self._conn.execute(stmt).scalar_one())
        assert found is not None
        return found

    def get(self, clinic_id: int, response_id: int) -> AssessmentResponse | None:
        t = assessment_responses
        stmt = select(t).where(t.c.clinic_id == clinic_id, t.c.id == response_id)
        row = self._conn.execute(stmt).first()
        return _response(row._mapping) if row else None

    def for_patient(
        self, clinic_id: int, patient_id: int, instrument_id: str | None = None
    ) -> Sequence[AssessmentResponse]:
        """Oldest first (by when answered, then id)."""
        t = assessment_responses
        stmt = select(t).where(t.c.clinic_id == clinic_id, t.c.patient_id == patient_id)
        if instrument_id is not None:
            stmt = stmt.where(t.c.instrument_id == instrument_id)
        stmt = stmt.order_by(t.c.answered_at, t.c.id)
        return [_response(r._mapping) for r in self._conn.execute(stmt)]

    def scored(self, clinic_id: int, response_ids: Collection[int]) -> Mapping[int, ScoredResponse]:
        """The clinic's scored responses among ``response_ids`` (read in bounded chunks)."""
        t = assessment_responses.c
        ids = sorted(set(response_ids))
        found: dict[int, ScoredResponse] = {}
        for start in range(0, len(ids), _ID_CHUNK):
            stmt = select(t.id, t.patient_id, t.instrument_id, t.total, t.answered_at).where(
                t.clinic_id == clinic_id,
                t.id.in_(ids[start : start + _ID_CHUNK]),
                t.total.is_not(None),
            )
            for m in self._conn.execute(stmt).mappings():
                found[m["id"]] = ScoredResponse(
                    m["id"], m["patient_id"], m["instrument_id"], m["total"], m["answered_at"]
                )
        return found


class SqlAssessmentLinkRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        clinic_id: int,
        *,
        patient_id: int,
        course_id: int | None,
        instrument_id: str,
        token_hash: str,
        form_token: str,
        created_by: int,
        at: datetime,
        expires_at: datetime,
        guardian_informed: bool,
    ) -> AssessmentLink:
        stmt = (
            insert(assessment_links)
            .values(clinic_id=clinic_id, patient_id=patient_id, course_id=course_id)
            .values(instrument_id=instrument_id, token_hash=token_hash, form_token=form_token)
            .values(created_by=created_by, created_at=at, expires_at=expires_at)
            .values(guardian_informed=guardian_informed)
            .returning(assessment_links.c.id)
        )
        new_id = self._conn.execute(stmt).scalar_one()
        row = self._conn.execute(
            select(assessment_links).where(assessment_links.c.id == new_id)
        ).first()
        assert row is not None
        return _link(row._mapping)

    def by_token_hash(self, token_hash: str) -> AssessmentLink | None:
        """The one lookup not scoped by clinic: the token is the credential that names it."""
        stmt = select(assessment_links).where(assessment_links.c.token_hash == token_hash)
        row = self._conn.execute(stmt).first()
        return _link(row._mapping) if row else None

    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[AssessmentLink]:
        t = assessment_links
        stmt = select(t).where(t.c.clinic_id == clinic_id, t.c.patient_id == patient_id)
        return [_link(r._mapping) for r in self._conn.execute(stmt.order_by(t.c.id.desc()))]

    def mark_used(self, link: AssessmentLink, response_id: int, *, at: datetime) -> None:
        """Single use: refused with Conflict when another submission got there first."""
        t = assessment_links
        done = self._conn.execute(
            update(t)
            .where(t.c.id == link.id, t.c.clinic_id == link.clinic_id, t.c.used_at.is_(None))
            .values(used_at=at, response_id=response_id)
        )
        if done.rowcount != 1:
            raise Conflict("this questionnaire has already been answered", field="token")


class SqlNoticeRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        clinic_id: int,
        patient_id: int,
        *,
        kind: str,
        audience: str,
        ref: str,
        message: str,
        at: datetime,
    ) -> Notice:
        stmt = (
            insert(notices)
            .values(clinic_id=clinic_id, patient_id=patient_id, kind=kind, audience=audience)
            .values(ref=ref, message=message, created_at=at)
            .returning(notices.c.id)
        )
        new_id = self._conn.execute(stmt).scalar_one()
        row = self._conn.execute(select(notices).where(notices.c.id == new_id)).first()
        assert row is not None
        return _notice(row._mapping)

    def for_audience(self, clinic_id: int, audience: str, limit: int = 50) -> Sequence[Notice]:
        """Newest first."""
        stmt = (
            select(notices)
            .where(notices.c.clinic_id == clinic_id, notices.c.audience == audience)
            .order_by(notices.c.id.desc())
            .limit(limit)
        )
        return [_notice(r._mapping) for r in self._conn.execute(stmt)]

    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[Notice]:
        stmt = select(notices).where(
            notices.c.clinic_id == clinic_id, notices.c.patient_id == patient_id
        )
        return [_notice(r._mapping) for r in self._conn.execute(stmt.order_by(notices.c.id))]
