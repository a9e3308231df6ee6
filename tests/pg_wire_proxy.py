"""A small TCP proxy in front of PostgreSQL that counts round trips at the wire and can add latency.

Shared by the round-trip test (tests/test_pg_round_trips.py) and the slow-link benchmark
(benchmarks/bench_slow_link.py). It reads the client's side of the frontend/backend protocol and
counts what makes the client wait for the server:

- ``Q`` (simple query: psycopg 3 sends BEGIN, COMMIT, ROLLBACK, SAVEPOINT this way),
- ``S`` (Sync, which ends each extended-protocol statement: Parse/Bind/Execute),
- ``H`` (Flush, which pipeline mode sends when it needs a result before a Sync), unless a Sync is
  still unanswered when it is sent: the answers it asks for are on their way already (psycopg
  sends one after the last Sync of a pipeline).

The server's side is forwarded untouched. ``delay`` seconds are added to every chunk in each
direction (order kept, nothing throttled): the kernel here has no netem. An SSLRequest or
GSSENCRequest is answered "N" by the proxy itself, so the client speaks plain protocol it can read
(the server behind it may well offer TLS).

The proxy runs its own asyncio loop in a daemon thread; ``with WireProxy(host, port) as proxy:``
then connect to ``proxy.port``. ``proxy.counting()`` gives the messages of one user action."""

from __future__ import annotations

import asyncio
import contextlib
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104
_CANCEL_REQUEST = 80877102
WAITS = ("Q", "S", "H")


@dataclass
class Tally:
    """What the client sent while counting: frontend messages by type, statements' texts, new
    connections (each one a startup and a password exchange)."""

    messages: Counter = field(default_factory=Counter)
    statements: list[str] = field(default_factory=list)
    connections: int = 0

    @property
    def round_trips(self) -> int:
        return sum(self.messages[t] for t in WAITS)

    @property
    def prepares(self) -> int:
        """Round trips that only prepared a statement (a named Parse and its Sync): psycopg's, once
        per statement and connection, the second time it runs there (db.PREPARE_THRESHOLD)."""
        return self.messages["prepare"]

    @property
    def statements_sent(self) -> int:
        """Statements as the server runs (and ``log_statement = all`` logs) them: each Execute of the
        extended protocol, each simple query (BEGIN, COMMIT …)."""
        return self.messages["E"] + self.messages["Q"]

    def describe(self) -> str:
        lines = [f"{self.statements_sent} statements in {self.round_trips} round trips, {self.prepares} of them "
                 f"preparing ({dict(self.messages)}), "
                 f"{self.connections} new connections"]
        lines += [f"  {s[:200]}" for s in self.statements]
        return "\n".join(lines)


class _Server:
    """Counts the server's ReadyForQuery ('Z') messages as they reach the client: a Sync is
    answered once the client has its 'Z'."""

    def __init__(self, proxy: WireProxy) -> None:
        self.proxy = proxy
        self.buffer = b""

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= 5:
            (length,) = struct.unpack("!i", self.buffer[1:5])
            if len(self.buffer) < 1 + length:
                return
            if self.buffer[0:1] == b"Z":
                self.proxy._answered()
            self.buffer = self.buffer[1 + length:]


class _Client:
    """One client connection's parser of frontend messages."""

    def __init__(self, proxy: WireProxy) -> None:
        self.proxy = proxy
        self.buffer = b""
        self.started = False

    def feed(self, data: bytes) -> bytes:
        """Count the complete messages in ``data``; returns what the proxy answers itself (SSL "N")."""
        self.buffer += data
        answer = b""
        while True:
            if not self.started:
                if len(self.buffer) < 8:
                    return answer
                length, code = struct.unpack("!ii", self.buffer[:8])
                if len(self.buffer) < length:
                    return answer
                self.buffer = self.buffer[length:]
                if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                    answer += b"N"
                    continue
                if code != _CANCEL_REQUEST:
                    self.started = True
                    self.proxy._note_connection()
                continue
            if len(self.buffer) < 5:
                return answer
            kind = chr(self.buffer[0])
            (length,) = struct.unpack("!i", self.buffer[1:5])
            if len(self.buffer) < 1 + length:
                return answer
            body = self.buffer[5:1 + length]
            self.buffer = self.buffer[1 + length:]
            self.proxy._note(kind, body)


