import uuid

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel


class Business(TimeStampedModel):
    """A customer account: owns phone numbers; users act on it through memberships."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)

    class Meta:
        verbose_name_plural = "businesses"
        indexes = [models.Index(fields=["name"], name="business_name_idx")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """`user` may act on `business` (and everything it owns) through the API."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "business"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.business}"
