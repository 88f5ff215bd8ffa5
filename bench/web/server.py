"""The server under test: the real ASGI app in its own uvicorn process, as ``ketaclinic serve``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

APP_FACTORY = "ketaclinic.entrypoints.app:app_from_environment"
STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(database_url: str, var_dir: Path, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETACLINIC_")}
    env.update(
        KETACLINIC_DATABASE_URL=database_url,
        KETACLINIC_VAR_DIR=str(var_dir),
        KETACLINIC_SECRET_KEY=secret,
        KETACLINIC_LOG_LEVEL="WARNING",
    )
    return env


@contextmanager
def serving(database_url: str, var_dir: Path, secret: str, workers: int = 1) -> Iterator[str]:
    """Start uvicorn on a free loopback port, wait for ``/readyz``, yield the base URL, stop it."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        APP_FACTORY,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    log = (var_dir / "server.log").open("wb")
    process = subprocess.Popen(
        command, env=server_env(database_url, var_dir, secret), stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, var_dir / "server.log")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready within {STARTUP_SECONDS:.0f} s")
