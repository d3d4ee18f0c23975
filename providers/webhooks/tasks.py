"""Celery tasks of the inbound webhooks: draining the stored events, one event's
processing, and the sweep of events whose task was lost.

The view does not send a task per event (a broker round trip and a task's overhead per
webhook would cap both the intake and the worker): it sends one drain when none is
pending (a key in the shared cache says so), and the drain processes every waiting
event, oldest first, in one task. The drain clears the key before it looks for events,
so an event stored after it looked sends a new drain, and none waits for the sweep.
"""

from __future__ import annotations

import logging
from functools import cache as once

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from core.tasks import RETRY_ON_DATABASE_ERRORS

__all__ = ["event_process_later", "process_event", "process_pending", "sweep_events"]

DRAIN_PENDING = "webhooks:drain-pending"
# A drain lost with its key set delays the next one by this much at most (the sweep
# catches its events anyway).
DRAIN_KEY_SECONDS = 30
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

    _drain_flag_clear()
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
    try:
        if _drain_flag_set():
            process_pending.apply_async(ignore_result=True)
    except Exception as error:
        logger.warning("Could not queue webhook event %s (%s)", event_id, type(error).__name__)


# The flag is one SET NX per webhook. With Redis (production), this process's own client
# does it: Django's cache builds a new client object per call, which costs a webhook a
# third of its CPU time. Without Redis, the cache (the database) holds the flag.
@once
def _redis():
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=0.25, socket_connect_timeout=0.25
    )


def _drain_flag_set() -> bool:
    """Raise the "a drain is pending" flag; whether this caller raised it."""
    if settings.REDIS_URL:
        return bool(_redis().set(DRAIN_PENDING, 1, nx=True, ex=DRAIN_KEY_SECONDS))
    return cache.add(DRAIN_PENDING, 1, timeout=DRAIN_KEY_SECONDS)


def _drain_flag_clear() -> None:
    if settings.REDIS_URL:
        _redis().delete(DRAIN_PENDING)
    else:
        cache.delete(DRAIN_PENDING)


def drain_flag_is_set() -> bool:
    if settings.REDIS_URL:
        return bool(_redis().exists(DRAIN_PENDING))
    return cache.get(DRAIN_PENDING) is not None
