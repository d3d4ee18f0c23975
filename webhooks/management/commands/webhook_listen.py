"""A local receiver for trying webhooks: verifies each request's signature with the
`standardwebhooks` library and prints the event.

    python3 manage.py webhook_listen --port 9000 --secret whsec_...

Point an endpoint at http://127.0.0.1:9000/ (local targets are allowed under
`dev.py run`), change a number, and watch the events arrive. Without --secret it prints
what arrives unverified. Answers 200 to verified (or unverifiable) requests, 401 to a
bad signature, so you can also watch the retries of a refused delivery.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Command(BaseCommand):
    help = "Receive webhooks locally: verify their signatures and print them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=9000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--secret", help="the endpoint's whsec_… secret")

    def handle(self, *args, host: str, port: int, secret: str | None, **options) -> None:
        verifier = Webhook(secret) if secret else None
        out = self.stdout

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, verdict = 200, "not verified (no --secret)"
                if verifier:
                    try:
                        verifier.verify(body, headers)
                        verdict = "signature verified"
                    except WebhookVerificationError as error:
                        status, verdict = 401, f"REFUSED: {error}"
                try:
                    shown = json.dumps(json.loads(body), indent=2)
                except ValueError:
                    shown = body.decode("utf-8", "replace")
                out.write(f"{headers.get('webhook-id')} {verdict}, answered {status}\n{shown}\n")
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        out.write(f"Listening on http://{host}:{server.server_address[1]}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
