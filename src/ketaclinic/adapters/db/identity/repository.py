"""Clinics, staff, memberships and sign-in sessions on SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from ketaclinic.adapters.db.tables import (
    api_tokens,
    chairs,
    clinics,
    memberships,
    staff,
    staff_web_sessions,
)
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Chair, Clinic, Membership, StaffMember
from ketaclinic.services.identity.ports import ApiToken, StaffWebSession


def _clinic(row: Row[tuple[object, ...]]) -> Clinic:
    m = row._mapping
    return Clinic(id=m["id"], slug=m["slug"], name=m["name"], timezone=m["timezone"])


def _staff(row: Row[tuple[object, ...]]) -> StaffMember:
    m = row._mapping
    return StaffMember(
        id=m["id"],
        email=m["email"],
        name=m["name"],
        active=bool(m["active"]),
        failed_signins=m["failed_signins"],
        locked_until=m["locked_until"],
        password_hash=m["password_hash"],
    )


def _insert_once(conn: Connection, stmt: Any, message: str, field: str) -> int:
    """Insert and return the new id; a unique-key clash is a Conflict naming ``field``."""
    try:
        with conn.begin_nested():
            return int(conn.execute(stmt).scalar_one())
    except IntegrityError as exc:
        raise Conflict(message, field=field) from exc


class SqlClinicRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, slug: str, name: str, timezone: str, mrn_prefix: str, *, at: datetime) -> Clinic:
        values = {"slug": slug, "name": name, "timezone": timezone, "mrn_prefix": mrn_prefix}
        stmt = insert(clinics).values(**values, created_at=at, next_mrn=1).returning(clinics.c.id)
        new_id = _insert_once(self._conn, stmt, "a clinic with this slug exists", "slug")
        return Clinic(id=new_id, slug=slug, name=name, timezone=timezone)

    def get(self, clinic_id: int) -> Clinic | None:
        row = self._conn.execute(select(clinics).where(clinics.c.id == clinic_id)).first()
        return _clinic(row) if row else None

    def by_slug(self, slug: str) -> Clinic | None:
        row = self._conn.execute(select(clinics).where(clinics.c.slug == slug)).first()
        return _clinic(row) if row else None

    def list(self) -> Sequence[Clinic]:
        return [_clinic(r) for r in self._conn.execute(select(clinics).order_by(clinics.c.id))]

    def add_chair(self, clinic_id: int, name: str, features: tuple[str, ...]) -> int:
        stmt = insert(chairs).values(clinic_id=clinic_id, name=name, features=",".join(features))
        return _insert_once(
            self._conn, stmt.returning(chairs.c.id), "a chair with this name exists", "name"
        )

    def chairs(self, clinic_id: int) -> Sequence[Chair]:
        stmt = select(chairs).where(chairs.c.clinic_id == clinic_id).order_by(chairs.c.id)
        return [
            Chair(
                r.id,
                r.clinic_id,
                r.name,
                tuple(f for f in r.features.split(",") if f),
                r.in_service,
            )
            for r in self._conn.execute(stmt)
        ]

    def next_mrn(self, clinic_id: int) -> str:
        """Allocate the clinic's next medical record number (row locked on PostgreSQL)."""
        stmt = select(clinics.c.next_mrn, clinics.c.mrn_prefix).where(clinics.c.id == clinic_id)
        row = self._conn.execute(stmt.with_for_update()).one()
        self._conn.execute(
            update(clinics).where(clinics.c.id == clinic_id).values(next_mrn=row.next_mrn + 1)
        )
        return f"{row.mrn_prefix}{row.next_mrn:06d}"


class SqlStaffRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, email: str, name: str, password_hash: str, *, at: datetime) -> StaffMember:
        stmt = (
            insert(staff)
            .values(email=email, name=name, password_hash=password_hash, created_at=at)
            .values(active=True, failed_signins=0)
            .returning(staff.c.id)
        )
        new_id = _insert_once(self._conn, stmt, "a staff member with this email exists", "email")
        member = self.get(new_id)
        assert member is not None
        return member

    def get(self, staff_id: int) -> StaffMember | None:
        row = self._conn.execute(select(staff).where(staff.c.id == staff_id)).first()
        return _staff(row) if row else None

    def by_email(self, email: str) -> StaffMember | None:
        row = self._conn.execute(select(staff).where(staff.c.email == email.lower())).first()
        return _staff(row) if row else None

    def list_for_clinic(self, clinic_id: int) -> Sequence[tuple[StaffMember, Role]]:
        stmt = (
            select(staff, memberships.c.role)
            .join(memberships, memberships.c.staff_id == staff.c.id)
            .where(memberships.c.clinic_id == clinic_id)
            .order_by(staff.c.name)
        )
        return [(_staff(r), Role(r.role)) for r in self._conn.execute(stmt)]

    def memberships(self, staff_id: int) -> Sequence[Membership]:
        stmt = select(memberships).where(memberships.c.staff_id == staff_id)
        return [
            Membership(clinic_id=r.clinic_id, staff_id=r.staff_id, role=Role(r.role))
            for r in self._conn.execute(stmt.order_by(memberships.c.clinic_id))
        ]

    def set_membership(self, staff_id: int, clinic_id: int, role: Role) -> None:
        where = (memberships.c.staff_id == staff_id) & (memberships.c.clinic_id == clinic_id)
        done = self._conn.execute(update(memberships).where(where).values(role=role.value))
        if done.rowcount == 0:
            self._conn.execute(
                insert(memberships).values(staff_id=staff_id, clinic_id=clinic_id, role=role.value)
            )

    def record_signin_failure(self, staff_id: int, locked_until: datetime | None) -> None:
        self._conn.execute(
            update(staff)
            .where(staff.c.id == staff_id)
            .values(failed_signins=staff.c.failed_signins + 1, locked_until=locked_until)
        )

    def record_signin_success(self, staff_id: int) -> None:
        self._conn.execute(
            update(staff).where(staff.c.id == staff_id).values(failed_signins=0, locked_until=None)
        )

    def set_active(self, staff_id: int, active: bool) -> None:
        self._conn.execute(update(staff).where(staff.c.id == staff_id).values(active=active))

    def set_password_hash(self, staff_id: int, password_hash: str) -> None:
        self._conn.execute(
            update(staff).where(staff.c.id == staff_id).values(password_hash=password_hash)
        )


class SqlStaffSessionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_web(
        self,
        token_hash: str,
        staff_id: int,
        clinic_id: int,
        csrf: str,
        *,
        at: datetime,
        client: str,
    ) -> StaffWebSession:
        values = {"token_hash": token_hash, "staff_id": staff_id, "clinic_id": clinic_id}
        new_id = self._conn.execute(
            insert(staff_web_sessions)
            .values(**values, csrf_token=csrf, created_at=at, last_seen_at=at, client=client[:64])
            .returning(staff_web_sessions.c.id)
        ).scalar_one()
        return StaffWebSession(new_id, staff_id, clinic_id, csrf, at, None, at)

    def web_by_hash(self, token_hash: str) -> StaffWebSession | None:
        stmt = select(staff_web_sessions).where(staff_web_sessions.c.token_hash == token_hash)
        row = self._conn.execute(stmt).first()
        if row is None:
            return None
        return StaffWebSession(
            row.id,
            row.staff_id,
            row.clinic_id,
            row.csrf_token,
            row.last_seen_at,
            row.ended_at,
            row.created_at,
        )

    def touch_web(self, session_id: int, at: datetime) -> None:
        self._conn.execute(
            update(staff_web_sessions)
            .where(staff_web_sessions.c.id == session_id)
            .values(last_seen_at=at)
        )

    def end_web(self, session_id: int, at: datetime) -> None:
        self._conn.execute(
            update(staff_web_sessions)
            .where(staff_web_sessions.c.id == session_id)
            .values(ended_at=at)
        )

    def add_token(
        self, token_hash: str, staff_id: int, clinic_id: int, *, at: datetime, expires_at: datetime
    ) -> ApiToken:
        new_id = self._conn.execute(
            insert(api_tokens)
            .values(token_hash=token_hash, staff_id=staff_id, clinic_id=clinic_id)
            .values(created_at=at, expires_at=expires_at)
            .returning(api_tokens.c.id)
        ).scalar_one()
        return ApiToken(new_id, staff_id, clinic_id, expires_at, None)

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        row = self._conn.execute(
            select(api_tokens).where(api_tokens.c.token_hash == token_hash)
        ).first()
        if row is None:
            return None
        return ApiToken(
            row.id, row.staff_id, row.clinic_id, row.expires_at, row.revoked_at, row.created_at
        )

    def revoke_token(self, token_id: int, at: datetime) -> None:
        self._conn.execute(
            update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=at)
        )
