"""A real Celery worker with CELERY_METRICS_PORT serves its task metrics on that port."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest

from core.tasks import ping
from tests.celery_worker import running_worker
from tests.metrics import sample, samples

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PORT = 8721  # this suite's range: 8721-8729
TASKS = "inventory_celery_tasks_total"


def scrape_until(url: str, ready, timeout: float = 20.0) -> dict:
    """The worker's exposition once `ready(parsed)` holds: a task's result can be read
    a moment before the worker has counted its end."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                parsed = samples(response.read().decode())
            if ready(parsed) or time.monotonic() > deadline:
                return parsed
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


@pytest.mark.parametrize("pool", ["prefork", "threads"])
def test_the_worker_serves_its_task_runs_by_state_and_their_durations(tmp_path, pool):
    env = {"CELERY_METRICS_PORT": str(PORT)}
    if pool == "prefork":  # the tasks run in child processes, which write here
        env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path)
    with running_worker(pool=pool, env=env) as worker:
        assert worker.send(ping).get(timeout=30) == "pong"
        with pytest.raises(TypeError):
            worker.send("core.tasks.ping", "unexpected").get(timeout=30)
        parsed = scrape_until(
            f"http://127.0.0.1:{PORT}/metrics",
            lambda p: sample(p, TASKS, task="core.tasks.ping", state="FAILURE") == 1,
        )

    assert sample(parsed, TASKS, task="core.tasks.ping", state="SUCCESS") == 1
    assert sample(parsed, TASKS, task="core.tasks.ping", state="FAILURE") == 1
    durations = "inventory_celery_task_duration_seconds_count"
    assert sample(parsed, durations, task="core.tasks.ping") == 2
    assert f"Worker metrics on http://127.0.0.1:{PORT}/metrics" in worker.output()


def test_without_a_port_the_worker_serves_nothing():
    with running_worker(pool="threads") as worker:
        assert worker.send(ping).get(timeout=30) == "pong"
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/metrics", timeout=2)
    assert "Worker metrics" not in worker.output()
