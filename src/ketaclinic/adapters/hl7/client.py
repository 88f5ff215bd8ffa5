"""A small synchronous MLLP client: send a message, wait for its ACK.

For tests, the monitor simulator and the ingest benchmark. One :class:`MllpClient` holds one TCP
connection (one monitor); :func:`send_message` opens a connection for a single exchange.
"""

from __future__ import annotations

import socket
import ssl
from types import TracebackType

from ketaclinic.adapters.hl7.mllp import Frame, MllpDecoder, frame


class AckTimeout(TimeoutError):
    """No complete ACK frame arrived in time, or the server closed the connection."""


class MllpClient:
    """One MLLP connection; :meth:`send` sends a message and returns the de-framed ACK."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout_s: float = 10.0,
        tls: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
    ) -> None:
        raw = socket.create_connection((host, port), timeout=timeout_s)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls is not None:
            try:
                raw = tls.wrap_socket(raw, server_hostname=server_hostname or host)
            except (OSError, ssl.SSLError):
                raw.close()
                raise
        self._socket = raw
        self._decoder = MllpDecoder()
        self._pending: list[bytes] = []

    def send(self, message: bytes) -> bytes:
        """Send ``message`` framed and block until the next ACK frame arrives."""
        self.send_raw(frame(message))
        return self.receive()

    def send_raw(self, data: bytes) -> None:
        """Send bytes as they are (for tests of broken framing)."""
        self._socket.sendall(data)

    def receive(self) -> bytes:
        """Return the next complete frame from the server."""
        while not self._pending:
            try:
                chunk = self._socket.recv(65_536)
            except TimeoutError as exc:
                raise AckTimeout("no ACK before the timeout") from exc
            if not chunk:
                raise AckTimeout("connection closed before an ACK arrived")
            self._pending += [e.payload for e in self._decoder.feed(chunk) if isinstance(e, Frame)]
        return self._pending.pop(0)

    def close(self) -> None:
        self._socket.close()

    def __enter__(self) -> MllpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def send_message(host: str, port: int, message: bytes, *, timeout_s: float = 10.0) -> bytes:
    """Open a connection, send one message, return its ACK and close."""
    with MllpClient(host, port, timeout_s=timeout_s) as client:
        return client.send(message)
