"""Who is calling is looked up in the database off the event loop: the web session resume (with its
touch write), the API bearer token and the patient link token all run on a worker thread, never on
the thread running the event loop, while the guards answer exactly as before."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketaclinic.bootstrap import Services
from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login


class Calls:
    """Each spied call: the thread it ran on, and whether that thread was running an event loop."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, bool]] = []
        self.loop_threads: set[int] = set()

    def spy(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.seen.append((threading.get_ident(), _loop_running()))
            return real(*args, **kwargs)

        return wrapped


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def loop_client(world: World, calls: Calls) -> Iterator[TestClient]:
    def loop_probe(app: FastAPI, _services: Services) -> None:
        @app.get("/test-loop-thread")
        async def loop_thread() -> dict[str, int]:  # an async endpoint runs on the loop thread
            calls.loop_threads.add(threading.get_ident())
            return {}

    app = create_app(services=world.services, extra=loop_probe)
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def _assert_off_loop(client: TestClient, calls: Calls) -> None:
    assert client.get("/test-loop-thread").status_code == 200
    assert len(calls.loop_threads) == 1
    assert calls.seen, "the spied lookup was not called"
    for thread, loop_running in calls.seen:
        assert not loop_running
        assert thread not in calls.loop_threads


def test_the_web_session_resume_runs_off_the_event_loop(
    loop_client: TestClient, world: World, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    csrf = web_login(loop_client, world, Role.NURSE)
    identity = world.services.identity
    monkeypatch.setattr(identity, "resume", calls.spy(identity.resume))

    assert loop_client.get("/patients").status_code == 200
    board = loop_client.get("/board/events", headers={"accept": "text/plain"})
    assert board.status_code == 200  # the live board's opening: same guard as its stream
    forged = loop_client.post("/patients/new", headers={"x-csrf-token": csrf + "x"}, data={})
    assert forged.status_code == 403  # CSRF still checked after the resume
    assert "did not come from this site" in forged.text
    assert len(calls.seen) == 3
    _assert_off_loop(loop_client, calls)


def test_a_refused_resume_still_signs_out_and_runs_off_the_event_loop(
    loop_client: TestClient, world: World, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    identity = world.services.identity
    monkeypatch.setattr(identity, "resume", calls.spy(identity.resume))
    loop_client.cookies.set("kc_session", "not-a-session")
    page = loop_client.get("/patients", follow_redirects=False)
    assert page.status_code in {303, 401}
    assert len(calls.seen) == 1
    _assert_off_loop(loop_client, calls)


def test_the_api_bearer_check_runs_off_the_event_loop(
    loop_client: TestClient, world: World, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = bearer(loop_client, world, Role.NURSE)
    identity = world.services.identity
    monkeypatch.setattr(identity, "bearer", calls.spy(identity.bearer))
    assert loop_client.get("/api/v1/patients", headers=auth).status_code == 200
    assert len(calls.seen) == 1
    _assert_off_loop(loop_client, calls)


def test_the_patient_link_token_check_runs_off_the_event_loop(
    loop_client: TestClient, world: World, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    links, portal = world.services.links, world.services.portal
    monkeypatch.setattr(links, "open", calls.spy(links.open))
    monkeypatch.setattr(portal, "log_practice", calls.spy(portal.log_practice))
    assert loop_client.post("/link/no-such-link", data={}).status_code == 404
    gone = loop_client.post("/link/portal/no-such-link/practice", data={})
    assert gone.status_code in {404, 410}
    assert len(calls.seen) == 2
    _assert_off_loop(loop_client, calls)
