"""Security headers on every response, set once at the edge (ASGI middleware).

Every page, fragment, API and FHIR response carries a strict Content Security Policy (scripts,
styles, images and connections from this origin only; no inline script or style; no framing),
``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
Anything that is not a static asset is ``Cache-Control: no-store`` so a shared or back-button
cache never keeps patient data; static assets (CSS, scripts) may be cached. When cookies are
marked secure (the deployment is served over TLS), ``Strict-Transport-Security`` tells browsers
never to use plain HTTP for this host.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"
NO_STORE = "no-store"
STATIC_CACHE = "public, max-age=3600"
STATIC_PREFIX = "/static/"


def security_headers(path: str, *, hsts: bool) -> list[tuple[bytes, bytes]]:
    """The headers for a response to ``path``."""
    cache = STATIC_CACHE if path.startswith(STATIC_PREFIX) else NO_STORE
    headers = [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cache-control", cache),
    ]
    if cache == NO_STORE:
        headers.append(("pragma", "no-cache"))
    if hsts:
        headers.append(("strict-transport-security", HSTS))
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]


class SecurityHeaders:
    """ASGI middleware: adds :func:`security_headers`, replacing any earlier value of each."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app, self.hsts = app, hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope.get("path", ""), hsts=self.hsts)
        names = {name for name, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
