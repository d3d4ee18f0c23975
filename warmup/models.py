"""Warmup plans, the engine's state per number, message outcomes and their daily roll-up.

Outcomes are kept only as identities (to count a repeated report once) and for the
recent-events view, for a configurable window; what the engine and the answers read is
`DailyStats`, one row per number, owner and Eastern-time day, upserted in the same
transaction as the outcomes it counts.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from businesses.models import Business
from core.ids import new_id
from phonenumbers_app.models import PhoneNumber
from warmup.vocabularies import Channel, Direction, EngineAction, Outcome, PacingStatus


def default_voice_stages() -> list[int]:
    return [10, 25, 50, 100, 200]


def percent(default: float) -> models.DecimalField:
    return models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=default,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )


def _number_of(row: models.Model) -> str:
    """The E.164 number of a row's phone number, or its id when the row outlived it (a
    foreign key without a database constraint, for the engine's hot tables)."""
    try:
        return row.phone_number.number
    except PhoneNumber.DoesNotExist:
        return str(row.phone_number_id)


class WarmupPlan(models.Model):
    """How a number's sending limits ramp up, and the health signals that stop them.

    SMS per day ramps geometrically from `sms_daily_start` on day 1 to
    `sms_daily_target` on the last day; an hour may use `sms_hour_percent` of the day's
    allowance and a minute at most `sms_minute_max`. Voice runs in five stages (0-4)
    spread evenly over the plan, each with its calls per day.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    is_default = models.BooleanField(
        default=False,
        help_text="The plan of every number without one of its own or its business's.",
    )
    duration_days = models.PositiveSmallIntegerField(
        default=21, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    # --- SMS ramp ---
    sms_daily_start = models.PositiveIntegerField(default=20, validators=[MinValueValidator(1)])
    sms_daily_target = models.PositiveIntegerField(default=1000, validators=[MinValueValidator(1)])
    sms_hour_percent = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    sms_minute_max = models.PositiveIntegerField(default=10, validators=[MinValueValidator(1)])
    # --- Voice stages 0-4 ---
    voice_stage_daily = models.JSONField(
        default=default_voice_stages, help_text="Calls per day in stages 0, 1, 2, 3 and 4."
    )
    voice_hour_percent = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    voice_minute_max = models.PositiveIntegerField(default=3, validators=[MinValueValidator(1)])
    # --- Health ---
    window_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    min_sample = models.PositiveIntegerField(
        default=20, help_text="Messages with a final outcome before health is judged."
    )
    delivery_target_percent = percent(95)
    delivery_pause_percent = percent(85)
    failure_pause_percent = percent(10)
    rejection_pause_percent = percent(5)
    opt_out_attention_percent = percent(2)
    opt_out_pause_percent = percent(5)
    spam_reports_pause = models.PositiveIntegerField(default=3)
    # --- Ramp ---
    advance_usage_percent = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Share of yesterday's SMS allowance a number must have used to advance a day.",
    )
    cooldown_minutes = models.PositiveIntegerField(default=24 * 60)
    setback_days = models.PositiveSmallIntegerField(default=3)
    max_auto_pauses = models.PositiveSmallIntegerField(
        default=3, help_text="Automatic pauses within 30 days before the number is blocked."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="warmup_plan_one_default"
            ),
            models.CheckConstraint(
                condition=Q(sms_daily_target__gte=models.F("sms_daily_start")),
                name="warmup_plan_target_not_below_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BusinessWarmupPlan(models.Model):
    """The plan a business's numbers use unless a number has its own."""

    business = models.OneToOneField(
        Business, primary_key=True, on_delete=models.CASCADE, related_name="warmup_plan_choice"
    )
    plan = models.ForeignKey(WarmupPlan, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.business} uses {self.plan}"


