"""The outgoing-number selection's operations: choose a sender (and remember it for the
conversation and the lead), check a person's choice, pin and unpin a conversation's sender.

What is remembered, and when:
- a conversation's number is the one its latest selection chose; it changes only when
  the selection had to choose another (an event says from which, to which and why);
- a lead's number likewise, for the lead's next conversations;
- a conversation's override is set and cleared only by a person (an event each, naming
  them); it is tried before every other rule while it may send.
A selection that keeps the same number writes nothing: the hot path is reads and one
atomic step in Redis.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction

from accounts.models import User
from businesses.models import Business
from core.db import compiled
from outgoing import selection as choosing
from outgoing.candidates import Scope, SenderRow
from outgoing.models import Conversation, ConversationEvent, LeadSender
from outgoing.selection import Remembered, Selection, Wanted
from outgoing.vocabularies import ConversationEventType as E
from outgoing.vocabularies import SelectionReason as R
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import InventoryState

NOT_YOURS = "No number of this business has this id."
PATH_MISMATCH = "Must be the conversation of the path ({path}) or be left out."


@dataclass(frozen=True)
class Ask:
    """A selection request: the published OutgoingNumberSelectionRequest, read."""

    business: Business
    channel: str  # capacity.SMS or capacity.VOICE
    conversation_id: str | None = None
    lead_id: str | None = None
    team_id: str | None = None
    wanted: Wanted = field(default_factory=Wanted)

    @property
    def scope(self) -> Scope:
        return Scope(self.business, self.channel, self.team_id)


def sender_select(*, ask: Ask, now: datetime) -> Selection:
    """Choose the sender for a message of `ask` now, reserving a unit of its capacity, and
    remember it for the conversation and the lead."""
    conversation = _conversation(ask)
    lead = _lead(ask)
    remembered = []
    if conversation is not None and conversation.override_id is not None:
        remembered.append(Remembered(R.MANUAL_OVERRIDE, conversation.override_id))
    if conversation is not None and conversation.phone_number_id is not None:
        remembered.append(Remembered(R.STICKY_CONVERSATION, conversation.phone_number_id))
    if lead is not None:
        remembered.append(Remembered(R.LEAD_ASSIGNED, lead.phone_number_id))
    selection = choosing.select(ask.scope, ask.wanted, remembered, now=now)
    if selection.chosen is not None:
        _remember(ask, conversation, lead, selection, now=now)
    return selection


def sender_check(
    *, ask: Ask, phone_number_id: UUID, acting_user: User | None, now: datetime
) -> Selection:
    """Whether a person's choice of sender may send now (a unit reserved if so); the
    conversation, if named, then uses it (an event names the person)."""
    number = _number_of(ask.business, phone_number_id)
    selection = choosing.check(ask.scope, number, now=now)
    if selection.chosen is not None and ask.conversation_id is not None:
        _remember(ask, _conversation(ask), _lead(ask), selection, now=now, acting_user=acting_user)
    return selection


def override_set(
    *, ask: Ask, phone_number_id: UUID, acting_user: User | None, now: datetime
) -> Selection:
    """Pin the conversation's sender to a number of the business, and preview the next
    selection. A number that cannot send now may be pinned (it is tried as soon as it
    can); one of another business, or released, may not."""
    number = _number_of(ask.business, phone_number_id)
    with transaction.atomic():
        conversation = _conversation(ask, create=True, lock=True)
        if conversation.override_id != number.pk:
            previous = conversation.override
            conversation.override = number
            conversation.updated_at = now
            conversation.save(update_fields=["override", "updated_at"])
            _event(
                conversation,
                E.OVERRIDE_SET,
                number=number,
                previous=previous,
                acting_user=acting_user,
                now=now,
            )
    return _preview(ask, now=now)


def override_clear(*, ask: Ask, acting_user: User | None, now: datetime) -> Selection:
    """Unpin the conversation's sender (nothing to do if none is pinned), and preview the
    next selection."""
    with transaction.atomic():
        conversation = _conversation(ask, lock=True)
        if conversation is not None and conversation.override_id is not None:
            previous = conversation.override
            conversation.override = None
            conversation.updated_at = now
            conversation.save(update_fields=["override", "updated_at"])
            _event(
                conversation,
                E.OVERRIDE_CLEARED,
                number=None,
                previous=previous,
                acting_user=acting_user,
                now=now,
            )
    return _preview(ask, now=now)


def _preview(ask: Ask, *, now: datetime) -> Selection:
    """What the conversation's next selection would choose, without reserving or
    remembering anything."""
    conversation = _conversation(ask)
    remembered = []
    if conversation is not None:
        if conversation.override_id is not None:
            remembered.append(Remembered(R.MANUAL_OVERRIDE, conversation.override_id))
        if conversation.phone_number_id is not None:
            remembered.append(Remembered(R.STICKY_CONVERSATION, conversation.phone_number_id))
    lead = _lead(ask)
    if lead is not None:
        remembered.append(Remembered(R.LEAD_ASSIGNED, lead.phone_number_id))
    return choosing.select(ask.scope, ask.wanted, remembered, now=now, reserve=False)


# --- Reads and writes of what is remembered -------------------------------------------


def _number_of(business: Business, phone_number_id: UUID) -> PhoneNumber:
    """The business's unreleased number with this id; another business's or a missing
    one is refused alike, so ids of other tenants' numbers cannot be probed."""
    number = (
        PhoneNumber.objects.filter(pk=phone_number_id, business=business)
        .exclude(inventory_state=InventoryState.RELEASED)
        .select_related("warmup", "ten_dlc")
        .first()
    )
    if number is None:
        raise ValidationError({"fromPhoneNumberId": [NOT_YOURS]})
    return number


