"""The live board's event stream, opened through the whole ASGI stack (read audit, security
headers): the response starts at once with the edge headers, its first chunk arrives while the
stream stays open, and the read of the patient in the chair is audited before the stream starts."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.types import Message

from ketaclinic.adapters.db.tables import audit_events
from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.infusion_world import running_sessions


def _board_reads(world: World, patient_id: int) -> list[str]:
    with world.services.engine.connect() as conn:
        rows = conn.execute(
            select(audit_events.c.object_id).where(
                audit_events.c.patient_id == patient_id,
                audit_events.c.action == "phi.query",
            )
        )
        return [str(r) for r in rows.scalars()]


def test_the_open_stream_starts_with_its_headers_and_audits_the_chair(world: World) -> None:
    [monitor] = running_sessions(world)
    app = create_app(services=world.services)
    with TestClient(app, base_url="http://testserver") as signer:
        web_login(signer, world, Role.NURSE)
        cookie = signer.cookies.get("kc_session")
    assert cookie
    before = _board_reads(world, monitor.session.patient_id)
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/board/events",
        "raw_path": b"/board/events",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"accept", b"text/event-stream"),
            (b"cookie", f"kc_session={cookie}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[Message] = []
    reads_at_start: list[str] = []

    async def receive() -> Message:
        await anyio.sleep_forever()
        return {"type": "http.disconnect"}

    async def open_stream() -> None:
        with anyio.fail_after(30):
            await _until_first_chunk()

    async def _until_first_chunk() -> None:
        async with anyio.create_task_group() as group:

            async def send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    reads_at_start.extend(_board_reads(world, monitor.session.patient_id))
                sent.append(message)
                if message["type"] == "http.response.body" and message.get("body"):
                    group.cancel_scope.cancel()  # the client leaves after the first chunk

            group.start_soon(app, scope, receive, send)

    anyio.run(open_stream)

    start, first = sent[0], sent[1]
    assert start["type"] == "http.response.start" and start["status"] == 200
    headers = dict(start["headers"])
    assert headers[b"content-type"].startswith(b"text/event-stream")
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert first["body"].startswith(b"retry: 2000\n\n") and first.get("more_body") is True
    assert reads_at_start[len(before) :] == ["/board/events"]  # written before the stream starts
