"""The audit trail cannot be quietly rewritten (HIPAA 164.312(b), (c)(1); ASVS V7).

Each test plays an attacker who can write to the database (on PostgreSQL as the owner who lifts
the append-only trigger first) but does not hold the audit key, which lives outside the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, delete, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ketaclinic.adapters.audit_checkpoints import read_checkpoint, write_checkpoint
from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.adapters.db.roles import grant_app_role
from ketaclinic.adapters.db.tables import audit_events
from ketaclinic.domain.audit.events import (
    EPOCH_ACTION,
    GENESIS,
    AuditEvent,
    event_digest,
    recompute,
)
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.services.audit.trail import AuditService
from tests.conftest import World, suspend_audit_guard


def some_events(world: World, n: int = 3) -> None:
    desk = world.actor(Role.FRONT_DESK)
    for i in range(n):
        p = world.services.patients.register(
            desk,
            PatientDetails(
                "Ash", "Demo-Audit" + "abcdefghij"[i], date(1990, 1, 2), SexAtBirth.FEMALE
            ),
        )
        world.services.patients.chart(desk, p.id)


def chain_of(conn: Connection, world: World) -> list[tuple[int, AuditEvent]]:
    rows = conn.execute(
        select(audit_events)
        .where(audit_events.c.chain == f"clinic:{world.clinic.id}")
        .order_by(audit_events.c.seq)
    )
    return [(r.id, AuditEvent(**{k: r._mapping[k] for k in AuditEvent.__slots__})) for r in rows]


def relink_from(
    conn: Connection, events: list[tuple[int, AuditEvent]], start: int, key: bytes | None
) -> None:
    """Re-hash every event from index ``start`` with ``key`` (the attacker's guess)."""
    prev = events[start - 1][1].hash if start else GENESIS
    for event_id, event in events[start:]:
        linked = replace(event, prev_hash=prev)
        digest = recompute(linked, key)
        conn.execute(
            update(audit_events)
            .where(audit_events.c.id == event_id)
            .values(prev_hash=prev, hash=digest, outcome=linked.outcome)
        )
        prev = digest


def test_intact_keyed_trail_verifies_and_matches_its_checkpoint(world: World) -> None:
    some_events(world)
    checkpoint = world.services.audit.checkpoint()
    assert world.services.audit.verify(checkpoint).first_break is None
    some_events(world, 1)  # later events are fine: the checkpoint covers what came before
    assert world.services.audit.verify(checkpoint).first_break is None


def test_deleting_the_newest_events_is_caught_by_the_checkpoint(world: World) -> None:
    some_events(world)
    checkpoint = world.services.audit.checkpoint()
    with world.services.engine.begin() as conn:
        suspend_audit_guard(conn)
        events = chain_of(conn, world)
        conn.execute(delete(audit_events).where(audit_events.c.id.in_([e[0] for e in events[-2:]])))
    assert world.services.audit.verify().first_break is None  # a shorter chain is still a chain
    broken = world.services.audit.verify(checkpoint).first_break
    assert broken is not None and "events removed" in broken.reason


def test_rewriting_a_middle_event_and_rehashing_with_a_guessed_key_is_caught(world: World) -> None:
    some_events(world)
    checkpoint = world.services.audit.checkpoint()
    with world.services.engine.begin() as conn:
        suspend_audit_guard(conn)
        events = chain_of(conn, world)
        middle = len(events) // 2
        events[middle] = (events[middle][0], replace(events[middle][1], outcome="failure"))
        relink_from(conn, events, middle, b"guessed-key")
    broken = world.services.audit.verify().first_break
    assert broken is not None and broken.event_id == events[middle][0]
    assert "keyed hash" in broken.reason
    assert world.services.audit.verify(checkpoint).first_break is not None


def test_reforging_the_whole_chain_unkeyed_is_caught(world: World) -> None:
    some_events(world)
    checkpoint = world.services.audit.checkpoint()
    with world.services.engine.begin() as conn:
        suspend_audit_guard(conn)
        events = chain_of(conn, world)
        events[1] = (events[1][0], replace(events[1][1], outcome="failure"))
        relink_from(conn, events, 0, None)
    broken = world.services.audit.verify().first_break
    assert broken is not None and "not sealed" in broken.reason
    broken = world.services.audit.verify(checkpoint).first_break
    assert broken is not None


def test_truncating_the_trail_is_caught_by_the_checkpoint(world: World) -> None:
    some_events(world)
    checkpoint = world.services.audit.checkpoint()
    with world.services.engine.begin() as conn:
        suspend_audit_guard(conn)
        conn.execute(text("DELETE FROM audit_events"))
    broken = world.services.audit.verify(checkpoint).first_break
    assert broken is not None and "events removed" in broken.reason


def test_a_checkpoint_edited_to_match_a_rewrite_is_refused(world: World, tmp_path: Path) -> None:
    some_events(world)
    path = write_checkpoint(world.services.audit.checkpoint(), tmp_path / "cp.json")
    edited = path.read_text(encoding="utf-8").replace('"events": ', '"events": 1')
    path.write_text(edited, encoding="utf-8")
    broken = world.services.audit.verify(read_checkpoint(path)).first_break
    assert broken is not None and "signature" in broken.reason


def test_a_checkpoint_signed_with_another_key_is_refused(world: World) -> None:
    some_events(world)
    other = AuditService(world.services.uow, world.clock, b"another-key").checkpoint()
    broken = world.services.audit.verify(other).first_break
    assert broken is not None and "signature" in broken.reason


def test_a_chain_from_before_the_key_is_sealed_by_an_epoch_event(world: World) -> None:
    """Unkeyed events written before the key stay verifiable; keyed links start at the epoch."""
    chain = f"clinic:{world.clinic.id}"
    prev = GENESIS
    with world.services.engine.begin() as conn:
        suspend_audit_guard(conn)  # start from a trail written entirely before the key
        conn.execute(delete(audit_events))
        for seq in (1, 2):
            fields = dict(
                chain=chain,
                seq=seq,
                at=world.clock.now(),
                actor_id=None,
                actor_role="system",
                action="legacy.event",
                clinic_id=world.clinic.id,
                patient_id=None,
                object_type="clinic",
                object_id="1",
                outcome="success",
                client="",
                detail="",
                prev_hash=prev,
            )
            prev = event_digest(**fields)  # type: ignore[arg-type]
            conn.execute(insert(audit_events).values(**fields, hash=prev))
    broken = world.services.audit.verify().first_break
    assert broken is not None and "not sealed" in broken.reason
    some_events(world, 1)
    with world.services.engine.connect() as conn:
        events = chain_of(conn, world)
    assert events[2][1].action == EPOCH_ACTION
    assert world.services.audit.verify().first_break is None
    with world.services.engine.begin() as conn:
        suspend_audit_guard(conn)
        conn.execute(
            update(audit_events).where(audit_events.c.id == events[0][0]).values(detail="x")
        )
    broken = world.services.audit.verify().first_break
    assert broken is not None and broken.event_id == events[0][0]


# --- PostgreSQL: the append-only trigger and the application role ---------------------------


# PostgreSQL only (SQLite relies on the keyed chain and checkpoints): these tests take only the
# postgres parameter of the backend fixture
on_postgres = pytest.mark.parametrize("migrated_engine", ["postgres"], indirect=True)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET detail = 'edited'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ],
)
@on_postgres
def test_trigger_refuses_rewrites_even_for_the_owner(world: World, statement: str) -> None:
    some_events(world, 1)
    with pytest.raises(DBAPIError, match="append-only"), world.services.engine.begin() as conn:
        conn.execute(text(statement))


