"""Server-sent-events clients of the live board, spread over worker processes (asyncio + httpx).

Each client signs in through the real form (session cookie), opens ``/board/events`` and records,
per ``alarm`` event, the alarm id and repeat and the delay from that raise (``last_raised_at`` of
a repeat, else ``raised_at``; server clock, same machine) to receipt, and per ``chair`` event
carrying a reading taken after the client connected, the delay from that reading's time (the
monitor's send time) to receipt. A stream the server ends (a client dropped for falling behind) is
counted and reopened; a sign-in or stream the server refuses with a 5xx (SQLite busy while a
thousand clients sign in at once) is retried and counted. The orchestrator waits until every
client is connected before it starts the load, and tells them when to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import random
import ssl
import time
from datetime import datetime
from typing import Any

import httpx

from bench.ingest.setup import NURSE, PASSWORD

RETRIES = 20  # a refused sign-in or stream (5xx: SQLite busy in a connect storm) is retried


async def _sign_in(client: httpx.AsyncClient) -> int:
    """Sign in through the form; returns how many attempts the server refused with a 5xx."""
    for refused in range(RETRIES):
        page = await client.get("/signin")
        if page.status_code < 500:
            csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            response = await client.post(
                "/signin", data={"email": NURSE, "password": PASSWORD, "csrf_token": csrf}
            )
            if response.status_code in (200, 303):
                return refused
            if response.status_code < 500:
                raise RuntimeError(f"sign-in failed: {response.status_code}")
        await asyncio.sleep(0.5 + random.random())
    raise RuntimeError(f"sign-in refused {RETRIES} times")


class _Client:
    def __init__(self) -> None:
        self.alarms: list[tuple[tuple[int, int], float]] = []
        self.chairs: list[float] = []
        self.dropped = 0
        self.refused = 0
        self.connected_at = 0.0

    def record(self, kind: str, doc: dict[str, Any], now: float) -> None:
        if kind == "alarm":
            alarm = doc["alarm"]  # a repeat (the condition came back) is announced again
            raised = datetime.fromisoformat(alarm["last_raised_at"] or alarm["raised_at"])
            key = (int(alarm["id"]), int(alarm.get("repeat_count") or 1))
            self.alarms.append((key, (now - raised.timestamp()) * 1000))
        elif kind == "chair" and doc.get("latest", {}).get("sbp"):
            taken = datetime.fromisoformat(doc["latest"]["sbp"][1]).timestamp()
            if taken > self.connected_at:
                self.chairs.append((now - taken) * 1000)

    async def run(
        self, base: str, connected: Any, cookies: httpx.Cookies | None, tls: ssl.SSLContext
    ) -> None:
        timeout = httpx.Timeout(60, read=None)
        async with httpx.AsyncClient(base_url=base, timeout=timeout, verify=tls) as client:
            if cookies is None:
                self.refused += await _sign_in(client)
            else:
                client.cookies.update(cookies)
            first = True
            while True:
                headers = {"accept": "text/event-stream"}
                async with client.stream("GET", "/board/events", headers=headers) as response:
                    if response.status_code != 200:
                        self.refused += 1
                        await asyncio.sleep(0.5 + random.random())
                        continue
                    if first:
                        self.connected_at = time.time()
                        with connected.get_lock():
                            connected.value += 1
                        first = False
                    kind = ""
                    async for line in response.aiter_lines():
                        if line.startswith("event: "):
                            kind = line[7:]
                        elif line.startswith("data: "):
                            self.record(kind, json.loads(line[6:]), time.time())
                self.dropped += 1  # the server ended the stream: reconnect

    def result(self) -> dict[str, Any]:
        return {
            "alarms": self.alarms,
            "chairs": self.chairs,
            "dropped": self.dropped,
            "refused": self.refused,
        }


async def _many(
    base: str, clients: int, connected: Any, stop: Any, shared: bool
) -> list[dict[str, Any]]:
    pool = [_Client() for _ in range(clients)]
    # one TLS context for the process: httpx builds one per client otherwise (~20 ms of CPU each,
    # on the cores the server shares), though the board is served over plain HTTP here
    tls = ssl.create_default_context()
    cookies: httpx.Cookies | None = None
    if shared:  # one sign-in for this process's clients: browsers reconnecting with a session
        options: dict[str, Any] = {"timeout": httpx.Timeout(60), "verify": tls}
        async with httpx.AsyncClient(base_url=base, **options) as client:
            pool[0].refused += await _sign_in(client)
            cookies = client.cookies
    tasks = [asyncio.create_task(c.run(base, connected, cookies, tls)) for c in pool]
    while not stop.is_set():
        await asyncio.sleep(0.2)
    for task in tasks:
        task.cancel()
    failed = 0
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            try:
                await task
            except RuntimeError:  # gave up signing in: reported, not fatal to the others
                failed += 1
    return [{**c.result(), "failed": failed if i == 0 else 0} for i, c in enumerate(pool)]


def _worker(base: str, clients: int, connected: Any, stop: Any, out: Any, shared: bool) -> None:
    out.put(asyncio.run(_many(base, clients, connected, stop, shared)))


class SseClients:
    """``total`` clients in ``processes`` processes: wait for them, run load, then collect.
    ``shared``: each process signs in once and its clients open their streams with that session
    (else every client signs in through the form)."""

    def __init__(self, base: str, total: int, processes: int, *, shared: bool = False) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.total = total
        self._queue = ctx.Queue()
        self._connected = ctx.Value("i", 0)
        self._stop = ctx.Event()
        share = [total // processes + (1 if i < total % processes else 0) for i in range(processes)]
        self._procs = [
            ctx.Process(
                target=_worker,
                args=(base, n, self._connected, self._stop, self._queue, shared),
                daemon=True,
            )
            for n in share
            if n
        ]
        for proc in self._procs:
            proc.start()

    def wait_connected(self, timeout_s: float) -> int:
        deadline = time.monotonic() + timeout_s
        while self._connected.value < self.total and time.monotonic() < deadline:
            time.sleep(0.1)
        return int(self._connected.value)

    def results(self, grace_s: float, timeout_s: float = 300) -> list[dict[str, Any]]:
        time.sleep(grace_s)
        self._stop.set()
        merged: list[dict[str, Any]] = []
        for _ in self._procs:
            merged += self._queue.get(timeout=timeout_s)
        for proc in self._procs:
            proc.join(timeout=10)
        return merged
