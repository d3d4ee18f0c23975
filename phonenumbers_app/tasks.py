"""Background work of phone numbers: /ops/'s large bulk actions, a chunk per task, and
the dashboard's counts, taken ahead of the views that show them.

A chunk's ids travel in its message (the selection frozen when the operator confirmed);
each number goes through its action's service (services/bulk.py). Safe to run twice: a
number already changed is skipped by the action's rule or left alone by its service, and
the run counts each chunk once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from celery import Task, shared_task
from django.conf import settings

from config.celery import app as celery_app
from core.tasks import RETRY_ON_DATABASE_ERRORS
from phonenumbers_app import selectors
from phonenumbers_app.models import BulkActionRun
from phonenumbers_app.services import bulk

RETRY = RETRY_ON_DATABASE_ERRORS


class BulkChunkTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Out of retries: the run's page says so; the task result keeps the trace.
        bulk.bulk_run_fail(run_id=uuid.UUID(str(args[0])), error=f"{type(exc).__name__}: {exc}")


@shared_task(
    name="phonenumbers_app.bulk_action_chunk",
    base=BulkChunkTask,
    bind=True,
    ignore_result=True,
    store_errors_even_if_ignored=True,
    **RETRY,
)
def bulk_action_chunk(self, run_id: str, index: int, ids: list[str]) -> None:
    bulk.bulk_run_chunk(run_id=uuid.UUID(run_id), index=index, ids=[uuid.UUID(i) for i in ids])


def bulk_action_send(run: BulkActionRun, ids: Sequence[uuid.UUID]) -> None:
    """Send the run's chunks to the workers, on one broker connection (a selection of
    100,000 numbers is 200 messages). The broker and queue are read when sending, so a
    test can point them at its worker (tests/celery_worker.py)."""
    queue = celery_app.conf.task_default_queue
    with celery_app.connection_for_write() as connection:
        for index, chunk in enumerate(bulk.bulk_chunks(ids)):
            bulk_action_chunk.apply_async(
                (str(run.pk), index, [str(id) for id in chunk]),
                queue=queue,
                connection=connection,
            )


@shared_task(name="phonenumbers.refresh_dashboard_counts")
def refresh_dashboard_counts() -> str:
    """Count the dashboard's charts now (selectors.refresh_dashboard_counts), kept until
    the run after next: a late or lost run leaves the last counts up, not a counting view."""
    _, as_of = selectors.refresh_dashboard_counts(
        max_age=max(selectors.DASHBOARD_COUNTS_MAX_AGE, 2 * settings.DASHBOARD_REFRESH_SECONDS)
    )
    return as_of.isoformat()
