"""What the integration and coaching services need from storage (implemented in adapters/db)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from ketaclinic.domain.integration.plans import (
    CoachingNote,
    GivenDose,
    Goal,
    GoalInput,
    GoalRating,
    JourneyInput,
    JourneyRecord,
    NoteContent,
    NoteKind,
    PortalLink,
    Practice,
    PracticeLog,
)
from ketaclinic.domain.patients.treatment import Course


class IntegrationRepository(Protocol):
    def practices(self, clinic_id: int) -> Sequence[Practice]: ...
    def add_practice(self, clinic_id: int, category: str, name: str) -> Practice: ...
    def set_practice_active(self, clinic_id: int, practice_id: int, active: bool) -> bool: ...
    def add_goal(self, course: Course, goal: GoalInput, *, by: int, at: datetime) -> Goal: ...
    def get_goal(self, clinic_id: int, goal_id: int) -> Goal | None: ...
    def update_goal(self, goal: Goal, change: GoalInput, *, at: datetime) -> Goal: ...
    def goals(self, clinic_id: int, course_id: int) -> Sequence[Goal]: ...
    def add_rating(
        self, goal: Goal, rating: int, comment: str, *, by: int | None, at: datetime
    ) -> GoalRating: ...
    def ratings(self, clinic_id: int, course_id: int) -> Sequence[GoalRating]: ...
    def add_journey(
        self, course: Course, j: JourneyInput, given: GivenDose, *, by: int, at: datetime
    ) -> JourneyRecord: ...
    def get_journey(self, clinic_id: int, journey_id: int) -> JourneyRecord | None: ...
    def set_reflection(self, journey: JourneyRecord, text: str) -> JourneyRecord: ...
    def journeys(self, clinic_id: int, course_id: int) -> Sequence[JourneyRecord]: ...
    def add_portal_link(
        self,
        course: Course,
        token_hash: str,
        form_token: str,
        *,
        by: int,
        at: datetime,
        expires_at: datetime,
    ) -> PortalLink: ...
    def portal_by_hash(self, token_hash: str) -> PortalLink | None: ...
    def add_practice_log(
        self, link: PortalLink, practice: str, done: bool, feeling: str, *, at: datetime
    ) -> PracticeLog: ...
    def practice_logs(self, clinic_id: int, course_id: int) -> Sequence[PracticeLog]: ...


class CoachingNoteRepository(Protocol):
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
    ) -> CoachingNote: ...
    def get(self, clinic_id: int, note_id: int) -> CoachingNote | None: ...
    def private_text(self, clinic_id: int, note_id: int) -> str | None: ...
    def sign(self, note: CoachingNote, *, at: datetime) -> CoachingNote: ...
    def for_course(self, clinic_id: int, course_id: int) -> Sequence[CoachingNote]: ...
    def for_author(self, clinic_id: int, author_id: int) -> Sequence[CoachingNote]: ...
