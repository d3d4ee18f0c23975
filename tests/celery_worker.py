"""A real Celery worker in a subprocess, on Redis and on the test's PostgreSQL database.

For tests marked `postgres` and `@pytest.mark.django_db(transaction=True)`: the worker
is another process with its own connections, so it sees only what the test commits, and
the test sees the result rows it commits. Use the `celery_worker` fixture (one worker),
or `running_worker()` for several at once or other options:

    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)
    def test_something(celery_worker):
        assert celery_worker.send(ping).get(timeout=30) == "pong"

Each worker listens on a queue of its own (and tasks are sent there, as are the tasks
its tasks send: its default queue is that one), so workers of other test runs on the
same Redis never take this test's tasks. Skips when Redis is not
reachable. Broker: CELERY_TEST_BROKER_URL, default redis://127.0.0.1:6379/10.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
import redis
from celery import Task
from celery.result import AsyncResult
from django.db import connection

from config import celery_app
from tests.log_secrets import LOG_DIR
from tests.subprocesses import PROJECT_ROOT

BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/10")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


@dataclass
class Worker:
    """A running worker: where to send its tasks, and what it has printed."""

    hostname: str
    queue: str
    broker_url: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def send(self, task: Task | str, *args: object, **kwargs: object) -> AsyncResult:
        """Send `task` (a task, or a task's name: no argument check before sending) to
        this worker through the broker."""
        with celery_app.connection_for_write(self.broker_url) as broker:
            if isinstance(task, str):
                return celery_app.send_task(task, args, kwargs, queue=self.queue, connection=broker)
            return task.apply_async(args, kwargs, queue=self.queue, connection=broker)

    def output(self) -> str:
        return "\n".join(self.lines)


def broker_or_skip(url: str = BROKER_URL) -> str:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {url}")
    return url


def database_url_of_this_test() -> str:
    """The URL of the database this test runs on (pytest-django's test_ database)."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker in another process needs the test database on PostgreSQL")
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        credentials += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextlib.contextmanager
def running_worker(
    *, concurrency: int = 1, pool: str = "prefork", env: dict[str, str] | None = None
) -> Iterator[Worker]:
    """Start a worker (production's prefork pool by default), wait until it is ready to
    take tasks, and at the end stop it (warm shutdown: it finishes what it runs).
    `env`: more environment for the worker (e.g. SIMULATED_PROVIDER_WEBHOOK_URL)."""
    broker_url = broker_or_skip()
    name = f"test-{uuid.uuid4().hex[:12]}"
    hostname = f"{name}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_of_this_test(),
        "CELERY_BROKER_URL": broker_url,
        # What its tasks send (warmup.tick's chunks) stays on its queue.
        "CELERY_TEST_QUEUE": name,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO"]
    command += [f"--pool={pool}", f"--concurrency={concurrency}"]
    command += [f"--hostname={hostname}", f"--queues={name}"]
    # Alone on its queue: no need to sync with or watch other workers.
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its pool's processes stop with it (one process group)
    )
    worker = Worker(hostname=hostname, queue=name, broker_url=broker_url, process=process)
    new_lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read, args=(process, new_lines), daemon=True).start()
    try:
        _wait_until_ready(worker, new_lines)
        yield worker
    finally:
        _stop(worker)
        _drain(worker, new_lines)
        _forget_queue(worker)
        _keep_output(worker)


def _read(process: subprocess.Popen[str], new_lines: queue.Queue[str | None]) -> None:
    for line in process.stdout:
        new_lines.put(line.rstrip("\n"))
    new_lines.put(None)


def _wait_until_ready(worker: Worker, new_lines: queue.Queue[str | None]) -> None:
    ready = re.compile(rf"{re.escape(worker.hostname)} ready\.")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = new_lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:
            pytest.fail(f"the Celery worker exited before it was ready:\n{worker.output()}")
        worker.lines.append(line)
        if ready.search(line):
            return
    pytest.fail(f"the Celery worker was not ready in {START_TIMEOUT:g} s:\n{worker.output()}")


def _stop(worker: Worker) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.process.pid, signal.SIGTERM)
    try:
        worker.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait()


def _keep_output(worker: Worker) -> None:
    """Beside the run's log, searched for secrets with it at the end (tests/log_secrets.py)."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    (LOG_DIR / f"worker-{worker.queue}.log").write_text(worker.output() + "\n", encoding="utf-8")


def _forget_queue(worker: Worker) -> None:
    """The queue and its bindings outlive the worker in Redis: one set of keys per test."""
    keys = [worker.queue, f"_kombu.binding.{worker.queue}"]
    keys.append(f"_kombu.binding_permanent.{worker.queue}")
    redis.Redis.from_url(worker.broker_url).delete(*keys)


def _drain(worker: Worker, new_lines: queue.Queue[str | None]) -> None:
    with contextlib.suppress(queue.Empty):
        while (line := new_lines.get(timeout=5)) is not None:
            worker.lines.append(line)


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[Worker]:
    """One worker for the test (stopped before the test's database is flushed)."""
    with running_worker() as worker:
        yield worker
