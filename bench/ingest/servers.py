"""The servers under test, as deployed: on SQLite one ``ketaclinic serve --with-monitors`` process
(listener and board share the in-process fan-out); on PostgreSQL a ``ketaclinic hl7-listen``
process and a separate ``ketaclinic serve`` process (board events cross by LISTEN/NOTIFY)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

STARTUP_S = 180.0  # a loaded 2-core box needs close to a minute to start both processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(url: str, var_dir: Path, secret: str, hl7_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETACLINIC_")}
    env.update(
        KETACLINIC_DATABASE_URL=url,
        KETACLINIC_VAR_DIR=str(var_dir),
        KETACLINIC_SECRET_KEY=secret,
        KETACLINIC_LOG_LEVEL="WARNING",
        KETACLINIC_ENVIRONMENT="test",
        KETACLINIC_HL7_PORT=str(hl7_port),
    )
    return env


def _cli() -> str:
    return str(Path(sys.executable).with_name("ketaclinic"))


@contextlib.contextmanager
def serving(
    backend: str, url: str, var_dir: Path, secret: str, listeners: int = 1
) -> Iterator[tuple[str, int]]:
    """Yield (board base URL, MLLP port) with the servers of ``backend`` running; on
    PostgreSQL ``listeners`` hl7-listen processes share the MLLP port (``--reuse-port``)."""
    web_port, hl7_port = free_port(), free_port()
    env = _env(url, var_dir, secret, hl7_port)
    log = (var_dir / "server.log").open("wb")
    web = [_cli(), "serve", "--port", str(web_port)]
    listen = [_cli(), "hl7-listen", "--port", str(hl7_port)]
    if listeners > 1:
        listen.append("--reuse-port")
    commands = (
        [[*web, "--with-monitors"]] if backend == "sqlite" else [web, *([listen] * listeners)]
    )
    procs = [subprocess.Popen(c, env=env, stdout=log, stderr=log) for c in commands]
    base = f"http://127.0.0.1:{web_port}"
    try:
        _wait(base, hl7_port, procs, var_dir / "server.log", listeners if listeners > 1 else 0)
        yield base, hl7_port
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def _wait(
    base: str, hl7_port: int, procs: list[subprocess.Popen[bytes]], log: Path, listeners: int
) -> None:
    """Until the board answers and the MLLP port accepts; with ``listeners``, until that many
    listener processes said they listen (a connection goes only to one already bound)."""
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.TransportError, OSError):
            # the bench migrated the database itself (seed); /healthz says the process is up
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                socket.create_connection(("127.0.0.1", hl7_port), timeout=2).close()
                if log.read_text().count("hl7 listener on") >= listeners:
                    return
        time.sleep(0.2)
    raise RuntimeError("servers not ready in time")


@contextlib.contextmanager
def sink_serving(url: str, var_dir: Path) -> Iterator[int]:
    """Yield the MLLP port of the reference sink (``bench.ingest.sink``) on ``url``."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETACLINIC_")}
    log = (var_dir / "sink.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.ingest.sink", url, str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if b"ready" not in line:
            raise RuntimeError(
                f"reference sink did not start: {(var_dir / 'sink.log').read_text()}"
            )
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        log.close()
