"""PostgreSQL roles: migrations run as the owner; the application's role gets DML only.

The owner role (``KETACLINIC_MIGRATION_DATABASE_URL``) creates and alters tables. The application
role (``KETACLINIC_DATABASE_APP_ROLE``, the user in ``KETACLINIC_DATABASE_URL``) may SELECT,
INSERT, UPDATE and DELETE ordinary tables, but only SELECT and INSERT ``audit_events`` and only
SELECT ``alembic_version``. A trigger refuses UPDATE, DELETE and TRUNCATE of ``audit_events`` for
every role, the owner included; only the owner can drop that trigger, and doing so is itself a
schema change outside the application.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

AUDIT_GUARD_FUNCTION = "audit_events_append_only"

CREATE_AUDIT_GUARD = f"""
CREATE OR REPLACE FUNCTION {AUDIT_GUARD_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

AUDIT_GUARD_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events "
    f"FOR EACH ROW EXECUTE FUNCTION {AUDIT_GUARD_FUNCTION}()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {AUDIT_GUARD_FUNCTION}()",
)


def install_audit_guard(conn: Connection) -> None:
    """The append-only triggers on ``audit_events`` (PostgreSQL only)."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text(CREATE_AUDIT_GUARD))
    conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events"))
    conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events"))
    for statement in AUDIT_GUARD_TRIGGERS:
        conn.execute(text(statement))


def remove_audit_guard(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events"))
    conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events"))
    conn.execute(text(f"DROP FUNCTION IF EXISTS {AUDIT_GUARD_FUNCTION}()"))


def role_exists(conn: Connection, role: str) -> bool:
    found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    return found is not None


def grant_app_role(conn: Connection, role: str | None) -> bool:
    """Grant the application role its privileges when it exists; True when granted.

    Idempotent; run by the audit-integrity migration and after every ``db upgrade`` so tables
    of later migrations are covered too (default privileges also cover them).
    """
    if conn.dialect.name != "postgresql" or not role or not role_exists(conn, role):
        return False
    quoted = conn.dialect.identifier_preparer.quote(role)
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_events FROM {quoted}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {quoted}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
    ):
        conn.execute(text(statement))
    return True
