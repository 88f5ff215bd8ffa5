"""Coaching notes (SQLAlchemy Core), every query scoped by ``clinic_id``.

The private part of a coaching note is selected only by
:meth:`SqlCoachingNoteRepository.private_text`, which the coaching service calls after its access
check and audit event; no other query returns it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ketaclinic.adapters.db.integration.tables import coaching_notes
from ketaclinic.domain.integration.plans import CoachingNote, NoteContent, NoteKind, RiskLevel
from ketaclinic.domain.patients.treatment import Course

_NOTE_COLUMNS = [c for c in coaching_notes.c if c.name != "private_text"]


def _note(m: Any) -> CoachingNote:
    content = NoteContent(
        m["themes"],
        tuple(json.loads(m["practices_assigned"])),
        m["homework"],
        RiskLevel(m["risk"]),
        m["risk_notes"],
    )
    return CoachingNote(
        m["id"],
        m["clinic_id"],
        m["course_id"],
        m["patient_id"],
        NoteKind(m["kind"]),
        m["session_at"],
        m["author_id"],
        content,
        bool(m["has_private"]),
        m["signed_at"],
        m["created_at"],
    )


class SqlCoachingNoteRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _select(self) -> Any:
        t = coaching_notes
        return select(*_NOTE_COLUMNS, t.c.private_text.is_not(None).label("has_private"))

    def add(
        self,
        course: Course,
        kind: NoteKind,
        session_at: datetime,
        content: NoteContent,
        private_text: str | None,
        *,
        author_id: int,
        at: datetime,
    ) -> CoachingNote:
        values = {
            "clinic_id": course.clinic_id,
            "course_id": course.id,
            "patient_id": course.patient_id,
            "kind": kind.value,
            "session_at": session_at,
            "author_id": author_id,
            "themes": content.themes,
            "practices_assigned": json.dumps(list(content.practices_assigned)),
            "homework": content.homework,
            "risk": content.risk.value,
            "risk_notes": content.risk_notes,
            "private_text": private_text,
            "signed_at": None,
            "created_at": at,
        }
        key = self._conn.execute(insert(coaching_notes).values(**values)).inserted_primary_key
        assert key is not None
        return _note({**values, "id": int(key[0]), "has_private": private_text is not None})

    def get(self, clinic_id: int, note_id: int) -> CoachingNote | None:
        t = coaching_notes
        row = (
            self._conn.execute(self._select().where(t.c.clinic_id == clinic_id, t.c.id == note_id))
            .mappings()
            .first()
        )
        return _note(row) if row else None

    def private_text(self, clinic_id: int, note_id: int) -> str | None:
        t = coaching_notes
        value = self._conn.execute(
            select(t.c.private_text).where(t.c.clinic_id == clinic_id, t.c.id == note_id)
        ).scalar_one_or_none()
        return str(value) if value is not None else None

    def sign(self, note: CoachingNote, *, at: datetime) -> CoachingNote:
        t = coaching_notes
        self._conn.execute(
            update(t)
            .where(t.c.clinic_id == note.clinic_id, t.c.id == note.id, t.c.signed_at.is_(None))
            .values(signed_at=at)
        )
        found = self.get(note.clinic_id, note.id)
        assert found is not None
        return found

    def for_course(self, clinic_id: int, course_id: int) -> Sequence[CoachingNote]:
        t = coaching_notes
        rows = self._conn.execute(
            self._select()
            .where(t.c.clinic_id == clinic_id, t.c.course_id == course_id)
            .order_by(t.c.session_at, t.c.id)
        ).mappings()
        return [_note(r) for r in rows]

    def for_author(self, clinic_id: int, author_id: int) -> Sequence[CoachingNote]:
        t = coaching_notes
        rows = self._conn.execute(
            self._select()
            .where(t.c.clinic_id == clinic_id, t.c.author_id == author_id)
            .order_by(t.c.session_at, t.c.id)
        ).mappings()
        return [_note(r) for r in rows]
