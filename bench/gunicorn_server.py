"""Starting gunicorn for a benchmark and waiting until it answers /healthz."""

from __future__ import annotations

import http.client
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def gunicorn_started(
    *,
    port: int,
    workers: int,
    env: dict,
    application: str = "config.wsgi",
    options: Sequence[str] = (),
    tries: int = 100,
) -> subprocess.Popen:
    """gunicorn serving `application` on 127.0.0.1:`port`, once /healthz answers 200
    (checked every 0.2 s, `tries` times; then it is killed and the benchmark stops)."""
    server = subprocess.Popen(
        [
            *(str(ROOT / ".venv/bin/gunicorn"), application, "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(workers), "--log-level", "warning", "--timeout", "60"),
            *options,
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(tries):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")
