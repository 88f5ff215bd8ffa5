"""The reference sink: the machine's limit for durable MLLP ingest, measured in the same run.

``python -m bench.ingest.sink DATABASE_URL PORT`` serves MLLP on 127.0.0.1:PORT. It reads only
MSH-10 (a byte split), queues each message, and one writer inserts everything queued as one batch
(executemany) with a durable commit (SQLite synchronous=FULL via the project's engine; PostgreSQL
synchronous_commit on), then sends the ACKs of that batch. No parsing, routing, alarms or audit:
whatever the project costs on top of this is its own.
"""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, insert

from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.adapters.hl7.mllp import Frame, MllpDecoder, frame

metadata = MetaData()
sink_messages = Table(
    "bench_sink_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("control_id", String(200), nullable=False, unique=True),
    Column("payload", LargeBinary, nullable=False),
)


def control_id(raw: bytes) -> str:
    first = raw.split(b"\r", 1)[0]
    fields = first.split(b"|")
    return fields[9].decode("ascii", "replace") if len(fields) > 9 else ""


def ack(control: str) -> bytes:
    return f"MSH|^~\\&|SINK||||||ACK^R01^ACK|A{control}|P|2.6\rMSA|AA|{control}\r".encode()


Queued = tuple[str, bytes, "asyncio.Future[None]"]


class Sink:
    """One writer storing every queued message per batch; each connection waits for its ACK."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        metadata.create_all(self.engine)
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.queue: asyncio.Queue[Queued] = asyncio.Queue()

    def write(self, rows: list[dict[str, object]]) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(sink_messages), rows)

    async def writer(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            items = [await self.queue.get()]
            while not self.queue.empty():
                items.append(self.queue.get_nowait())
            rows: list[dict[str, object]] = [{"control_id": c, "payload": p} for c, p, _ in items]
            try:
                await loop.run_in_executor(self.pool, self.write, rows)
            except Exception as exc:
                for _, _, future in items:
                    future.set_exception(exc)
                continue
            for _, _, future in items:
                future.set_result(None)

    async def store(self, payload: bytes) -> str | None:
        """The control id once ``payload`` is committed; None when it was not stored."""
        control = control_id(payload)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((control, payload, done))
        try:
            await done
        except Exception:
            return None
        return control

    async def connection(self, reader: asyncio.StreamReader, out: asyncio.StreamWriter) -> None:
        decoder = MllpDecoder()
        try:
            while chunk := await reader.read(65_536):
                for event in decoder.feed(chunk):
                    if not isinstance(event, Frame):
                        continue
                    control = await self.store(event.payload)
                    if control is None:
                        continue  # not stored: no ACK, the sender times out
                    out.write(frame(ack(control)))
                    await out.drain()
        except ConnectionError:
            pass
        finally:
            out.close()


async def main(url: str, port: int) -> None:
    sink = Sink(url)
    task = asyncio.create_task(sink.writer())
    server = await asyncio.start_server(sink.connection, "127.0.0.1", port)
    print("ready", flush=True)
    try:
        await server.serve_forever()
    finally:
        task.cancel()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
