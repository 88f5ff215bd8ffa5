"""Route guards: who is calling and whether their role may use the route.

Each guard carries the :class:`Permission` it checks in ``.permission`` so a test can walk every
route and compare it with the role table. Services check the same permission again: the guard
gives an early, uniform 401/403; the service is the enforcement that no entry point can skip.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from ketaclinic.domain.errors import NotAuthenticated, PermissionDenied
from ketaclinic.domain.identity.access import (
    PERMISSION_ACTIONS,
    Permission,
    is_allowed,
    refusal_words,
)
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.entrypoints.http import client_of, remember_actor, services_of
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.settings import Environment

SESSION_COOKIE = "kc_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _check(actor: Actor, permission: Permission | None) -> None:
    if permission is not None and (actor.role is None or not is_allowed(actor.role, permission)):
        if permission is Permission.CHART_READ:
            raise PermissionDenied(
                "not shown to your role: the clinical record (scores, evaluation, orders, "
                "infusion sessions and coaching notes) is for the care team"
            )
        role = actor.role
        words = (
            refusal_words(role, permission)
            if role is not None
            else f"your role cannot {PERMISSION_ACTIONS[permission]}"
        )
        raise PermissionDenied(words, permission=permission.value)


class ApiActor:
    """Bearer-token authentication for the JSON API."""

    def __init__(self, permission: Permission | None) -> None:
        self.permission = permission

    def __call__(self, request: Request) -> Actor:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated("a bearer token is required", field="authorization")
        actor = services_of(request).identity.bearer(token.strip(), client=client_of(request))
        remember_actor(request, actor)  # before the check: a refused read is audited too
        _check(actor, self.permission)
        return actor


class WebUser:
    """Cookie-session authentication for the staff UI, with CSRF on every unsafe method.

    The session lookup (and its touch write) runs in the threadpool, never on the event loop;
    only reading the form for its CSRF field is awaited here.
    """

    def __init__(self, permission: Permission | None) -> None:
        self.permission = permission

    async def __call__(self, request: Request) -> StaffSession:
        token = request.cookies.get(SESSION_COOKIE, "")
        if not token:
            raise NotAuthenticated("please sign in")
        staff_session = await run_in_threadpool(services_of(request).identity.resume, token)
        staff_session = _with_client(staff_session, client_of(request))
        if request.method in UNSAFE_METHODS:
            await _check_csrf(request, staff_session.csrf_token)
        request.state.staff_session = staff_session
        remember_actor(
            request, staff_session.actor
        )  # before the check: a refused read is audited too
        _check(staff_session.actor, self.permission)
        return staff_session


def _with_client(staff_session: StaffSession, client: str) -> StaffSession:
    a = staff_session.actor
    actor = Actor(a.staff_id, a.role, a.clinic_id, client)
    return StaffSession(
        actor,
        staff_session.csrf_token,
        staff_session.staff_name,
        staff_session.session_id,
        staff_session.clinic,
        staff_session.signed_in_at,
    )


async def _check_csrf(request: Request, expected: str) -> None:
    supplied = request.headers.get(CSRF_HEADER, "")
    if not supplied:
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        supplied = value if isinstance(value, str) else ""
    if not supplied or not hmac.compare_digest(supplied, expected):
        raise PermissionDenied(
            "the form expired or did not come from this site; reload it", field=CSRF_FIELD
        )


class DocsReader:
    """The API description (OpenAPI document and reference page): any signed-in staff member
    (bearer token or web session) in production; open on development and test deployments."""

    permission: Permission | None = None

    def __call__(self, request: Request) -> None:
        services = services_of(request)
        if services.settings.environment is not Environment.PRODUCTION:
            return
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            services.identity.bearer(token.strip(), client=client_of(request))
            return
        cookie = request.cookies.get(SESSION_COOKIE, "")
        if not cookie:
            raise NotAuthenticated("sign in to read the API description", field="authorization")
        services.identity.resume(cookie)


REAUTH_FIELD = "reauth_password"


def confirm_api_signer(request: Request) -> None:
    """Before an API signature: the caller's bearer token must be freshly issued."""
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    services_of(request).identity.confirm_for_signing_api(token)


def confirm_web_signer(request: Request, staff_session: StaffSession, password: object) -> None:
    """Before a web signature: the password re-entered on the form, or a recent sign-in."""
    typed = password if isinstance(password, str) else ""
    services_of(request).identity.confirm_for_signing_web(staff_session, typed)
