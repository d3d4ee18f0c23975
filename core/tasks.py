"""Background tasks of the infrastructure itself."""

from celery import shared_task


@shared_task(name="core.tasks.ping")
def ping() -> str:
    """Answers "pong": proves that a worker takes tasks from the broker and stores results."""
    return "pong"
