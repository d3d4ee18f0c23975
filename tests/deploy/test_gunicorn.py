"""The checked-in gunicorn.conf.py: the web process as production runs it."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.metrics import samples
from tests.subprocesses import PROJECT_ROOT

PORT = 8732
HOST = "inventory.example.com"
GUNICORN = Path(sys.executable).with_name("gunicorn")


def minimal_production_env(tmp_path: Path) -> dict[str, str]:
    """Only what production requires, nothing inherited from the shell running the tests."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLOWED_HOSTS": HOST,
    }


def get_text(path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
    try:
        # The probe names the site: ALLOWED_HOSTS refuses the instance's bare address.
        connection.request("GET", path, headers={"Host": HOST})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def get(path: str) -> tuple[int, dict]:
    status, body = get_text(path)
    return status, json.loads(body)


def healthz_requests_counted() -> float:
    """What /metrics says all the workers together answered on /healthz."""
    status, exposition = get_text("/metrics")
    assert status == 200, exposition
    return sum(
        value
        for (name, labels), value in samples(exposition).items()
        if name == "inventory_http_request_duration_seconds_count"
        and "healthz" in dict(labels).get("route", "")
    )


def read_so_far(server: subprocess.Popen) -> str:
    """gunicorn's stderr up to now (kept on `server.log`), without waiting for its end."""
    chosen = selectors.DefaultSelector()
    chosen.register(server.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "Booting worker" not in server.log:
        if chosen.select(timeout=0.2):
            server.log += os.read(server.stderr.fileno(), 65536).decode()
    return server.log


def came_true_within(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def wait_until_answering(server: subprocess.Popen, tries: int = 150) -> None:
    for _ in range(tries):
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited at start:\n{server.stderr.read()}")
        try:
            get("/healthz")
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer /healthz")


def test_the_config_reads_its_defaults_and_the_environment(tmp_path):
    code = (
        "import json, runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(json.dumps({k: c[k] for k in ('bind', 'workers', 'threads', 'timeout', "
        "'graceful_timeout', 'max_requests', 'accesslog', 'errorlog', 'forwarded_allow_ips', "
        "'preload_app', 'PROMETHEUS_MULTIPROC_DIR')}))"
    )
    env = {"PATH": os.environ.get("PATH", "")}

    def load(**more: str) -> dict:
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=PROJECT_ROOT,
            env={**env, **more},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    defaults = load()
    configured = load(
        PORT="9000",
        WEB_CONCURRENCY="3",
        GUNICORN_THREADS="4",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
    )

    assert defaults["bind"] == ["0.0.0.0:8000"]
    assert defaults["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert defaults["threads"] == 1
    assert defaults["accesslog"] is None  # the app logs each request itself
    assert defaults["errorlog"] == "-"
    assert defaults["forwarded_allow_ips"] == ""  # Django decides (SECURE_PROXY_SSL_HEADER)
    assert defaults["preload_app"] is False
    assert defaults["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/inventory-prometheus-")
    assert configured["bind"] == ["0.0.0.0:9000"]
    assert (configured["workers"], configured["threads"]) == (3, 4)
    assert configured["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path)
    os.rmdir(defaults["PROMETHEUS_MULTIPROC_DIR"])


def test_gunicorn_serves_the_probes_under_production_settings_and_stops_on_sigterm(tmp_path):
    env = minimal_production_env(tmp_path)
    created = subprocess.run(
        [sys.executable, "manage.py", "createcachetable"],
        cwd=PROJECT_ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"a previous run's")

    server = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=PROJECT_ROOT,
        # config.wsgi chooses the production settings itself.
        env={
            **env,
            "PORT": str(PORT),
            "WEB_CONCURRENCY": "2",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    server.log = ""
    try:
        wait_until_answering(server)
        liveness = get("/healthz")
        readiness = get("/readyz")
        stale_files_left = (metrics_dir / "counter_99999.db").exists()
        for _ in range(6):
            get("/healthz")
        counted_before = healthz_requests_counted()
        # A worker killed outright: its live gauges' file must go (child_exit), else
        # /metrics would go on adding up a dead process's values.
        worker_pid = int(re.search(r"Booting worker with pid: (\d+)", read_so_far(server))[1])
        dead_gauge = metrics_dir / f"gauge_livesum_{worker_pid}.db"
        dead_gauge.write_bytes(b"")
        os.kill(worker_pid, signal.SIGKILL)
        dead_gauge_removed = came_true_within(lambda: not dead_gauge.exists())
        wait_until_answering(server)
        # The dead worker's requests still count: only its live gauges went.
        counted_after = healthz_requests_counted()
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=40)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    log = server.log + server.stderr.read()

    assert liveness == (200, {"status": "ok"})
    assert readiness[0] == 200, readiness
    assert readiness[1]["checks"] == {"database": "ok", "cache": "ok"}
    assert not stale_files_left
    # Both workers' requests, summed from their files (the test's own 7 at least).
    assert counted_before >= 7
    assert counted_after >= counted_before
    assert dead_gauge_removed
    assert code == 0, log
    assert log.count("Booting worker") == 3  # two, and the killed one's replacement
    assert "Shutting down: Master" in log
    assert "Traceback" not in log
    # gunicorn's own lines and the application's alike: nothing but JSON objects, one a
    # line, for the log collector (and proof the workers run the production settings,
    # whose LOG_FORMAT that is).
    lines = [line for line in log.splitlines() if line.strip()]
    assert lines and all(json.loads(line)["event"] for line in lines), log
    assert {json.loads(line)["logger"] for line in lines} >= {"gunicorn.error"}
