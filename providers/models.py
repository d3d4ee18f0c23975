"""What the inventory keeps of its conversations with providers.

- ProviderEvent: each inbound webhook, raw, once per (provider, event id).
- NumberOrder / NumberOrderItem: a purchase of numbers and what became of each one.
- ReconciliationReport / ReconciliationFinding: a provider account compared with the
  inventory, and what an operator chose to do about each difference.
- SimulatedNumber: the simulated provider's own stock (it plays a provider, so it keeps
  its side apart from the inventory's).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from businesses.models import Business
from core.ids import new_id
from phonenumbers_app.models import PhoneNumber


class ProviderEvent(models.Model):
    """One webhook a provider sent us, stored as it came, before it is acted on.

    The unique (provider, event id) makes a retried delivery a no-op: it is stored once
    and processed once (providers/webhooks). `body` is the raw request body (JSON for
    Telnyx and the simulated provider, a form for Twilio).
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"  # stored; a task will process it
        PROCESSED = "processed", "Processed"  # acted on
        IGNORED = "ignored", "Ignored"  # a type we do not handle, or about nothing we hold
        FAILED = "failed", "Failed"  # out of retries; `error` says why

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    provider = models.CharField(max_length=16)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=128, blank=True, default="")
    body = models.TextField()
    content_type = models.CharField(max_length=128, blank=True, default="")
    occurred_at = models.DateTimeField(null=True, blank=True)  # as the provider says
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    # The number it concerned, once processing found it (for the number's page and admin).
    phone_number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="provider_event_unique_delivery"
            )
        ]
        indexes = [
            # The admin's list, newest first.
            models.Index(fields=["-received_at"], name="provider_event_received_idx"),
            # The sweep of events a lost task left unprocessed: few rows.
            models.Index(
                fields=["received_at"],
                condition=Q(status="received"),
                name="provider_event_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type or 'event'} {self.event_id}"


class NumberOrder(models.Model):
    """A purchase of numbers at one provider: by area code and quantity, or listed numbers.

    A task searches and orders in batches (providers/orders.py); each number becomes a
    NumberOrderItem and, once bought, a PhoneNumber in Provisioning, then Active or
    FailedProvisioning when the provider says so.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Searching and ordering"
        WAITING = "waiting", "Waiting for the provider"  # ordered; completion comes by webhook
        COMPLETED = "completed", "Completed"  # every number Active or failed
        FAILED = "failed", "Failed"  # the order itself failed (see `error`)

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    provider = models.CharField(max_length=16)
    area_code = models.CharField(max_length=8, blank=True, default="")
    numbers = models.JSONField(default=list, blank=True)  # numbers asked for by name
    quantity = models.PositiveIntegerField()
    business = models.ForeignKey(
        Business, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["-created_at"], name="number_order_created_idx")]

    def __str__(self) -> str:
        what = f"area code {self.area_code}" if self.area_code else "listed numbers"
        return f"{self.quantity} numbers ({what}) at {self.provider}"


class NumberOrderItem(models.Model):
    """One number of an order, from the moment the provider offered it."""

    class Status(models.TextChoices):
        ORDERED = "ordered", "Ordered"  # asked for; in the inventory as Provisioning
        ACTIVE = "active", "Active"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    order = models.ForeignKey(NumberOrder, on_delete=models.CASCADE, related_name="items")
    number = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ORDERED)
    phone_number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider_order_id = models.CharField(max_length=255, blank=True, default="")
    provider_phone_number_id = models.CharField(max_length=255, blank=True, default="")
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="number_order_item_unique")
        ]
        indexes = [
            # A webhook's order id finds its items.
            models.Index(
                fields=["provider_order_id"],
                condition=~Q(provider_order_id=""),
                name="number_order_item_prov_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.status})"


class ReconciliationReport(models.Model):
    """One comparison of a provider account's numbers with the inventory's."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    provider = models.CharField(max_length=16)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    at_provider = models.PositiveIntegerField(default=0)  # numbers the account holds
    in_inventory = models.PositiveIntegerField(default=0)  # unreleased numbers of the provider
    matched = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["provider", "-started_at"], name="reconcile_report_latest_idx")
        ]

    def __str__(self) -> str:
        return f"{self.provider} reconciliation at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ReconciliationFinding(models.Model):
    """One difference between a provider account and the inventory."""

    class Kind(models.TextChoices):
        UNKNOWN = "unknown", "At the provider, not in the inventory"
        GONE = "gone", "In the inventory, gone at the provider"
        MISMATCH = "mismatch", "Set up differently at the provider"

    class Resolution(models.TextChoices):
        OPEN = "open", "Open"
        ADOPTED = "adopted", "Adopted as pool inventory"
        LEFT = "left", "Left alone"
        RELEASED = "released", "Released in the inventory"
        FIXED = "fixed", "Provider set up as the inventory says"
        UPDATED = "updated", "Inventory took the provider's values"

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    report = models.ForeignKey(
        ReconciliationReport, on_delete=models.CASCADE, related_name="findings"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    number = models.CharField(max_length=16)
    provider_phone_number_id = models.CharField(max_length=255, blank=True, default="")
    phone_number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # For a mismatch: {field: {"inventory": ..., "provider": ...}}; otherwise what the
    # provider said of the number (status, profile, campaign).
    details = models.JSONField(default=dict, blank=True)
    resolution = models.CharField(
        max_length=16, choices=Resolution.choices, default=Resolution.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "number"]
        indexes = [models.Index(fields=["report", "kind", "number"], name="reconcile_finding_idx")]

    def __str__(self) -> str:
        return f"{self.number}: {self.get_kind_display()}"


class SimulatedNumber(models.Model):
    """A number the simulated provider has sold (its account's holdings).

    Numbers for sale are not stored: the simulated provider makes them up from the area
    code, the same ones each time, minus those it has sold.
    """

    number = models.CharField(max_length=16, primary_key=True)
    provider_phone_number_id = models.CharField(max_length=64, unique=True)
    order_id = models.CharField(max_length=64)
    status = models.CharField(max_length=32, default="purchase-pending")
    messaging_profile_id = models.CharField(max_length=255, blank=True, default="")
    connection_id = models.CharField(max_length=255, blank=True, default="")
    campaign_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number"]
        indexes = [models.Index(fields=["order_id"], name="simulated_number_order_idx")]

    def __str__(self) -> str:
        return self.number
