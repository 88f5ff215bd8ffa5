"""The ASGI application: the JSON API and the staff web UI on one FastAPI app.

``create_app(settings)`` builds it; ``app_from_environment`` is the factory ``ketaclinic serve``
hands to uvicorn by name, so the command line never imports the web layers itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI

from ketaclinic.adapters.audit_checkpoints import write_into
from ketaclinic.bootstrap import Services, build
from ketaclinic.entrypoints.api import install as install_api
from ketaclinic.entrypoints.api.openapi_document import build_document
from ketaclinic.entrypoints.http import install_error_handlers, install_probes, install_read_audit
from ketaclinic.entrypoints.security_headers import SecurityHeaders
from ketaclinic.entrypoints.web import install as install_web
from ketaclinic.settings import Settings, load_settings

_log = logging.getLogger("ketaclinic.audit")


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
    checkpoints: bool = False,
) -> FastAPI:
    """Build the application. Pass ``services`` to share a composition root (tests, the CLI).

    ``checkpoints`` starts the signed audit checkpoint writer (the serve process).
    """
    if services is None:
        if settings is None:
            raise ValueError("create_app needs settings or services")
        services = build(settings)
    owned = services

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        interval = owned.settings.audit_checkpoint_interval_min
        writer = None
        if checkpoints:
            await _write_checkpoint(owned)  # one at start, before serving
            if interval:
                writer = asyncio.create_task(_checkpoints(owned, interval))
        yield
        if writer is not None:
            writer.cancel()
            with suppress(asyncio.CancelledError):
                await writer
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
    install_read_audit(app)
    install_api(app)
    install_web(app)
    if extra is not None:
        extra(app, services)
    return app


async def _write_checkpoint(services: Services) -> None:
    """Seal and sign the audit chains; write the checkpoint file outside the database."""
    try:
        signed = await asyncio.to_thread(services.audit.checkpoint)
        await asyncio.to_thread(write_into, signed, services.settings.checkpoint_dir)
        _log.info("audit.checkpoint written events=%d", signed.events)
    except Exception:  # the clinic keeps running; the failure is logged for the operator
        _log.exception("audit.checkpoint failed")


async def _checkpoints(services: Services, interval_min: int) -> None:
    """A signed audit checkpoint every ``interval_min`` minutes."""
    while True:
        await asyncio.sleep(interval_min * 60)
        await _write_checkpoint(services)


def app_from_environment() -> FastAPI:
    """The uvicorn factory: settings from ``KETACLINIC_*`` environment variables."""
    return create_app(load_settings(), checkpoints=True)
