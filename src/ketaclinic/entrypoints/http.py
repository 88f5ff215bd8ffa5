"""What the JSON API and the staff web UI share: who is calling (bearer token or session
cookie), the one mapping of domain errors to HTTP, health and readiness probes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError, StatementError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ketaclinic.adapters.db import migrate
from ketaclinic.bootstrap import Services
from ketaclinic.domain.errors import (
    ClinicError,
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    ValidationFailed,
)
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.audit.read_audit import EXPORT, LOOKUPS, QUERY, READ, PatientRead

log = logging.getLogger("ketaclinic.http")

STATUS = {
    ValidationFailed: 422,
    NotAuthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    TooManyAttempts: 429,
}


def status_for(error: ClinicError) -> int:
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


class ErrorBody(BaseModel):
    """Every JSON API error: the error's kind, a sentence a person can act on, and the field
    (parameter or body field) it is about, if any. ``fields`` lists every invalid field of a
    validation failure; ``reasons`` every rule behind a refusal."""

    error: str
    detail: str
    field: str | None = None
    fields: dict[str, str] | None = None
    reasons: list[str] | None = None
    permission: str | None = None


CONFLICT_DETAIL = "this change conflicts with a record saved at the same time; reload and try again"
RANGE_DETAIL = "a value is too long or outside the range this system stores"


def error_body(error: ClinicError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": type(error).__name__,
        "detail": error.detail,
        "field": error.field or None,
    }
    if isinstance(error, ValidationFailed):
        body["fields"] = error.errors
    reasons = getattr(error, "reasons", ())
    if reasons:
        body["reasons"] = list(reasons)
    permission = getattr(error, "permission", None)
    if permission:
        body["permission"] = permission
    return body


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def _request_validation_error(exc: RequestValidationError) -> ValidationFailed:
    fields: dict[str, str] = {}
    for err in exc.errors():
        path = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        fields[path or "body"] = str(err.get("msg", "invalid"))
    return ValidationFailed(fields)


def retry_headers(error: ClinicError) -> dict[str, str]:
    """``Retry-After`` for a throttled request (RFC 9110 §10.2.3)."""
    if isinstance(error, TooManyAttempts):
        return {"Retry-After": str(error.retry_after_s)}
    return {}


def _render(request: Request, exc: ClinicError) -> Any:
    request.state.refusal = exc
    handler = getattr(request.state, "error_renderer", None)
    if handler is not None:
        return handler(request, exc)
    return JSONResponse(error_body(exc), status_code=status_for(exc), headers=retry_headers(exc))


def database_refusal(exc: Exception) -> ClinicError | None:
    """What a database refusal means to the caller: a unique or foreign-key constraint lost to
    a concurrent change is a 409; a value outside a column's range is a 422. ``None``: a fault."""
    original = exc.orig if isinstance(exc, StatementError) else exc
    if isinstance(exc, IntegrityError):
        log.info("database.integrity_conflict")
        return Conflict(CONFLICT_DETAIL)
    if isinstance(exc, DataError) or isinstance(original, OverflowError):
        log.info("database.value_out_of_range")
        return ValidationFailed({"body": RANGE_DETAIL})
    return None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ClinicError)
    async def _clinic_error(request: Request, exc: ClinicError) -> Any:
        return _render(request, exc)

    @app.exception_handler(StatementError)
    @app.exception_handler(OverflowError)
    async def _database_refusal(request: Request, exc: Exception) -> Any:
        refusal = database_refusal(exc)
        if refusal is None:
            raise exc
        return _render(request, refusal)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Any:
        """Framework refusals in the one error model; an unparseable body is invalid input."""
        if exc.status_code == 400:
            return _render(request, ValidationFailed({"body": "is not valid JSON"}))
        body = {"error": "HTTPError", "detail": str(exc.detail), "field": None}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Any:
        return _render(request, _request_validation_error(exc))


def install_probes(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> JSONResponse:
        services = services_of(request)
        try:
            with services.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            current = migrate.is_current(services.engine)
        except Exception:  # readiness must answer, whatever the database says
            log.exception("readiness.database_error")
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"}, status_code=503
            )
        if not current:
            return JSONResponse({"status": "unavailable", "migrations": "pending"}, status_code=503)
        return JSONResponse({"status": "ready"})


# -- every read of patient data is audited ----------------------------------------------------
EXPORT_SUFFIXES = (".csv", ".pdf", ".ics")
QUERY_ID_PARAMS = ("patient", "subject", "patient_id", "course_id")
PATIENT_ID_PARAMS = frozenset({"patient_id", *LOOKUPS})


