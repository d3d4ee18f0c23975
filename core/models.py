from django.conf import settings
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    """`created_at` is set on insert; `modified_at` stays null until the first update.

    The API exposes `modifiedAt: null` for rows never changed since creation, so
    services set `modified_at` explicitly instead of relying on `auto_now`.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    modified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an `Idempotency-Key`, for safe retries.

    One row per (caller, key). `fingerprint` is a hash of method, path and body, so
    the same key with a different request is refused (422). `status` stays null
    while the first request is still running (a concurrent retry gets 409). Rows
    are kept for IDEMPOTENCY_KEY_TTL and then ignored and purged.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.BinaryField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key} of {self.user} ({self.status or 'running'})"
