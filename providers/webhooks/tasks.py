"""Celery tasks of the inbound webhooks: one event's processing (sent by the view once
the event is stored), and the sweep of events whose task was lost."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError

from core.tasks import RETRY_ON_DATABASE_ERRORS

__all__ = ["event_process_later", "process_event", "sweep_events"]

logger = logging.getLogger(__name__)


@shared_task(name="providers.process_event", bind=True, **RETRY_ON_DATABASE_ERRORS)
def process_event(self, event_id: str) -> str | None:
    from providers.webhooks.processing import event_mark_failed, event_process

    try:
        return event_process(event_id)
    except DatabaseError as error:
        if self.request.retries >= self.max_retries:
            event_mark_failed(event_id, f"{type(error).__name__}: {error}")
        raise


@shared_task(name="providers.sweep_events")
def sweep_events() -> int:
    """Process the events still waiting a minute after they came in (their task was
    lost: a broker outage, a worker killed before acknowledging). Returns how many."""
    from providers.webhooks.processing import event_process, events_lost

    done = 0
    for event_id in events_lost():
        try:
            if event_process(event_id) is not None:
                done += 1
        except DatabaseError as error:  # the next sweep tries again
            logger.warning("Sweep could not process event %s: %s", event_id, error)
    return done


def event_process_later(event_id: str) -> None:
    """Send the event's processing to a worker; a broker that is down loses nothing
    (the sweep finds the event), so the webhook is still answered 200."""
    try:
        process_event.apply_async((event_id,), ignore_result=True)
    except Exception as error:
        logger.warning("Could not queue webhook event %s (%s)", event_id, type(error).__name__)