@pytest.fixture
def app_role(world: World) -> Iterator[str]:
    """A login role for the application, granted by the same code as ``db upgrade``."""
    role = f"kc_app_{uuid.uuid4().hex[:8]}"
    engine = world.services.engine
    with engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        assert grant_app_role(conn, role)
    try:
        yield role
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))


def app_engine(world: World, role: str) -> Engine:
    url = make_url(world.services.engine.url.render_as_string(hide_password=False))
    return make_engine(url.set(username=role, password=None).render_as_string(hide_password=False))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET detail = 'edited'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "DROP TRIGGER audit_events_no_truncate ON audit_events",
        "ALTER TABLE audit_events DISABLE TRIGGER USER",
    ],
)
@on_postgres
def test_application_role_is_denied_rewrites(world: World, app_role: str, statement: str) -> None:
    some_events(world, 1)
    engine = app_engine(world, app_role)
    try:
        with (
            pytest.raises(DBAPIError, match=r"permission denied|must be owner"),
            engine.begin() as conn,
        ):
            conn.execute(text(statement))
    finally:
        engine.dispose()


@on_postgres
def test_application_role_can_still_append_and_read(world: World, app_role: str) -> None:
    engine = app_engine(world, app_role)
    try:
        with engine.begin() as conn:
            before = len(chain_of(conn, world))
        from ketaclinic.adapters.db.uow import SqlUnitOfWork
        from ketaclinic.services.audit.trail import record

        with SqlUnitOfWork(engine, world.services.audit_key) as uow:
            record(
                uow,
                world.clock,
                world.actor(Role.NURSE),
                "patient.read",
                object_type="patient",
                object_id=1,
            )
            uow.commit()
        with engine.begin() as conn:
            assert len(chain_of(conn, world)) == before + 1
        assert world.services.audit.verify().first_break is None
    finally:
        engine.dispose()


@on_postgres
def test_migrations_grant_a_configured_app_role(tmp_path: Path, migrated_engine: Engine) -> None:
    """``db upgrade`` with an existing app role grants it; audit rewrites stay denied."""
    role = f"kc_app_{uuid.uuid4().hex[:8]}"
    with migrated_engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    try:
        migrate.upgrade(migrated_engine, app_role=role)
        with migrated_engine.connect() as conn:
            rights = {
                str(r[0])
                for r in conn.execute(
                    text(
                        "SELECT privilege_type FROM information_schema.role_table_grants "
                        "WHERE grantee = :r AND table_name = 'audit_events'"
                    ),
                    {"r": role},
                )
            }
        assert rights == {"SELECT", "INSERT"}
    finally:
        with migrated_engine.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))


def test_the_serve_process_writes_a_signed_checkpoint_at_start(world: World) -> None:
    from fastapi.testclient import TestClient

    from ketaclinic.entrypoints.app import create_app

    some_events(world, 1)
    directory = world.services.settings.checkpoint_dir
    with TestClient(create_app(services=world.services, checkpoints=True)):
        written = sorted(directory.glob("audit-checkpoint-*.json"))
        assert len(written) == 1
        checkpoint = read_checkpoint(written[0])
    assert world.services.audit.verify(checkpoint).first_break is None
    assert checkpoint.heads[f"clinic:{world.clinic.id}"].seq >= 1
