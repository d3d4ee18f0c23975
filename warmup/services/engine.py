"""Writing the engine's decisions: the numbers' warmup and health fields, the engine's
state, and one event each (actor "System", before -> after), in the caller's transaction.

A chunk is thousands of numbers, so each table gets one statement (core/db/sql_rows.py;
on PostgreSQL the rows travel as one JSON parameter): the numbers' UPDATE (their version
goes up, so their ETag changes as after any write), the engine rows' upsert, the events'
INSERT. The callers hold the numbers' row locks (warmup/engine.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from core.db.sql_rows import SqlRows
from core.ids import new_id
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.services.events import TITLE_MAX_LENGTH, api_name, events_published
from warmup.models import NumberWarmup
from warmup.ramp import NUMBER_FIELDS, WARMUP_FIELDS, Decision

SYSTEM_ACTOR = "System"
# The engine's own columns shown in an event's before/after, by the name events use.
ENGINE_EVENT_FIELDS = {"plan_day": "warmup.planDay", "pacing_status": "warmup.pacingStatus"}
EVENT_COLUMNS = (
    "id",
    "phone_number_id",
    "type",
    "title",
    "details",
    "actor_id",
    "actor_name",
    "actor_is_staff",
    "business_id",
    "data",
    "created_at",
)
_ENCODER = DjangoJSONEncoder()


def engine_apply(
    decisions: Sequence[Decision], *, businesses: Mapping[UUID, UUID | None], now: datetime
) -> None:
    """Write `decisions` (each of a number locked by the caller's transaction)."""
    if not decisions:
        return
    db = SqlRows(connection)
    with transaction.atomic():
        db.update(
            PhoneNumber,
            "id",
            NUMBER_FIELDS,
            [_number_row(db, d) for d in decisions if d.number_changes()],
            also="modified_at = %s, version = version + 1",
            also_params=[db.datetime(now)],
        )
        # Every decision's engine row, stamped: a number changed after its stamp was
        # changed by a person (warmup/engine.py's candidates).
        db.upsert_adding(
            NumberWarmup,
            ["phone_number_id"],
            [_engine_row(db, d, now) for d in decisions],
            adding=(),
            replacing=(*WARMUP_FIELDS, "evaluated_at"),
        )
        events = [_event(d, businesses.get(d.after.id), now) for d in decisions if d.event_type]
        db.insert(PhoneNumberEvent, EVENT_COLUMNS, [_event_row(db, e) for e in events])
        events_published(events)


def _value(db: SqlRows, value: Any) -> Any:
    if isinstance(value, datetime):
        return db.datetime(value) if not db.native else value.isoformat()
    if isinstance(value, date):
        return db.date(value) if not db.native else value.isoformat()
    if isinstance(value, UUID):
        return db.as_hex(value)
    return value


def _number_row(db: SqlRows, decision: Decision) -> dict[str, Any]:
    row = {name: _value(db, getattr(decision.after, name)) for name in NUMBER_FIELDS}
    row["id"] = db.as_hex(decision.after.id)
    return row


def _engine_row(db: SqlRows, decision: Decision, now: datetime) -> dict[str, Any]:
    row = {name: _value(db, getattr(decision.after, name)) for name in WARMUP_FIELDS}
    row["evaluated_at"] = _value(db, now)
    pauses = list(decision.after.auto_pauses)
    row["auto_pauses"] = pauses if db.native else json.dumps(pauses)
    row["phone_number_id"] = db.as_hex(decision.after.id)
    return row


def _event(decision: Decision, business_id: UUID | None, now: datetime) -> PhoneNumberEvent:
    before, after = _changed(decision)
    return PhoneNumberEvent(
        id=new_id(),
        phone_number_id=decision.after.id,
        type=str(decision.event_type),
        title=decision.title[:TITLE_MAX_LENGTH],
        details=decision.details,
        actor_name=SYSTEM_ACTOR,
        business_id=business_id,
        data={"before": before, "after": after},
        created_at=now,
    )


def _event_row(db: SqlRows, event: PhoneNumberEvent) -> dict[str, Any]:
    return {
        "id": event.id.hex,
        "phone_number_id": db.as_hex(event.phone_number_id),
        "type": event.type,
        "title": event.title,
        "details": event.details,
        "actor_id": None,
        "actor_name": event.actor_name,
        "actor_is_staff": False,
        "business_id": db.as_hex(event.business_id) if event.business_id else None,
        "data": event.data if db.native else json.dumps(event.data),
        "created_at": _value(db, event.created_at),
    }


def _changed(decision: Decision) -> tuple[dict[str, Any], dict[str, Any]]:
    """Before and after of what changed, as events store them (times as DjangoJSONEncoder
    writes them, like every other event)."""
    before, after = {}, {}
    for name, value in decision.number_changes().items():
        before[api_name(name)] = _json(getattr(decision.before, name))
        after[api_name(name)] = _json(value)
    for name, label in ENGINE_EVENT_FIELDS.items():
        old, new = getattr(decision.before, name), getattr(decision.after, name)
        if old != new:
            before[label], after[label] = _json(old), _json(new)
    return before, after


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return _ENCODER.default(value)
    return value
