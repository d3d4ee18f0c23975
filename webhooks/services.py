"""Every write to webhook endpoints and deliveries; each writes its endpoint event.

The API, the admin and the /ops pages call these; none of them decides a rule itself.
Who may act on which endpoint (a tenant its businesses', staff any) is the doors'
look-up (webhooks/selectors.py); what a valid endpoint is, is decided here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.models import User
from businesses.models import Business
from phonenumbers_app.api.representation import phone_number_representation
from phonenumbers_app.models import Billing, PhoneNumber, TenDlc
from phonenumbers_app.number_rows import row_of
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus
from webhooks import catalog, outbox, targets
from webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointEvent,
    WebhookMessage,
)
from webhooks.secrets import secret_encrypt, secret_generate

DESCRIPTION_MAX_LENGTH = WebhookEndpoint._meta.get_field("description").max_length
# After a rotation the previous secret signs too for this long, by default (at most a week).
DEFAULT_GRACE_SECONDS = 24 * 60 * 60
MAX_GRACE_SECONDS = 7 * 24 * 60 * 60
# An endpoint is disabled once it has failed this many attempts in a row, the first of
# them at least WEBHOOK_DISABLE_AFTER_SECONDS ago (settings).
UNKNOWN_TYPES = "Unknown event types: {types}. The catalog: GET /asyncapi.json."
EMPTY_TYPES = "Name at least one event type, or leave eventTypes out (null) for all of them."
EVENT_TYPE_FOR_TEST = "Choose one of the catalog's event types: {types}."
SAMPLE_NUMBER = "+14155550123"


def event_types_clean(value: Iterable[str] | None) -> list[str] | None:
    """The event types an endpoint may subscribe to: None (all), or known types, each once."""
    if value is None:
        return None
    types = list(dict.fromkeys(value))
    if not types:
        raise ValidationError({"eventTypes": [EMPTY_TYPES]})
    unknown = [t for t in types if t not in catalog.EVENT_TYPES]
    if unknown:
        raise ValidationError({"eventTypes": [UNKNOWN_TYPES.format(types=", ".join(unknown))]})
    return types


def _url_clean(url: str) -> str:
    try:
        return targets.url_check(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from None


def _description_clean(description: str) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError({"description": [f"At most {DESCRIPTION_MAX_LENGTH} characters."]})
    return description


def _record(
    endpoint: WebhookEndpoint,
    type: str,
    details: str,
    acting_user: User | None,
    data: dict[str, Any] | None = None,
) -> WebhookEndpointEvent:
    return WebhookEndpointEvent.objects.create(
        endpoint=endpoint,
        endpoint_url=endpoint.url,
        business_id=endpoint.business_id,
        type=type,
        details=details,
        actor=acting_user,
        actor_name=acting_user.display_name if acting_user else "System",
        data=data or {},
    )


def _who(acting_user: User | None) -> str:
    return acting_user.display_name if acting_user else "The system"


@transaction.atomic
def endpoint_create(
    *,
    acting_user: User,
    business: Business | None,
    url: str,
    event_types: Iterable[str] | None = None,
    description: str = "",
    enabled: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (the only time the secret is shown). `business`
    None: a global endpoint (the doors let only staff make one)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, clean, value in (
        ("url", _url_clean, url),
        ("event_types", event_types_clean, event_types),
        ("description", _description_clean, description),
    ):
        try:
            cleaned[name] = clean(value)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    secret = secret_generate()
    endpoint = WebhookEndpoint.objects.create(
        business=business,
        secret=secret_encrypt(secret),
        enabled=bool(enabled),
        created_by=acting_user,
        **cleaned,
    )
    _record(
        endpoint,
        WebhookEndpointEvent.Type.CREATED,
        f"{_who(acting_user)} added {endpoint.url}.",
        acting_user,
        data={"eventTypes": endpoint.event_types, "enabled": endpoint.enabled},
    )
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    acting_user: User,
    url: str | None = None,
    event_types: Iterable[str] | object | None = ...,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given (`event_types=None` means all types; leave it out to keep
    them). Enabling a disabled endpoint clears its failures and sends what waited."""
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = _editable(locked)
    errors: dict[str, list[str]] = {}
    try:
        if url is not None:
            locked.url = _url_clean(url)
        if event_types is not ...:
            locked.event_types = event_types_clean(event_types)  # type: ignore[arg-type]
        if description is not None:
            locked.description = _description_clean(description)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if enabled is not None and bool(enabled) != locked.enabled:
        locked.enabled = bool(enabled)
        if locked.enabled:
            _enable(locked, now)
        else:
            _park(locked)
    after = _editable(locked)
    changed = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
    if not changed:
        return locked
    locked.modified_at = now
    locked.save()
    _record(
        locked,
        WebhookEndpointEvent.Type.UPDATED,
        f"{_who(acting_user)} changed {', '.join(changed)}.",
        acting_user,
        data={
            "before": {k: v[0] for k, v in changed.items()},
            "after": {k: v[1] for k, v in changed.items()},
        },
    )
    return locked


