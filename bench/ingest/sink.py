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


async def main(url: str, port: int) -> None:
    engine = make_engine(url)
    metadata.create_all(engine)
    pool = ThreadPoolExecutor(max_workers=1)
    queue: asyncio.Queue[tuple[str, bytes, asyncio.Future[None]]] = asyncio.Queue()

    def write(rows: list[dict[str, object]]) -> None:
        with engine.begin() as conn:
            conn.execute(insert(sink_messages), rows)

    async def writer() -> None:
        loop = asyncio.get_running_loop()
        while True:
            items = [await queue.get()]
            while not queue.empty():
                items.append(queue.get_nowait())
            rows: list[dict[str, object]] = [{"control_id": c, "payload": p} for c, p, _ in items]
            try:
                await loop.run_in_executor(pool, write, rows)
            except Exception as exc:
                for _, _, future in items:
                    future.set_exception(exc)
                continue
            for _, _, future in items:
                future.set_result(None)

    async def connection(reader: asyncio.StreamReader, out: asyncio.StreamWriter) -> None:
        decoder = MllpDecoder()
        loop = asyncio.get_running_loop()
        try:
            while chunk := await reader.read(65_536):
                for event in decoder.feed(chunk):
                    if not isinstance(event, Frame):
                        continue
                    control = control_id(event.payload)
                    done: asyncio.Future[None] = loop.create_future()
                    queue.put_nowait((control, event.payload, done))
                    try:
                        await done
                    except Exception:
                        continue  # not stored: no ACK, the sender times out
                    out.write(frame(ack(control)))
                    await out.drain()
        except ConnectionError:
            pass
        finally:
            out.close()

    task = asyncio.create_task(writer())
    server = await asyncio.start_server(connection, "127.0.0.1", port)
    print("ready", flush=True)
    try:
        await server.serve_forever()
    finally:
        task.cancel()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
