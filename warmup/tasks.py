"""The warmup engine's Celery tasks (beat's schedule is in settings: CELERY_BEAT_SCHEDULE).

Idempotent and safe on several workers: a chunk run twice decides nothing new
(warmup/engine.py), and its rows are locked with SKIP LOCKED while it runs.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from celery import Task, shared_task
from django.utils import timezone

from core.metrics import WARMUP_RUNS
from core.tasks import RETRY_ON_DATABASE_ERRORS
from warmup import engine
from warmup.models import EngineRun

# A run still "running" after this long lost its worker; a new tick may start.
STALE_RUN = timedelta(minutes=30)
RETRY = RETRY_ON_DATABASE_ERRORS


class ChunkTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Out of retries: the run says so on the dashboard; the task result keeps the trace.
        engine.fail_run(uuid.UUID(str(args[0])), f"{type(exc).__name__}: {exc}")


@shared_task(name="warmup.tick", ignore_result=False)
def tick() -> str:
    """Start a pass: one evaluate_chunk task per chunk of numbers."""
    now = timezone.now()
    lost = EngineRun.objects.filter(
        status=EngineRun.Status.RUNNING, started_at__lt=now - STALE_RUN
    ).update(status=EngineRun.Status.FAILED, finished_at=now, error="Lost: never finished.")
    if lost:
        WARMUP_RUNS.labels("failed").inc(lost)
    if EngineRun.objects.filter(status=EngineRun.Status.RUNNING).exists():
        return "skipped: the previous pass is still running"
    since = engine.previous_pass_started()
    run = engine.start_run(trigger="beat", now=now)
    chunks = list(engine.chunks())
    EngineRun.objects.filter(pk=run.pk).update(chunks_total=len(chunks))
    for chunk in chunks:
        evaluate_chunk.delay(
            str(run.pk),
            str(chunk.after) if chunk.after else None,
            str(chunk.upto) if chunk.upto else None,
            since.isoformat() if since else None,
        )
    return f"run {run.pk}: {len(chunks)} chunks"


# A pass is hundreds of chunks: their counts go to the EngineRun, so only a failure (with
# its traceback) is stored as a task result.
@shared_task(
    name="warmup.evaluate_chunk",
    base=ChunkTask,
    bind=True,
    ignore_result=True,
    store_errors_even_if_ignored=True,
    **RETRY,
)
def evaluate_chunk(
    self, run_id: str, after: str | None, upto: str | None, since: str | None = None
) -> dict:
    chunk = engine.Chunk(uuid.UUID(after) if after else None, uuid.UUID(upto) if upto else None)
    counts = engine.evaluate_chunk(chunk, since=datetime.fromisoformat(since) if since else None)
    engine.record_chunk(uuid.UUID(run_id), counts)
    return dict(counts)


@shared_task(name="warmup.purge_outcomes", **RETRY)
def purge_outcomes() -> dict:
    from warmup.services.outcomes import outcomes_purge

    return outcomes_purge(now=timezone.now())


@shared_task(name="warmup.demo_traffic")
def demo_traffic() -> dict:
    from warmup.demo import simulate_traffic

    return simulate_traffic(now=timezone.now())
