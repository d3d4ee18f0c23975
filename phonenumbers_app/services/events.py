"""Writing the audit trail: every service records its change through `event_record`."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import models
from django.utils.text import Truncator

from accounts.models import User
from businesses.models import Business
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.services.locking import touch
from phonenumbers_app.vocabularies import EventType

TITLE_MAX_LENGTH = PhoneNumberEvent._meta.get_field("title").max_length

# Model field → the name the API (and so the event's before/after) uses for it.
API_NAMES: dict[str, str] = {
    "business_id": "businessId",
    "user_id": "userId",
    "routing_sms_enabled": "routing.smsEnabled",
    "routing_voice_enabled": "routing.voiceEnabled",
    "routing_warmup_only": "routing.warmupOnly",
    "routing_internal_test_only": "routing.internalTestOnly",
    "routing_messaging_profile_id": "routing.messagingProfileId",
    "routing_voice_connection_id": "routing.voiceConnectionId",
    "routing_ten_dlc_application_id": "routing.tenDlcApplicationId",
    "capability_sms": "capabilities.sms",
    "capability_voice": "capabilities.voice",
    "capability_warmup": "capabilities.warmup",
    "capability_testing": "capabilities.testing",
    "location_description": "location.location",
    "location_state": "location.state",
    "location_country_code": "location.countryCode",
}


@cache
def api_name(field: str, prefix: str = "") -> str:
    if not prefix and field in API_NAMES:
        return API_NAMES[field]
    head, *rest = field.split("_")
    name = head + "".join(part.title() for part in rest)
    return f"{prefix}.{name}" if prefix else name


def snapshot(instance: models.Model, fields: tuple[str, ...], prefix: str = "") -> dict[str, Any]:
    """{api name: value} of `fields` of `instance`, for an event's before/after."""
    return {api_name(field, prefix): getattr(instance, field) for field in fields}


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Only what differs: {"before": {...}, "after": {...}}."""
    changed = [key for key in after if before.get(key) != after[key]]
    return {
        "before": {key: before.get(key) for key in changed},
        "after": {key: after[key] for key in changed},
    }


def save_and_record(
    phone_number: PhoneNumber,
    fields: tuple[str, ...],
    before: dict[str, Any],
    *,
    type: EventType,
    title: str,
    details: str | None,
    acting_user: User | None,
) -> PhoneNumberEvent:
    """Save `fields` of a locked number as a new version, and record what changed in them
    since `before` (their snapshot taken before the change) as one event."""
    touch(phone_number)
    phone_number.save(update_fields=[*fields, "modified_at", "version"])
    return event_record(
        phone_number=phone_number,
        type=type,
        title=title,
        details=details,
        acting_user=acting_user,
        data=changes(before, snapshot(phone_number, fields)),
    )


_CURRENT_OWNER: Any = object()


def new_event(
    *,
    phone_number: PhoneNumber,
    type: EventType | str,
    title: str,
    details: str | None,
    acting_user: User | None,
    data: dict[str, Any] | None = None,
    business: Business | None = _CURRENT_OWNER,
    actor_name: str | None = None,
) -> PhoneNumberEvent:
    """One event of `phone_number`, not yet saved (event_record saves it; imports save
    many at once).

    `business`: whose history it belongs to; by default the number's owner now (an
    ownership change names the owner each of its events concerns). `actor_name`: the
    name to record when there is no acting user (an import, the system).
    """
    owner = phone_number.business_id if business is _CURRENT_OWNER else business
    return PhoneNumberEvent(
        phone_number=phone_number,
        business_id=getattr(owner, "pk", owner),
        type=type,
        title=Truncator(title).chars(TITLE_MAX_LENGTH),
        details=details,
        actor=acting_user,
        actor_name=acting_user.display_name if acting_user else actor_name,
        actor_is_staff=bool(acting_user and acting_user.is_staff),
        data=data or {},
    )


def event_record(**kwargs: Any) -> PhoneNumberEvent:
    """Append one event to a number's trail (see new_event); call inside the write's
    transaction."""
    event = new_event(**kwargs)
    event.save(force_insert=True)
    events_published([event])
    return event


def events_record(events: Sequence[PhoneNumberEvent]) -> None:
    """Append several events (new_event's), e.g. a change of owner's, in one statement."""
    PhoneNumberEvent.objects.bulk_create(events, batch_size=1000)
    events_published(events)


def events_published(events: Sequence[PhoneNumberEvent]) -> None:
    """Hand events just written to the webhooks' outbox, in the same transaction: every
    writer of events calls this (event_record, events_record, and the bulk writers of
    imports and the warmup engine), so every door's change tells integrations alike."""
    # Imported when called: the webhooks app is built on this one.
    from webhooks.outbox import publish

    publish(events)
