"""One typed settings object, read from ``KETACLINIC_*`` environment variables.

Secrets may come from a file named by ``KETACLINIC_<NAME>_FILE``. Nothing here is built at import:
entry points call :func:`load_settings` (or construct :class:`Settings` directly in tests).
"""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "placeholder"})


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Deployment settings: SQLite under ``./var`` unless ``KETACLINIC_DATABASE_URL`` is set."""

    model_config = SettingsConfigDict(env_prefix="KETACLINIC_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    var_dir: Path = Path("var")
    database_url: str = ""
    secret_key: SecretStr = SecretStr("")
    # audit trail: the HMAC key lives outside the database; signed checkpoints are written here
    audit_key: SecretStr = SecretStr("")
    audit_checkpoint_dir: Path | None = None
    audit_checkpoint_interval_min: int = Field(default=60, ge=0, le=24 * 60)
    # PostgreSQL roles: migrations run as the owner; the application's role is granted DML only
    migration_database_url: str = ""
    database_app_role: str = Field(default="", pattern=r"^[a-z_][a-z0-9_]{0,62}$|^$")
    idle_timeout_min: int = Field(default=15, ge=1, le=720)
    session_absolute_hours: int = Field(default=12, ge=1, le=24)
    reauth_window_min: int = Field(default=5, ge=1, le=60)
    token_lifetime_min: int = Field(default=60, ge=1, le=60 * 24 * 30)
    lockout_after_failures: int = Field(default=5, ge=1, le=50)
    lockout_min: int = Field(default=15, ge=1, le=24 * 60)
    signin_failures_per_address: int = Field(default=20, ge=1, le=10_000)
    signin_failures_per_account: int = Field(default=10, ge=1, le=1_000)
    signin_throttle_window_min: int = Field(default=15, ge=1, le=24 * 60)
    assessment_link_hours: int = Field(default=72, ge=1, le=24 * 30)
    assessment_guardian_notice: str = Field(default="inform", pattern="^(inform|none)$")
    hl7_host: str = "127.0.0.1"
    hl7_port: int = Field(default=2575, ge=0, le=65535)
    hl7_ack_unknown_session: str = Field(default="AA", pattern="^(AA|AE)$")
    # MLLP listener hardening: TLS (mutual when a client CA is set) and resource bounds
    hl7_tls_cert: Path | None = None
    hl7_tls_key: Path | None = None
    hl7_tls_client_ca: Path | None = None
    hl7_max_connections: int = Field(default=512, ge=1, le=10_000)
    hl7_max_connections_per_source: int = Field(default=256, ge=1, le=10_000)
    hl7_idle_timeout_s: float = Field(default=120.0, gt=0, le=3600)
    hl7_read_timeout_s: float = Field(default=10.0, gt=0, le=600)
    hl7_max_frame_bytes: int = Field(default=65_536, ge=1024, le=16 * 1_048_576)
    hl7_max_buffered_bytes: int = Field(default=16 * 1_048_576, ge=65_536, le=1 << 31)
    hl7_max_age_hours: int = Field(default=24, ge=1, le=24 * 30)
    hl7_max_ahead_min: int = Field(default=5, ge=0, le=60)
    cookie_secure: bool = False
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _secure_cookies_in_production(self) -> Settings:
        """Production serves over TLS: session cookies are ``Secure`` (and HSTS is sent) unless
        ``KETACLINIC_COOKIE_SECURE`` says otherwise explicitly."""
        if "cookie_secure" not in self.model_fields_set:
            self.cookie_secure = self.environment is Environment.PRODUCTION
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secret_in_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            if self.secret_key.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
                raise ValueError("secret_key: a real secret is required in production mode")
            if len(self.secret_key.get_secret_value()) < 32:
                raise ValueError("secret_key: must be at least 32 characters in production mode")
            if not self.database_url:
                raise ValueError("database_url: must be set explicitly in production mode")
            audit_key = self.audit_key.get_secret_value().strip()
            if audit_key.lower() in PLACEHOLDER_SECRETS or len(audit_key) < 32:
                raise ValueError(
                    "audit_key: a real key of at least 32 characters is required in production "
                    "mode (KETACLINIC_AUDIT_KEY or KETACLINIC_AUDIT_KEY_FILE)"
                )
            if audit_key == self.secret_key.get_secret_value().strip():
                raise ValueError("audit_key: must differ from secret_key")
        if (self.hl7_tls_cert is None) != (self.hl7_tls_key is None):
            raise ValueError("hl7_tls_cert and hl7_tls_key: set both or neither")
        if self.hl7_tls_client_ca is not None and self.hl7_tls_cert is None:
            raise ValueError("hl7_tls_client_ca: client certificates need hl7_tls_cert/key")
        return self

    def audit_key_bytes(self) -> bytes:
        """The audit HMAC key; outside production a random key kept under ``var/``."""
        configured = self.audit_key.get_secret_value().strip()
        if configured:
            return configured.encode("utf-8")
        if self.environment is Environment.PRODUCTION:
            raise ValueError("audit_key: required in production mode")
        return _development_secret(self.var_dir, "audit_key").encode("utf-8")

    @property
    def checkpoint_dir(self) -> Path:
        return self.audit_checkpoint_dir or self.var_dir / "audit-checkpoints"

    @property
    def hl7_tls(self) -> bool:
        return self.hl7_tls_cert is not None

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.var_dir / 'ketaclinic.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")


def _read_secret_files(environ: dict[str, str]) -> dict[str, str]:
    """Turn ``KETACLINIC_X_FILE=/path`` into ``x=<file contents>`` overrides."""
    values: dict[str, str] = {}
    for key, path in environ.items():
        if key.startswith("KETACLINIC_") and key.endswith("_FILE"):
            name = key.removeprefix("KETACLINIC_").removesuffix("_FILE").lower()
            values[name] = Path(path).read_text(encoding="utf-8").strip()
    return values


def _development_secret(var_dir: Path, name: str = "secret_key") -> str:
    """A random secret kept under ``var/`` so development sessions survive restarts."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def load_settings(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Read settings from the environment (or ``environ``), secret files, then ``overrides``."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, object] = {**_read_secret_files(env), **overrides}
    # model_validate runs Settings.__init__, so the process environment is read as Settings() would
    settings = Settings.model_validate(values) if environ is None else _from_mapping(env, values)
    if (
        not settings.secret_key.get_secret_value()
        and settings.environment is not Environment.PRODUCTION
    ):
        settings = settings.model_copy(
            update={"secret_key": SecretStr(_development_secret(settings.var_dir))}
        )
    if (
        not settings.audit_key.get_secret_value()
        and settings.environment is not Environment.PRODUCTION
    ):
        settings = settings.model_copy(
            update={"audit_key": SecretStr(_development_secret(settings.var_dir, "audit_key"))}
        )
    return settings


def _from_mapping(env: dict[str, str], values: dict[str, object]) -> Settings:
    fields = {
        key.removeprefix("KETACLINIC_").lower(): value
        for key, value in env.items()
        if key.startswith("KETACLINIC_") and not key.endswith("_FILE")
    }
    return Settings.model_validate({**fields, **values})
