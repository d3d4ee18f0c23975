"""Taking a verified webhook in: its identity, and the raw event stored once.

The identity makes a retried delivery a no-op (unique (provider, event id)):
- Telnyx and the simulated provider: `data.id`, the event's own id.
- Twilio: the message's SID and status ("SM...:delivered"), both signed. Twilio also
  sends an I-Twilio-Idempotency-Token header, but headers are not signed: keyed on it, a
  captured callback replayed with a new token would pass as a new event. Without a SID
  (not a messaging callback), a hash of the whole signed form.

One statement stores it: INSERT ... ON CONFLICT DO NOTHING RETURNING id, which says
whether the row went in (bulk_create(ignore_conflicts=True) cannot tell without a second
query, and a savepoint around a plain INSERT costs two more statements).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from core.ids import new_id
from providers.models import ProviderEvent

_TABLE = ProviderEvent._meta.db_table
_COLUMNS = (
    "id",
    "provider",
    "event_id",
    "event_type",
    "body",
    "content_type",
    "occurred_at",
    "received_at",
    "status",
    "attempts",
    "error",
)
EVENT_ID_MAX = ProviderEvent._meta.get_field("event_id").max_length
EVENT_TYPE_MAX = ProviderEvent._meta.get_field("event_type").max_length


class Unreadable(Exception):
    """A signed body we cannot read (not the dialect's JSON)."""


@dataclass(frozen=True)
class Identity:
    event_id: str
    event_type: str
    occurred_at: datetime | None


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _fit(value: str, limit: int) -> str:
    return value if len(value) <= limit else _digest(value)


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def telnyx_identity(body: bytes) -> Identity:
    """Identity of a Telnyx-dialect body: {"data": {"id", "event_type", "occurred_at"}}."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Unreadable("The body is not JSON.") from None
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        raise Unreadable('The body has no "data" object.')
    event_id = data.get("id")
    event_type = data.get("event_type")
    if not isinstance(event_id, str) or not event_id:
        # Signed, so the provider's; without an id, the body itself is its identity.
        event_id = _digest(body.decode("utf-8", "replace"))
    return Identity(
        event_id=_fit(event_id, EVENT_ID_MAX),
        event_type=event_type[:EVENT_TYPE_MAX] if isinstance(event_type, str) else "",
        occurred_at=_when(data.get("occurred_at")),
    )


def twilio_identity(form) -> Identity:
    """Identity of a Twilio callback's form (a QueryDict)."""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    if sid and status:
        event_id = f"{sid}:{status}"
    else:
        items = sorted((key, value) for key in form for value in form.getlist(key))
        event_id = _digest(json.dumps(items))
    kind = "message.inbound" if _twilio_inbound(form) else "message.status"
    if not sid:
        kind = "unknown"
    return Identity(event_id=_fit(event_id, EVENT_ID_MAX), event_type=kind, occurred_at=None)


def body_identity(body: str) -> Identity:
    """An event we cannot read an identity from: the signed body is its identity."""
    return Identity(event_id=_digest(body), event_type="unknown", occurred_at=None)


def _twilio_inbound(form) -> bool:
    # An incoming message's webhook carries its Body (and OptOutType when Advanced
    # Opt-Out recognised a keyword); a status callback carries neither.
    return "Body" in form or "OptOutType" in form


def event_store(*, provider: str, identity: Identity, body: str, content_type: str) -> str | None:
    """Store the event unless (provider, event id) is stored already. Returns the new
    event's id (32 hex digits), or None for a duplicate. One statement."""
    ops = connection.ops
    now = timezone.now()
    row = (
        new_id().hex,
        provider,
        identity.event_id,
        identity.event_type,
        body,
        content_type[:128],
        ops.adapt_datetimefield_value(identity.occurred_at) if identity.occurred_at else None,
        ops.adapt_datetimefield_value(now),
        ProviderEvent.Status.RECEIVED.value,
        0,
        "",
    )
    quote = ops.quote_name
    sql = (
        f"INSERT INTO {quote(_TABLE)} ({', '.join(quote(c) for c in _COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "
        f"ON CONFLICT ({quote('provider')}, {quote('event_id')}) DO NOTHING "
        f"RETURNING {quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, row)
        inserted = cursor.fetchone()
    return row[0] if inserted else None
