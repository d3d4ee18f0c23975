import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey


class User(AbstractUser):
    """A person or an integration. Ids are UUIDs like every id the API shows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.username


class UserAPIKey(AbstractAPIKey):
    """An API key acting as `user`: hashed at rest (SHA-512), shown once, revocable.

    The key string is `<prefix>.<secret>`; only the prefix and the hash are stored.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"
