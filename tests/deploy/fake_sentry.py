"""A stand-in for Sentry's ingest server (outside our system): records what the SDK sends.

The real sentry_sdk client posts envelopes to http://<key>@127.0.0.1:<port>/<project>;
this server answers 200 and keeps each envelope's items, so a test reads exactly the
bytes that would have left the process.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSentry:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._lock = threading.Lock()
        self.envelopes: list[str] = []

    @property
    def dsn(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://public-key@{host}:{port}/1"

    def record(self, body: bytes) -> None:
        with self._lock:
            self.envelopes.append(body.decode("utf-8", errors="replace"))

    def items(self, kind: str) -> list[dict]:
        """The payloads of every item of that type ("event", "transaction", ...) so far."""
        with self._lock:
            envelopes = list(self.envelopes)
        found = []
        for envelope in envelopes:
            lines = envelope.split("\n")
            # Line 0: the envelope's header; then each item's header and its payload.
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if header.strip() and json.loads(header).get("type") == kind:
                    found.append(json.loads(payload))
        return found

    def wait_for_event(self, timeout: float = 10.0) -> dict:
        """The first event that reports an exception (log lines at ERROR are events too)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events = [event for event in self.items("event") if "exception" in event]
            if events:
                return events[0]
            time.sleep(0.05)
        raise AssertionError(f"no exception reached the fake Sentry within {timeout:g} s")

    def everything_sent(self) -> str:
        with self._lock:
            return "\n".join(self.envelopes)


@contextmanager
def fake_sentry(port: int) -> Iterator[FakeSentry]:
    """A FakeSentry listening on 127.0.0.1:`port` for the block's duration."""
    holder: list[FakeSentry] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            holder[0].record(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    holder.append(FakeSentry(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
