"""The transactional outbox: a change's webhook messages are written in its transaction.

Every writer of a number's audit events hands them to `publish` inside the transaction
that records them (phonenumbers_app/services/events.py and the bulk writers: imports,
the warmup engine, changes of owner). `publish`:

1. names the webhook events each audit event raises (webhooks/catalog.py);
2. finds the enabled endpoints that want them: the business's own, and the global ones;
3. renders each number once, as the API returns it, as the number stands now, in this
   transaction (so the payload is the state the change produced, never a later one);
4. writes one WebhookMessage per event and one WebhookDelivery per endpoint.

A rolled-back change takes its messages with it; a committed one has them on disk, where
a worker finds them (a task sent on commit, and the beat's sweep should that be lost).
Nobody listening costs one indexed query.

Tenancy: an event goes to the endpoints of the business it belongs to (the audit
event's business: the owner at the time) and to global ones. Its payload is the number's
full representation only while that business still owns the number; an event of a
number that has moved on (phone_number.unassigned) carries its id and number only, so a
former owner never sees its next owner's data.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import router, transaction
from django.db.models import Q
from rest_framework.utils.encoders import JSONEncoder

from phonenumbers_app.api.representation import phone_number_representation
from phonenumbers_app.event_changes import raw_changes
from phonenumbers_app.models import PhoneNumberEvent
from phonenumbers_app.number_rows import Row, rows_by_id
from webhooks import catalog
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage

_ENCODER = JSONEncoder()
BATCH = 1000


@dataclass(frozen=True)
class Subscriber:
    id: uuid.UUID
    business_id: uuid.UUID | None
    event_types: frozenset[str] | None

    def hears(self, event_type: str, business_id: uuid.UUID | None) -> bool:
        if self.business_id is not None and self.business_id != business_id:
            return False
        return self.event_types is None or event_type in self.event_types


def publish(events: Sequence[PhoneNumberEvent]) -> int:
    """Write the outbox messages and deliveries of `events` (just recorded, in the
    caller's transaction). Returns how many deliveries it queued."""
    raised = [
        (event, _owner_of(event), t)
        for event in events
        for t in catalog.event_types_of(event.type, event.data)
    ]
    if not raised:
        return 0
    using = router.db_for_write(WebhookMessage)
    subscribers = subscribers_of({owner for _, owner, _ in raised}, using=using)
    wanted = [
        (event, owner, event_type, [s for s in subscribers if s.hears(event_type, owner)])
        for event, owner, event_type in raised
    ]
    wanted = [item for item in wanted if item[3]]
    if not wanted:
        return 0
    rows = rows_by_id(list({event.phone_number_id for event, _, _, _ in wanted}), using=using)
    messages, deliveries = [], []
    for event, owner, event_type, hearing in wanted:
        message = WebhookMessage(
            event_type=event_type,
            business_id=owner,
            phone_number_id=event.phone_number_id,
            source_event_id=event.id,
            body=body_text(
                event_type, event.created_at, _data(event, owner, rows), _changes(event)
            ),
            created_at=event.created_at,
        )
        messages.append(message)
        deliveries += [
            WebhookDelivery(
                message=message,
                endpoint_id=s.id,
                next_attempt_at=event.created_at,
                created_at=event.created_at,
            )
            for s in hearing
        ]
    return queue(messages, deliveries, using=using)


def queue(
    messages: Sequence[WebhookMessage],
    deliveries: Sequence[WebhookDelivery],
    *,
    using: str | None = None,
) -> int:
    """Insert messages and their deliveries, and wake a worker once the transaction
    commits (the beat's sweep finds them should that wake-up be lost)."""
    using = using or router.db_for_write(WebhookMessage)
    WebhookMessage.objects.using(using).bulk_create(messages, batch_size=BATCH)
    WebhookDelivery.objects.using(using).bulk_create(deliveries, batch_size=BATCH)
    if deliveries:
        transaction.on_commit(wake_workers, using=using)
    return len(deliveries)


def wake_workers() -> None:
    from webhooks.tasks import wake

    wake()  # never raises: a lost wake-up is the sweep's


def subscribers_of(business_ids: Iterable[uuid.UUID | None], *, using: str) -> list[Subscriber]:
    """The enabled endpoints of `business_ids` and the global ones."""
    ids = [b for b in business_ids if b is not None]
    where = Q(business__isnull=True) | Q(business_id__in=ids) if ids else Q(business__isnull=True)
    rows = (
        WebhookEndpoint.objects.using(using)
        .filter(where, enabled=True)
        .values_list("id", "business_id", "event_types")
    )
    return [
        Subscriber(id, business_id, None if types is None else frozenset(types))
        for id, business_id, types in rows
    ]


def _owner_of(event: PhoneNumberEvent) -> uuid.UUID | None:
    """The business an event belongs to, as a UUID: the bulk writers (imports) build
    their events from raw rows, where it is the text of one, and a text never equals
    the UUID of a subscriber or of the number's row."""
    value = event.business_id
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def _data(
    event: PhoneNumberEvent, owner: uuid.UUID | None, rows: dict[uuid.UUID, Row]
) -> dict[str, Any]:
    row = rows.get(event.phone_number_id)
    if row is None:  # pragma: no cover - the event's number is in this transaction
        raise LookupError(f"Number {event.phone_number_id} of event {event.id} not found")
    if row["business_id"] != owner:
        return number_reference(row)
    return phone_number_representation(row)


def number_reference(row: Row) -> dict[str, Any]:
    """What an event of a number that has left the business says of it."""
    return {"id": str(row["id"]), "number": row["number"]}


def _changes(event: PhoneNumberEvent) -> list[dict[str, Any]]:
    return [
        {"field": field, "before": before, "after": after}
        for field, before, after in raw_changes(event.data)
    ]


def body_text(
    event_type: str,
    timestamp: datetime.datetime,
    data: dict[str, Any],
    changes: list[dict[str, Any]] | None = None,
) -> str:
    """A message's body: {type, timestamp, data, changes}, as Standard Webhooks lays it out
    (plus `changes`, the audit event's before → after of each changed field)."""
    body = {
        "type": event_type,
        "timestamp": _time(timestamp),
        "data": data,
        "changes": changes or [],
    }
    return orjson.dumps(body, default=_ENCODER.default).decode()


def _time(value: datetime.datetime) -> str:
    text = value.astimezone(datetime.UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")
