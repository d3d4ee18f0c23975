"""Outbound webhooks: what the inventory tells integrations, and how each telling went.

(Inbound webhooks, from telecom providers, are providers/webhooks.)

- WebhookEndpoint: a URL an integration gave us, the event types it wants, its signing
  secret(s). A business's (its tenants manage it) or global (staff only: every business).
- WebhookMessage: one event to tell, written in the transaction of the change that
  caused it (the transactional outbox). Its id is the `webhook-id` receivers deduplicate
  on; its body is the exact JSON sent, so every attempt signs the same bytes.
- WebhookDelivery: one message to one endpoint: its state, attempts and next retry.
- WebhookAttempt: one HTTP request of a delivery and what came back.
- WebhookEndpointEvent: what happened to an endpoint (created, secret rotated, disabled
  after failures...), for its page and the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from businesses.models import Business
from core.ids import new_id
from phonenumbers_app.models import PhoneNumber

URL_MAX_LENGTH = 2048


class WebhookEndpoint(models.Model):
    """Where an integration wants events sent.

    - `business`: whose numbers it hears about; null: a global endpoint (staff), which
      hears about every business's numbers and the pool's.
    - `event_types`: the catalog's types it wants (webhooks/catalog.py); null: all,
      including types added later.
    - `secret`, `previous_secret`: encrypted at rest (webhooks/secrets.py). After a
      rotation the previous secret signs too until `previous_secret_expires_at`, so a
      receiver can switch without missing a message.
    - `failure_streak`, `failing_since`: attempts failed in a row and since when; a
      success resets them. A long enough run disables the endpoint (webhooks/delivery.py).
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    business = models.ForeignKey(
        Business, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField(max_length=URL_MAX_LENGTH)
    description = models.CharField(max_length=255, blank=True, default="")
    event_types = models.JSONField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    secret = models.TextField()
    previous_secret = models.TextField(blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    failure_streak = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=255, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    modified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The outbox's look-up of who wants a change: a business's enabled endpoints
            # and the global ones (business IS NULL), on every write.
            models.Index(
                fields=["business"], condition=Q(enabled=True), name="webhook_endpoint_live_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types


class WebhookMessage(models.Model):
    """One event to tell integrations, as it will be sent (the outbox).

    `business`: the business the event concerns (whose endpoints may hear it; null: the
    pool, global endpoints only). `body`: the JSON text every attempt sends.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    event_type = models.CharField(max_length=64)
    business = models.ForeignKey(
        Business,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    phone_number = models.ForeignKey(
        PhoneNumber,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # The audit event it tells of (phonenumbers_app.PhoneNumberEvent), when there is one.
    source_event_id = models.UUIDField(null=True, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The purge of messages past the retention window, oldest first.
            models.Index(fields=["created_at"], name="webhook_message_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_id}"

    @property
    def webhook_id(self) -> str:
        """The `webhook-id` header: the same on every attempt, to every endpoint."""
        return f"msg_{self.id.hex}"


class WebhookDelivery(models.Model):
    """One message to one endpoint.

    PENDING until an attempt gets a 2xx (SUCCEEDED) or the retries run out (FAILED).
    `next_attempt_at`: when a worker may try it (null once it is settled);
    `leased_until`: a worker took it and is sending; if that worker dies the lease runs
    out and another takes it, so nothing is lost (at least once: receivers deduplicate
    on the webhook-id).
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    succeeded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "endpoint"], name="webhook_delivery_once_per_endpoint"
            )
        ]
        indexes = [
            # The workers' queue: pending deliveries by when they are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="webhook_delivery_due_idx",
            ),
            # An endpoint's deliveries, newest first (its page, the API's list).
            models.Index(
                fields=["endpoint", "-created_at", "-id"], name="webhook_delivery_endpoint_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what came back, or why nothing did."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log", db_index=False
    )
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    # The start of the receiver's answer, for whoever debugs it.
    response_body = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["delivery", "attempted_at"], name="webhook_attempt_delivery_idx")
        ]

    def __str__(self) -> str:
        outcome = self.status_code or self.error or "attempt"
        return f"{outcome} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"


class WebhookEndpointEvent(models.Model):
    """One thing that happened to an endpoint. Append-only.

    The endpoint's url and business are copied, so the trail outlives a deleted endpoint.
    """

    class Type(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        SECRET_ROTATED = "secret_rotated", "Secret rotated"
        DISABLED = "disabled", "Disabled after failures"
        DELETED = "deleted", "Deleted"

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    endpoint_url = models.CharField(max_length=URL_MAX_LENGTH)
    business = models.ForeignKey(
        Business, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    type = models.CharField(max_length=32, choices=Type.choices)
    details = models.TextField(blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=255, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.endpoint_url}"
