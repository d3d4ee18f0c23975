"""Re-encrypt every endpoint's secrets with the current SECRET_KEY.

After rotating SECRET_KEY (the old one moved to SECRET_KEY_FALLBACKS), run this once; then
the old key can leave SECRET_KEY_FALLBACKS without endpoints losing their secrets.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from webhooks.models import WebhookEndpoint
from webhooks.secrets import SecretUnreadable, secret_decrypt, secret_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt webhook endpoints' secrets with the current SECRET_KEY."

    def handle(self, *args, **options) -> None:
        done, unreadable = 0, []
        with transaction.atomic():
            for endpoint in WebhookEndpoint.objects.select_for_update().order_by("pk"):
                try:
                    secret_decrypt(endpoint.secret)
                    endpoint.secret = secret_reencrypt(endpoint.secret)
                    if endpoint.previous_secret:
                        endpoint.previous_secret = secret_reencrypt(endpoint.previous_secret)
                except SecretUnreadable:
                    unreadable.append(endpoint)
                    continue
                endpoint.save(update_fields=["secret", "previous_secret"])
                done += 1
        self.stdout.write(f"Re-encrypted the secrets of {done} endpoint(s).")
        for endpoint in unreadable:
            self.stderr.write(
                f"Endpoint {endpoint.pk} ({endpoint.url}): no current or fallback key opens "
                "its secret; rotate it (POST /webhook-endpoints/{id}/rotate-secret)."
            )