def audit_seen(
    request: Request, patient_ids: Iterable[int], *, action: str = QUERY, what: str = ""
) -> None:
    """A list, search, board or calendar reports the patients it shows (ids only, no query
    text); :func:`install_read_audit` writes the events once the response is ready."""
    trail: list[PatientRead] | None = getattr(request.state, "read_trail", None)
    if trail is None:
        trail = []
        request.state.read_trail = trail
    object_type, object_id = _read_object(request, what)
    trail.append(PatientRead(action, object_type, object_id, tuple(sorted(set(patient_ids)))))


def remember_actor(request: Request, actor: Actor) -> None:
    """Guards record who is calling, so the read audit can name them."""
    request.state.actor = actor


def install_read_audit(app: FastAPI) -> None:
    """The one read-audit mechanism: after every GET by a signed-in user, write one event per
    patient the request named (path ids such as ``patient_id``, ``course_id``, ``session_id``;
    FHIR ``patient=`` searches) or reported through :func:`audit_seen`."""
    app.add_middleware(ReadAudit)


class ReadAudit:
    """Pure ASGI middleware: the audit events are written (in the threadpool) when the response
    starts, before its status line goes out; the body, a live stream included, passes through
    untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)

        async def send_audited(message: Message) -> None:
            if message["type"] == "http.response.start":
                await _audit_response(request, int(message["status"]))
            await send(message)

        await self.app(scope, receive, send_audited)


async def _audit_response(request: Request, status: int) -> None:
    actor = getattr(request.state, "actor", None)
    if not isinstance(actor, Actor):
        return
    if request.method in UNSAFE_METHODS and status in REFUSED_STATUSES:
        object_type, object_id = _read_object(request)
        await run_in_threadpool(
            services_of(request).read_audit.record_refusal,
            actor,
            object_type,
            object_id,
            ids=_request_ids(request),
            status=status,
            detail=_refusal_detail(getattr(request.state, "refusal", None)),
        )
        return
    if request.method != "GET":
        return
    reads = list(getattr(request.state, "read_trail", ()))
    ids = _request_ids(request)
    if not reads and not ids:
        return
    if not reads:
        object_type, object_id = _read_object(request)
        reads = [PatientRead(_action_of(request), object_type, object_id)]
    outcome = "success" if status < 400 else "failure"
    await run_in_threadpool(
        services_of(request).read_audit.record_reads, actor, reads, ids=ids, outcome=outcome
    )


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED_STATUSES = frozenset({403, 404, 409, 422, 429})
_RULE = re.compile(r"^([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+|[a-z][a-z0-9_]+):")


def _refusal_detail(exc: object) -> str:
    """The kind of refusal, its field and the rule ids it names: never the values typed."""
    if not isinstance(exc, ClinicError):
        return ""
    rules = [m.group(1) for r in getattr(exc, "reasons", ()) if (m := _RULE.match(str(r)))]
    if (m := _RULE.match(exc.detail)) and m.group(1) not in rules:
        rules.insert(0, m.group(1))
    parts = [type(exc).__name__, f"field={exc.field}" if exc.field else ""]
    parts.append("rules=" + ",".join(rules[:8]) if rules else "")
    return " ".join(p for p in parts if p)


def _read_object(request: Request, what: str = "") -> tuple[str, str]:
    """The page or resource read: ``area:name`` (``what`` or the route's name) and the concrete
    path (ids only; never the query string, which may hold search text)."""
    route = request.scope.get("route")
    name = what or getattr(route, "name", "") or "page"
    area = (
        "fhir"
        if "/fhir" in request.url.path
        else ("api" if request.url.path.startswith("/api/") else "web")
    )
    return f"{area}:{name}"[:40], request.url.path[:64]


def _action_of(request: Request) -> str:
    path = request.url.path
    if path.endswith(EXPORT_SUFFIXES) or "/fhir" in path:
        return EXPORT
    return READ


def _request_ids(request: Request) -> dict[str, int]:
    ids: dict[str, int] = {}
    params = request.scope.get("path_params", {})
    for name, value in params.items():
        if name in PATIENT_ID_PARAMS and str(value).isdigit():
            ids[name] = int(value)
    for name in QUERY_ID_PARAMS:
        raw = request.query_params.get(name, "").removeprefix("Patient/")
        if raw.isdigit():
            key = "course_id" if name == "course_id" else "patient_id"
            ids.setdefault(key, int(raw))
    return ids
