"""Celery task metrics, and the worker's own metrics port.

Connected by config/celery.py, so every process that runs tasks counts them. With
CELERY_METRICS_PORT set, a worker's main process serves its metrics at
http://CELERY_METRICS_ADDR:CELERY_METRICS_PORT/ once it is ready. Under the prefork pool
the tasks run in child processes: the worker then needs PROMETHEUS_MULTIPROC_DIR (a
directory of its own, emptied before it starts) for the children to write to and the
main process to read from. Beat runs no task and serves nothing.
"""

from __future__ import annotations

import logging
import time

from celery import signals
from django.conf import settings
from prometheus_client import start_http_server

from core.metrics import CELERY_TASK_SECONDS, CELERY_TASKS
from core.metrics.exposition import multiprocess_directory, registry

logger = logging.getLogger(__name__)

# Start times of the runs in progress in this process, by task id (a prefork child runs
# one at a time; a threads pool several).
_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_started(task_id: str | None = None, **kwargs: object) -> None:
    if task_id is not None:
        _started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_ended(
    task_id: str | None = None, task=None, state: str | None = None, **kwargs: object
) -> None:
    started = _started.pop(task_id, None) if task_id is not None else None
    name = getattr(task, "name", None) or "unknown"
    CELERY_TASKS.labels(name, state or "UNKNOWN").inc()
    if started is not None:
        CELERY_TASK_SECONDS.labels(name).observe(time.perf_counter() - started)


@signals.worker_ready.connect
def _serve_worker_metrics(**kwargs: object) -> None:
    """Open the worker's metrics port (its main process; the pool is running by now)."""
    port = settings.CELERY_METRICS_PORT
    if not port:
        return
    address = settings.CELERY_METRICS_ADDR
    try:
        start_http_server(port, addr=address, registry=registry())
    except OSError as error:
        # The worker still runs its tasks; the missing target shows in Prometheus.
        logger.error("Worker metrics not served on %s:%s: %s", address, port, error)
        return
    mode = "all pool processes" if multiprocess_directory() else "this process"
    logger.info("Worker metrics on http://%s:%s/metrics (%s)", address, port, mode)
