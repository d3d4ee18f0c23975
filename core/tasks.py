"""Background tasks of the infrastructure itself, and the retry policy tasks share."""

from celery import shared_task
from django.db import DatabaseError

# A task that hit the database while it was down or failing over tries again, backing
# off up to a minute, five times (the warmup engine's chunks, bulk actions' chunks).
RETRY_ON_DATABASE_ERRORS = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="core.tasks.ping")
def ping() -> str:
    """Answers "pong": proves that a worker takes tasks from the broker and stores results."""
    return "pong"
