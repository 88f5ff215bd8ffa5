"""A running MLLP listener for browser tests, bound to the live server's composition root.

The listener is the product's (``adapters.hl7.server.serve`` with the monitoring service's
message handler) on a loopback port; a test sends ORU^R01 messages to it over a real socket with
``adapters.hl7.client.MllpClient``, standing in for a bedside monitor. Senders must be registered
gateways (``ketaclinic demo`` registers the simulator's: loopback, MSH-3 KETASIM).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.adapters.hl7.server import Hl7Listener, serve
from tests.e2e.browser.conftest import LiveServer


@contextmanager
def listening(server: LiveServer) -> Iterator[int]:
    """Serve the clinic's monitors on a free loopback port (yielded) until the block ends."""
    handler = MonitorMessageHandler(
        server.services.monitoring,
        server.clinic.id,
        naive_tz=ZoneInfo(server.clinic.timezone),
        clock=server.clock.now,
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    listener: Hl7Listener = asyncio.run_coroutine_threadsafe(
        serve("127.0.0.1", 0, handler, on_frame_error=handler.frame_error), loop
    ).result(timeout=10)
    try:
        yield listener.port
    finally:
        asyncio.run_coroutine_threadsafe(listener.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        handler.close()
