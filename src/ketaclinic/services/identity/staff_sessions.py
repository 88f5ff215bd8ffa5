"""Signing in and out, web sessions with idle time-out, lockout, and API bearer tokens.

Tokens are random and stored only as SHA-256 hashes. A failed sign-in never says whether the email
exists. After ``lockout_after_failures`` consecutive failures the account is locked for
``lockout_min`` minutes. Every sign-in attempt, success or failure, is audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from ketaclinic.domain.errors import NotAuthenticated, TooManyAttempts, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor, Clinic, StaffMember
from ketaclinic.services.audit.ports import AuditEntry
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.ports import PasswordHasher, TokenSource
from ketaclinic.services.identity.signin_throttle import SignInThrottle
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

SIGNIN_FAILED = "email or password not recognised, or the account is locked"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class IdentityPolicy:
    idle_timeout: timedelta
    token_lifetime: timedelta
    lockout_after_failures: int
    lockout: timedelta
    session_lifetime: timedelta = timedelta(hours=12)
    reauth_window: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    csrf_token: str
    actor: Actor
    staff_name: str


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in_s: int
    clinic_id: int


@dataclass(frozen=True, slots=True)
class StaffSession:
    actor: Actor
    csrf_token: str
    staff_name: str
    session_id: int
    clinic: Clinic
    signed_in_at: datetime | None = None


REAUTH_NEEDED = "re-enter your password to sign"
FRESH_SIGNIN_NEEDED = "signing needs a token issued in the last {minutes} minutes; get a new one"
SESSION_LIMIT = "signed out: a session lasts at most {hours} hours; please sign in again"


class IdentityService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        hasher: PasswordHasher,
        tokens: TokenSource,
        policy: IdentityPolicy,
        throttle: SignInThrottle,
    ) -> None:
        self._uow, self._clock, self._hasher = uow_factory, clock, hasher
        self._tokens, self._policy, self._throttle = tokens, policy, throttle
        self._decoy_hash: str | None = None

    def sign_in(
        self, email: str, password: str, *, client: str, clinic_id: int | None = None
    ) -> SignedIn:
        """Check credentials, open a web session in the chosen (or first) clinic."""
        with self._uow() as uow:
            member, role, chosen = self._authenticate(uow, email, password, client, clinic_id)
            token, csrf = self._tokens.new_token(), self._tokens.new_token()
            uow.staff_sessions.add_web(
                token_hash(token), member.id, chosen, csrf, at=self._clock.now(), client=client
            )
            actor = Actor(member.id, role, chosen, client)
            record(
                uow, self._clock, actor, "auth.sign_in", object_type="staff", object_id=member.id
            )
            uow.commit()
        return SignedIn(token, csrf, actor, member.name)

    def issue_token(
        self, email: str, password: str, *, client: str, clinic_id: int | None = None
    ) -> IssuedToken:
        """A bearer token for API clients (expiring, revocable, stored hashed)."""
        with self._uow() as uow:
            member, role, chosen = self._authenticate(uow, email, password, client, clinic_id)
            token, now = self._tokens.new_token(), self._clock.now()
            expires = now + self._policy.token_lifetime
            uow.staff_sessions.add_token(
                token_hash(token), member.id, chosen, at=now, expires_at=expires
            )
            actor = Actor(member.id, role, chosen, client)
            record(
                uow,
                self._clock,
                actor,
                "auth.token_issued",
                object_type="staff",
                object_id=member.id,
            )
            uow.commit()
        return IssuedToken(token, int(self._policy.token_lifetime.total_seconds()), chosen)

    def _authenticate(
        self, uow: UnitOfWork, email: str, password: str, client: str, clinic_id: int | None
    ) -> tuple[StaffMember, Role, int]:
        now = self._clock.now()
        try:
            self._throttle.check(client, email)
        except TooManyAttempts:
            self._audit_attempt(uow, None, "throttled", client)
            raise
        member = uow.staff.by_email(email.strip().lower())
        locked = (
            member is not None and member.locked_until is not None and member.locked_until > now
        )
        ok = self._password_accepted(member, locked, password)
        memberships = uow.staff.memberships(member.id) if member is not None else []
        chosen = next((m for m in memberships if clinic_id in (None, m.clinic_id)), None)
        if not ok or chosen is None or member is None:
            self._throttle.failed(client, email)
            self._fail(uow, member, locked, client)
            raise NotAuthenticated(SIGNIN_FAILED, field="email")
        self._throttle.succeeded(email)
        uow.staff.record_signin_success(member.id)
        return member, chosen.role, chosen.clinic_id

    def _password_accepted(self, member: StaffMember | None, locked: bool, password: str) -> bool:
        """Whether ``password`` signs ``member`` in. An unknown, inactive or locked account is
        refused, but only after the same work as a real check (the password is verified against
        a decoy hash), so the time a refusal takes does not tell whether the email exists."""
        if member is None or not member.active or locked:
            self._hasher.verify(self._decoy(), password)
            return False
        return self._hasher.verify(member.password_hash, password)

    def _decoy(self) -> str:
        """A hash of an unguessable password, made with the same parameters as real ones."""
        if self._decoy_hash is None:
            self._decoy_hash = self._hasher.hash(self._tokens.new_token())
        return self._decoy_hash

    def _fail(self, uow: UnitOfWork, member: StaffMember | None, locked: bool, client: str) -> None:
        """Count the failure, lock when the limit is reached, audit it, and commit that alone."""
        now = self._clock.now()
        if member is not None and not locked:
            failures = member.failed_signins + 1
            until = (
                now + self._policy.lockout
                if failures >= self._policy.lockout_after_failures
                else None
            )
            uow.staff.record_signin_failure(member.id, until)
        self._audit_attempt(uow, member, "locked" if locked else "failure", client)

    def _audit_attempt(
        self, uow: UnitOfWork, member: StaffMember | None, outcome: str, client: str
    ) -> None:
        """Audit a refused sign-in and commit that alone."""
        clinic = next(iter(uow.staff.memberships(member.id)), None) if member else None
        uow.audit.append(
            AuditEntry(
                action="auth.sign_in",
                clinic_id=clinic.clinic_id if clinic else None,
                actor_id=member.id if member else None,
                actor_role="anonymous",
                object_type="staff",
                object_id=str(member.id) if member else "unknown",
                outcome=outcome,
                client=client,
            ),
            at=self._clock.now(),
        )
        uow.commit()

    def resume(self, token: str) -> StaffSession:
        """The session behind a cookie, refreshed; expired after the idle time-out."""
        now = self._clock.now()
        with self._uow() as uow:
            found = uow.staff_sessions.web_by_hash(token_hash(token))
            if found is None or found.ended_at is not None:
                raise NotAuthenticated("please sign in")
            if now - found.last_seen_at > self._policy.idle_timeout:
                uow.staff_sessions.end_web(found.id, now)
                uow.commit()
                raise NotAuthenticated("signed out after inactivity; please sign in again")
            if (
                found.created_at is not None
                and now - found.created_at >= self._policy.session_lifetime
            ):
                uow.staff_sessions.end_web(found.id, now)
                uow.commit()
                hours = int(self._policy.session_lifetime.total_seconds() // 3600)
                raise NotAuthenticated(SESSION_LIMIT.format(hours=hours))
            actor, name = self._actor(uow, found.staff_id, found.clinic_id)
            clinic = uow.clinics.get(found.clinic_id)
            assert clinic is not None
            uow.staff_sessions.touch_web(found.id, now)
            uow.commit()
        return StaffSession(actor, found.csrf_token, name, found.id, clinic, found.created_at)

    def bearer(self, token: str, *, client: str) -> Actor:
        """The actor behind an API bearer token, if it is valid, unexpired and not revoked."""
        with self._uow() as uow:
            found = uow.staff_sessions.token_by_hash(token_hash(token))
            now = self._clock.now()
            if found is None or found.revoked_at is not None or found.expires_at <= now:
                raise NotAuthenticated("invalid or expired token")
            actor, _ = self._actor(uow, found.staff_id, found.clinic_id)
        return Actor(actor.staff_id, actor.role, actor.clinic_id, client)

    def confirm_for_signing_web(self, session: StaffSession, password: str) -> None:
        """Re-authentication before a signature (order, consent, discharge override) in the web
        UI: the password typed again now, or a sign-in within ``reauth_window``. A wrong password
        counts as a failed sign-in (throttle, lockout, audit). Refusal names ``reauth_password``.
        """
        now = self._clock.now()
        if not password:
            recent = session.signed_in_at is not None and (
                now - session.signed_in_at <= self._policy.reauth_window
            )
            if not recent:
                raise ValidationFailed({"reauth_password": REAUTH_NEEDED})
            return
        with self._uow() as uow:
            member = uow.staff.get(session.actor.staff_id or 0)
            email = member.email if member is not None else ""
            try:
                self._authenticate(
                    uow, email, password, session.actor.client, session.actor.clinic_id
                )
            except NotAuthenticated as exc:
                raise ValidationFailed({"reauth_password": "password not recognised"}) from exc
            record(
                uow,
                self._clock,
                session.actor,
                "auth.reauthenticate",
                object_type="staff",
                object_id=session.actor.staff_id or 0,
            )
            uow.commit()

    def confirm_for_signing_api(self, token: str) -> None:
        """Re-authentication before a signature through the API: the bearer token must have been
        issued (with the password) within ``reauth_window``; otherwise 401 asks for a new one."""
        now = self._clock.now()
        with self._uow() as uow:
            found = uow.staff_sessions.token_by_hash(token_hash(token))
        fresh = (
            found is not None
            and found.created_at is not None
            and now - found.created_at <= self._policy.reauth_window
        )
        if not fresh:
            minutes = int(self._policy.reauth_window.total_seconds() // 60)
            detail = FRESH_SIGNIN_NEEDED.format(minutes=minutes)
            raise NotAuthenticated(detail, field="authorization")

    def revoke_token(self, token: str) -> None:
        with self._uow() as uow:
            found = uow.staff_sessions.token_by_hash(token_hash(token))
            if found is None:
                raise NotAuthenticated("invalid token")
            uow.staff_sessions.revoke_token(found.id, self._clock.now())
            uow.commit()

    def sign_out(self, token: str, *, client: str) -> None:
        with self._uow() as uow:
            found = uow.staff_sessions.web_by_hash(token_hash(token))
            if found is None or found.ended_at is not None:
                return
            uow.staff_sessions.end_web(found.id, self._clock.now())
            actor, _ = self._actor(uow, found.staff_id, found.clinic_id)
            actor = Actor(actor.staff_id, actor.role, actor.clinic_id, client)
            record(
                uow,
                self._clock,
                actor,
                "auth.sign_out",
                object_type="staff",
                object_id=found.staff_id,
            )
            uow.commit()

    def _actor(self, uow: UnitOfWork, staff_id: int, clinic_id: int) -> tuple[Actor, str]:
        member = uow.staff.get(staff_id)
        role = next(
            (m.role for m in uow.staff.memberships(staff_id) if m.clinic_id == clinic_id), None
        )
        if member is None or not member.active or role is None:
            raise NotAuthenticated("account disabled or no longer a member of this clinic")
        return Actor(member.id, role, clinic_id), member.name
