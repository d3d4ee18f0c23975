"""Phone numbers, their 10DLC registration, billing, and their audit trail.

Every scalar of the contract's response is a real column so that operators can
filter and index on it. The rules that must hold under concurrency live in the
database as constraints, not only in Python.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Reverse, Upper
from django.utils import timezone

from businesses.models import Business
from core.ids import new_id
from core.models import TimeStampedModel
from phonenumbers_app.vocabularies import (
    EventType,
    InventoryState,
    PhoneNumberStatus,
    WarmupHealthState,
)


def _in(field: str, choices: type[models.TextChoices], *, nullable: bool = False) -> Q:
    condition = Q(**{f"{field}__in": choices.values})
    return condition | Q(**{f"{field}__isnull": True}) if nullable else condition


def not_null_index(field: str, name: str) -> models.Index:
    """An index of a nullable foreign key without its null rows.

    Lookups by a value (filters, and the foreign key's own ON DELETE checks, whose
    `column = $1` implies NOT NULL) use it all the same, and the many rows without a
    value (pool stock, imported numbers, events without an actor) cost no index entry.
    """
    return models.Index(fields=[field], condition=Q(**{f"{field}__isnull": False}), name=name)


def _selection_indexes() -> list[models.Index]:
    """A business's unreleased numbers with a column set, in list order from any point."""
    held = Q(business__isnull=False) & ~Q(inventory_state=InventoryState.RELEASED)
    return [
        models.Index(
            fields=["business", "number"], condition=held, name="phone_number_sel_area_idx"
        ),
        *(
            models.Index(
                fields=["business", column, "-created_at", "-id"],
                condition=held & Q(**{f"{column}__isnull": False}),
                name=f"phone_number_sel_{short}_idx",
            )
            for column, short in (
                ("location_state", "state"),
                ("campaign_id", "campaign"),
                ("source_id", "source"),
            )
        ),
        models.Index(
            fields=["business", "-created_at", "-id"],
            condition=held & Q(is_preferred=True),
            name="phone_number_sel_pref_idx",
        ),
    ]


class PhoneNumberQuerySet(models.QuerySet):
    def not_released(self) -> PhoneNumberQuerySet:
        return self.exclude(inventory_state=InventoryState.RELEASED)

    def pool(self) -> PhoneNumberQuerySet:
        """Claimable inventory: unassigned, enabled, Available, not held for internal use."""
        return self.filter(
            business__isnull=True,
            enabled=True,
            inventory_state=InventoryState.AVAILABLE,
            is_internal_pool=False,
        )