def _conversation(ask: Ask, *, create: bool = False, lock: bool = False) -> Conversation | None:
    """The conversation the request names (None without an id, or when new and not
    `create`d). `lock`: its row locked until the transaction ends (pinning and unpinning
    take turns)."""
    if ask.conversation_id is None:
        return None
    if not lock and not create:
        return _read_one(Conversation, "conversation_id", ask.business, ask.conversation_id)
    rows = Conversation.objects.filter(business=ask.business, conversation_id=ask.conversation_id)
    if lock:
        rows = rows.select_for_update()
    found = rows.first()
    if found is None and create:
        _created(ask)
        found = rows.get()
    return found


def _created(ask: Ask) -> Conversation:
    """The conversation, created now unless a concurrent request just did."""
    try:
        with transaction.atomic():
            return Conversation.objects.create(
                business=ask.business, conversation_id=ask.conversation_id, lead_id=ask.lead_id
            )
    except IntegrityError:
        return Conversation.objects.get(business=ask.business, conversation_id=ask.conversation_id)


def _lead(ask: Ask) -> LeadSender | None:
    if ask.lead_id is None:
        return None
    return _read_one(LeadSender, "lead_id", ask.business, ask.lead_id)


_BUSINESS = uuid.UUID("00000000-0000-4000-8000-0000000000b3")
_ID = "\ue000id"


def _read_one(model, id_field: str, business: Business, value: str):
    """The business's row of `model` whose `id_field` is `value`, or None: a statement
    compiled once per model (outgoing/compiled.py), as every selection reads one or two."""
    using = router.db_for_read(model)
    found = compiled.instances(
        model,
        _by_business_id(model, id_field, using),
        {"business": business.pk, "id": value},
        using=using,
    )
    return found[0][0] if found else None


@lru_cache(maxsize=8)
def _by_business_id(model, id_field: str, using: str) -> compiled.Compiled:
    names = [field.attname for field in model._meta.concrete_fields]
    rows = model.objects.filter(business_id=_BUSINESS, **{id_field: _ID}).values_list(*names)
    slots = [
        compiled.Slot("business", _BUSINESS, model._meta.get_field("business")),
        compiled.Slot("id", _ID, model._meta.get_field(id_field)),
    ]
    return compiled.compile_union([rows[:1]], slots, using=using)


