"""What the JSON API and the staff web UI share: who is calling (bearer token or session
cookie), the one mapping of domain errors to HTTP, health and readiness probes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from ketaclinic.adapters.db import migrate
from ketaclinic.bootstrap import Services
from ketaclinic.domain.errors import (
    ClinicError,
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from ketaclinic.domain.staff import Actor
from ketaclinic.services.read_audit import EXPORT, LOOKUPS, QUERY, READ, PatientRead

log = logging.getLogger("ketaclinic.http")

STATUS = {
    ValidationFailed: 422,
    NotAuthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
}


def status_for(error: ClinicError) -> int:
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def error_body(error: ClinicError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": type(error).__name__, "detail": error.detail}
    if error.field:
        body["field"] = error.field
    if isinstance(error, ValidationFailed):
        body["fields"] = error.errors
    reasons = getattr(error, "reasons", ())
    if reasons:
        body["reasons"] = list(reasons)
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


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ClinicError)
    async def _clinic_error(request: Request, exc: ClinicError) -> Any:
        handler = getattr(request.state, "error_renderer", None)
        if handler is not None:
            return handler(request, exc)
        return JSONResponse(error_body(exc), status_code=status_for(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Any:
        failed = _request_validation_error(exc)
        handler = getattr(request.state, "error_renderer", None)
        if handler is not None:
            return handler(request, failed)
        return JSONResponse(error_body(failed), status_code=422)


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

    @app.middleware("http")
    async def _audit_reads(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        actor = getattr(request.state, "actor", None)
        if request.method != "GET" or not isinstance(actor, Actor):
            return response
        reads = list(getattr(request.state, "read_trail", ()))
        ids = _request_ids(request)
        if not reads and not ids:
            return response
        if not reads:
            object_type, object_id = _read_object(request)
            reads = [PatientRead(_action_of(request), object_type, object_id)]
        outcome = "success" if response.status_code < 400 else "failure"
        await run_in_threadpool(
            services_of(request).read_audit.record_reads, actor, reads, ids=ids, outcome=outcome
        )
        return response


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