class WireProxy:
    def __init__(self, upstream_host: str, upstream_port: int, *, delay: float = 0.0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.delay = delay
        self.port = 0
        self.tally = Tally()
        self._lock = threading.Lock()
        self._unanswered = 0  # Syncs and Queries sent whose ReadyForQuery the client has not had yet
        self._segment: list[str] = []  # messages since the last Sync ("p": a named Parse)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="wire-proxy")
        self._server: asyncio.base_events.Server | None = None

    # --- counting ------------------------------------------------------------------------------

    def _note_connection(self) -> None:
        with self._lock:
            self.tally.connections += 1

    def _answered(self) -> None:
        with self._lock:
            self._unanswered = max(0, self._unanswered - 1)

    def _note(self, kind: str, body: bytes) -> None:
        with self._lock:
            if kind in ("S", "Q"):
                self._unanswered += 1
            if kind == "H" and self._unanswered:
                kind = "h"  # a flush behind an unanswered Sync: no wait of its own
            self.tally.messages[kind] += 1
            if kind == "S":
                if self._segment == ["p"]:
                    self.tally.messages["prepare"] += 1
                self._segment = []
            elif kind == "P":
                self._segment.append("p" if body[:1] != b"\0" else "P")
            else:
                self._segment.append(kind)
            if kind == "Q":
                self.tally.statements.append(body.rstrip(b"\0").decode("utf-8", "replace"))
            elif kind == "P":  # Parse: name \0 query \0 ...
                _name, _, rest = body.partition(b"\0")
                self.tally.statements.append(rest.partition(b"\0")[0].decode("utf-8", "replace"))
            elif kind in ("S", "H"):  # where the client waits, between the statements
                self.tally.statements.append(f"-- {'Sync' if kind == 'S' else 'Flush'}")

    def reset(self) -> Tally:
        with self._lock:
            old, self.tally = self.tally, Tally()
        return old

    @contextlib.contextmanager
    def counting(self):
        """``with proxy.counting() as tally:`` — the messages sent inside the block."""
        self.reset()
        result = Tally()
        try:
            yield result
        finally:
            done = self.reset()
            result.messages, result.statements, result.connections = done.messages, done.statements, done.connections

    # --- the proxy itself -----------------------------------------------------------------------

    def __enter__(self) -> WireProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = future.result(10)
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
                task.cancel()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.close()
            return
        parser, answers = _Client(self), _Server(self)
        to_server: asyncio.Queue = asyncio.Queue()
        to_client: asyncio.Queue = asyncio.Queue()

        async def read_client() -> None:
            while data := await client_r.read(65536):
                answer = parser.feed(data)
                if answer:  # our own "N" to an SSL request: not forwarded, not parsed
                    client_w.write(answer)
                    continue
                to_server.put_nowait((time.monotonic() + self.delay, data))
            to_server.put_nowait(None)

        async def read_server() -> None:
            while data := await server_r.read(65536):
                to_client.put_nowait((time.monotonic() + self.delay, data))
            to_client.put_nowait(None)

        async def send(queue: asyncio.Queue, writer: asyncio.StreamWriter, parse=None) -> None:
            while (item := await queue.get()) is not None:
                due, data = item
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if parse is not None:
                    parse(data)
                writer.write(data)
                await writer.drain()
            writer.close()

        tasks = [asyncio.create_task(c) for c in (read_client(), read_server(), send(to_server, server_w),
                                                  send(to_client, client_w, answers.feed))]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        except asyncio.CancelledError:
            pass
        finally:
            for task in tasks:
                task.cancel()
            for writer in (client_w, server_w):
                with contextlib.suppress(Exception):
                    writer.close()


class ProxyProcess:
    """A ``WireProxy`` in a process of its own, driven through its stdin (the slow-link benchmark
    times through it: the proxy's work then takes no time from the timed client's process).
    ``port``, ``delay`` (settable) and ``counting()`` as on ``WireProxy``; the tally gives round
    trips, statements and new connections."""

    def __init__(self, host: str, port: int, *, delay: float = 0.0) -> None:
        import subprocess
        import sys
        from pathlib import Path

        self._proc = subprocess.Popen([sys.executable, "-m", "tests.pg_wire_proxy", host, str(port), str(delay)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                      cwd=Path(__file__).resolve().parents[1])
        self.port = int(self._proc.stdout.readline())
        self._delay = delay

    def _ask(self, command: str) -> str:
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        return self._proc.stdout.readline().strip()

    @property
    def delay(self) -> float:
        return self._delay

    @delay.setter
    def delay(self, value: float) -> None:
        self._delay = value
        self._ask(f"delay {value}")

    @contextlib.contextmanager
    def counting(self):
        self._ask("reset")
        result = Tally()
        try:
            yield result
        finally:
            trips, connections, statements = map(int, self._ask("count").split())
            result.messages["S"], result.messages["E"], result.connections = trips, statements, connections

    def close(self) -> None:
        self._proc.stdin.close()
        self._proc.wait(10)

    def __enter__(self) -> ProxyProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.pg_wire_proxy HOST PORT DELAY``: serve in this process, print the port, then
    answer commands on stdin (``delay SECONDS``, ``reset``, ``count`` → "round_trips connections
    statements")
    until stdin closes."""
    import sys

    host, port, delay = (argv or sys.argv[1:])[:3]
    with WireProxy(host, int(port), delay=float(delay)) as proxy:
        print(proxy.port, flush=True)
        for line in sys.stdin:
            command, _, value = line.strip().partition(" ")
            if command == "delay":
                proxy.delay = float(value)
                print("ok", flush=True)
            elif command == "reset":
                proxy.reset()
                print("ok", flush=True)
            elif command == "count":
                tally = proxy.reset()
                print(tally.round_trips, tally.connections, tally.statements_sent, flush=True)


if __name__ == "__main__":
    main()
