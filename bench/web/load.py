"""Concurrent signed-in staff: each user is a thread with its own httpx client and session."""

from __future__ import annotations

import random
import re
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION_COOKIE = "kc_session"

Request = Callable[[httpx.Client, random.Random], httpx.Response]


@dataclass(frozen=True, slots=True)
class Case:
    """One page under load: how to request it and a marker a correct page always contains."""

    name: str
    request: Request
    marker: str


@dataclass
class Laps:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms: float, ok: bool) -> None:
        with self.lock:
            self.latencies_ms.append(ms)
            self.errors += 0 if ok else 1


def signed_in_client(base: str, email: str, password: str) -> httpx.Client:
    """A client holding a staff session, signed in through the real sign-in form."""
    client = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    page = client.get("/signin")
    token = CSRF.search(page.text)
    if page.status_code != 200 or token is None:
        raise RuntimeError(f"sign-in page unavailable ({page.status_code})")
    data = {"email": email, "password": password, "csrf_token": token.group(1)}
    answer = client.post("/signin", data=data)
    if answer.status_code != 303 or SESSION_COOKIE not in client.cookies:
        raise RuntimeError(f"sign-in failed for {email} ({answer.status_code})")
    return client


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _user_loop(
    client: httpx.Client, case: Case, requests: int, rng: random.Random, laps: Laps
) -> None:
    for _ in range(requests):
        t0 = time.perf_counter()
        try:
            response = case.request(client, rng)
            ok = response.status_code == 200 and case.marker in response.text
        except httpx.HTTPError:
            ok = False
        laps.add((time.perf_counter() - t0) * 1000, ok)


def run_case(
    clients: Sequence[httpx.Client], case: Case, requests: int, warmup: int, seed: int
) -> dict[str, object]:
    """All clients request ``case`` at once, ``requests`` each after ``warmup`` untimed ones."""
    untimed = Laps()
    _spawn(clients, case, warmup, seed, untimed)
    laps = Laps()
    t0 = time.perf_counter()
    _spawn(clients, case, requests, seed + 1, laps)
    wall = time.perf_counter() - t0
    values = laps.latencies_ms
    return {
        "case": case.name,
        "users": len(clients),
        "requests": len(values),
        "errors": laps.errors + untimed.errors,
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "p99_ms": round(percentile(values, 99), 2),
        "max_ms": round(max(values), 2),
        "throughput_rps": round(len(values) / wall, 1),
    }


def _spawn(
    clients: Sequence[httpx.Client], case: Case, requests: int, seed: int, laps: Laps
) -> None:
    threads = [
        threading.Thread(
            target=_user_loop, args=(client, case, requests, random.Random(seed * 1000 + n), laps)
        )
        for n, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
