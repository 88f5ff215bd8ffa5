"""The ASGI application: the JSON API and the staff web UI on one FastAPI app.

``create_app(settings)`` builds it; ``app_from_environment`` is the factory ``ketaclinic serve``
hands to uvicorn by name, so the command line never imports the web layers itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from ketaclinic.bootstrap import Services, build
from ketaclinic.entrypoints.api import install as install_api
from ketaclinic.entrypoints.api.openapi_document import build_document
from ketaclinic.entrypoints.http import install_error_handlers, install_probes
from ketaclinic.entrypoints.security_headers import SecurityHeaders
from ketaclinic.entrypoints.web import install as install_web
from ketaclinic.settings import Settings, load_settings


class ClinicApp(FastAPI):
    """FastAPI with the complete OpenAPI document (every refusal, one error model)."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = build_document(self)
        return self.openapi_schema


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    extra: Callable[[FastAPI, Services], None] | None = None,
) -> FastAPI:
    """Build the application. Pass ``services`` to share a composition root (tests, the CLI)."""
    if services is None:
        if settings is None:
            raise ValueError("create_app needs settings or services")
        services = build(settings)
    owned = services

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        owned.close()

    app = ClinicApp(
        title="ketaclinic",
        version="0.1.0",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services
    app.add_middleware(SecurityHeaders, hsts=services.settings.cookie_secure)
    install_error_handlers(app)
    install_probes(app)
    install_api(app)
    install_web(app)
    if extra is not None:
        extra(app, services)
    return app


def app_from_environment() -> FastAPI:
    """The uvicorn factory: settings from ``KETACLINIC_*`` environment variables."""
    return create_app(load_settings())
