"""Apply and inspect Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from ketaclinic.adapters.db.roles import grant_app_role


def _config() -> Config:
    config = Config()
    location = resources.files("ketaclinic.adapters.db") / "migrations"
    config.set_main_option("script_location", str(location))
    return config


def upgrade(engine: Engine, revision: str = "heads", *, app_role: str | None = None) -> None:
    """Bring the database to ``revision`` (all heads by default), as the owner role.

    On PostgreSQL, ``app_role`` (when that role exists) is granted the application's privileges
    afterwards: DML on ordinary tables, only SELECT and INSERT on ``audit_events``.
    """
    config = _config()
    config.attributes["app_role"] = app_role
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        grant_app_role(conn, app_role)


def downgrade(engine: Engine, revision: str) -> None:
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def script_heads() -> set[str]:
    return set(ScriptDirectory.from_config(_config()).get_heads())


def database_heads(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def is_current(engine: Engine) -> bool:
    """True when every migration of every branch is applied (dependencies included)."""
    script = ScriptDirectory.from_config(_config())
    applied_heads = database_heads(engine)
    if not applied_heads:
        return False
    applied = {
        rev.revision
        for rev in script.iterate_revisions(tuple(applied_heads), "base")
        if rev is not None
    }
    every = {rev.revision for rev in script.walk_revisions()}
    return every <= applied
