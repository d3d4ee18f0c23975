"""Celery tasks of the inbound webhooks: draining the stored events, one event's
processing, and the sweep of events whose task was lost.

The view does not send a task per event (a broker round trip and a task's overhead per
webhook would cap both the intake and the worker): it sends one drain when none is
pending (core/wakeups.py), and the drain processes every waiting event, oldest first,
in one task.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError

from core.tasks import RETRY_ON_DATABASE_ERRORS
from core.wakeups import Wakeup

__all__ = ["event_process_later", "process_event", "process_pending", "sweep_events"]

DRAIN_PENDING = "webhooks:drain-pending"
# A drain lost with its key set delays the next one by this much at most (the sweep
# catches its events anyway).
DRAIN = Wakeup(DRAIN_PENDING, seconds=30)
# Events per transaction: one commit for them all, row locks held no longer than that.
DRAIN_BATCH = 50

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


@shared_task(name="providers.process_pending", **RETRY_ON_DATABASE_ERRORS)
def process_pending() -> int:
    """Process every event waiting, oldest first; returns how many. Several drains at
    once share the work (an event another one holds is skipped)."""
    from providers.models import ProviderEvent
    from providers.webhooks.processing import events_process

    DRAIN.clear()
    waiting = ProviderEvent.objects.filter(status=ProviderEvent.Status.RECEIVED).order_by(
        "received_at"
    )
    done = 0
    while True:
        ids = list(waiting.values_list("pk", flat=True)[:DRAIN_BATCH])
        progressed = len(events_process(ids))
        done += progressed
        if len(ids) < DRAIN_BATCH or not progressed:
            return done


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
    """Have a worker process the stored event: send a drain unless one is pending. A
    broker or cache that is down loses nothing (the sweep finds the event), so the
    webhook is still answered 200."""
    DRAIN.request(
        lambda: process_pending.apply_async(ignore_result=True), what=f"webhook event {event_id}"
    )


def drain_flag_is_set() -> bool:
    return DRAIN.is_set()
