"""Integration plans, the practice library, journey records and the patient portal (SQLAlchemy
Core).

Every query is scoped by ``clinic_id``. Coaching notes are in ``coaching_note_repository``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ketaclinic.adapters.db.integration.journeys import SqlJourneyMixin
from ketaclinic.adapters.db.integration.tables import (
    integration_goal_ratings,
    integration_goals,
    integration_practices,
    portal_links,
    practice_logs,
)
from ketaclinic.domain.integration.plans import (
    Goal,
    GoalInput,
    GoalRating,
    GoalStatus,
    PortalLink,
    Practice,
    PracticeLog,
)
from ketaclinic.domain.patients.treatment import Course


def _goal(m: Any) -> Goal:
    return Goal(
        m["id"],
        m["clinic_id"],
        m["course_id"],
        m["patient_id"],
        m["domain_id"],
        m["text"],
        tuple(json.loads(m["practices"])),
        m["measure"],
        GoalStatus(m["status"]),
        m["updated_at"],
    )


class SqlPortalMixin:
    """Patient portal links and practice logs (part of :class:`SqlIntegrationRepository`)."""

    _conn: Connection

    def add_portal_link(
        self,
        course: Course,
        token_hash: str,
        form_token: str,
        *,
        by: int,
        at: datetime,
        expires_at: datetime,
    ) -> PortalLink:
        values = {
            "clinic_id": course.clinic_id,
            "patient_id": course.patient_id,
            "course_id": course.id,
            "token_hash": token_hash,
            "form_token": form_token,
            "created_by": by,
            "created_at": at,
            "expires_at": expires_at,
        }
        key = self._conn.execute(insert(portal_links).values(**values)).inserted_primary_key
        assert key is not None
        return PortalLink(
            int(key[0]), course.clinic_id, course.patient_id, course.id, form_token, at, expires_at
        )

    def portal_by_hash(self, token_hash: str) -> PortalLink | None:
        t = portal_links
        m = self._conn.execute(select(t).where(t.c.token_hash == token_hash)).mappings().first()
        if m is None:
            return None
        return PortalLink(
            m["id"],
            m["clinic_id"],
            m["patient_id"],
            m["course_id"],
            m["form_token"],
            m["created_at"],
            m["expires_at"],
        )

    def add_practice_log(
        self, link: PortalLink, practice: str, done: bool, feeling: str, *, at: datetime
    ) -> PracticeLog:
        values = {
            "clinic_id": link.clinic_id,
            "course_id": link.course_id,
            "patient_id": link.patient_id,
            "practice": practice,
            "done": int(done),
            "feeling": feeling,
            "at": at,
        }
        key = self._conn.execute(insert(practice_logs).values(**values)).inserted_primary_key
        assert key is not None
        return PracticeLog(int(key[0]), link.course_id, practice, done, feeling, at)

    def practice_logs(self, clinic_id: int, course_id: int) -> Sequence[PracticeLog]:
        t = practice_logs
        rows = self._conn.execute(
            select(t)
            .where(t.c.clinic_id == clinic_id, t.c.course_id == course_id)
            .order_by(t.c.at, t.c.id)
        ).mappings()
        return [
            PracticeLog(
                m["id"], m["course_id"], m["practice"], bool(m["done"]), m["feeling"], m["at"]
            )
            for m in rows
        ]


class SqlIntegrationRepository(SqlPortalMixin, SqlJourneyMixin):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def practices(self, clinic_id: int) -> Sequence[Practice]:
        t = integration_practices
        rows = self._conn.execute(
            select(t).where(t.c.clinic_id == clinic_id).order_by(t.c.category, t.c.id)
        ).mappings()
        return [
            Practice(r["id"], clinic_id, r["category"], r["name"], bool(r["active"])) for r in rows
        ]

    def add_practice(self, clinic_id: int, category: str, name: str) -> Practice:
        values = {"clinic_id": clinic_id, "category": category, "name": name, "active": 1}
        new_id = self._conn.execute(
            insert(integration_practices).values(**values)
        ).inserted_primary_key
        assert new_id is not None
        return Practice(int(new_id[0]), clinic_id, category, name, True)

    def set_practice_active(self, clinic_id: int, practice_id: int, active: bool) -> bool:
        t = integration_practices
        done = self._conn.execute(
            update(t)
            .where(t.c.clinic_id == clinic_id, t.c.id == practice_id)
            .values(active=int(active))
        )
        return done.rowcount == 1

    def add_goal(self, course: Course, goal: GoalInput, *, by: int, at: datetime) -> Goal:
        values = {
            "clinic_id": course.clinic_id,
            "course_id": course.id,
            "patient_id": course.patient_id,
            "domain_id": goal.domain_id,
            "text": goal.text,
            "practices": json.dumps(list(goal.practices)),
            "measure": goal.measure,
            "status": goal.status.value,
            "created_by": by,
            "updated_at": at,
        }
        key = self._conn.execute(insert(integration_goals).values(**values)).inserted_primary_key
        assert key is not None
        return _goal({**values, "id": int(key[0])})

    def get_goal(self, clinic_id: int, goal_id: int) -> Goal | None:
        t = integration_goals
        row = (
            self._conn.execute(select(t).where(t.c.clinic_id == clinic_id, t.c.id == goal_id))
            .mappings()
            .first()
        )
        return _goal(row) if row else None

    def update_goal(self, goal: Goal, change: GoalInput, *, at: datetime) -> Goal:
        t = integration_goals
        values = {
            "text": change.text,
            "practices": json.dumps(list(change.practices)),
            "measure": change.measure,
            "status": change.status.value,
            "updated_at": at,
        }
        self._conn.execute(
            update(t).where(t.c.clinic_id == goal.clinic_id, t.c.id == goal.id).values(**values)
        )
        found = self.get_goal(goal.clinic_id, goal.id)
        assert found is not None
        return found

    def goals(self, clinic_id: int, course_id: int) -> Sequence[Goal]:
        t = integration_goals
        rows = self._conn.execute(
            select(t).where(t.c.clinic_id == clinic_id, t.c.course_id == course_id).order_by(t.c.id)
        ).mappings()
        return [_goal(r) for r in rows]

    def add_rating(
        self, goal: Goal, rating: int, comment: str, *, by: int | None, at: datetime
    ) -> GoalRating:
        values = {
            "clinic_id": goal.clinic_id,
            "goal_id": goal.id,
            "rating": rating,
            "comment": comment,
            "at": at,
            "by_staff": by,
        }
        key = self._conn.execute(
            insert(integration_goal_ratings).values(**values)
        ).inserted_primary_key
        assert key is not None
        return GoalRating(int(key[0]), goal.id, rating, at, comment)

    def ratings(self, clinic_id: int, course_id: int) -> Sequence[GoalRating]:
        r, g = integration_goal_ratings, integration_goals
        rows = self._conn.execute(
            select(r)
            .join(g, g.c.id == r.c.goal_id)
            .where(
                r.c.clinic_id == clinic_id, g.c.clinic_id == clinic_id, g.c.course_id == course_id
            )
            .order_by(r.c.at, r.c.id)
        ).mappings()
        return [GoalRating(m["id"], m["goal_id"], m["rating"], m["at"], m["comment"]) for m in rows]
