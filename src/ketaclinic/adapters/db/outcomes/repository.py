"""Course score tags and booster plans (tables_outcomes), always scoped by clinic.

A tagged score's total comes from the assessments area through its read model
(:class:`ScoredResponseReader`), never from its tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from ketaclinic.adapters.db.outcomes.tables import booster_plans, course_scores
from ketaclinic.domain.outcomes.maintenance import BoosterPlan, BoosterWindow
from ketaclinic.domain.outcomes.records import CourseScore, StoredBoosterPlan
from ketaclinic.domain.outcomes.response import InstrumentScore, Reason, ScoreKind
from ketaclinic.services.assessments.ports import ScoredResponseReader


def _window_json(w: BoosterWindow) -> dict[str, Any]:
    return {
        "number": w.number,
        "target_on": w.target_on.isoformat(),
        "earliest_on": w.earliest_on.isoformat(),
        "latest_on": w.latest_on.isoformat(),
        "interval_days": w.interval_days,
        "edited_reason": w.edited_reason,
    }


def _window(d: dict[str, Any]) -> BoosterWindow:
    return BoosterWindow(
        number=int(d["number"]),
        target_on=date.fromisoformat(d["target_on"]),
        earliest_on=date.fromisoformat(d["earliest_on"]),
        latest_on=date.fromisoformat(d["latest_on"]),
        interval_days=int(d["interval_days"]),
        edited_reason=d.get("edited_reason"),
    )


def _plan(m: Any) -> StoredBoosterPlan:
    windows = tuple(_window(d) for d in json.loads(m["windows"]))
    reasons = tuple(Reason(r[0], r[1], r[2], bool(r[3])) for r in json.loads(m["reasons"]))
    return StoredBoosterPlan(
        id=m["id"],
        clinic_id=m["clinic_id"],
        course_id=m["course_id"],
        start_on=m["start_on"],
        plan=BoosterPlan(windows, m["review_on"], reasons),
        created_by=m["created_by"],
        created_at=m["created_at"],
    )


class SqlOutcomeRepository:
    def __init__(self, conn: Connection, responses: ScoredResponseReader) -> None:
        self._conn = conn
        self._responses = responses

    def tag(
        self,
        clinic_id: int,
        course_id: int,
        response_id: int,
        kind: ScoreKind,
        session_number: int | None,
        *,
        at: datetime,
    ) -> None:
        self._conn.execute(
            insert(course_scores).values(
                clinic_id=clinic_id,
                course_id=course_id,
                response_id=response_id,
                kind=kind.value,
                session_number=session_number,
                tagged_at=at,
            )
        )

    def scores(self, clinic_id: int, course_id: int) -> Sequence[CourseScore]:
        """The course's tagged scores with a total, oldest first."""
        return self._select(clinic_id, course_scores.c.course_id == course_id)

    def scores_for_clinic(self, clinic_id: int) -> Sequence[CourseScore]:
        """Every tagged score of the clinic (the dashboard's input), oldest first."""
        return self._select(clinic_id, None)

    def _select(self, clinic_id: int, where: Any) -> Sequence[CourseScore]:
        """Tags joined to their scored responses; oldest answer first, then response id."""
        c = course_scores.c
        query = select(c.response_id, c.course_id, c.kind, c.session_number).where(
            c.clinic_id == clinic_id
        )
        if where is not None:
            query = query.where(where)
        tags = list(self._conn.execute(query).mappings())
        scored = self._responses.scored(clinic_id, [m["response_id"] for m in tags])
        found = [
            CourseScore(
                m["response_id"],
                m["course_id"],
                r.patient_id,
                InstrumentScore(
                    r.instrument_id,
                    r.total,
                    r.answered_at,
                    ScoreKind(m["kind"]),
                    m["session_number"],
                ),
            )
            for m in tags
            if (r := scored.get(m["response_id"])) is not None
        ]
        return sorted(found, key=lambda s: (s.score.administered_at, s.response_id))

    def add_plan(
        self,
        clinic_id: int,
        course_id: int,
        start_on: date,
        plan: BoosterPlan,
        *,
        by: int,
        at: datetime,
    ) -> StoredBoosterPlan:
        values = {
            "clinic_id": clinic_id,
            "course_id": course_id,
            "start_on": start_on,
            "review_on": plan.review_on,
            "windows": json.dumps([_window_json(w) for w in plan.windows]),
            "reasons": json.dumps(
                [[x.rule_id, x.message, x.source, x.needs_signoff] for x in plan.reasons]
            ),
            "created_by": by,
            "created_at": at,
        }
        new_id = self._conn.execute(insert(booster_plans).values(**values)).inserted_primary_key
        assert new_id is not None
        return _plan({"id": new_id[0], **values})

    def latest_plan(self, clinic_id: int, course_id: int) -> StoredBoosterPlan | None:
        row = (
            self._conn.execute(
                select(booster_plans)
                .where(booster_plans.c.clinic_id == clinic_id)
                .where(booster_plans.c.course_id == course_id)
                .order_by(booster_plans.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        return _plan(row) if row is not None else None

    def latest_plans(self, clinic_id: int) -> Sequence[StoredBoosterPlan]:
        t = booster_plans.c
        latest = select(func.max(t.id)).where(t.clinic_id == clinic_id).group_by(t.course_id)
        rows = self._conn.execute(
            select(booster_plans)
            .where(t.clinic_id == clinic_id, t.id.in_(latest))
            .order_by(t.course_id)
        ).mappings()
        return [_plan(r) for r in rows]
