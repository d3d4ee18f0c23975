"""Processing a stored event: lock it, hand it to its dialect's handler, mark it.

Idempotent and safe on several workers at once: the row is locked (SKIP LOCKED on
PostgreSQL, so a second worker passes over it) and only an event still `received` is
processed. Events are processed in batches, one transaction (one commit) per batch,
each handler in a savepoint: if it raises, what it wrote is undone and the event is
marked failed with the error (a bad payload does not get better by retrying). A lost
connection or a database that is down is left to the task, which retries.

Message statuses and opt-outs, most of the traffic, are recorded together: their
handlers only say which outcomes they mean (messages.outcomes_deferred), and the batch's
outcomes go to the message-outcomes service in one write per provider, with the same
answers per event as one at a time (a repeat within the batch is a duplicate). Should that
write fail, each event's outcomes are written on their own, so only the event at fault fails.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from core.metrics import PROVIDER_WEBHOOK_LAG_SECONDS
from providers.models import ProviderEvent
from providers.webhooks import messages, telnyx_events, twilio_events
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
# The message-outcomes service takes at most this many items a call.
OUTCOMES_PER_WRITE = 1000
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
        _failed(event, error)
    else:
        event.status = Status.PROCESSED if handled.processed else Status.IGNORED
        event.error = handled.note[:2000]
        if handled.phone_number_id is not None:
            event.phone_number_id = handled.phone_number_id
    event.processed_at = timezone.now()


def _failed(event: ProviderEvent, error: Exception) -> None:
    logger.warning(
        "A %s event %s (%s) failed: %s",
        event.provider,
        event.event_id,
        event.event_type,
        type(error).__name__,
    )
    event.status = Status.FAILED
    event.error = f"{type(error).__name__}: {error}"[:2000]


def events_process(event_ids) -> list[ProviderEvent]:
    """Process the waiting events among `event_ids` in one transaction (one commit for
    the batch, each event's handler in its own savepoint); returns those it processed.
    Events already done, or held by another worker, are left alone."""
    with transaction.atomic():
        events = _locked(event_ids)
        with messages.outcomes_deferred() as deferred:
            for event in events:
                deferred.current = event
                _handle(event)
        if deferred.requests:
            _settle_outcomes(deferred.requests)
        if events:
            ProviderEvent.objects.bulk_update(events, SAVED_FIELDS)
    for event in events:  # committed: each one's time from arrival to processed
        lag = (event.processed_at - event.received_at).total_seconds()
        PROVIDER_WEBHOOK_LAG_SECONDS.labels(event.provider).observe(max(lag, 0.0))
    return events


def _settle_outcomes(requests: list[tuple[ProviderEvent, str, dict]]) -> None:
    """Record the outcomes the batch's handlers deferred, and settle each such event by
    what its outcomes came to."""
    now = timezone.now()
    answers: dict[ProviderEvent, list[str]] = {}
    try:
        with transaction.atomic():
            by_provider: dict[str, list[tuple[ProviderEvent, dict]]] = {}
            for event, provider, item in requests:
                by_provider.setdefault(provider, []).append((event, item))
            for provider, entries in by_provider.items():
                for start in range(0, len(entries), OUTCOMES_PER_WRITE):
                    chunk = entries[start : start + OUTCOMES_PER_WRITE]
                    results = messages.results_of(
                        provider=provider, items=[item for _, item in chunk], now=now
                    )
                    for (event, _), result in zip(chunk, results, strict=True):
                        answers.setdefault(event, []).append(result)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        # One event's outcome broke the batch's write: each event's on their own.
        answers = _outcomes_one_event_at_a_time(requests, now=now)
    for event, results in answers.items():
        if event.status == Status.FAILED:
            continue
        handled = messages.handled_from(results)
        event.status = Status.PROCESSED if handled.processed else Status.IGNORED
        event.error = handled.note[:2000]


def _outcomes_one_event_at_a_time(requests, *, now) -> dict[ProviderEvent, list[str]]:
    answers: dict[ProviderEvent, list[str]] = {}
    items_of: dict[ProviderEvent, list[tuple[str, dict]]] = {}
    for event, provider, item in requests:
        items_of.setdefault(event, []).append((provider, item))
    for event, entries in items_of.items():
        try:
            with transaction.atomic():
                answers[event] = [
                    messages.results_of(provider=provider, items=[item], now=now)[0]
                    for provider, item in entries
                ]
        except (OperationalError, InterfaceError):
            raise
        except Exception as error:
            _failed(event, error)
    return answers


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