class PhoneNumber(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=new_id)
    number = models.CharField(max_length=16, help_text="E.164, e.g. +14155552671.")
    name = models.CharField(max_length=255)
    # Indexed by phone_number_created_idx (created_at DESC, id DESC), which also serves
    # MIN/MAX and ranges; a second index on the column would only slow every insert.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The seed's published document's `phoneIdentityId`: the canonical identity of the
    # number at the provider. Null until something (the provider sync) sets it; it stays
    # with the number when it changes owner.
    phone_identity_id = models.CharField(max_length=255, null=True, blank=True)

    # --- Ownership ---
    # db_index=False: phone_number_business_idx leads with business_id and serves both
    # the filter and the foreign key's checks.
    business = models.ForeignKey(
        Business,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="phone_numbers",
        db_index=False,
    )
    # Indexed in Meta without its nulls (pool stock has no user): see not_null_index.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phone_numbers",
        help_text="The user the number was created or claimed for.",
        db_index=False,
    )
    # teamId/sourceId/campaignId are also shown as routing.teamId/sourceId/campaignId.
    team_id = models.CharField(max_length=255, null=True, blank=True)
    campaign_id = models.CharField(max_length=255, null=True, blank=True)
    source_id = models.CharField(max_length=255, null=True, blank=True)
    leadping_owned = models.BooleanField(default=False)

    # --- Provider ---
    provider = models.CharField(max_length=64, null=True, blank=True)
    provider_phone_number_id = models.CharField(max_length=255, null=True, blank=True)
    provider_order_id = models.CharField(max_length=255, null=True, blank=True)
    provider_order_status = models.CharField(max_length=64, null=True, blank=True)
    provider_status = models.CharField(max_length=64, null=True, blank=True)
    provider_error = models.TextField(null=True, blank=True)
    provider_synced_at = models.DateTimeField(null=True, blank=True)
    provider_released_at = models.DateTimeField(null=True, blank=True)

    # --- State ---
    inventory_state = models.CharField(
        max_length=32, choices=InventoryState.choices, default=InventoryState.AVAILABLE
    )
    status = models.CharField(
        max_length=32, choices=PhoneNumberStatus.choices, default=PhoneNumberStatus.UNREGISTERED
    )
    enabled = models.BooleanField(default=True)

    # --- Capabilities ---
    capability_sms = models.BooleanField(default=True)
    capability_voice = models.BooleanField(default=True)
    capability_warmup = models.BooleanField(default=True)
    capability_testing = models.BooleanField(default=False)

    # --- Routing ---
    routing_sms_enabled = models.BooleanField(default=False)
    routing_voice_enabled = models.BooleanField(default=False)
    routing_warmup_only = models.BooleanField(default=False)
    routing_internal_test_only = models.BooleanField(default=False)
    routing_messaging_profile_id = models.CharField(max_length=255, null=True, blank=True)
    routing_voice_connection_id = models.CharField(max_length=255, null=True, blank=True)
    # The seed's published document's `routing.tenDlcApplicationId`: the owner's 10DLC
    # application, cleared with the rest of its 10DLC data on a change of owner.
    routing_ten_dlc_application_id = models.CharField(max_length=255, null=True, blank=True)

    # --- Flags ---
    is_preferred = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False)
    is_internal_pool = models.BooleanField(default=False)
    is_approved_test_destination = models.BooleanField(default=False)
    is_messaging_program_approved = models.BooleanField(default=False)

    # --- Location (derived from the number unless known) ---
    location_description = models.CharField(max_length=255, null=True, blank=True)
    location_state = models.CharField(max_length=64, null=True, blank=True)
    location_country_code = models.CharField(max_length=2, null=True, blank=True)

    # --- Warmup and health ---
    warmup_enabled = models.BooleanField(default=False)
    warmup_state = models.CharField(
        max_length=32,
        choices=WarmupHealthState.choices,
        null=True,
        blank=True,
        default=WarmupHealthState.NOT_STARTED,
    )
    health_status = models.CharField(
        max_length=32,
        choices=WarmupHealthState.choices,
        null=True,
        blank=True,
        default=WarmupHealthState.NOT_STARTED,
    )
    warmup_health_score = models.PositiveSmallIntegerField(default=0)
    warmup_progress_percent = models.PositiveSmallIntegerField(default=0)
    warmup_next_action_at = models.DateTimeField(null=True, blank=True)
    warmup_pause_reason = models.TextField(null=True, blank=True)
    health_reason = models.TextField(null=True, blank=True)

    # Bumped by every service that changes the row; the API's ETag is derived from it.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PhoneNumberQuerySet.as_manager()

    class Meta:
        constraints = [
            # A number can be re-created after release, so uniqueness excludes Released rows.
            models.UniqueConstraint(
                fields=["number"],
                condition=~Q(inventory_state=InventoryState.RELEASED),
                name="phone_number_unique_unreleased",
                violation_error_message="This number already exists and is not released.",
            ),
            models.UniqueConstraint(
                fields=["business"],
                condition=Q(is_default=True),
                name="phone_number_one_default_per_business",
                violation_error_message="The business already has a default number.",
            ),
            models.CheckConstraint(condition=Q(number__startswith="+"), name="phone_number_e164"),
            models.CheckConstraint(
                condition=Q(warmup_health_score__gte=0, warmup_health_score__lte=100),
                name="phone_number_health_score_range",
            ),
            models.CheckConstraint(
                condition=Q(warmup_progress_percent__gte=0, warmup_progress_percent__lte=100),
                name="phone_number_progress_range",
            ),
            models.CheckConstraint(
                condition=_in("inventory_state", InventoryState),
                name="phone_number_inventory_state_valid",
            ),
            models.CheckConstraint(
                condition=_in("status", PhoneNumberStatus), name="phone_number_status_valid"
            ),
            models.CheckConstraint(
                condition=_in("warmup_state", WarmupHealthState, nullable=True),
                name="phone_number_warmup_state_valid",
            ),
            models.CheckConstraint(
                condition=_in("health_status", WarmupHealthState, nullable=True),
                name="phone_number_health_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(inventory_state=InventoryState.ASSIGNED) | Q(business__isnull=False),
                name="phone_number_assigned_has_business",
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(business__isnull=False),
                name="phone_number_default_has_business",
            ),
            # Available means "in the pool": a number of a business is never Available.
            models.CheckConstraint(
                condition=~Q(inventory_state=InventoryState.AVAILABLE) | Q(business__isnull=True),
                name="phone_number_available_is_unassigned",
            ),
        ]
        # Every index costs every insert (imports most), so each one is here for a query the
        # product runs, written next to it. Single-column indexes of the states and the
        # provider are gone: a filter on one of them matches a large share of the rows, and
        # walking phone_number_created_idx finds a page of them sooner than any of these.
        indexes = [
            # WHERE number = '+14155552671' (search by a whole number, the admin's number
            # lookups), WHERE number >= '+1415' AND number < '+1416' (search by area code
            # or first digits) and ORDER BY number, id (orderBy=number, both directions).
            models.Index(fields=["number", "id"], name="phone_number_number_idx"),
            # WHERE reverse(number) >= '1762' AND reverse(number) < '1763' (search by the
            # last digits, e.g. "2671"). Area codes are ranges on the number itself:
            # phone_number_number_idx.
            models.Index(Reverse("number"), name="phone_number_number_suffix_idx"),
            # WHERE upper(name) LIKE upper('%front%') (search by name: name__icontains).
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="phone_number_name_trgm"),
            # ORDER BY name, id (orderBy=name, both directions).
            models.Index(fields=["name", "id"], name="phone_number_name_idx"),
            # SELECT inventory_state, status, warmup_state, health_status, count(*) ... GROUP
            # BY 1, 2, 3, 4 (the dashboard, an index-only scan of this narrow index instead of
            # the 800-byte rows) and WHERE inventory_state = ... [AND status = ...] (filters).
            models.Index(
                fields=["inventory_state", "status", "warmup_state", "health_status"],
                name="phone_number_states_idx",
            ),
            # WHERE business_id = ... ORDER BY created_at DESC, id DESC: a tenant's list page,
            # read in order; also the foreign key's checks and the businessId filter.
            models.Index(
                fields=["business", "-created_at", "-id"], name="phone_number_business_idx"
            ),
            # A page of businesses counted by inventory state (the /ops businesses index, a
            # business's page): an index-only scan of their numbers' entries. Without it,
            # 50 businesses of 60,000 numbers took a 340 ms scan of a million numbers.
            models.Index(fields=["business", "inventory_state"], name="phone_number_biz_state_idx"),
            # ORDER BY created_at DESC, id DESC: the default list order (and its reverse,
            # orderBy=createdAt), MIN/MAX and createdAt ranges.
            models.Index(fields=["-created_at", "-id"], name="phone_number_created_idx"),
            # ORDER BY modified_at DESC NULLS LAST, id DESC (orderBy=-modifiedAt) and the
            # dashboard's "needs attention", newest change first.
            models.Index(
                F("modified_at").desc(nulls_last=True),
                F("id").desc(),
                name="phone_number_modified_idx",
            ),
            # ORDER BY modified_at ASC NULLS LAST, id (orderBy=modifiedAt): nulls last in
            # both directions takes a second index on a nullable column.
            models.Index(fields=["modified_at", "id"], name="phone_number_modified_asc_idx"),
            # ORDER BY warmup_health_score, id (orderBy=warmupHealthScore, both directions).
            models.Index(
                fields=["warmup_health_score", "id"], name="phone_number_health_score_idx"
            ),
            # ORDER BY warmup_progress_percent, id (orderBy=warmupProgressPercent).
            models.Index(
                fields=["warmup_progress_percent", "id"], name="phone_number_progress_idx"
            ),
            # WHERE is_internal_pool ORDER BY created_at DESC, id DESC (isInternalPool=true):
            # the few numbers held for internal use, never a tenant's, so without it a
            # tenant's filter walks every number of the business to find none. The
            # business id and state ride along for that filter (a tenant's excludes
            # released numbers): an index-only scan.
            models.Index(
                fields=["-created_at", "-id"],
                include=["business", "inventory_state"],
                condition=Q(is_internal_pool=True),
                name="phone_number_internal_pool_idx",
            ),
            # WHERE is_preferred ORDER BY created_at DESC, id DESC (the admin's "preferred"
            # filter, and the business's preferred numbers): under 1% of the numbers, so
            # without it the filter's page and its count-ahead read ~75,000 rows (36 ms).
            models.Index(
                fields=["-created_at", "-id"],
                include=["business"],
                condition=Q(is_preferred=True),
                name="phone_number_preferred_idx",
            ),
            # WHERE business_id IN (...) AND NOT enabled AND not Released ORDER BY created_at
            # DESC, id DESC (a tenant's enabled=false: tenants never see released numbers,
            # which are all disabled). Few rows; without it a business with none left
            # walks every number it holds (4.3 s for 100,000).
            models.Index(
                fields=["business", "-created_at", "-id"],
                condition=Q(enabled=False) & ~Q(inventory_state=InventoryState.RELEASED),
                name="phone_number_disabled_idx",
            ),
            # The outgoing-number selection's rules (outgoing/candidates.py), each a walk of
            # one business's numbers that match, from a random point, not of all of them
            # (10,000 for a large business): numbers in an area code (WHERE business_id =
            # ... AND number >= '+14155550123' AND number < '+1416' ORDER BY number) or in
            # a state, routed to a campaign or a source, preferred (... AND created_at <=
            # ... ORDER BY created_at DESC, id DESC). Only unreleased numbers are candidates.
            *_selection_indexes(),
            # WHERE provider = ... AND provider_phone_number_id = ...: a provider's webhook
            # or reconciliation finds the number by the provider's own id; and a provider
            # account's numbers, listed for reconciliation, without the numbers of others.
            models.Index(
                fields=["provider", "provider_phone_number_id"],
                condition=Q(provider_phone_number_id__isnull=False),
                name="phone_number_provider_id_idx",
            ),
            # Released here, not yet confirmed released at the provider: the few numbers
            # the release job asks about again (providers/releases.py).
            models.Index(
                fields=["provider", "modified_at"],
                condition=Q(inventory_state=InventoryState.RELEASED)
                & Q(provider_released_at__isnull=True)
                & Q(provider_phone_number_id__isnull=False),
                name="phone_number_release_due_idx",
            ),
            # WHERE user_id = ...: the foreign key's SET NULL when a user is deleted.
            not_null_index("user", "phone_number_user_idx"),
            # The claim query walks exactly this index: preferred first, then oldest.
            models.Index(
                fields=["-is_preferred", "created_at", "id"],
                condition=Q(
                    business__isnull=True,
                    enabled=True,
                    inventory_state=InventoryState.AVAILABLE,
                    is_internal_pool=False,
                ),
                name="phone_number_pool_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number  # E.164: how people name a number

    @property
    def etag(self) -> str:
        """Strong entity tag of the current representation, for If-Match."""
        return f'"{self.pk.hex[:12]}-{self.version}"'

    @property
    def is_released(self) -> bool:
        return self.inventory_state == InventoryState.RELEASED


class TenDlc(models.Model):
    """A2P 10DLC registration of one number: brand, campaign and their statuses."""

    phone_number = models.OneToOneField(
        PhoneNumber, primary_key=True, on_delete=models.CASCADE, related_name="ten_dlc"
    )
    brand_id = models.CharField(max_length=255, null=True, blank=True)
    campaign_id = models.CharField(max_length=255, null=True, blank=True)
    # Indexed in Meta: a plain b-tree, without the varchar_pattern_ops twin Django adds
    # for db_index=True (campaign statuses are matched exactly, never with LIKE).
    campaign_status = models.CharField(max_length=64, null=True, blank=True)
    assignment_status = models.CharField(max_length=64, null=True, blank=True)
    messaging_profile_id = models.CharField(max_length=255, null=True, blank=True)
    status_updated_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(null=True, blank=True)
    last_provider_event_id = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        verbose_name = "10DLC registration"
        indexes = [models.Index(fields=["campaign_status"], name="ten_dlc_campaign_status_idx")]

    def __str__(self) -> str:
        return f"10DLC of {self.phone_number}"


class Billing(models.Model):
    """Who pays for one number, and how much per month."""

    phone_number = models.OneToOneField(
        PhoneNumber, primary_key=True, on_delete=models.CASCADE, related_name="billing"
    )
    # Both indexed in Meta without their nulls (pool stock is nobody's).
    business = models.ForeignKey(
        Business,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    subscription_item_id = models.CharField(max_length=255, null=True, blank=True)
    monthly_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    channel = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        verbose_name = "billing"
        verbose_name_plural = "billing"
        indexes = [
            not_null_index("business", "billing_business_idx"),
            not_null_index("user", "billing_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_amount__gte=0) | Q(monthly_amount__isnull=True),
                name="billing_amount_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"Billing of {self.phone_number}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Phone number events are append-only; they cannot be updated.")

    def delete(self):
        raise TypeError("Phone number events are append-only; they cannot be deleted.")


class PhoneNumberEvent(models.Model):
    """One thing that happened to a phone number. Append-only: never updated or deleted.

    - `type`: what happened, from EventType, e.g. "assigned".
    - `title`: one line for people, e.g. "Claimed from the inventory pool".
    - `details`: a longer sentence, e.g. "Assigned +14155552671 to Acme Roofing.".
    - `actor`/`actor_name`: who did it; the name is copied so the trail still reads
      right after the user is renamed or deleted (then `actor` becomes null).
      `actor_is_staff`: whether that was a staff member then; tenants see staff
      actions as "Support", never the person.
    - `business`: the business that owned the number when it happened (null: the
      pool). History belongs to that owner: a tenant sees only its own part.
    - `data`: before → after of the fields that changed, e.g.
      {"before": {"inventoryState": "Available"}, "after": {"inventoryState": "Assigned"}}.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    # db_index=False: event_timeline_idx leads with phone_number_id.
    phone_number = models.ForeignKey(
        PhoneNumber, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    type = models.CharField(max_length=32, choices=EventType.choices)
    title = models.CharField(max_length=255)
    details = models.TextField(null=True, blank=True)
    # Indexed in Meta without its nulls (imports and system events have no actor).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor_name = models.CharField(max_length=255, null=True, blank=True)
    actor_is_staff = models.BooleanField(default=False)
    # Indexed in Meta without its nulls (pool events): deleting a business finds its
    # events through it. SET_NULL: the number's trail outlives a deleted business,
    # then visible to staff only.
    business = models.ForeignKey(
        Business,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["phone_number", "-created_at", "-id"], name="event_timeline_idx"),
            # The events admin filtered by type, newest first: WHERE type = %s ORDER BY
            # created_at DESC, id DESC LIMIT 100 (its rarest type: 896 ms without it at
            # three million events, 34 ms with it).
            models.Index(fields=["type", "-created_at", "-id"], name="event_type_time_idx"),
            not_null_index("actor", "event_actor_idx"),
            not_null_index("business", "event_business_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=_in("type", EventType), name="event_type_valid")
        ]

    def __str__(self) -> str:
        return f"{self.phone_number}: {self.title}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError("Phone number events are append-only; they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Phone number events are append-only; they cannot be deleted.")


class BulkActionRun(models.Model):
    """One operator action on a selection of numbers from /ops/ (pages/bulk.py).

    The selection is frozen when the operator confirms: its ids are resolved then and
    travel with the chunks (services/bulk.py), so numbers that match the filter later are
    not touched. Each number goes through the action's own service (its event names the
    operator); this row only counts: done, skipped by the action's rule (operator_actions:
    why_not, by reason) and failed (with the service's reason, the first ERRORS_KEPT).
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    ERRORS_KEPT = 100

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)  # an operator_actions slug
    data = models.JSONField(default=dict, blank=True)  # the action's form data
    query = models.TextField(blank=True, default="")  # the list's query, for the way back
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped_reasons = models.JSONField(default=dict, blank=True)  # reason -> count
    errors = models.JSONField(default=list, blank=True)  # "number: reason"
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_recorded = models.JSONField(default=list, blank=True)  # indexes, once each
    error = models.TextField(blank=True, default="")  # why the run itself failed
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-started_at"], name="bulk_run_started_idx")]

    def __str__(self) -> str:
        return f"{self.action} on {self.total} numbers at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def processed(self) -> int:
        return self.done + self.skipped + self.failed
