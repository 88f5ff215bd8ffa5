"""The browser tier: a live uvicorn server on loopback and headless Chromium through Playwright.

``live_server`` serves the real application on a fresh, migrated SQLite database seeded with the
demo clinic, on a clock the test moves by hand. Later browser tests of other clinical areas reuse
it: ``live_server.base_url``, ``live_server.services``, ``live_server.clock`` and
``live_server.clinic``; ``signed_in(role_email)`` opens a page already signed in.

Chromium is Debian's ``/usr/bin/chromium``; Playwright never downloads a browser here. Without it
the tier is skipped loudly outside CI and fails inside CI (``tests.conftest.require_tier``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)
from pydantic import SecretStr

from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.bootstrap import Services, build
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Clinic
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.demo import DEMO_PASSWORD, DEMO_STAFF, seed_demo
from ketaclinic.services.demo_clinic import demo_clock_start, seed_demo_clinic
from ketaclinic.settings import Environment, Settings
from tests.conftest import require_tier
from tests.fakes import FakeClock

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
DESKTOP = ViewportSize(width=1280, height=900)
TABLET = ViewportSize(width=1024, height=768)
STARTUP_SECONDS = 20.0


#: The longest journeys start first, so that on several workers none is left running alone at
#: the end of the tier.
LONGEST_FIRST = (
    "test_pathway_adult_iv.py",
    "test_pathway_adolescent_iv.py",
    "test_pathway_kat.py",
    "test_accessibility.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = Path(str(item.path)).name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


def demo_email(role: Role) -> str:
    """The documented demo login of the first staff member with ``role``."""
    return next(email for email, _name, r in DEMO_STAFF if r is role)


@dataclass
class LiveServer:
    """A running clinic server: where it listens, its composition root and its hand-moved clock."""

    base_url: str
    services: Services
    clock: FakeClock
    clinic: Clinic
    password: str = DEMO_PASSWORD
    _server: uvicorn.Server | None = field(default=None, repr=False)

    def url(self, path: str) -> str:
        return self.base_url + path


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _build_services(tmp_path: Path, clock: FakeClock) -> Services:
    url = f"sqlite:///{(tmp_path / 'browser.db').as_posix()}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    settings = Settings(
        environment=Environment.TEST,
        var_dir=tmp_path,
        database_url=url,
        secret_key=SecretStr("b" * 40),
    )
    return build(settings, clock=clock, engine=engine)


def _start(server: uvicorn.Server, sock: socket.socket) -> threading.Thread:
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    return thread


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real app on 127.0.0.1 (a free port) over a migrated SQLite database and the demo."""
    clock = FakeClock()
    services = _build_services(tmp_path, clock)
    demo = seed_demo(services.uow, clock, services.staff, services.patients)
    app = create_app(services=services)
    config = uvicorn.Config(app, log_level="warning", access_log=False, ws="none", lifespan="on")
    server = uvicorn.Server(config)
    sock = _free_socket()
    host, port = sock.getsockname()[:2]
    thread = _start(server, sock)
    try:
        yield LiveServer(f"http://{host}:{port}", services, clock, demo.clinic, _server=server)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        sock.close()
        assert not thread.is_alive(), "the live server did not shut down"


@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Playwright]:
    require_tier(CHROMIUM.exists(), "browser", f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's headless Chromium, shared by the browser tests and closed after them."""
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


NewPage = Callable[..., Page]


@pytest.fixture
def new_page(chromium: Browser, live_server: LiveServer) -> Iterator[NewPage]:
    """Open pages in fresh browser contexts (own cookies); ``new_page(viewport=TABLET)``.

    Every page listens to its console: a Content Security Policy violation (an inline script,
    handler or style the policy blocks) fails the test at teardown.
    """
    contexts: list[BrowserContext] = []
    violations: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    def open_page(viewport: ViewportSize | None = None) -> Page:
        context = chromium.new_context(
            base_url=live_server.base_url,
            viewport=viewport or DESKTOP,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", watch)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not violations, f"Content Security Policy violations: {violations}"


SignedIn = Callable[..., Page]


def sign_in(page: Page, email: str, password: str) -> None:
    """Fill the sign-in form by its labels; every role lands on its Today page."""
    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/today")


@pytest.fixture
def signed_in(new_page: NewPage, live_server: LiveServer) -> SignedIn:
    """``signed_in(Role.NURSE, viewport=TABLET)``: a page signed in as that demo role."""

    def open_signed_in(role: Role, viewport: ViewportSize | None = None) -> Page:
        page = new_page(viewport)
        sign_in(page, demo_email(role), live_server.password)
        return page

    return open_signed_in


class _DemoClock(FakeClock):
    """The fake clock, moved only by the seeder and the tests: it has no system time to catch
    up with."""

    def catch_up(self) -> None:
        return None


@pytest.fixture(scope="package")
def demo_clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One demo clinic for the browser tests that check the clinic as its users see it (the
    accessibility pages and screenshots, the worklists), seeded as ``ketaclinic demo`` seeds it
    (months of history ending at the fake clock's now, where the live server's clock then
    stands); seeding it once keeps the two cores free."""
    now = FakeClock().now()
    clock = _DemoClock(demo_clock_start(now))
    s = _build_services(tmp_path_factory.mktemp("a11y"), clock)
    demo = seed_demo_clinic(s, clock, shipped_protocols(), until=now).result
    assert clock.now() == now
    config = uvicorn.Config(
        create_app(services=s), log_level="warning", access_log=False, ws="none", lifespan="on"
    )
    server = uvicorn.Server(config)
    sock = _free_socket()
    host, port = sock.getsockname()[:2]
    thread = _start(server, sock)
    try:
        yield LiveServer(f"http://{host}:{port}", s, clock, demo.clinic, _server=server)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        sock.close()