def _remember(
    ask: Ask,
    conversation: Conversation | None,
    lead: LeadSender | None,
    selection: Selection,
    *,
    now: datetime,
    acting_user: User | None = None,
) -> None:
    """The conversation and the lead now use the chosen number: written only if it
    changed, so that a selection that keeps its number writes nothing. `acting_user`: the
    person whose choice it was (a manual override), named on the conversation's event."""
    chosen = selection.chosen.number
    moves_conversation = ask.conversation_id is not None and (
        conversation is None or conversation.phone_number_id != chosen.pk
    )
    moves_lead = ask.lead_id is not None and (lead is None or lead.phone_number_id != chosen.pk)
    if not (moves_conversation or moves_lead):
        return
    with transaction.atomic():
        if moves_conversation:
            if conversation is None:
                conversation = _created(ask)
            previous_id = conversation.phone_number_id
            updated = {"phone_number_id": chosen.pk, "updated_at": now}
            if ask.lead_id is not None and conversation.lead_id is None:
                updated["lead_id"] = ask.lead_id
            Conversation.objects.filter(pk=conversation.pk).update(**updated)
            if previous_id is not None and previous_id != chosen.pk:
                _event(
                    conversation,
                    E.SENDER_CHANGED,
                    number=chosen,
                    previous=PhoneNumber.objects.filter(pk=previous_id).first(),
                    reason=_why_moved(selection, previous_id),
                    acting_user=acting_user,
                    now=now,
                )
        if moves_lead:
            _lead_upsert(ask.business, ask.lead_id, chosen.pk, now)


def _lead_upsert(business: Business, lead_id: str, phone_number_id: UUID, now: datetime) -> None:
    """The lead's number, in one INSERT ... ON CONFLICT DO UPDATE (the same words on
    PostgreSQL and SQLite): update_or_create took six statements, and bulk_create's
    compiling a millisecond."""
    meta = LeadSender._meta
    connection = connections[router.db_for_write(LeadSender)]
    values = {
        "business": business.pk,
        "lead_id": lead_id,
        "phone_number": phone_number_id,
        "updated_at": now,
    }
    fields = [meta.get_field(name) for name in values]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    business_col, lead_col, number_col, updated_col = (
        connection.ops.quote_name(field.column) for field in fields
    )
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "
        f"VALUES (%s, %s, %s, %s) ON CONFLICT ({business_col}, {lead_col}) DO UPDATE SET "
        f"{number_col} = excluded.{number_col}, {updated_col} = excluded.{updated_col}"
    )
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _why_moved(selection: Selection, previous_id) -> str:
    for skipped in selection.skipped:
        if skipped.number.pk == previous_id:
            return f"{skipped.number.number} passed over: {skipped.why}"
    if selection.chosen.reason == R.MANUAL_OVERRIDE and selection.subject is not None:
        return "Chosen by a person for one message (manual override)"
    return selection.chosen.label


def _event(
    conversation: Conversation,
    type: str,
    *,
    number: PhoneNumber | SenderRow | None,
    previous: PhoneNumber | None,
    acting_user: User | None,
    now: datetime,
    reason: str | None = None,
) -> ConversationEvent:
    return ConversationEvent.objects.create(
        conversation=conversation,
        type=type,
        number=number.number if number else None,
        phone_number_id=number.pk if number else None,
        previous_number=previous.number if previous else None,
        reason=reason,
        actor=acting_user,
        actor_name=acting_user.display_name if acting_user else "System",
        created_at=now,
    )


def check_path(ask_conversation_id: str | None, path_conversation_id: str) -> None:
    """A body's conversationId must be the path's, if sent."""
    if ask_conversation_id is not None and ask_conversation_id != path_conversation_id:
        raise ValidationError({"conversationId": [PATH_MISMATCH.format(path=path_conversation_id)]})