class NumberWarmup(models.Model):
    """The engine's state of one number's warmup (the seed's fields stay on PhoneNumber).

    `evaluated_day`: the Eastern-time day whose traffic last decided advance or hold, so
    a second pass on the same day (another worker, a retry) cannot advance twice.
    """

    phone_number = models.OneToOneField(
        PhoneNumber, primary_key=True, on_delete=models.CASCADE, related_name="warmup"
    )
    plan = models.ForeignKey(
        WarmupPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan_day = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    evaluated_day = models.DateField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    pacing_status = models.CharField(
        max_length=16, choices=PacingStatus.choices, default=PacingStatus.UNKNOWN
    )
    auto_paused = models.BooleanField(default=False)
    cooldown_until = models.DateTimeField(null=True, blank=True)
    # Signals before this moment are not held against the number after a resume.
    health_since = models.DateTimeField(null=True, blank=True)
    auto_pauses = models.JSONField(default=list, blank=True)
    last_action = models.CharField(
        max_length=16, choices=EngineAction.choices, null=True, blank=True
    )
    last_action_reason = models.TextField(null=True, blank=True)
    last_action_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "number warmup"

    def __str__(self) -> str:
        return f"Warmup of {self.phone_number}: day {self.plan_day}"


class MessageOutcome(models.Model):
    """One reported outcome, kept for `WARMUP_OUTCOME_RETENTION_DAYS` so a repeated
    (messageId, outcome) of the same business is counted once.

    Its foreign keys (and DailyRecipient's) have no database constraint: rows are written
    only by outcomes_record, for numbers and businesses it has just read, and purged within
    days; the deferred checks cost 40 ms of every 1,000-outcome batch's commit. Django still
    cascades deletes of numbers and businesses to them.
    """

    id = models.BigAutoField(primary_key=True)
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    message_id = models.CharField(max_length=255)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    phone_number = models.ForeignKey(
        PhoneNumber, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    error_code = models.CharField(max_length=64, null=True, blank=True)
    recipient = models.CharField(max_length=32, null=True, blank=True)

    class Meta:
        constraints = [
            # Scoped by business: another tenant cannot claim a message id first.
            models.UniqueConstraint(
                fields=["business", "message_id", "outcome"], name="warmup_outcome_identity"
            ),
        ]
        indexes = [
            # A number's recent outcomes, newest first (the status answer's recentEvents).
            models.Index(
                fields=["phone_number", "-occurred_at", "-id"], name="warmup_outcome_recent_idx"
            ),
            # The purge: WHERE received_at < now - retention.
            models.Index(fields=["received_at"], name="warmup_outcome_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.outcome}"


class DailyStats(models.Model):
    """What one number sent and what came of it, on one Eastern-time day, for one owner."""

    id = models.BigAutoField(primary_key=True)
    phone_number = models.ForeignKey(
        PhoneNumber, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    sms_sent = models.PositiveIntegerField(default=0)
    sms_delivered = models.PositiveIntegerField(default=0)
    sms_failed = models.PositiveIntegerField(default=0)
    sms_carrier_rejected = models.PositiveIntegerField(default=0)
    mms_sent = models.PositiveIntegerField(default=0)
    mms_delivered = models.PositiveIntegerField(default=0)
    mms_failed = models.PositiveIntegerField(default=0)
    mms_carrier_rejected = models.PositiveIntegerField(default=0)
    opt_outs = models.PositiveIntegerField(default=0)
    spam_reports = models.PositiveIntegerField(default=0)
    received = models.PositiveIntegerField(default=0)
    recipients = models.PositiveIntegerField(
        default=0, help_text="Distinct recipients messaged that day."
    )
    calls_placed = models.PositiveIntegerField(default=0)
    calls_connected = models.PositiveIntegerField(default=0)
    calls_short = models.PositiveIntegerField(default=0)
    calls_invalid_number = models.PositiveIntegerField(default=0)
    calls_failed = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "daily stats"
        constraints = [
            # Also the index of every read: a number's days in a window.
            models.UniqueConstraint(
                fields=["phone_number", "day", "business"], name="warmup_daily_stats_key"
            ),
        ]
        indexes = [models.Index(fields=["business", "day"], name="warmup_daily_business_idx")]

    def __str__(self) -> str:
        return f"{self.phone_number} on {self.day}"


class DailyRecipient(models.Model):
    """A recipient a number messaged on a day: counted once into DailyStats.recipients."""

    id = models.BigAutoField(primary_key=True)
    phone_number = models.ForeignKey(
        PhoneNumber, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()
    recipient = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["phone_number", "day", "business", "recipient"],
                name="warmup_daily_recipient_key",
            ),
        ]
        indexes = [models.Index(fields=["day"], name="warmup_daily_recipient_day_idx")]

    def __str__(self) -> str:
        return f"{self.recipient} from {_number_of(self)} on {self.day}"


class EngineRun(models.Model):
    """One pass of the warmup engine: when, how long, and what it changed."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    trigger = models.CharField(max_length=16, default="beat")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    evaluated = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    started = models.PositiveIntegerField(default=0)
    advanced = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    paused = models.PositiveIntegerField(default=0)
    resumed = models.PositiveIntegerField(default=0)
    promoted = models.PositiveIntegerField(default=0)
    blocked = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-started_at"], name="warmup_engine_run_started_idx")]

    def __str__(self) -> str:
        return f"Engine run {self.started_at:%Y-%m-%d %H:%M:%S} ({self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class CapacityReservation(models.Model):
    """A unit of a number's capacity handed out by the outgoing-number selection and not
    yet reported as sent, when the counters live in the database (no Redis:
    warmup/reservations.py)."""

    id = models.BigAutoField(primary_key=True)
    phone_number = models.ForeignKey(
        PhoneNumber, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    channel = models.CharField(max_length=8)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["phone_number", "channel", "expires_at"], name="warmup_reservation_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} unit of {_number_of(self)} until {self.expires_at}"
