"""Writing the engine's decisions: the numbers' warmup and health fields, the engine's
state, and one event each (actor "System", before -> after), in the caller's transaction.

Written in bulk (a chunk is thousands of numbers): one UPDATE statement batch for the
numbers, one upsert for the engine's rows, one INSERT for the events. The callers hold
the numbers' row locks (warmup/engine.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connection, transaction

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.services.events import api_name, new_event
from warmup.models import NumberWarmup
from warmup.ramp import WARMUP_FIELDS, Decision

SYSTEM_ACTOR = "System"
# The engine's own columns shown in an event's before/after, by the name events use.
ENGINE_EVENT_FIELDS = {"plan_day": "warmup.planDay", "pacing_status": "warmup.pacingStatus"}


def engine_apply(
    decisions: Sequence[Decision], *, businesses: Mapping[UUID, UUID | None], now: datetime
) -> None:
    """Write `decisions` (each of a number locked by the caller's transaction)."""
    if not decisions:
        return
    with transaction.atomic():
        _update_numbers(decisions, now)
        _upsert_engine_rows(decisions)
        PhoneNumberEvent.objects.bulk_create(
            [_event(d, businesses.get(d.after.id), now) for d in decisions if d.event_type]
        )


def _update_numbers(decisions: Sequence[Decision], now: datetime) -> None:
    """One UPDATE per changed number, sent as one batch (psycopg pipelines executemany);
    the version goes up, so the number's ETag changes like after any other write."""
    table = connection.ops.quote_name(PhoneNumber._meta.db_table)
    by_fields: dict[tuple[str, ...], list[list[Any]]] = {}
    for decision in decisions:
        changes = decision.number_changes()
        if not changes:
            continue
        fields = tuple(sorted(changes))
        by_fields.setdefault(fields, []).append(
            [_db_value(name, changes[name]) for name in fields] + [decision.after.id]
        )
    for fields, params in by_fields.items():
        columns = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in fields)
        sql = f"UPDATE {table} SET {columns}, modified_at = %s, version = version + 1 WHERE id = %s"
        rows = [
            [*values[:-1], _db_value("modified_at", now), _db_id(values[-1])] for values in params
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def _db_value(name: str, value: Any) -> Any:
    field = PhoneNumber._meta.get_field(name)
    return field.get_db_prep_save(value, connection)


def _db_id(value: UUID) -> Any:
    return PhoneNumber._meta.pk.get_db_prep_save(value, connection)


def _upsert_engine_rows(decisions: Sequence[Decision]) -> None:
    rows = [
        NumberWarmup(
            phone_number_id=d.after.id,
            **{name: _engine_value(name, getattr(d.after, name)) for name in WARMUP_FIELDS},
        )
        for d in decisions
        if d.warmup_changes()
    ]
    if rows:
        NumberWarmup.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["phone_number"],
            update_fields=list(WARMUP_FIELDS),
        )


def _engine_value(name: str, value: Any) -> Any:
    return list(value) if name == "auto_pauses" else value


def _event(decision: Decision, business_id: UUID | None, now: datetime) -> PhoneNumberEvent:
    before, after = _changed(decision)
    event = new_event(
        phone_number=PhoneNumber(id=decision.after.id, business_id=business_id),
        type=decision.event_type,
        title=decision.title,
        details=decision.details,
        acting_user=None,
        actor_name=SYSTEM_ACTOR,
        data={"before": before, "after": after},
    )
    event.created_at = now
    return event


def _changed(decision: Decision) -> tuple[dict[str, Any], dict[str, Any]]:
    before, after = {}, {}
    for name, value in decision.number_changes().items():
        before[api_name(name)] = getattr(decision.before, name)
        after[api_name(name)] = value
    for name, label in ENGINE_EVENT_FIELDS.items():
        old, new = getattr(decision.before, name), getattr(decision.after, name)
        if old != new:
            before[label], after[label] = old, new
    return before, after
