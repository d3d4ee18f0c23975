"""Outcomes in: a batch of what happened to messages and calls, counted once each into the
daily stats; and the purge of what is kept only to recognise repeats.

One batch is a handful of statements whatever its size: the numbers in one query, the
identities in one INSERT ... ON CONFLICT DO NOTHING RETURNING (what it returns is what is
new), the day's new recipients likewise, and the daily stats in one upsert that adds to
the counters. Rows go in sorted by their key, so two batches touching the same rows take
their locks in the same order and cannot deadlock. The SQL is the same on PostgreSQL and
SQLite (>= 3.35 for RETURNING).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Q

from accounts.models import User
from core.db.sql_rows import SqlRows, values_in
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.selectors import phone_number_visible_to
from phonenumbers_app.vocabularies import EventType, InventoryState
from warmup import capacity, clock, reservations
from warmup.models import CapacityReservation, DailyRecipient, DailyStats, MessageOutcome
from warmup.outcome_input import ItemRefused, OutcomeItem, message_id_of, parse_item
from warmup.vocabularies import Channel, Direction, Outcome

MAX_BATCH = 1000
BATCH_NOT_A_LIST = "Must be a list of outcomes."
BATCH_EMPTY = "Send at least one outcome."
BATCH_TOO_LONG = f"Send at most {MAX_BATCH:,} outcomes per request; split the batch."
NUMBER_NOT_FOUND = "No phone number with this {field} among the numbers your API key can see."
NUMBER_RELEASED = "This number is released: nothing is sent from it any more."
NUMBER_IN_POOL = (
    "This number is pool stock, not assigned to a business: pool numbers send nothing, "
    "so there is nothing to report for them."
)
NUMBER_OWNER_CHANGED = (
    "This happened before the number came to its current owner (released and created "
    "again, or moved to another business): it is not counted for the new owner."
)
PURGE_CHUNK = 10_000
IDENTITY_COLUMNS = (
    "business_id",
    "message_id",
    "outcome",
    "phone_number_id",
    "channel",
    "direction",
    "occurred_at",
    "received_at",
    "error_code",
    "recipient",
)

# (channel, outcome) -> the DailyStats column it adds to.
STATS_COLUMN: dict[tuple[str, str], str] = {}
for _channel in (Channel.SMS, Channel.MMS):
    for _outcome in ("sent", "delivered", "failed", "carrier_rejected"):
        STATS_COLUMN[(_channel.value, _outcome)] = f"{_channel.value}_{_outcome}"
    STATS_COLUMN[(_channel.value, Outcome.OPT_OUT.value)] = "opt_outs"
    STATS_COLUMN[(_channel.value, Outcome.SPAM_REPORTED.value)] = "spam_reports"
    STATS_COLUMN[(_channel.value, Outcome.RECEIVED.value)] = "received"
for _outcome in ("placed", "connected", "short", "invalid_number", "failed"):
    STATS_COLUMN[(Channel.CALL.value, _outcome)] = f"calls_{_outcome}"
COUNTER_COLUMNS = tuple(dict.fromkeys([*STATS_COLUMN.values(), "recipients"]))

# Plain strings for the loops over items: naming an enum member costs a lookup each time.
CALL, OUTBOUND, RELEASED = (
    Channel.CALL.value,
    Direction.OUTBOUND.value,
    InventoryState.RELEASED.value,
)

# What adds to the shared capacity counters: sent messages and placed calls.
CAPACITY_CHANNEL = {
    (Channel.SMS.value, Outcome.SENT.value): capacity.SMS,
    (Channel.MMS.value, Outcome.SENT.value): capacity.SMS,
    (Channel.CALL.value, Outcome.PLACED.value): capacity.VOICE,
}


@dataclass
class Refusal:
    index: int
    message_id: str | None
    errors: dict[str, list[str]]


@dataclass
class OutcomesRecorded:
    accepted: int = 0
    duplicates: int = 0
    refused: list[Refusal] = field(default_factory=list)
    # Indexes of the accepted items (the others are refused or duplicates): for callers
    # that record many sources' items at once and answer each (providers/webhooks).
    accepted_indexes: set[int] = field(default_factory=set)


def retention() -> timedelta:
    return timedelta(days=settings.WARMUP_OUTCOME_RETENTION_DAYS)


def _check_batch(items: Any) -> None:
    """The batch as a whole: a 400 that writes nothing."""
    if not isinstance(items, list):
        raise ValidationError({"outcomes": [BATCH_NOT_A_LIST]})
    if not items:
        raise ValidationError({"outcomes": [BATCH_EMPTY]})
    if len(items) > MAX_BATCH:
        raise ValidationError({"outcomes": [BATCH_TOO_LONG]})


def _numbers(user: User, items: list[OutcomeItem]) -> tuple[dict, dict]:
    """The numbers the items name, among those `user` may see, in one query:
    ({id: row}, {E.164: row}) with row = (id, business id, inventory state), ids as 32
    hex digits (the batch's keys: UUID objects hash and compare in Python, slowly)."""
    ids = {item.phone_number_id for item in items if item.phone_number_id is not None}
    e164s = {item.number for item in items if item.number is not None}
    rows = phone_number_visible_to(user=user).filter(
        Q(pk__in=values_in(ids, "uuid")) | Q(number__in=values_in(e164s, "text"))
    )
    by_id, by_number = {}, {}
    for pk, number, business_id, state in rows.values_list(
        "pk", "number", "business_id", "inventory_state"
    ):
        row = (pk.hex, business_id.hex if business_id else None, state)
        by_id[pk.hex] = row
        # A number is unique among unreleased rows; released ones (which staff see) share
        # it with the current row and with each other, and lose to it.
        if number not in by_number or by_number[number][2] == RELEASED:
            by_number[number] = row
    return by_id, by_number


def _owner_or_refusal(item: OutcomeItem, by_id: dict, by_number: dict) -> tuple[Any, Any]:
    """(number id, business id) of the item's number, or raise ItemRefused."""
    if item.phone_number_id is not None:
        name, row = "phoneNumberId", by_id.get(item.phone_number_id)
    else:
        name, row = "number", by_number.get(item.number)
    if row is None:
        what = "number" if item.number is not None else "id"
        raise ItemRefused({name: [NUMBER_NOT_FOUND.format(field=what)]})
    pk, business_id, state = row
    if state == RELEASED:
        raise ItemRefused({name: [NUMBER_RELEASED]})
    if business_id is None:
        raise ItemRefused({name: [NUMBER_IN_POOL]})
    return pk, business_id


def outcomes_record(*, user: User, items: Any, now: datetime) -> OutcomesRecorded:
    """Record a batch of outcomes reported by `user`; each item is accepted, a duplicate
    (its business reported this messageId and outcome already) or refused with reasons.

    Raises ValidationError (nothing written) when `items` is not a list of 1 to 1,000.
    """
    _check_batch(items)
    result, parsed = _parse_all(items, now=now)
    by_id, by_number = _numbers(user, parsed) if parsed else ({}, {})
    return _record(result, parsed, by_id, by_number, owner_since={}, now=now)


def outcomes_record_from_provider(*, provider: str, items: Any, now: datetime) -> OutcomesRecorded:
    """Record outcomes a provider's webhook told (providers/webhooks): the same items,
    write path and dedupe as outcomes_record, without a user. Each item names its number
    by E.164, found among the unreleased numbers held at `provider` only: an event of one
    provider never counts for a number held at another.

    An outcome of a moment before the number came to its current owner (a recycled number
    is a new row; a number moved to another business has an "assigned" event) is refused:
    it was the former owner's message, and the former owner's stats are not the new one's.
    """
    _check_batch(items)
    result, parsed = _parse_all(items, now=now)
    by_id: dict = {}
    by_number: dict = {}
    owner_since: dict = {}
    e164s = {item.number for item in parsed if item.number is not None}
    if e164s:
        rows = PhoneNumber.objects.not_released().filter(
            provider=provider, number__in=values_in(e164s, "text")
        )
        for pk, number, business_id, state, created_at in rows.values_list(
            "pk", "number", "business_id", "inventory_state", "created_at"
        ):
            by_number[number] = (pk.hex, business_id.hex if business_id else None, state)
            owner_since[pk.hex] = created_at
        if owner_since:
            moves = (
                PhoneNumberEvent.objects.filter(
                    phone_number_id__in=list(owner_since), type=EventType.ASSIGNED
                )
                .order_by()
                .values_list("phone_number_id")
                .annotate(at=Max("created_at"))
            )
            for number_id, at in moves:
                key = number_id.hex if hasattr(number_id, "hex") else number_id
                owner_since[key] = max(owner_since[key], at)
    # Items naming their number by id are not a provider's way: refused as unknown.
    return _record(result, parsed, by_id, by_number, owner_since=owner_since, now=now)


def _parse_all(items: list, *, now: datetime) -> tuple[OutcomesRecorded, list[OutcomeItem]]:
    result = OutcomesRecorded()
    window = retention()
    parsed: list[OutcomeItem] = []
    for index, raw in enumerate(items):
        try:
            parsed.append(parse_item(index, raw, now=now, retention=window))
        except ItemRefused as refused:
            result.refused.append(Refusal(index, message_id_of(raw), refused.errors))
    return result, parsed


def _record(
    result: OutcomesRecorded,
    parsed: list[OutcomeItem],
    by_id: dict,
    by_number: dict,
    *,
    owner_since: dict,
    now: datetime,
) -> OutcomesRecorded:
    """The parsed items' numbers checked, repeats in the batch set aside, the rest written."""
    # The first report of an identity in the batch is the one that may count.
    candidates: dict[tuple, tuple[OutcomeItem, Any]] = {}
    for item in parsed:
        try:
            number_id, business_id = _owner_or_refusal(item, by_id, by_number)
            since = owner_since.get(number_id)
            if since is not None and item.occurred_at < since:
                field_name = "number" if item.number is not None else "phoneNumberId"
                raise ItemRefused({field_name: [NUMBER_OWNER_CHANGED]})
        except ItemRefused as refused:
            result.refused.append(Refusal(item.index, item.message_id, refused.errors))
            continue
        key = (business_id, item.message_id, item.outcome)
        if key in candidates:
            result.duplicates += 1
        else:
            candidates[key] = (item, number_id)
    result.refused.sort(key=lambda refusal: refusal.index)
    if candidates:
        with transaction.atomic():
            new = _write(candidates, now=now)
        result.accepted = len(new)
        result.duplicates += len(candidates) - len(new)
        result.accepted_indexes = {item.index for item, _, _ in new}
    return result


def _write(candidates: dict[tuple, tuple[OutcomeItem, Any]], *, now: datetime) -> list:
    """Identities, recipients and stats of the batch's candidates (keyed by identity:
    business id, message id, outcome); returns [(item, number id, business id)] of those
    that were new. Runs in the caller's transaction."""
    db = SqlRows(connection)
    # Any one order will do, as long as every batch uses it.
    keys = sorted(candidates)
    received_at = db.datetime(now)
    returned = db.insert_returning(
        MessageOutcome,
        IDENTITY_COLUMNS,
        [
            {
                "business_id": business_id,
                "message_id": message_id,
                "outcome": outcome,
                "phone_number_id": number_id,
                "channel": item.channel,
                "direction": item.direction,
                "occurred_at": db.datetime(item.occurred_at),
                "received_at": received_at,
                "error_code": item.error_code,
                "recipient": item.recipient,
            }
            for business_id, message_id, outcome in keys
            for item, number_id in (candidates[(business_id, message_id, outcome)],)
        ],
        conflict="(business_id, message_id, outcome) DO NOTHING",
        returning=("business_id", "message_id", "outcome"),
    )
    inserted = {(db.as_hex(b), m, o) for b, m, o in returned}
    new = [(*candidates[key], key[0]) for key in keys if key in inserted]

    # Per (number, Eastern day, owner): how much of each counter, and who was messaged.
    counts: dict[tuple, dict[str, int]] = defaultdict(dict)
    recipients: set[tuple] = set()
    usage: Counter = Counter()
    for item, number_id, business_id in new:
        stats_key = (number_id, clock.eastern_day(item.occurred_at), business_id)
        counter, column = counts[stats_key], STATS_COLUMN[(item.channel, item.outcome)]
        counter[column] = counter.get(column, 0) + 1
        if item.recipient is not None and item.channel != CALL and item.direction == OUTBOUND:
            recipients.add((*stats_key, item.recipient))
        capacity_channel = CAPACITY_CHANNEL.get((item.channel, item.outcome))
        if capacity_channel is not None:
            # An instant's windows are those of its minute: one counter key per minute.
            usage[(number_id, capacity_channel, clock.minute_start(item.occurred_at))] += 1

    if recipients:
        ordered = sorted(recipients)
        returned = db.insert_returning(
            DailyRecipient,
            ("phone_number_id", "day", "business_id", "recipient"),
            [
                {"phone_number_id": n, "day": db.date(d), "business_id": b, "recipient": r}
                for n, d, b, r in ordered
            ],
            conflict="(phone_number_id, day, business_id, recipient) DO NOTHING",
            returning=("phone_number_id", "day", "business_id"),
        )
        for number_id, day, business_id in returned:
            counter = counts[(db.as_hex(number_id), db.as_date(day), db.as_hex(business_id))]
            counter["recipients"] = counter.get("recipients", 0) + 1

    stats_keys = sorted(counts)
    if stats_keys:
        updated_at = db.datetime(now)
        db.upsert_adding(
            DailyStats,
            ("phone_number_id", "day", "business_id"),
            [
                {
                    "phone_number_id": number_id,
                    "day": db.date(day),
                    "business_id": business_id,
                    **counts[(number_id, day, business_id)],  # only the counters it adds to
                    "updated_at": updated_at,
                }
                for number_id, day, business_id in stats_keys
            ],
            adding=COUNTER_COLUMNS,
            replacing=("updated_at",),
        )
    if usage:
        # After the commit: a rolled-back batch must not use up capacity.
        transaction.on_commit(lambda: _count_sends(usage, now=now))
    return new


def _count_sends(usage: dict[tuple, int], *, now: datetime) -> None:
    """Add the sends to the capacity counters, and let each release a unit the
    outgoing-number selection reserved for it (warmup/reservations.py)."""
    capacity.record_usage(usage, now=now)
    sent: dict[tuple, int] = defaultdict(int)
    for (number_id, channel, _minute), count in usage.items():
        sent[(number_id, channel)] += count
    reservations.release(sent, now=now)


def _delete_in_chunks(queryset, chunk: int) -> int:
    """Delete `queryset`'s rows a chunk at a time, each chunk its own short transaction,
    so a purge of millions never holds locks or one huge transaction."""
    model = queryset.model
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:chunk])
        if not ids:
            return deleted
        with transaction.atomic():
            count, _ = model.objects.filter(pk__in=ids).delete()
        deleted += count
        if len(ids) < chunk:
            return deleted


def outcomes_purge(*, now: datetime, chunk: int = PURGE_CHUNK) -> dict[str, int]:
    """Forget outcomes received before the retention window, and the recipients of days
    before it; the daily stats stay. Also the capacity reservations that have expired
    (kept in the database only without Redis: warmup/reservations.py). Returns how many
    of each were deleted."""
    window = retention()
    outcomes = MessageOutcome.objects.filter(received_at__lt=now - window).order_by()
    recipients = DailyRecipient.objects.filter(day__lt=clock.eastern_day(now - window)).order_by()
    return {
        "outcomes": _delete_in_chunks(outcomes, chunk),
        "recipients": _delete_in_chunks(recipients, chunk),
        "reservations": _delete_in_chunks(
            CapacityReservation.objects.filter(expires_at__lte=now).order_by(), chunk
        ),
    }
