"""MLLP framing: ``0x0B`` + message + ``0x1C 0x0D``, and a streaming decoder.

:class:`MllpDecoder` is fed whatever a socket read returns and yields complete frames and framing
errors. It copes with partial frames, several frames in one read, bytes outside any frame
(discarded, reported once per run), a start byte inside an unfinished frame (the unfinished one is
reported as truncated) and frames longer than ``max_frame_bytes`` (discarded up to their end
marker and reported, so memory stays bounded: an oversized frame keeps only a prefix and a
running SHA-256 of the whole). It never raises on input.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

START = b"\x0b"
END = b"\x1c\x0d"
DEFAULT_MAX_FRAME_BYTES = 65_536
KEPT_PREFIX_BYTES = 2048  # what an oversized or truncated frame keeps for review


@dataclass(frozen=True, slots=True)
class Frame:
    """One complete de-framed message."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class FrameError:
    """A framing problem: ``kind`` is ``oversized``, ``truncated`` or ``garbage``."""

    kind: str
    detail: str
    # what was received of the frame, for the dead-letter entry (not part of equality)
    prefix: bytes = field(default=b"", compare=False)  # its first bytes (bounded)
    total_bytes: int = field(default=0, compare=False)  # its length as far as it was received
    digest: str = field(default="", compare=False)  # SHA-256 of those bytes ("" for garbage)

    @property
    def needs_reply(self) -> bool:
        """Oversized and truncated frames were messages a sender waits on; garbage was not."""
        return self.kind != "garbage"


Event = Frame | FrameError


def frame(message: bytes) -> bytes:
    """Wrap one message in MLLP start and end bytes."""
    return START + message + END


class MllpDecoder:
    """Incremental MLLP decoder; call :meth:`feed` with each chunk read from the socket."""

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        self.max_frame_bytes = max_frame_bytes
        self._buffer = bytearray()
        self._in_frame = False
        self._skipping = False  # inside an oversized frame, waiting for its end
        self._garbage = 0
        self._pending_fs = False
        self._prefix = b""
        self._total = 0
        self._hash = hashlib.sha256()

    @property
    def in_frame(self) -> bool:
        """A frame has started and its end marker has not arrived yet."""
        return self._in_frame

    @property
    def buffered(self) -> int:
        """Bytes held for the unfinished frame (bounded by ``max_frame_bytes``)."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Event]:
        """Consume ``data`` and return the frames and errors it completed, in order."""
        events: list[Event] = []
        for chunk_start in range(0, len(data), 65_536):
            self._consume(data[chunk_start : chunk_start + 65_536], events)
        return events

    def _consume(self, data: bytes, events: list[Event]) -> None:
        view = memoryview(data)
        position = 0
        while position < len(view):
            if not self._in_frame:
                position = self._seek_start(view, position, events)
            else:
                position = self._read_body(view, position, events)

    def _seek_start(self, view: memoryview, position: int, events: list[Event]) -> int:
        index = bytes(view[position:]).find(START)
        if index < 0:
            self._garbage += len(view) - position
            return len(view)
        self._garbage += index
        if self._garbage:
            events.append(FrameError("garbage", f"{self._garbage} byte(s) outside a frame"))
            self._garbage = 0
        self._in_frame, self._skipping = True, False
        self._buffer.clear()
        self._prefix, self._total, self._hash = b"", 0, hashlib.sha256()
        return position + index + 1

    def _read_body(self, view: memoryview, position: int, events: list[Event]) -> int:
        rest = bytes(view[position:])
        if self._pending_fs:  # the previous read ended on 0x1C
            self._pending_fs = False
            if rest[:1] == b"\r":
                self._finish(events, None)
                return position + 1
            self._append(b"\x1c")
        end = rest.find(END)
        restart = rest.find(START)
        if restart >= 0 and (end < 0 or restart < end):
            self._append(rest[:restart])
            self._finish(events, FrameError("truncated", "a new frame began before the end marker"))
            return position + restart
        if end < 0:
            self._pending_fs = rest.endswith(b"\x1c")
            self._append(rest[:-1] if self._pending_fs else rest)
            return len(view)
        self._append(rest[:end])
        self._finish(events, None)
        return position + end + len(END)

    def _append(self, data: bytes) -> None:
        self._total += len(data)
        if self._skipping:
            self._hash.update(data)
            return
        if len(self._buffer) + len(data) > self.max_frame_bytes:
            self._skipping = True
            self._prefix = bytes(self._buffer[:KEPT_PREFIX_BYTES])
            self._hash.update(self._buffer)
            self._hash.update(data)
            self._buffer.clear()
            return
        self._buffer.extend(data)

    def _finish(self, events: list[Event], error: FrameError | None) -> None:
        if self._skipping:
            detail = f"frame over {self.max_frame_bytes} bytes"
            events.append(self._kept("oversized", detail))
        elif error is not None:
            events.append(self._kept(error.kind, error.detail))
        else:
            events.append(Frame(bytes(self._buffer)))
        self._buffer.clear()
        self._in_frame = self._skipping = self._pending_fs = False

    def _kept(self, kind: str, detail: str) -> FrameError:
        if not self._skipping:
            self._prefix = bytes(self._buffer[:KEPT_PREFIX_BYTES])
            self._hash.update(self._buffer)
        return FrameError(kind, detail, self._prefix, self._total, self._hash.hexdigest())
