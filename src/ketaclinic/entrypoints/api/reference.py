"""The API description: ``/api/openapi.json`` and a plain reference page at ``/api/docs``.

Both need a signed-in staff member in production (:class:`DocsReader`). The reference page is
rendered on the server from the OpenAPI document: no script, no style sheet and nothing loaded
from another site, so it works under the same Content Security Policy as every other page.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from ketaclinic.entrypoints.guards import DocsReader

router = APIRouter(include_in_schema=False, dependencies=[Depends(DocsReader())])
METHODS = ("get", "post", "put", "patch", "delete")


@router.get("/api/openapi.json")
def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/api/docs", response_class=HTMLResponse)
def reference_page(request: Request) -> HTMLResponse:
    return HTMLResponse(render_reference(request.app.openapi()))


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    codes = ", ".join(sorted(op.get("responses", {})))
    params = ", ".join(
        f"{escape(p['name'])} ({escape(p.get('in', ''))})" for p in op.get("parameters", [])
    )
    return (
        f"<tr><td><code>{method.upper()}</code></td><td><code>{escape(path)}</code></td>"
        f"<td>{escape(op.get('summary', ''))}</td><td>{params}</td><td>{escape(codes)}</td></tr>"
    )


def render_reference(document: dict[str, Any]) -> str:
    """The reference page: one row per operation with its parameters and status codes."""
    rows = [
        _operation(path, method, item[method])
        for path, item in sorted(document.get("paths", {}).items())
        for method in METHODS
        if method in item
    ]
    info = document.get("info", {})
    title = escape(f"{info.get('title', 'API')} {info.get('version', '')}")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{title} API</title><link rel="stylesheet" href="/static/app.css"></head>'
        f'<body><main id="main"><h1>{title} API</h1>'
        '<p>The machine-readable description is <a href="/api/openapi.json">openapi.json</a>. '
        "Errors are JSON objects <code>{error, detail, field}</code>; FHIR routes answer "
        "<code>application/fhir+json</code> and OperationOutcome.</p>"
        "<table><thead><tr><th>Method</th><th>Path</th><th>Summary</th><th>Parameters</th>"
        "<th>Status codes</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        "</main></body></html>"
    )
