"""Processing a stored event: lock it, hand it to its dialect's handler, mark it.

Idempotent and safe on several workers at once: the row is locked (SKIP LOCKED on
PostgreSQL, so a second worker passes over it) and only an event still `received` is
processed. Events are processed in batches, one transaction (one commit) per batch,
each handler in a savepoint: if it raises, what it wrote is undone and the event is
marked failed with the error (a bad payload does not get better by retrying). A lost
connection or a database that is down is left to the task, which retries.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import InterfaceError, OperationalError, connection, transaction
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
SAVED_FIELDS = ["status", "attempts", "error", "processed_at", "phone_number"]


def _locked(event_ids) -> list[ProviderEvent]:
    rows = ProviderEvent.objects.filter(pk__in=event_ids, status=Status.RECEIVED).order_by(
        "received_at", "pk"
    )
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    else:
        rows = rows.select_for_update()
    return list(rows)


def _handle(event: ProviderEvent) -> None:
    """Run the event's handler in a savepoint and set its outcome on `event` (unsaved)."""
    event.attempts += 1
    try:
        with transaction.atomic():
            handled: Handled = DIALECTS[event.provider](event)
    except (OperationalError, InterfaceError):
        raise  # the database, not the event: the task retries the batch
    except Exception as error:
        # The savepoint undid the handler's writes (a constraint it broke included).
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


def events_process(event_ids) -> list[ProviderEvent]:
    """Process the waiting events among `event_ids` in one transaction (one commit for
    the batch, each event's handler in its own savepoint); returns those it processed.
    Events already done, or held by another worker, are left alone."""
    with transaction.atomic():
        events = _locked(event_ids)
        for event in events:
            _handle(event)
        if events:
            ProviderEvent.objects.bulk_update(events, SAVED_FIELDS)
    return events


def event_process(event_id) -> str | None:
    """Process one stored event; its new status, or None when it was not waiting (done
    already, or being processed by another worker)."""
    events = events_process([event_id])
    return events[0].status if events else None


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
