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