def _editable(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "eventTypes": endpoint.event_types,
        "description": endpoint.description,
        "enabled": endpoint.enabled,
    }


def _enable(endpoint: WebhookEndpoint, now: datetime.datetime) -> None:
    endpoint.failure_streak, endpoint.failing_since = 0, None
    endpoint.disabled_at, endpoint.disabled_reason = None, ""
    woken = WebhookDelivery.objects.filter(
        endpoint=endpoint, state=WebhookDelivery.State.PENDING, next_attempt_at__isnull=True
    ).update(next_attempt_at=now)
    if woken:
        transaction.on_commit(outbox.wake_workers)


def _park(endpoint: WebhookEndpoint) -> None:
    """A disabled endpoint's waiting deliveries wait, unattempted, until it is enabled."""
    WebhookDelivery.objects.filter(endpoint=endpoint, state=WebhookDelivery.State.PENDING).update(
        next_attempt_at=None
    )


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, acting_user: User) -> None:
    """Delete the endpoint with its deliveries; its events stay (they copy its url)."""
    # Locked first, as a worker recording a batch locks it (webhooks/delivery.py record):
    # the delete then waits for that batch instead of deadlocking with it.
    WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
    _record(
        endpoint,
        WebhookEndpointEvent.Type.DELETED,
        f"{_who(acting_user)} deleted {endpoint.url}.",
        acting_user,
    )
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, acting_user: User, grace_seconds: int = DEFAULT_GRACE_SECONDS
) -> tuple[WebhookEndpoint, str]:
    """A new secret (returned, shown once); the current one keeps signing beside it for
    `grace_seconds` (0: stops at once)."""
    if not isinstance(grace_seconds, int) or not 0 <= grace_seconds <= MAX_GRACE_SECONDS:
        raise ValidationError(
            {"graceSeconds": [f"A whole number of seconds from 0 to {MAX_GRACE_SECONDS}."]}
        )
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    now = timezone.now()
    secret = secret_generate()
    if grace_seconds:
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = now + datetime.timedelta(seconds=grace_seconds)
    else:
        locked.previous_secret, locked.previous_secret_expires_at = "", None
    locked.secret = secret_encrypt(secret)
    locked.modified_at = now
    locked.save()
    _record(
        locked,
        WebhookEndpointEvent.Type.SECRET_ROTATED,
        f"{_who(acting_user)} rotated the secret; the previous one signs too for "
        f"{grace_seconds} s.",
        acting_user,
        data={"graceSeconds": grace_seconds},
    )
    return locked, secret


@transaction.atomic
def endpoint_disable_if_failing(endpoint_id: Any, *, now: datetime.datetime) -> bool:
    """Disable the endpoint if its run of failures is long enough (settings
    WEBHOOK_DISABLE_AFTER_FAILURES attempts, over WEBHOOK_DISABLE_AFTER_SECONDS); tell
    its owner's other endpoints (webhook_endpoint.disabled). Whether it disabled it."""
    from django.conf import settings

    locked = (
        WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id, enabled=True).first()
    )
    if locked is None or locked.failing_since is None:
        return False
    long_enough = now - locked.failing_since >= datetime.timedelta(
        seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS
    )
    if locked.failure_streak < settings.WEBHOOK_DISABLE_AFTER_FAILURES or not long_enough:
        return False
    locked.enabled = False
    locked.disabled_at = now
    locked.disabled_reason = disabled_reason(locked.failure_streak, locked.failing_since, now)
    locked.modified_at = now
    locked.save()
    _park(locked)
    _record(locked, WebhookEndpointEvent.Type.DISABLED, locked.disabled_reason, None)
    _tell_disabled(locked, now)
    return True


def disabled_reason(failures: int, failing_since: datetime.datetime, now: datetime.datetime) -> str:
    """Why an endpoint was disabled, in words that need no time zone (pages show
    failingSince in theirs)."""
    return (
        f"Disabled after {failures} failed attempts in a row over {timesince(failing_since, now)}."
    )


