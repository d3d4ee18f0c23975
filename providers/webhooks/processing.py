"""Processing a stored event: lock it, hand it to its dialect's handler, mark it.

Idempotent and safe on several workers at once: the row is locked (SKIP LOCKED on
PostgreSQL, so a second worker passes over it) and only an event still `received` is
processed. The handler runs in a savepoint: if it raises, what it wrote is undone and
the event is marked failed with the error (a bad payload does not get better by
retrying). Database errors are left to the task, which retries.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from providers.models import ProviderEvent
from providers.webhooks import telnyx_events, twilio_events
from providers.webhooks.outcome import Handled

logger = logging.getLogger(__name__)

DIALECTS = {
    "telnyx": telnyx_events.handle,
    "simulated": telnyx_events.handle,
    "twilio": twilio_events.handle,
}
# An event still `received` this long after it came in lost its task (the sweep).
LOST_AFTER = timedelta(minutes=1)
SWEEP_BATCH = 500
Status = ProviderEvent.Status


def _locked(event_id) -> ProviderEvent | None:
    rows = ProviderEvent.objects.filter(pk=event_id, status=Status.RECEIVED)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    else:
        rows = rows.select_for_update()
    return rows.first()


def event_process(event_id) -> str | None:
    """Process one stored event; its new status, or None when it was not waiting (done
    already, or being processed by another worker)."""
    with transaction.atomic():
        event = _locked(event_id)
        if event is None:
            return None
        event.attempts += 1
        try:
            with transaction.atomic():
                handled: Handled = DIALECTS[event.provider](event)
        except DatabaseError:
            raise  # the task retries; this transaction (and the attempt) rolls back
        except Exception as error:
            logger.warning(
                "A %s event %s (%s) failed: %s",
                event.provider,
                event.event_id,
                event.event_type,
                type(error).__name__,
            )
            event.status = Status.FAILED
            event.error = f"{type(error).__name__}: {error}"[:2000]
        else:
            event.status = Status.PROCESSED if handled.processed else Status.IGNORED
            event.error = handled.note[:2000]
            if handled.phone_number_id is not None:
                event.phone_number_id = handled.phone_number_id
        event.processed_at = timezone.now()
        event.save(update_fields=["status", "attempts", "error", "processed_at", "phone_number"])
        return event.status


def event_mark_failed(event_id, error: str) -> None:
    """Out of retries: the event is failed, with what went wrong last."""
    ProviderEvent.objects.filter(pk=event_id, status=Status.RECEIVED).update(
        status=Status.FAILED, error=error[:2000], processed_at=timezone.now()
    )


def event_retry(event: ProviderEvent) -> bool:
    """Put a failed event back to `received` (an operator's "process again")."""
    return bool(
        ProviderEvent.objects.filter(pk=event.pk, status=Status.FAILED).update(
            status=Status.RECEIVED, error="", processed_at=None
        )
    )


def events_lost(*, now=None, limit: int = SWEEP_BATCH) -> list:
    """Ids of events still `received` a while after they came in, oldest first."""
    cutoff = (now or timezone.now()) - LOST_AFTER
    return list(
        ProviderEvent.objects.filter(status=Status.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
