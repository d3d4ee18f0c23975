"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 that verifies every
request's signature with the `standardwebhooks` library and records it.

    with Receiver(secret) as receiver:             # or the `receiver` fixture
        receiver.answers = [500, 500, 500, 200]    # then 200 for the rest
        ... deliver ...
        assert receiver.received[0].payload["type"] == "phone_number.created"

Every request is also checked against the published catalog (/asyncapi.json,
tests/webhooks/catalog_check.py): a mismatch is kept on it (`catalog_error`) and fails
the test when the receiver stops (set `check_catalog = False` to send it other things).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.webhooks import catalog_check


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int
    error: str = ""
    catalog_error: str = ""

    @property
    def payload(self) -> Any:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class Receiver:
    def __init__(self, secret: str | None = None, *, delay: float = 0.0) -> None:
        self.secrets = [secret] if secret else []
        self.answers: list[int] = []
        self.delay = delay
        # Sent as the Location of a 3xx answer (to check that redirects are not followed).
        self.location: str | None = None
        self.check_catalog = True
        catalog_check.event_types()  # the catalog built here, not in a request's thread
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                verified, error = receiver._verify(body, headers)
                off_catalog = (
                    catalog_check.body_errors(body, headers) if receiver.check_catalog else ""
                )
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver._lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.received.append(
                        Received(headers, body, verified, status, error, off_catalog)
                    )
                self.send_response(status)
                self.send_header("content-type", "text/plain")
                if receiver.location and 300 <= status < 400:
                    self.send_header("location", receiver.location)
                self.end_headers()
                self.wfile.write(f"answered {status}".encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def _verify(self, body: bytes, headers: dict[str, str]) -> tuple[bool, str]:
        if not self.secrets:
            return False, "no secret to verify with"
        errors = []
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                return True, ""
            except WebhookVerificationError as error:
                errors.append(str(error))
        return False, "; ".join(errors)

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        off_catalog = [r for r in self.received if r.catalog_error]
        if off_catalog and exc_type is None:
            raise AssertionError(
                "Delivered webhooks that do not match /asyncapi.json:\n"
                + "\n".join(
                    f"{r.headers.get('webhook-id')}: {r.catalog_error}" for r in off_catalog
                )
            )

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)