def _tell_disabled(endpoint: WebhookEndpoint, now: datetime.datetime) -> None:
    from webhooks.representation import endpoint_representation

    others = [
        e
        for e in WebhookEndpoint.objects.filter(business_id=endpoint.business_id, enabled=True)
        if e.wants(catalog.ENDPOINT_DISABLED)
    ]
    if not others:
        return
    message = WebhookMessage(
        event_type=catalog.ENDPOINT_DISABLED,
        business_id=endpoint.business_id,
        body=outbox.body_text(catalog.ENDPOINT_DISABLED, now, endpoint_representation(endpoint)),
        created_at=now,
    )
    outbox.queue(
        [message],
        [
            WebhookDelivery(message=message, endpoint=e, next_attempt_at=now, created_at=now)
            for e in others
        ],
    )


@transaction.atomic
def endpoint_send_test(
    *, endpoint: WebhookEndpoint, acting_user: User, event_type: str | None = None
) -> WebhookDelivery:
    """Send the endpoint a sample event (`event_type`, default its first; the data is an
    example, never a real number), through the outbox like any other."""
    types = endpoint.event_types or list(catalog.PHONE_NUMBER_TYPES)
    chosen = event_type or next((t for t in types if t in catalog.PHONE_NUMBER_TYPES), None)
    chosen = chosen or catalog.UPDATED
    if event_type is not None and event_type not in catalog.EVENT_TYPES:
        raise ValidationError(
            {"eventType": [EVENT_TYPE_FOR_TEST.format(types=", ".join(catalog.EVENT_TYPES))]}
        )
    now = timezone.now()
    message = WebhookMessage(
        event_type=chosen,
        business_id=endpoint.business_id,
        body=outbox.body_text(chosen, now, sample_data(chosen, endpoint), []),
        created_at=now,
    )
    delivery = WebhookDelivery(
        message=message, endpoint=endpoint, next_attempt_at=now, created_at=now
    )
    outbox.queue([message], [delivery])
    _record(
        endpoint,
        WebhookEndpointEvent.Type.TEST_SENT,
        f"{_who(acting_user)} sent a test {chosen} event ({message.webhook_id}).",
        acting_user,
        data={"eventType": chosen, "webhookId": message.webhook_id},
    )
    return delivery


def sample_data(event_type: str, endpoint: WebhookEndpoint) -> dict[str, Any]:
    """An example of the event's data: a made-up number (555-01xx is reserved for
    fiction), of the endpoint's business when it has one."""
    from webhooks.representation import endpoint_representation

    if not event_type.startswith("phone_number."):
        return endpoint_representation(endpoint)
    business = endpoint.business or Business(name="Example business")
    number = PhoneNumber(
        number=SAMPLE_NUMBER,
        name="Sample number",
        business=business,
        inventory_state=InventoryState.ASSIGNED,
        status=PhoneNumberStatus.ACTIVE,
        provider="simulated",
    )
    number.ten_dlc = TenDlc(phone_number=number)
    number.billing = Billing(phone_number=number, business=business)
    data = phone_number_representation(row_of(number))
    if event_type == catalog.UNASSIGNED:
        return outbox.number_reference(row_of(number))
    return data


@transaction.atomic
def delivery_resend(*, delivery: WebhookDelivery, acting_user: User) -> WebhookDelivery:
    """Send a delivery again now, with the same webhook-id (its attempts go on counting;
    a given-up delivery gets the full run of retries again)."""
    # Only the delivery's row is locked (of=self): workers lock endpoints before deliveries.
    locked = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint", "message")
        .get(pk=delivery.pk)
    )
    was = locked.state
    locked.state = WebhookDelivery.State.PENDING
    locked.next_attempt_at = timezone.now()
    locked.succeeded_at = None
    locked.attempts = 0 if locked.attempts > len(_delays()) else locked.attempts
    locked.save(update_fields=["state", "next_attempt_at", "succeeded_at", "attempts"])
    _record(
        locked.endpoint,
        WebhookEndpointEvent.Type.DELIVERY_RESENT,
        f"{_who(acting_user)} sent {locked.message.event_type} {locked.message.webhook_id} "
        f"again (it was {was}).",
        acting_user,
        data={"webhookId": locked.message.webhook_id, "deliveryId": str(locked.pk), "was": was},
    )
    transaction.on_commit(outbox.wake_workers)
    return locked


def _delays():
    from webhooks.delivery import retry_delays

    return retry_delays()
