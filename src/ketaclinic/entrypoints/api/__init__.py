"""JSON API under ``/api/v1`` (OpenAPI at ``/api/openapi.json``)."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    from ketaclinic.entrypoints.api import audit, auth, courses, patients, protocols

    for module in (auth, patients, audit, courses, protocols):
        app.include_router(module.router, prefix="/api/v1")
